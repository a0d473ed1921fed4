// Listing quirks of registry::Client over real libcurl against a scripted server: Link
// pagination (relative and absolute), the n cap, pagination that stops bringing names or
// loops, tag lists with junk, catalogs a host lacks, and referrers API detection.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "manifest/media_type.hpp"
#include "scripted_registry.hpp"

using namespace ferry;
using namespace ferry::testing;

namespace {

Reply page(const std::string& field, const std::vector<std::string>& names, const std::string& next = "") {
    Reply r{200, {{"Content-Type", "application/json"}}, nlohmann::json{{field, names}}.dump()};
    if (!next.empty()) r.headers.emplace_back("Link", "<" + next + ">; rel=\"next\"");
    return r;
}

Reply pagination_refused() {
    return Reply{400, {{"Content-Type", "application/json"}},
                 R"({"errors":[{"code":"PAGINATION_NUMBER_INVALID","message":"invalid number of results requested"}]})"};
}

const auto kSubject = manifest::Digest::of("subject");

nlohmann::json referrer(const std::string& seed) {
    return {{"mediaType", std::string(manifest::media::kOciManifest)},
            {"digest", manifest::Digest::of(seed).str()},
            {"size", 321},
            {"artifactType", "application/vnd.dev.cosign.artifact.sig.v1+json"}};
}

Reply referrers_index(const std::vector<nlohmann::json>& entries, const std::string& next = "") {
    nlohmann::json doc{{"schemaVersion", 2}, {"mediaType", std::string(manifest::media::kOciIndex)},
                       {"manifests", entries}};
    Reply r{200, {{"Content-Type", std::string(manifest::media::kOciIndex)}}, doc.dump()};
    if (!next.empty()) r.headers.emplace_back("Link", "<" + next + ">; rel=\"next\"");
    return r;
}

}  // namespace

TEST_CASE("a tag list follows a relative Link to its last page, each tag once", "[registry][listing]") {
    ScriptedHttp server;
    open_ping(server);
    server.expect("GET", "/v2/app/tags/list?n=1000", page("tags", {"1.0", "1.1"}, "/v2/app/tags/list?last=1.1&n=1000"));
    server.expect("GET", "/v2/app/tags/list?last=1.1&n=1000", page("tags", {"1.1", "2.0"}));
    auto r = scripted_registry(server);
    auto tags = r->list_tags("app");
    REQUIRE(tags);
    CHECK(*tags == std::vector<std::string>{"1.0", "1.1", "2.0"});
    CHECK(server.problems() == "");
    CHECK(server.unused() == "");
}

TEST_CASE("a catalog follows an absolute Link", "[registry][listing]") {
    ScriptedHttp server;
    open_ping(server);
    server.expect("GET", "/v2/_catalog?n=1000", page("repositories", {"a/one"}, server.url() + "/v2/_catalog?last=a%2Fone&n=1000"));
    server.expect("GET", "/v2/_catalog?last=a%2Fone&n=1000", page("repositories", {"b/two"}));
    auto r = scripted_registry(server);
    auto repos = r->catalog();
    REQUIRE(repos);
    CHECK(*repos == std::vector<std::string>{"a/one", "b/two"});
    CHECK(server.problems() == "");
}

TEST_CASE("a page size above the registry's cap is asked again with n=100, then without n", "[registry][listing]") {
    // distribution 3.1 caps n at 100 (registry/handlers/tags.go), ACR at 1000 (Azure/acr#749).
    const bool hundred_too_many = GENERATE(false, true);
    ScriptedHttp server;
    open_ping(server);
    server.expect("GET", "/v2/app/tags/list?n=1000", pagination_refused());
    if (hundred_too_many) {
        server.expect("GET", "/v2/app/tags/list?n=100", pagination_refused());
        server.expect("GET", "/v2/app/tags/list", page("tags", {"1.0"}));
    } else {
        server.expect("GET", "/v2/app/tags/list?n=100", page("tags", {"1.0"}));
    }
    auto r = scripted_registry(server);
    auto tags = r->list_tags("app");
    REQUIRE(tags);
    CHECK(*tags == std::vector<std::string>{"1.0"});
    CHECK(server.problems() == "");
    CHECK(server.unused() == "");
}

TEST_CASE("pagination stops when pages keep bringing no new names", "[registry][listing]") {
    ScriptedHttp server;
    open_ping(server);
    server.expect("GET", "/v2/app/tags/list?n=1000", page("tags", {"a", "b"}, "/v2/app/tags/list?page=1"));
    for (int i = 1; i <= 10; ++i)  // fresh next-URLs over the same names, without end
        server.expect("GET", "/v2/app/tags/list?page=" + std::to_string(i),
                      page("tags", {"a", "b"}, "/v2/app/tags/list?page=" + std::to_string(i + 1)));
    auto r = scripted_registry(server);
    auto tags = r->list_tags("app");
    REQUIRE_FALSE(tags);
    CHECK(tags.error().kind == core::ErrorKind::Protocol);
    CHECK_THAT(tags.error().message, Catch::Contains("5 pages in a row brought no new entry"));
    CHECK(server.received("GET", "/v2/app/tags/list").size() == 6);
    CHECK(server.problems() == "");
}

TEST_CASE("pagination that links back to a page it visited is refused", "[registry][listing]") {
    ScriptedHttp server;
    open_ping(server);
    server.expect("GET", "/v2/app/tags/list?n=1000", page("tags", {"a"}, "/v2/app/tags/list?last=a"));
    server.expect("GET", "/v2/app/tags/list?last=a", page("tags", {"b"}, "/v2/app/tags/list?n=1000"));
    auto r = scripted_registry(server);
    auto tags = r->list_tags("app");
    REQUIRE_FALSE(tags);
    CHECK_THAT(tags.error().message, Catch::Contains("pagination loops back to " + server.url() + "/v2/app/tags/list?n=1000"));
    CHECK(server.problems() == "");
}

TEST_CASE("a tag list keeps only valid tags (null and digests dropped)", "[registry][listing]") {
    ScriptedHttp server;
    open_ping(server);
    server.expect("GET", "/v2/app/tags/list?n=1000",
                  Reply{200, {}, R"({"name":"app","tags":["1.0",null,"sha256:abc","-bad","latest"]})"});
    auto r = scripted_registry(server);
    CHECK(r->list_tags("app").value() == std::vector<std::string>{"1.0", "latest"});
}

TEST_CASE("a host without a catalog is Unsupported with advice", "[registry][listing]") {
    ScriptedHttp server;
    open_ping(server);
    server.expect("GET", "/v2/_catalog?n=1000", Reply{404, {}, R"({"errors":[{"code":"NOT_FOUND","message":"not found"}]})"});
    auto r = scripted_registry(server);
    auto repos = r->catalog();
    REQUIRE_FALSE(repos);
    CHECK(repos.error().kind == core::ErrorKind::Unsupported);
    CHECK_THAT(repos.error().message, Catch::Contains("name its repositories in the plan instead of " + server.host() + "/*"));
}

TEST_CASE("a host whose referrers API answers 404 is asked once and falls back", "[registry][referrers]") {
    ScriptedHttp server;
    open_ping(server);
    server.expect("GET", "/v2/app/referrers/" + kSubject.str(), Reply{404, {}, "404 page not found"});
    auto r = scripted_registry(server);
    auto first = r->list_referrers("app", kSubject);
    REQUIRE(first);
    CHECK_FALSE(first->has_value());
    auto second = r->list_referrers("other", manifest::Digest::of("another subject"));
    REQUIRE(second);
    CHECK_FALSE(second->has_value());
    CHECK(server.received("GET", "/v2/").size() == 2);  // the ping and the one referrers request
    CHECK(server.problems() == "");
}

TEST_CASE("a 404 NAME_UNKNOWN from the referrers API decides nothing about the host", "[registry][referrers]") {
    ScriptedHttp server;
    open_ping(server);
    server.expect("GET", "/v2/new/referrers/" + kSubject.str(),
                  Reply{404, {}, R"({"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry"}]})"});
    server.expect("GET", "/v2/app/referrers/" + kSubject.str(), referrers_index({referrer("sig")}));
    auto r = scripted_registry(server);
    auto absent = r->list_referrers("new", kSubject);
    REQUIRE(absent);
    CHECK_FALSE(absent->has_value());
    auto found = r->list_referrers("app", kSubject);
    REQUIRE(found);
    REQUIRE(found->has_value());
    CHECK((*found)->size() == 1);
    CHECK(server.unused() == "");
}

TEST_CASE("a referrers API answering an image index lists its descriptors over every page", "[registry][referrers]") {
    ScriptedHttp server;
    open_ping(server);
    const std::string first_url = "/v2/app/referrers/" + kSubject.str();
    server.expect(Exchange{"GET", first_url, referrers_index({referrer("sig"), referrer("sbom")}, first_url + "?last=2"), 1,
                           [](const RecordedRequest& req) {
                               return req.header("Accept") == std::optional<std::string>(manifest::media::kOciIndex)
                                          ? ""
                                          : "Accept is not the OCI index";
                           }});
    server.expect("GET", first_url + "?last=2", referrers_index({referrer("sbom"), referrer("attestation")}));
    server.expect("GET", "/v2/app/referrers/" + manifest::Digest::of("s2").str(), referrers_index({}));
    auto r = scripted_registry(server);
    auto found = r->list_referrers("app", kSubject);
    REQUIRE(found);
    REQUIRE(found->has_value());
    REQUIRE((*found)->size() == 3);
    CHECK((*found)->at(0).digest == manifest::Digest::of("sig"));
    CHECK((*found)->at(2).digest == manifest::Digest::of("attestation"));
    CHECK((*found)->at(0).artifact_type == "application/vnd.dev.cosign.artifact.sig.v1+json");
    auto empty = r->list_referrers("app", manifest::Digest::of("s2"));  // the API is known: asked again
    REQUIRE(empty);
    REQUIRE(empty->has_value());
    CHECK((*empty)->empty());
    CHECK(server.problems() == "");
    CHECK(server.unused() == "");
}

TEST_CASE("a referrers answer that is no image index means no referrers API", "[registry][referrers]") {
    ScriptedHttp server;
    open_ping(server);
    server.expect("GET", "/v2/app/referrers/" + kSubject.str(), Reply{200, {{"Content-Type", "text/html"}}, "<html>hi</html>"});
    auto r = scripted_registry(server);
    auto found = r->list_referrers("app", kSubject);
    REQUIRE(found);
    CHECK_FALSE(found->has_value());
    CHECK(r->list_referrers("app", manifest::Digest::of("s2")).value() == std::nullopt);
    CHECK(server.received().size() == 2);
}
