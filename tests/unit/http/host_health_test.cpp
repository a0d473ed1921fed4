#include <catch2/catch.hpp>

#include <thread>

#include "http/host_health.hpp"
#include "http/warnings.hpp"

using namespace ferry::http;
using ferry::core::ErrorHint;

namespace {

Response answer(int status, std::vector<std::pair<std::string, std::string>> headers = {}) {
    Response r;
    r.status = status;
    for (auto& [k, v] : headers) r.headers.add(k, v);
    return r;
}

ferry::core::Result<Response> refused() {
    auto e = ferry::core::make_error(ferry::core::ErrorKind::Network, "127.0.0.1:5199: connection refused (details)");
    e.hint = ErrorHint::Unreachable;
    e.cause = "127.0.0.1:5199: connection refused";
    return std::unexpected(e);
}

HostHealth::Options fast() {
    HostHealth::Options o;
    o.down_after = std::chrono::milliseconds(50);
    o.first_backoff = std::chrono::milliseconds(20);
    return o;
}

}  // namespace

TEST_CASE("rate-limit headers", "[health]") {
    Headers h;
    h.add("RateLimit-Limit", "100;w=21600");
    h.add("RateLimit-Remaining", "7;w=21600");
    auto q = parse_rate_quota(h);
    REQUIRE(q);
    CHECK(q->limit == 100);
    CHECK(q->remaining == 7);
    CHECK(q->window_seconds == 21600);
    CHECK(q->describe() == "pull limit 100 per 21600 s, 7 remaining");
    CHECK_FALSE(parse_rate_quota(Headers{}));
}

TEST_CASE("a host refusing connections for the window is down, with one cause", "[health]") {
    HostHealth health("127.0.0.1:5199", fast());
    health.record(refused());
    CHECK_FALSE(health.down());
    CHECK_FALSE(health.admit(false));
    std::this_thread::sleep_for(std::chrono::milliseconds(60));
    health.record(refused());
    REQUIRE(health.down());
    auto refusal = health.admit(false);
    REQUIRE(refusal);
    CHECK(refusal->hint == ErrorHint::HostDown);
    CHECK(refusal->cause == "127.0.0.1:5199: connection refused");
    CHECK_FALSE(refusal->retryable());
}

TEST_CASE("an answer in between resets the window", "[health]") {
    HostHealth health("h", fast());
    health.record(refused());
    std::this_thread::sleep_for(std::chrono::milliseconds(60));
    health.record(answer(200));
    health.record(refused());
    CHECK_FALSE(health.down());
}

TEST_CASE("a 429 pauses the whole host, a spent quota stops metered requests", "[health]") {
    HostHealth health("hub", fast());
    // Measured from before the 429 is recorded: the pause runs from then, and recording it
    // (its warning is the first log line of the process) may itself take a while under load.
    const auto before = std::chrono::steady_clock::now();
    health.record(answer(429));
    CHECK_FALSE(health.admit(false));  // waits out the host-wide pause
    CHECK(std::chrono::steady_clock::now() - before >= std::chrono::milliseconds(15));
    CHECK_FALSE(health.quota_spent());

    health.record(answer(429, {{"RateLimit-Limit", "100;w=21600"}, {"RateLimit-Remaining", "0;w=21600"}}));
    CHECK(health.quota_spent());
    auto refusal = health.admit(true);
    REQUIRE(refusal);
    CHECK(refusal->hint == ErrorHint::QuotaSpent);
    CHECK(refusal->message.find("pull limit 100 per 21600 s, 0 remaining") != std::string::npos);
    CHECK_FALSE(health.admit(false));  // HEADs are not counted: they go on
}

TEST_CASE("a Retry-After beyond the pause cap means the quota is spent", "[health]") {
    HostHealth health("h", fast());
    health.record(answer(429, {{"Retry-After", "3600"}}));
    CHECK(health.quota_spent());
}

TEST_CASE("Warning headers: code 299 texts", "[warnings]") {
    auto w = parse_warnings({R"(299 - "deprecated: use v3")", R"(199 - "misc", 299 - "two \"quoted\"")"});
    REQUIRE(w.size() == 2);
    CHECK(w[0] == "deprecated: use v3");
    CHECK(w[1] == "two \"quoted\"");
    CHECK(parse_warnings({"garbage"}).empty());
}

TEST_CASE("a pause of the host ends at once when the given stop token trips", "[health]") {
    HostHealth health("h", fast());
    health.record(answer(429, {{"Retry-After", "40"}}));
    ferry::core::CancellationToken stop;
    std::jthread stopper([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(150));
        stop.cancel();
    });
    const auto started = std::chrono::steady_clock::now();
    auto refusal = health.admit(false, &stop);
    const auto waited = std::chrono::steady_clock::now() - started;
    REQUIRE(refusal);
    CHECK(refusal->kind == ferry::core::ErrorKind::Cancelled);
    CHECK(waited < std::chrono::seconds(1));
}

TEST_CASE("a spent quota is forgotten after its Retry-After, so a long-lived session asks again", "[health]") {
    HostHealth health("hub", fast());
    auto o = fast();
    health.record(answer(429, {{"Retry-After", "61"}}));  // beyond max_pause (60 s): spent
    CHECK(health.quota_spent());
    CHECK(health.admit(true));
    HostHealth brief("hub", o);
    brief.record(answer(429, {{"RateLimit-Remaining", "0;w=1"}}));  // spent for its 1 s window
    CHECK(brief.quota_spent());
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    CHECK_FALSE(brief.quota_spent());
    CHECK_FALSE(brief.admit(true));
}

TEST_CASE("a run reports the warnings it received, not those of earlier runs", "[warnings]") {
    note_warnings("old.example", answer(200, {{"Warning", "299 - \"from an earlier run\""}}).headers);
    const auto mark = warnings_mark();
    note_warnings("new.example", answer(200, {{"Warning", "299 - \"from this run\""}}).headers);
    CHECK(warnings_since(mark) == std::vector<std::string>{"new.example: from this run"});
    note_warnings("old.example", answer(200, {{"Warning", "299 - \"from an earlier run\""}}).headers);  // again
    CHECK(warnings_since(mark) ==
          std::vector<std::string>{"old.example: from an earlier run", "new.example: from this run"});
}
