// Blob quirks of registry::Client over real libcurl against a scripted server: HEAD, mounts
// (201 vs 202), the monolithic POST + PUT, upload Locations, the switch to chunks after a
// refused single PUT, hosts that refuse chunks, OCI-Chunk-Min-Length and chunk resume.
#include <catch2/catch.hpp>

#include "scripted_registry.hpp"

using namespace ferry;
using namespace ferry::testing;

namespace {

const std::string kBytes = "0123456789";
const auto kDigest = manifest::Digest::of(kBytes);

std::vector<std::string> content_ranges(const ScriptedHttp& server) {
    std::vector<std::string> out;
    for (const auto& r : server.received("PATCH", "/")) out.push_back(r.header("Content-Range").value_or("-") + " " + r.body);
    return out;
}

Reply upload_started(std::string location) { return Reply{202, {{"Location", std::move(location)}}}; }

}  // namespace

TEST_CASE("HEAD blob gives the size, or nothing on 404", "[registry][blob]") {
    ScriptedHttp server;
    open_ping(server);
    server.expect("HEAD", "/v2/app/blobs/" + kDigest.str(), Reply{200, {{"Content-Length", "10"}}});
    server.expect("HEAD", "/v2/other/blobs/" + kDigest.str(), Reply{404});
    auto r = scripted_registry(server);
    CHECK(r->head_blob("app", kDigest).value() == std::optional<std::int64_t>(10));
    CHECK(r->head_blob("other", kDigest).value() == std::nullopt);
    CHECK(server.problems() == "");
}

TEST_CASE("a mount answered 201 is mounted, one answered 202 is not and its session is cancelled", "[registry][blob]") {
    ScriptedHttp server;
    open_ping(server);
    server.expect("POST", "/v2/app/blobs/uploads/?*", Reply{201, {{"Location", "/v2/app/blobs/" + kDigest.str()}}});
    server.expect("POST", "/v2/app/blobs/uploads/?*", upload_started("/v2/app/blobs/uploads/m1?_state=s"));
    server.expect("DELETE", "/v2/app/blobs/uploads/m1?_state=s", Reply{204});
    auto r = scripted_registry(server);
    CHECK(r->mount_blob("app", kDigest, "base").value());
    CHECK_FALSE(r->mount_blob("app", kDigest, "base").value());
    CHECK(server.unused() == "");
    CHECK(server.problems() == "");
}

TEST_CASE("a monolithic upload is one POST, then one PUT with the digest and the whole body", "[registry][blob]") {
    // Location forms registries send: path-absolute (distribution), absolute URL, and a
    // relative reference (resolved against the POST's URL).
    const auto form = GENERATE(as<std::string>{}, "path", "absolute", "relative");
    ScriptedHttp server;
    open_ping(server);
    const std::string location = form == "path"       ? "/v2/app/blobs/uploads/u1?_state=abc"
                                 : form == "absolute" ? server.url() + "/v2/app/blobs/uploads/u1?_state=abc"
                                                      : "u1?_state=abc";
    server.expect("POST", "/v2/app/blobs/uploads/", upload_started(location));
    server.expect(Exchange{"PUT", "/v2/app/blobs/uploads/u1?_state=abc&*", Reply{201}, 1, [](const RecordedRequest& req) {
                               if (req.query("digest") != std::vector<std::string>{kDigest.str()}) return "digest";
                               if (req.header("Content-Type") != std::optional<std::string>("application/octet-stream")) return "type";
                               return req.body == kBytes ? "" : "body";
                           }});
    auto r = scripted_registry(server);
    INFO(form);
    REQUIRE(r->put_blob("app", kDigest, kBytes.size(), source_of(kBytes)));
    CHECK(server.problems() == "");
    CHECK(server.unused() == "");
    CHECK(server.received().size() == 3);
}

TEST_CASE("a missing repository and a digest mismatch are told apart on upload", "[registry][blob]") {
    ScriptedHttp server;
    open_ping(server);
    server.expect("POST", "/v2/nowhere/blobs/uploads/",
                  Reply{404, {}, R"({"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry"}]})"});
    server.expect("POST", "/v2/app/blobs/uploads/", upload_started("/v2/app/blobs/uploads/u1"));
    server.expect("PUT", "/v2/app/blobs/uploads/u1?*",
                  Reply{400, {}, R"({"errors":[{"code":"DIGEST_INVALID","message":"provided digest did not match uploaded content"}]})"});
    auto r = scripted_registry(server);
    auto missing = r->put_blob("nowhere", kDigest, kBytes.size(), source_of(kBytes));
    REQUIRE_FALSE(missing);
    CHECK(missing.error().kind == core::ErrorKind::NotFound);
    CHECK_THAT(missing.error().message, Catch::Contains("repository " + server.host() + "/nowhere does not exist"));
    auto mismatch = r->put_blob("app", kDigest, kBytes.size(), source_of(kBytes));
    REQUIRE_FALSE(mismatch);
    CHECK(mismatch.error().kind == core::ErrorKind::Integrity);
    CHECK(mismatch.error().hint == core::ErrorHint::None);  // not a refused mode: no restart
}

TEST_CASE("a refused single PUT switches the host to chunks with Content-Range", "[registry][blob]") {
    const int refusal = GENERATE(413, 405, 416, 501);
    ScriptedHttp server;
    open_ping(server);
    server.expect("POST", "/v2/app/blobs/uploads/", upload_started("/v2/app/blobs/uploads/u1"));
    server.expect("PUT", "/v2/app/blobs/uploads/u1?*", Reply{refusal});
    server.expect("POST", "/v2/app/blobs/uploads/", upload_started("/v2/app/blobs/uploads/u2"));
    server.expect("PATCH", "/v2/app/blobs/uploads/u2", upload_started("/v2/app/blobs/uploads/u2?p=1"));
    server.expect("PATCH", "/v2/app/blobs/uploads/u2?p=1", upload_started("/v2/app/blobs/uploads/u2?p=2"));
    server.expect("PATCH", "/v2/app/blobs/uploads/u2?p=2", Reply{202});  // no Location: the URL stays
    server.expect(Exchange{"PUT", "/v2/app/blobs/uploads/u2?p=2&*", Reply{201}, 1, [](const RecordedRequest& req) {
                               if (req.query("digest") != std::vector<std::string>{kDigest.str()}) return "digest";
                               return req.body.empty() ? "" : "the closing PUT carries bytes";
                           }});
    auto r = scripted_registry(server, {}, [](registry::ClientOptions& o) { o.fallback_chunk_size = 4; });
    INFO("refusal " << refusal);
    auto refused = r->put_blob("app", kDigest, kBytes.size(), source_of(kBytes));
    REQUIRE_FALSE(refused);
    CHECK(refused.error().hint == core::ErrorHint::RestartUpload);
    CHECK(refused.error().http_status == refusal);
    CHECK_THAT(refused.error().message, Catch::Contains("refused a single PUT"));
    REQUIRE(r->put_blob("app", kDigest, kBytes.size(), source_of(kBytes)));
    CHECK(content_ranges(server) == std::vector<std::string>{"0-3 0123", "4-7 4567", "8-9 89"});
    CHECK(server.problems() == "");
    CHECK(server.unused() == "");
}

TEST_CASE("a host that refuses chunks gets single PUTs from then on", "[registry][blob]") {
    ScriptedHttp server;
    open_ping(server);
    server.expect("POST", "/v2/app/blobs/uploads/", upload_started("/v2/app/blobs/uploads/u1"));
    server.expect("PATCH", "/v2/app/blobs/uploads/u1", Reply{405});
    server.expect("POST", "/v2/app/blobs/uploads/", upload_started("/v2/app/blobs/uploads/u2"), 2);
    server.expect(Exchange{"PUT", "/v2/app/blobs/uploads/u2?*", Reply{201}, 2, [](const RecordedRequest& req) {
                               return req.body == kBytes ? "" : "not the whole blob";
                           }});
    auto r = scripted_registry(server, [](registry::HostOptions& h) { h.chunk_size = 4; });  // opted in
    auto refused = r->put_blob("app", kDigest, kBytes.size(), source_of(kBytes));
    REQUIRE_FALSE(refused);
    CHECK(refused.error().hint == core::ErrorHint::RestartUpload);
    CHECK_THAT(refused.error().message, Catch::Contains("refused chunks"));
    REQUIRE(r->put_blob("app", kDigest, kBytes.size(), source_of(kBytes)));
    REQUIRE(r->put_blob("app", kDigest, kBytes.size(), source_of(kBytes)));
    CHECK(server.received("PATCH", "/").size() == 1);
    CHECK(server.problems() == "");
    CHECK(server.unused() == "");
}

TEST_CASE("OCI-Chunk-Min-Length raises a host's chunk size", "[registry][blob]") {
    ScriptedHttp server;
    open_ping(server);
    server.expect("POST", "/v2/app/blobs/uploads/",
                  Reply{202, {{"Location", "/v2/app/blobs/uploads/u1"}, {"OCI-Chunk-Min-Length", "5"}}});
    server.expect("PATCH", "/v2/app/blobs/uploads/u1", Reply{202}, 2);
    server.expect("PUT", "/v2/app/blobs/uploads/u1?digest=*", Reply{201});
    auto r = scripted_registry(server, [](registry::HostOptions& h) { h.chunk_size = 2; });
    REQUIRE(r->put_blob("app", kDigest, kBytes.size(), source_of(kBytes)));
    CHECK(content_ranges(server) == std::vector<std::string>{"0-4 01234", "5-9 56789"});
    CHECK(server.problems() == "");
}

TEST_CASE("a failed chunk resumes at the byte the registry's upload status names", "[registry][blob]") {
    ScriptedHttp server;
    open_ping(server);
    server.expect("POST", "/v2/app/blobs/uploads/", upload_started("/v2/app/blobs/uploads/u1"));
    server.expect("PATCH", "/v2/app/blobs/uploads/u1", Reply{500});
    server.expect("GET", "/v2/app/blobs/uploads/u1", Reply{204, {{"Range", "0-5"}, {"Location", "/v2/app/blobs/uploads/u1?s=2"}}});
    server.expect("PATCH", "/v2/app/blobs/uploads/u1?s=2", Reply{202});
    server.expect("PUT", "/v2/app/blobs/uploads/u1?s=2&digest=*", Reply{201});
    auto r = scripted_registry(server, [](registry::HostOptions& h) { h.chunk_size = 10; });
    REQUIRE(r->put_blob("app", kDigest, kBytes.size(), source_of(kBytes)));
    CHECK(content_ranges(server) == std::vector<std::string>{"0-9 0123456789", "6-9 6789"});
    CHECK(server.problems() == "");
    CHECK(server.unused() == "");
}
