#include <catch2/catch.hpp>

#include "registry/errors.hpp"

using namespace ferry::registry;
using ferry::core::ErrorKind;

namespace {
ferry::http::Response reply(int status, std::string body) {
    ferry::http::Response r;
    r.status = status;
    r.body = std::move(body);
    return r;
}
}  // namespace

TEST_CASE("distribution error bodies", "[errors]") {
    auto e = parse_error_body(R"({"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"Tag":"1.0"}}]})");
    REQUIRE(e.size() == 1);
    CHECK(e[0].code == "MANIFEST_UNKNOWN");
    CHECK(e[0].message == "manifest unknown");
    CHECK(parse_error_body("<html>nope</html>").empty());
    CHECK(parse_error_body(R"({"errors":"x"})").empty());
    CHECK(parse_error_body(R"({"errors":[{"code":"A"},{"message":"b"},42]})").size() == 2);
}

TEST_CASE("response errors name context, status, code and message", "[errors]") {
    auto e = response_error("GET manifest 127.0.0.1:5101/corpus/app:1.0",
                            reply(404, R"({"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]})"));
    CHECK(e.message == "GET manifest 127.0.0.1:5101/corpus/app:1.0: 404 MANIFEST_UNKNOWN: manifest unknown");
    CHECK(e.kind == ErrorKind::NotFound);
    CHECK(e.http_status == 404);
    CHECK(e.registry_code == "MANIFEST_UNKNOWN");

    auto two = response_error("PUT manifest h/r:t", reply(400, R"({"errors":[{"code":"MANIFEST_BLOB_UNKNOWN","message":"blob unknown to registry"},{"code":"MANIFEST_INVALID","message":"bad"}]})"));
    CHECK(two.message == "PUT manifest h/r:t: 400 MANIFEST_BLOB_UNKNOWN: blob unknown to registry; MANIFEST_INVALID: bad");
    CHECK(two.kind == ErrorKind::InvalidInput);

    auto html = response_error("GET blob h/r@sha256:x", reply(502, "<html><body>\n<h1>502 Bad   Gateway</h1>\r\n</body></html>"));
    CHECK(html.message == "GET blob h/r@sha256:x: 502 502 Bad Gateway");
    CHECK(html.kind == ErrorKind::Server);
    CHECK(html.registry_code.empty());

    auto empty = response_error("HEAD manifest h/r:t", reply(403, ""));
    CHECK(empty.message == "HEAD manifest h/r:t: 403");
    CHECK(empty.kind == ErrorKind::Denied);
}

TEST_CASE("status and code to kind", "[errors]") {
    CHECK(kind_for_status(401, "UNAUTHORIZED") == ErrorKind::Auth);
    CHECK(kind_for_status(429, "TOOMANYREQUESTS") == ErrorKind::Server);
    CHECK(kind_for_status(503, "") == ErrorKind::Server);
    CHECK(kind_for_status(400, "DIGEST_INVALID") == ErrorKind::Integrity);
    CHECK(kind_for_status(400, "NAME_INVALID") == ErrorKind::InvalidInput);
    CHECK(kind_for_status(405, "UNSUPPORTED") == ErrorKind::Unsupported);
    CHECK(kind_for_status(416, "") == ErrorKind::Protocol);
}

TEST_CASE("long or hostile bodies are cut and cleaned", "[errors]") {
    std::string body(1000, 'x');
    CHECK(sanitize_body(body).size() == 200);
    CHECK(sanitize_body("a\x01\x02" "b\n\nc") == "a b c");
    CHECK(sanitize_body("see https://user:pw@host/x") == "see https://<redacted>@host/x");
}

TEST_CASE("a 401 whose challenge is unusable says so", "[errors]") {
    auto r = reply(401, R"({"errors":[{"code":"UNAUTHORIZED","message":"auth"}]})");
    r.headers.set("WWW-Authenticate", R"(Bearer realm="http://x/token,service="svc)");
    auto e = response_error("GET manifest h/r:1", r);
    CHECK(e.kind == ErrorKind::Auth);
    CHECK_THAT(e.message, Catch::Contains("challenge is malformed"));
    CHECK_THAT(e.message, !Catch::Contains("http://x/token"));
    r.headers.set("WWW-Authenticate", R"(Bearer realm="http://x/token",service="svc")");
    CHECK_THAT(response_error("GET manifest h/r:1", r).message, !Catch::Contains("challenge"));
}

TEST_CASE("a write into a missing repository names it and is not-found", "[errors]") {
    auto ecr = write_error("uploading blob", reply(404, R"({"errors":[{"code":"NAME_UNKNOWN","message":"The repository with name 'x' does not exist in the registry with id '1'"}]})"),
                           "h/x");
    CHECK(ecr.kind == ErrorKind::NotFound);
    CHECK(ecr.message.find("repository h/x does not exist at the registry: create it first") != std::string::npos);
    auto harbor = reply(500, R"({"errors":[{"code":"UNKNOWN","message":"project nope not found"}]})");
    CHECK(says_missing(harbor));
    CHECK(write_error("c", harbor, "h/nope/app").kind == ErrorKind::NotFound);
    CHECK_FALSE(says_missing(reply(500, "Internal Server Error")));
    CHECK_FALSE(says_missing(reply(404, R"({"errors":[{"code":"NAME_UNKNOWN"}]})")));  // only 5xx
}

TEST_CASE("an immutable tag refused by the registry is a conflict", "[errors]") {
    auto ecr = write_error("PUT manifest", reply(400, R"({"errors":[{"code":"TAG_INVALID","message":"The image tag 'v1' already exists in the 'a' repository and cannot be overwritten because the repository is immutable."}]})"), "h/a");
    CHECK(ecr.kind == ErrorKind::Conflict);
    auto harbor = write_error("PUT manifest", reply(412, R"({"errors":[{"code":"DENIED","message":"Failed to process request due to 'app:v1' configured as immutable"}]})"), "h/a");
    CHECK(harbor.kind == ErrorKind::Conflict);
    CHECK(write_error("PUT", reply(400, R"({"errors":[{"code":"TAG_INVALID","message":"bad tag"}]})"), "h/a").kind ==
          ErrorKind::InvalidInput);
}

TEST_CASE("a 429 names the rate limit it hit", "[errors]") {
    auto r = reply(429, R"({"errors":[{"code":"TOOMANYREQUESTS","message":"You have reached your pull rate limit."}]})");
    r.headers.add("RateLimit-Limit", "100;w=21600");
    r.headers.add("RateLimit-Remaining", "0;w=21600");
    auto e = response_error("GET manifest docker.io/library/alpine:3", r);
    CHECK(e.message.find("pull rate limit") != std::string::npos);
    CHECK(e.message.find("(pull limit 100 per 21600 s, 0 remaining)") != std::string::npos);
}
