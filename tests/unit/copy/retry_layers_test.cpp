// One layer decides per kind of failure (issue 29): a request the HTTP layer can replay is
// retried there, and the copy engine does not retry it again once those attempts are spent; the
// copy engine retries, as a whole, only what the HTTP layer cannot replay (a streamed upload).
// The target is a real registry client over libcurl talking to a scripted loopback server.
#include <catch2/catch.hpp>

#include "copy/blob_ledger.hpp"
#include "copy/blob_mover.hpp"
#include "registry/client.hpp"
#include "store/open.hpp"
#include "support/memory_store.hpp"
#include "support/scripted_http.hpp"

using namespace ferry;
using ferry::testing::Reply;
using ferry::testing::ScriptedHttp;

namespace {

constexpr int kHttpRetries = 1;  // attempts after the first, per request, in the HTTP layer
constexpr int kBlobRetries = 2;  // attempts after the first, per blob, in the copy engine

struct Target {
    std::shared_ptr<registry::ClientPool> pool;
    std::unique_ptr<store::Store> store;
};

Target target_at(const ScriptedHttp& server) {
    registry::HostOptions h;
    h.plain_http = true;
    h.retries = kHttpRetries;
    registry::ClientOptions o;
    o.authfile = "/nonexistent/ferry-test/config.json";
    o.host_options = [h](std::string_view) { return std::optional<registry::HostOptions>(h); };
    Target t{std::make_shared<registry::ClientPool>(std::move(o)), nullptr};
    store::StoreContext ctx;
    ctx.clients = t.pool;
    auto opened = store::open_store("docker://" + server.host() + "/team/app", ctx);
    REQUIRE(opened);
    t.store = std::move(*opened);
    return t;
}

core::Result<copy::BlobOutcome> move_one(store::Store& dst, const std::string& bytes) {
    testing::MemoryStore src;
    const auto digest = manifest::Digest::of(bytes);
    src.blobs[digest] = bytes;
    manifest::Descriptor blob{.media_type = "application/octet-stream", .digest = digest,
                              .size = static_cast<std::int64_t>(bytes.size())};
    copy::BlobLedger ledger;
    copy::BlobMoveContext ctx{src, dst, ledger};
    ctx.retries = kBlobRetries;
    return copy::move_blob(blob, ctx);
}

const std::string kUnavailable = R"({"errors":[{"code":"UNAVAILABLE","message":"try later"}]})";

}  // namespace

TEST_CASE("a request the HTTP layer retried as often as allowed is not retried again by the copy engine") {
    ScriptedHttp server;
    server.expect("GET", "/v2/", Reply{200, {}, "{}"});
    server.expect("HEAD", "/v2/team/app/blobs/*", Reply{404, {}, ""}, 0);
    server.expect("POST", "/v2/team/app/blobs/uploads/*", Reply{503, {{"Content-Type", "application/json"}}, kUnavailable}, 0);
    auto target = target_at(server);
    auto moved = move_one(*target.store, "layer bytes");
    REQUIRE_FALSE(moved);
    CHECK(moved.error().kind == core::ErrorKind::Server);
    CHECK(moved.error().hint == core::ErrorHint::RetriesSpent);
    CHECK_FALSE(moved.error().retryable());
    // 1 + kHttpRetries POSTs, not (1 + kHttpRetries) * (1 + kBlobRetries).
    CHECK(server.received("POST", "/v2/team/app/blobs/uploads/").size() == 1 + kHttpRetries);
    CHECK(server.problems().empty());
}

TEST_CASE("a streamed upload the HTTP layer cannot replay is retried whole by the copy engine") {
    ScriptedHttp server;
    server.expect("GET", "/v2/", Reply{200, {}, "{}"});
    server.expect("HEAD", "/v2/team/app/blobs/*", Reply{404, {}, ""}, 0);
    server.expect("POST", "/v2/team/app/blobs/uploads/*",
                  Reply{202, {{"Location", "/v2/team/app/blobs/uploads/session"}, {"Content-Length", "0"}}, ""}, 0);
    server.expect("PUT", "/v2/team/app/blobs/uploads/session*", Reply{503, {{"Content-Type", "application/json"}}, kUnavailable}, 0);
    auto target = target_at(server);
    auto moved = move_one(*target.store, "layer bytes");
    REQUIRE_FALSE(moved);
    CHECK(moved.error().kind == core::ErrorKind::Server);
    // The PUT streams its body, so only the copy engine can try again, from a fresh source.
    CHECK(server.received("PUT", "/v2/team/app/blobs/uploads/session").size() == 1 + kBlobRetries);
    CHECK(server.problems().empty());
}
