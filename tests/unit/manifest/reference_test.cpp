#include <catch2/catch.hpp>

#include <string>

#include "manifest/reference.hpp"

using ferry::core::ErrorKind;
using ferry::manifest::Digest;
using ferry::manifest::Reference;

namespace {

const std::string kDigest = "sha256:" + std::string(64, 'c');

struct Expected {
    std::string input;
    std::string registry;
    std::string repository;
    std::string tag;     // "" = none
    std::string digest;  // "" = none
    std::string api_host;
};

}  // namespace

TEST_CASE("Reference::parse normalises names like Docker") {
    auto e = GENERATE_COPY(
        Expected{"nginx", "docker.io", "library/nginx", "latest", "", "registry-1.docker.io"},
        Expected{"nginx:1.25", "docker.io", "library/nginx", "1.25", "", "registry-1.docker.io"},
        Expected{"docker.io/nginx", "docker.io", "library/nginx", "latest", "", "registry-1.docker.io"},
        Expected{"index.docker.io/nginx", "docker.io", "library/nginx", "latest", "",
                 "registry-1.docker.io"},
        Expected{"docker.io/library/nginx:alpine", "docker.io", "library/nginx", "alpine", "",
                 "registry-1.docker.io"},
        Expected{"bitnami/redis:7", "docker.io", "bitnami/redis", "7", "", "registry-1.docker.io"},
        Expected{"docker://alpine:3.19", "docker.io", "library/alpine", "3.19", "",
                 "registry-1.docker.io"},
        Expected{"localhost/app", "localhost", "app", "latest", "", "localhost"},
        Expected{"localhost:5000/app:dev", "localhost:5000", "app", "dev", "", "localhost:5000"},
        Expected{"127.0.0.1:5000/a/b:tag", "127.0.0.1:5000", "a/b", "tag", "", "127.0.0.1:5000"},
        Expected{"[::1]:5000/x", "[::1]:5000", "x", "latest", "", "[::1]:5000"},
        Expected{"[fe80::1]/team/x:v1", "[fe80::1]", "team/x", "v1", "", "[fe80::1]"},
        Expected{"quay.io/coreos/etcd:v3.5.0", "quay.io", "coreos/etcd", "v3.5.0", "", "quay.io"},
        Expected{"ghcr.io/a/b/c/d", "ghcr.io", "a/b/c/d", "latest", "", "ghcr.io"},
        Expected{"my-registry.example.com:443/x_y/z__w/a-b--c/d.e", "my-registry.example.com:443",
                 "x_y/z__w/a-b--c/d.e", "latest", "", "my-registry.example.com:443"},
        Expected{"nginx@" + kDigest, "docker.io", "library/nginx", "", kDigest, "registry-1.docker.io"},
        Expected{"registry.example:5000/app:1.0@" + kDigest, "registry.example:5000", "app", "1.0",
                 kDigest, "registry.example:5000"},
        Expected{"app:_Tag.With-Mixed_Case", "docker.io", "library/app", "_Tag.With-Mixed_Case", "",
                 "registry-1.docker.io"});
    INFO(e.input);
    auto ref = Reference::parse(e.input);
    REQUIRE(ref);
    CHECK(ref->registry == e.registry);
    CHECK(ref->repository == e.repository);
    CHECK(ref->tag.value_or("") == e.tag);
    CHECK((ref->digest ? ref->digest->str() : "") == e.digest);
    CHECK(ref->api_host() == e.api_host);
}

TEST_CASE("Reference accessors and rewrites") {
    auto ref = Reference::parse("127.0.0.1:5000/a/b:tag@" + kDigest).value();
    CHECK(ref.repository_str() == "127.0.0.1:5000/a/b");
    CHECK(ref.str() == "127.0.0.1:5000/a/b:tag@" + kDigest);
    CHECK(ref.manifest_ref() == kDigest);  // the digest wins

    auto tagged = ref.with_tag("v2");
    CHECK(tagged.str() == "127.0.0.1:5000/a/b:v2");
    CHECK(tagged.manifest_ref() == "v2");
    auto pinned = tagged.with_digest(Digest::parse(kDigest).value());
    CHECK(pinned.str() == "127.0.0.1:5000/a/b@" + kDigest);
    CHECK(pinned.with_repository("mirror/b").str() == "127.0.0.1:5000/mirror/b@" + kDigest);

    auto bare = Reference::parse("nginx", false).value();
    CHECK_FALSE(bare.tag);
    CHECK(bare.manifest_ref() == "latest");
    CHECK(bare.str() == "docker.io/library/nginx");
    CHECK(Reference::parse(bare.str()).value() == Reference::parse("nginx").value());
}

TEST_CASE("Reference::parse round-trips its own str()") {
    auto text = GENERATE(std::string("docker.io/library/nginx:1.25"),
                         std::string("[::1]:5000/x:y@") + kDigest,
                         std::string("quay.io/a/b@") + kDigest);
    CHECK(Reference::parse(text).value().str() == text);
}

TEST_CASE("Reference::parse rejects invalid references with a precise message") {
    struct Bad {
        std::string input;
        std::string reason;
    };
    auto b = GENERATE_COPY(
        Bad{"", "empty reference"},
        Bad{"docker://", "empty reference"},
        Bad{"Nginx", "repository component 'Nginx' must be lower case"},
        Bad{"quay.io/Team/app", "repository component 'Team' must be lower case"},
        Bad{"quay.io//app", "empty repository component"},
        Bad{"quay.io/app/", "empty repository component"},
        Bad{"/app", "empty repository component"},
        Bad{"quay.io/", "empty repository component"},
        Bad{"app:", "empty tag after ':'"},
        Bad{"app:-bad", "tag '-bad' must start with a letter, digit or '_'"},
        Bad{"app:.bad", "tag '.bad' must start"},
        Bad{"app:bad+tag", "tag 'bad+tag' contains invalid character '+'"},
        Bad{"app:" + std::string(129, 'x'), "longer than 128 characters"},
        Bad{"app@", "empty digest after '@'"},
        Bad{"app@sha256:abc", "invalid digest \"sha256:abc\""},
        Bad{"app@md5:abc", "unsupported algorithm"},
        Bad{"team/a..b", "repository component 'a..b' has invalid separator '..'"},
        Bad{"a..b/c", "registry 'a..b' is not a valid host name"},
        Bad{"team/a___b", "invalid separator '___'"},
        Bad{"team/a._b", "invalid separator '._'"},
        Bad{"team/-app", "must start and end with a letter or digit"},
        Bad{"team/app_", "must start and end with a letter or digit"},
        Bad{"team/app!", "contains invalid character '!'"},
        Bad{"team/my app", "contains invalid character ' '"},
        Bad{"localhost:abc/app", "registry 'localhost:abc' has an invalid port 'abc'"},
        Bad{"localhost:99999/app", "invalid port '99999'"},
        Bad{"host-.example/app", "registry 'host-.example' is not a valid host name"},
        Bad{"[::1/app", "is not a valid [IPv6] address"},
        Bad{"[zz]:5000/app", "is not a valid [IPv6] address"},
        Bad{"[::1]x/app", "has text after ']'"},
        Bad{"quay.io/" + std::string(250, 'a'), "the limit is 255"},
        Bad{std::string(247, 'a'), "the limit is 255"});  // docker.io/library/ + 247 = 265
    INFO(b.input);
    auto ref = Reference::parse(b.input);
    REQUIRE_FALSE(ref);
    CHECK(ref.error().kind == ErrorKind::InvalidInput);
    CHECK_THAT(ref.error().message, Catch::StartsWith("invalid reference \"" + b.input + "\": "));
    CHECK_THAT(ref.error().message, Catch::Contains(b.reason));
}

TEST_CASE("Reference length limit counts the normalised name") {
    auto at_limit = "quay.io/" + std::string(247, 'a');  // 7 + 1 + 247 = 255
    CHECK(Reference::parse(at_limit));
    CHECK_FALSE(Reference::parse("quay.io/" + std::string(248, 'a')));
}

TEST_CASE("Reference::parse_repository refuses tags and digests") {
    auto repo = Reference::parse_repository("127.0.0.1:5000/team/app");
    REQUIRE(repo);
    CHECK(repo->repository == "team/app");
    CHECK_FALSE(repo->tag);
    CHECK(Reference::parse_repository("alpine").value().repository == "library/alpine");
    auto tagged = Reference::parse_repository("team/app:1.0");
    REQUIRE_FALSE(tagged);
    CHECK_THAT(tagged.error().message, Catch::Contains("without tag or digest"));
    CHECK_FALSE(Reference::parse_repository("team/app@" + kDigest));
}

TEST_CASE("tag and repository validators") {
    CHECK(ferry::manifest::is_valid_tag("latest"));
    CHECK(ferry::manifest::is_valid_tag("_x"));
    CHECK(ferry::manifest::is_valid_tag(std::string(128, 'a')));
    CHECK_FALSE(ferry::manifest::is_valid_tag(std::string(129, 'a')));
    CHECK_FALSE(ferry::manifest::is_valid_tag(""));
    CHECK_FALSE(ferry::manifest::is_valid_tag("a/b"));
    CHECK(ferry::manifest::is_valid_repository("a/b-c/d__e"));
    CHECK(ferry::manifest::is_valid_repository("a1.b2"));
    CHECK_FALSE(ferry::manifest::is_valid_repository("a/B"));
    CHECK_FALSE(ferry::manifest::is_valid_repository("a//b"));
    CHECK_FALSE(ferry::manifest::is_valid_repository(""));
}

TEST_CASE("the validators are the distribution grammar, names from outside included") {
    using ferry::manifest::is_valid_repository;
    using ferry::manifest::is_valid_tag;
    // tags: [A-Za-z0-9_][A-Za-z0-9._-]{0,127}
    CHECK(is_valid_tag("v1.2.3-rc_1"));
    CHECK(is_valid_tag("1.0"));
    CHECK(is_valid_tag("UPPER_case"));
    CHECK_FALSE(is_valid_tag("sha256:0123"));  // a digest in a Nexus tag list
    CHECK_FALSE(is_valid_tag(".hidden"));
    CHECK_FALSE(is_valid_tag("-x"));
    CHECK_FALSE(is_valid_tag(".."));
    CHECK_FALSE(is_valid_tag("1.0/../../x"));
    CHECK_FALSE(is_valid_tag("%2e%2e"));
    CHECK_FALSE(is_valid_tag("v1\n"));
    CHECK_FALSE(is_valid_tag("v1\x1b[31m"));
    CHECK_FALSE(is_valid_tag("caf\xc3\xa9"));  // non-ASCII letters are no tag characters
    // repositories: [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)* per component, no empty/./.. component
    CHECK(is_valid_repository("mirror/nginx"));
    CHECK(is_valid_repository("a--b/c.d/e__f/g_h"));
    CHECK_FALSE(is_valid_repository("x/../../mirror/nginx"));
    CHECK_FALSE(is_valid_repository("../mirror"));
    CHECK_FALSE(is_valid_repository("a/./b"));
    CHECK_FALSE(is_valid_repository("."));
    CHECK_FALSE(is_valid_repository("%2e%2e/mirror/nginx"));
    CHECK_FALSE(is_valid_repository("a/%2E%2E/b"));
    CHECK_FALSE(is_valid_repository("Mirror/nginx"));
    CHECK_FALSE(is_valid_repository("a/b/"));
    CHECK_FALSE(is_valid_repository("/a"));
    CHECK_FALSE(is_valid_repository("a___b"));
    CHECK_FALSE(is_valid_repository("a._b"));
    CHECK_FALSE(is_valid_repository("bad\nname"));
    CHECK_FALSE(is_valid_repository("bad\x1b[31mname"));
    CHECK_FALSE(is_valid_repository("a b"));
    CHECK_FALSE(is_valid_repository("a:b"));
    // at most 255 characters in all
    const std::string long_ok = std::string(127, 'a') + "/" + std::string(127, 'b');  // 255
    CHECK(is_valid_repository(long_ok));
    CHECK_FALSE(is_valid_repository(long_ok + "c"));
    CHECK_FALSE(is_valid_repository(std::string(256, 'a')));
}

TEST_CASE("an invalid reference's message shows control characters escaped") {
    auto ref = Reference::parse("host.example/a\n\x1b[31mb:1");
    REQUIRE_FALSE(ref);
    CHECK(ref.error().message.find('\n') == std::string::npos);
    CHECK(ref.error().message.find('\x1b') == std::string::npos);
    CHECK_THAT(ref.error().message, Catch::Contains("a\\n\\x1b[31mb"));
}
