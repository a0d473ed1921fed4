#include <catch2/catch.hpp>

#include "core/redact.hpp"
#include "core/sha256.hpp"
#include "core/units.hpp"

using namespace ferry::core;

TEST_CASE("redact masks URL userinfo and auth headers") {
    CHECK(redact("https://alice:s3cret@reg.example.com/v2/") ==
          "https://<redacted>@reg.example.com/v2/");
    CHECK(redact("Authorization: Bearer abc.def.ghi") == "Authorization: <redacted>");
    CHECK(redact("proxy-authorization: Basic Zm9vOmJhcg==") == "proxy-authorization: <redacted>");
    CHECK(redact(R"({"token":"xyz","expires_in":60})") == R"({"token":"<redacted>","expires_in":60})");
    CHECK(redact("GET /token?service=x&password=hunter22&scope=y") ==
          "GET /token?service=x&password=<redacted>&scope=y");
}

TEST_CASE("redact masks registered secrets anywhere") {
    register_secret("correct-horse-battery");
    CHECK(redact("login failed for correct-horse-battery!") == "login failed for <redacted>!");
    register_secret("ab");  // too short to register
    CHECK(redact("abc") == "abc");
}

TEST_CASE("sha256 streams and matches one-shot") {
    CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    Sha256 h;
    h.update("hello ");
    h.update("world");
    CHECK(h.bytes() == 11);
    CHECK(h.finish_hex() == sha256_hex("hello world"));
}

TEST_CASE("units format sizes and durations") {
    CHECK(format_bytes(0) == "0 B");
    CHECK(format_bytes(1536) == "1.5 KiB");
    CHECK(format_bytes(3ull << 30) == "3.0 GiB");
    CHECK(format_duration(std::chrono::milliseconds(1234)) == "1.23s");
    CHECK(format_duration(std::chrono::seconds(75)) == "1m15s");
}

TEST_CASE("format_rfc3339: UTC, whole seconds or milliseconds") {
    using namespace std::chrono;
    const auto t = system_clock::time_point(seconds(1700000000) + milliseconds(7));  // 2023-11-14T22:13:20.007Z
    CHECK(ferry::core::format_rfc3339(t) == "2023-11-14T22:13:20Z");
    CHECK(ferry::core::format_rfc3339(t, true) == "2023-11-14T22:13:20.007Z");
    CHECK(ferry::core::format_rfc3339(system_clock::time_point{}) == "1970-01-01T00:00:00Z");
}

TEST_CASE("forget_secret undoes one registration: a value registered twice stays masked until both are undone") {
    const auto before = ferry::core::secret_count();
    ferry::core::register_secret("twice-registered-value");
    ferry::core::register_secret("twice-registered-value");
    ferry::core::register_secret("twice-registered-value-longer");
    CHECK(ferry::core::secret_count() == before + 2);
    CHECK(ferry::core::redact("x twice-registered-value-longer y") == "x <redacted> y");
    ferry::core::forget_secret("twice-registered-value");
    CHECK(ferry::core::redact("twice-registered-value") == "<redacted>");
    ferry::core::forget_secret("twice-registered-value");
    CHECK(ferry::core::redact("twice-registered-value") == "twice-registered-value");
    ferry::core::forget_secret("twice-registered-value-longer");
    ferry::core::forget_secret("never-registered");
    CHECK(ferry::core::secret_count() == before);
}
