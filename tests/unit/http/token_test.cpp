#include <catch2/catch.hpp>

#include "core/redact.hpp"
#include "http/token.hpp"

using namespace std::chrono;
using namespace ferry::http;

TEST_CASE("token replies", "[token]") {
    const auto t0 = steady_clock::time_point{} + hours(1);
    const auto wall = system_clock::from_time_t(1700000000);

    auto a = parse_token_response(R"({"token":"tok-1234","expires_in":300})", t0, wall);
    REQUIRE(a);
    CHECK(a->value == "tok-1234");
    CHECK(a->expires_at > t0 + seconds(240));
    CHECK(a->expires_at <= t0 + seconds(300));
    CHECK(ferry::core::redact("x tok-1234 y") == "x <redacted> y");

    auto b = parse_token_response(R"({"access_token":"acc-5678"})", t0, wall);
    REQUIRE(b);
    CHECK(b->value == "acc-5678");
    CHECK(b->expires_at > t0 + seconds(40));  // default 60 s
    CHECK(b->expires_at <= t0 + seconds(60));

    auto both = parse_token_response(R"({"token":"first-tok","access_token":"second-tok"})", t0, wall);
    REQUIRE(both);
    CHECK(both->value == "first-tok");

    // issued 100 s ago with a 300 s lifetime: about 200 s remain
    auto aged = parse_token_response(R"({"token":"aged-tok","expires_in":300,"issued_at":"2023-11-14T22:11:40Z"})", t0, wall);
    REQUIRE(aged);
    CHECK(aged->expires_at <= t0 + seconds(200));
    CHECK(aged->expires_at > t0 + seconds(150));

    CHECK_FALSE(parse_token_response(R"({"expires_in":60})", t0, wall));
    CHECK_FALSE(parse_token_response("<html>", t0, wall));
    CHECK_FALSE(parse_token_response("[]", t0, wall));
}

TEST_CASE("RFC 3339 timestamps", "[token]") {
    CHECK(parse_rfc3339("2023-11-14T22:13:20Z") == system_clock::from_time_t(1700000000));
    CHECK(parse_rfc3339("2023-11-14T23:13:20.123456+01:00") == system_clock::from_time_t(1700000000));
    CHECK_FALSE(parse_rfc3339("2023-11-14").has_value());
    CHECK_FALSE(parse_rfc3339("2023-11-14T22:13:20Zjunk").has_value());
}

TEST_CASE("scope sets are canonical", "[token]") {
    CHECK(scope_key({"repository:b:pull", "repository:a:pull,push", "repository:b:pull", ""}) ==
          "repository:a:pull,push repository:b:pull");
    CHECK(scope_key({}).empty());
}

TEST_CASE("token cache expiry", "[token]") {
    TokenCache cache;
    const auto now = steady_clock::now();
    cache.put("k", Token{"v-token", now + seconds(10)});
    CHECK(cache.get("k", now) == "v-token");
    CHECK_FALSE(cache.get("k", now + seconds(11)).has_value());
    CHECK_FALSE(cache.get("other", now).has_value());
    cache.drop("k");
    CHECK_FALSE(cache.get("k", now).has_value());
}

TEST_CASE("tokens leaving the cache leave the redaction list: replaced, dropped, expired, with the cache", "[token]") {
    const auto before = ferry::core::secret_count();
    const auto now = steady_clock::now();
    {
        TokenCache cache;
        for (int i = 0; i < 100; ++i) {  // a daemon renewing one scope's token, run after run
            const std::string value = "renewed-token-" + std::to_string(i);
            ferry::core::register_secret(value);  // as parse_token_response does
            cache.put("repository:app:pull", Token{value, now + seconds(300)});
        }
        CHECK(ferry::core::secret_count() == before + 1);
        CHECK(ferry::core::redact("renewed-token-99") == "<redacted>");
        CHECK(ferry::core::redact("renewed-token-5") == "renewed-token-5");

        ferry::core::register_secret("short-lived-token");
        cache.put("repository:old:pull", Token{"short-lived-token", now - seconds(1)});  // already expired
        ferry::core::register_secret("next-token-after-expiry");
        cache.put("repository:other:pull", Token{"next-token-after-expiry", now + seconds(300)});  // prunes it
        CHECK(ferry::core::redact("short-lived-token") == "short-lived-token");
        CHECK(ferry::core::secret_count() == before + 2);

        cache.drop_if("repository:app:pull", "renewed-token-99");
        CHECK(ferry::core::secret_count() == before + 1);
    }
    CHECK(ferry::core::secret_count() == before);
}
