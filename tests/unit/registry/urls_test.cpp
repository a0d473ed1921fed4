#include <catch2/catch.hpp>

#include "registry/client_impl.hpp"
#include "registry/urls.hpp"

using namespace ferry::registry;

TEST_CASE("base URLs", "[urls]") {
    CHECK(base_url("docker.io", false) == "https://registry-1.docker.io");
    CHECK(base_url("index.docker.io", false) == "https://registry-1.docker.io");
    CHECK(base_url("127.0.0.1:5101", true) == "http://127.0.0.1:5101");
    CHECK(base_url("quay.io", false) == "https://quay.io");
    CHECK(object_url("http://h:1", "a/b", "manifests", "1.0") == "http://h:1/v2/a/b/manifests/1.0");
    CHECK(object_url("https://h", "a", "blobs", "sha256:ab") == "https://h/v2/a/blobs/sha256:ab");
}

TEST_CASE("references for messages", "[urls]") {
    CHECK(display_ref("127.0.0.1:5101", "corpus/app", "1.0") == "127.0.0.1:5101/corpus/app:1.0");
    CHECK(display_ref("h", "r", "sha256:abc") == "h/r@sha256:abc");
    CHECK(display_ref("h", "r", "") == "h/r");
}

TEST_CASE("Link headers", "[urls]") {
    CHECK(next_link({R"(</v2/a/tags/list?last=x&n=2>; rel="next")"}) == "/v2/a/tags/list?last=x&n=2");
    CHECK(next_link({R"(<https://other.example/v2/_catalog?last=b>;rel=next)"}) == "https://other.example/v2/_catalog?last=b");
    CHECK(next_link({R"(<p1>; rel="prev", <p2>; rel="next")"}) == "p2");
    CHECK(next_link({R"(<p1>; rel="next", <p2>; rel="prev")"}) == "p1");
    CHECK(next_link({R"(<a,b>; title="x"; REL="last next")"}) == "a,b");
    CHECK(next_link({R"(<p1>; rel="prev")", R"(<p3>; rel="next")"}) == "p3");
    CHECK_FALSE(next_link({R"(<p1>; rel="prev")"}).has_value());
    CHECK_FALSE(next_link({}).has_value());
    CHECK_FALSE(next_link({"garbage"}).has_value());
}

TEST_CASE("scopes", "[urls]") {
    CHECK(pull_scope("a/b") == std::vector<std::string>{"repository:a/b:pull"});
    CHECK(push_scope("a/b") == std::vector<std::string>{"repository:a/b:pull,push"});
}

TEST_CASE("same_origin decides which URLs get this host's credentials", "[urls]") {
    CHECK(same_origin("http://127.0.0.1:5102/v2/x/blobs/uploads/1", "http://127.0.0.1:5102"));
    CHECK(same_origin("HTTPS://Quay.IO/v2/", "https://quay.io:443"));
    CHECK(same_origin("http://h/v2/?a=1", "http://h:80"));
    CHECK_FALSE(same_origin("http://localhost:5102/upload", "http://127.0.0.1:5102"));
    CHECK_FALSE(same_origin("http://127.0.0.1:5103/x", "http://127.0.0.1:5102"));
    CHECK_FALSE(same_origin("http://quay.io/x", "https://quay.io"));
    CHECK_FALSE(same_origin("https://quay.io@evil.example/x", "https://quay.io"));
    CHECK_FALSE(same_origin("/v2/relative", "https://quay.io"));
    CHECK(same_origin("http://[::1]:5000/v2/", "http://[::1]:5000"));
    CHECK_FALSE(same_origin("http://[::1]/v2/", "http://[::1]:5000"));
}

#include "registry/client.hpp"
#include "registry/client_impl.hpp"

TEST_CASE("path prefixes are normalised", "[urls]") {
    using ferry::registry::normalize_path_prefix;
    CHECK(normalize_path_prefix("artifactory/api/docker/repo/") == "/artifactory/api/docker/repo");
    CHECK(normalize_path_prefix("/artifactory/api/docker/repo/v2/") == "/artifactory/api/docker/repo");
    CHECK(normalize_path_prefix("") == "");
}
