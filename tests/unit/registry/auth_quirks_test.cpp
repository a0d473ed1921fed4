// Auth quirks of registry::Client over real libcurl against a scripted server: the ping,
// Basic and Bearer challenges, token replies and scopes, and credentials that never follow a
// URL to another host (ARCHITECTURE.md, "Credentials follow the origin").
#include <catch2/catch.hpp>

#include "scripted_registry.hpp"

using namespace ferry;
using namespace ferry::testing;

namespace {

const auto kBlob = manifest::Digest::of("layer bytes");

std::string bearer_challenge(const ScriptedHttp& server) {
    return "Bearer realm=\"" + server.url() + "/token\",service=\"scripted.test\"";
}

void bearer_ping(ScriptedHttp& server) {
    server.expect("GET", "/v2/", Reply{401, {{"WWW-Authenticate", bearer_challenge(server)}}, "{}"});
}

std::vector<std::string> token_scopes(const ScriptedHttp& server, std::size_t i) {
    auto tokens = server.received("GET", "/token");
    return i < tokens.size() ? tokens[i].query("scope") : std::vector<std::string>{};
}

}  // namespace

TEST_CASE("ping is sent once per host and a 200 needs no credentials", "[registry][auth]") {
    ScriptedHttp server;
    open_ping(server);
    server.expect(Exchange{"HEAD", "/v2/app/blobs/" + kBlob.str(), Reply{200, {{"Content-Length", "11"}}}, 2,
                           no_authorization});
    auto r = scripted_registry(server);
    REQUIRE(r->head_blob("app", kBlob).value() == std::optional<std::int64_t>(11));
    REQUIRE(r->head_blob("app", kBlob).value() == std::optional<std::int64_t>(11));
    CHECK(server.received("GET", "/v2/").size() == 1);
    CHECK(server.problems() == "");
    CHECK(server.unused() == "");
}

TEST_CASE("ping answered 404 says the host is no registry API endpoint", "[registry][auth]") {
    ScriptedHttp server;
    server.expect("GET", "/v2/", Reply{404, {}, "not here"});
    auto r = scripted_registry(server);
    auto st = r->head_blob("app", kBlob);
    REQUIRE_FALSE(st);
    CHECK(st.error().kind == core::ErrorKind::Protocol);
    CHECK_THAT(st.error().message, Catch::Contains("GET /v2/ answered 404: not a registry API endpoint"));
    CHECK(server.received().size() == 1);
}

TEST_CASE("a Basic challenge gets the host's credentials on every request", "[registry][auth]") {
    ScriptedHttp server;
    server.expect("GET", "/v2/", Reply{401, {{"WWW-Authenticate", "Basic realm=\"scripted\""}}, "{}"});
    server.expect(Exchange{"HEAD", "/v2/app/blobs/" + kBlob.str(), Reply{404}, 1, [](const RecordedRequest& req) {
                               return req.header("Authorization") == std::optional<std::string>(kBasicValue)
                                          ? ""
                                          : "Authorization is not the Basic credential";
                           }});
    auto r = scripted_registry(server, with_credentials);
    auto head = r->head_blob("app", kBlob);
    REQUIRE(head);
    CHECK_FALSE(head->has_value());
    CHECK(server.problems() == "");
    CHECK_FALSE(server.received("GET", "/v2/")[0].header("Authorization"));  // the ping goes bare
}

TEST_CASE("a Bearer challenge fetches one token with realm, service, scope and account", "[registry][auth]") {
    ScriptedHttp server;
    bearer_ping(server);
    server.expect(Exchange{"GET", "/token?*", Reply{200, {}, R"({"token":"tok-pull","expires_in":300})"}, 1,
                           [](const RecordedRequest& req) {
                               if (req.header("Authorization") != std::optional<std::string>(kBasicValue))
                                   return std::string("token request without the Basic credential");
                               if (req.query("service") != std::vector<std::string>{"scripted.test"}) return std::string("service");
                               if (req.query("account") != std::vector<std::string>{kUser}) return std::string("account");
                               return std::string();
                           }});
    server.expect(Exchange{"HEAD", "/v2/app/blobs/" + kBlob.str(), Reply{200, {{"Content-Length", "3"}}}, 2,
                           [](const RecordedRequest& req) {
                               return req.header("Authorization") == std::optional<std::string>("Bearer tok-pull")
                                          ? ""
                                          : "not the token";
                           }});
    auto r = scripted_registry(server, with_credentials);
    REQUIRE(r->head_blob("app", kBlob));
    REQUIRE(r->head_blob("app", kBlob));  // the cached token
    CHECK(server.received("GET", "/token").size() == 1);
    CHECK(token_scopes(server, 0) == std::vector<std::string>{"repository:app:pull"});
    CHECK(server.problems() == "");
}

TEST_CASE("a token endpoint answering access_token instead of token is accepted", "[registry][auth]") {
    ScriptedHttp server;
    bearer_ping(server);
    server.expect("GET", "/token?*", Reply{200, {}, R"({"access_token":"oauth-tok"})"});
    server.expect(Exchange{"HEAD", "/v2/app/blobs/" + kBlob.str(), Reply{404}, 1, [](const RecordedRequest& req) {
                               return req.header("Authorization") == std::optional<std::string>("Bearer oauth-tok")
                                          ? ""
                                          : "not the access_token";
                           }});
    auto r = scripted_registry(server);  // anonymous: no account, no Basic
    REQUIRE(r->head_blob("app", kBlob));
    CHECK(server.problems() == "");
    auto token_request = server.received("GET", "/token").at(0);
    CHECK_FALSE(token_request.header("Authorization"));
    CHECK(token_request.query("account").empty());
}

TEST_CASE("reads ask for a pull token and writes for a pull,push token", "[registry][auth]") {
    ScriptedHttp server;
    bearer_ping(server);
    server.expect("GET", "/token?*", Reply{200, {}, R"({"token":"t"})"}, 2);
    server.expect("HEAD", "/v2/app/blobs/" + kBlob.str(), Reply{404});
    server.expect("POST", "/v2/app/blobs/uploads/", Reply{202, {{"Location", "/v2/app/blobs/uploads/u1"}}});
    server.expect("PUT", "/v2/app/blobs/uploads/u1?*", Reply{201});
    auto r = scripted_registry(server, with_credentials);
    REQUIRE(r->head_blob("app", kBlob));
    REQUIRE(r->put_blob("app", kBlob, 11, source_of("layer bytes")));
    REQUIRE(server.received("GET", "/token").size() == 2);
    CHECK(token_scopes(server, 0) == std::vector<std::string>{"repository:app:pull"});
    CHECK(token_scopes(server, 1) == std::vector<std::string>{"repository:app:pull,push"});
    CHECK(server.problems() == "");
}

TEST_CASE("a cross-repository mount asks pull on the source and push on the target", "[registry][auth]") {
    ScriptedHttp server;
    bearer_ping(server);
    server.expect("GET", "/token?*", Reply{200, {}, R"({"token":"t"})"});
    server.expect("POST", "/v2/team/app/blobs/uploads/?*", Reply{201, {{"Location", "/v2/team/app/blobs/" + kBlob.str()}}});
    auto r = scripted_registry(server, with_credentials);
    auto mounted = r->mount_blob("team/app", kBlob, "base/os");
    REQUIRE(mounted);
    CHECK(*mounted);
    auto scopes = token_scopes(server, 0);
    std::sort(scopes.begin(), scopes.end());
    CHECK(scopes == std::vector<std::string>{"repository:base/os:pull", "repository:team/app:pull,push"});
    auto post = server.received("POST", "/v2/team/app/blobs/uploads/").at(0);
    CHECK(post.query("mount") == std::vector<std::string>{kBlob.str()});
    CHECK(post.query("from") == std::vector<std::string>{"base/os"});
    CHECK(server.problems() == "");
}

TEST_CASE("a token endpoint refusing the credentials is an Auth error without the password", "[registry][auth]") {
    ScriptedHttp server;
    bearer_ping(server);
    server.expect("GET", "/token?*", Reply{401, {}, R"({"details":"incorrect username or password"})"});
    auto r = scripted_registry(server, with_credentials);
    auto head = r->head_blob("app", kBlob);
    REQUIRE_FALSE(head);
    CHECK(head.error().kind == core::ErrorKind::Auth);
    CHECK_THAT(head.error().message, Catch::Contains("fetching a token for " + server.host()) &&
                                         Catch::Contains("HTTP 401"));
    CHECK_THAT(head.error().message, !Catch::Contains(kPassword) && !Catch::Contains("dXNlcjpzM2NyM3QtcHc="));
    CHECK(server.received("HEAD", "/v2/").empty());  // no request without the token it needs
}

TEST_CASE("Authorization is not sent to an upload Location on another host", "[registry][auth]") {
    ScriptedHttp server;
    ScriptedHttp storage;  // another origin: same address, other port
    server.expect("GET", "/v2/", Reply{401, {{"WWW-Authenticate", "Basic realm=\"scripted\""}}, "{}"});
    server.expect(Exchange{"POST", "/v2/app/blobs/uploads/", Reply{202, {{"Location", storage.url() + "/upload/s1?sig=x"}}}, 1,
                           [](const RecordedRequest& req) {
                               return req.header("Authorization") ? "" : "the registry itself got no credential";
                           }});
    storage.expect(Exchange{"PUT", "/upload/s1?*", Reply{201}, 1, no_authorization});
    auto r = scripted_registry(server, with_credentials);
    const std::string bytes = "layer bytes";
    REQUIRE(r->put_blob("app", kBlob, bytes.size(), source_of(bytes)));
    CHECK(server.problems() == "");
    CHECK(storage.problems() == "");
    CHECK(storage.received().at(0).body == bytes);
    CHECK(storage.received().at(0).query("digest") == std::vector<std::string>{kBlob.str()});
}

TEST_CASE("Authorization is not forwarded when a blob GET redirects to another host", "[registry][auth]") {
    ScriptedHttp server;
    ScriptedHttp cdn;
    server.expect("GET", "/v2/", Reply{401, {{"WWW-Authenticate", "Basic realm=\"scripted\""}}, "{}"});
    server.expect(Exchange{"GET", "/v2/app/blobs/" + kBlob.str(), Reply{307, {{"Location", cdn.url() + "/b/1"}}}, 1,
                           [](const RecordedRequest& req) {
                               return req.header("Authorization") ? "" : "the registry itself got no credential";
                           }});
    cdn.expect(Exchange{"GET", "/b/1", Reply{200, {}, "layer bytes"}, 1, no_authorization});
    auto r = scripted_registry(server, with_credentials);
    std::string got;
    auto st = r->get_blob("app", kBlob, 0, [&](std::string_view chunk) -> core::Status {
        got += chunk;
        return {};
    });
    REQUIRE(st);
    CHECK(got == "layer bytes");
    CHECK(server.problems() == "");
    CHECK(cdn.problems() == "");
    CHECK(cdn.received().size() == 1);
}
