#include <catch2/catch.hpp>

#include "http/retry.hpp"

using namespace std::chrono;
using namespace ferry::http;

TEST_CASE("retryable statuses", "[retry]") {
    for (int s : {408, 429, 500, 502, 503, 504}) CHECK(retryable_status(s));
    for (int s : {200, 201, 400, 401, 403, 404, 416}) CHECK_FALSE(retryable_status(s));
}

TEST_CASE("Retry-After in seconds and as an HTTP date", "[retry]") {
    const auto now = system_clock::from_time_t(1445412480);  // Wed, 21 Oct 2015 07:28:00 GMT
    CHECK(parse_retry_after("120", now) == seconds(120));
    CHECK(parse_retry_after(" 0 ", now) == seconds(0));
    CHECK(parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now) == seconds(30));
    CHECK(parse_retry_after("Wednesday, 21-Oct-15 07:29:00 GMT", now) == seconds(60));
    CHECK(parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now) == seconds(0));  // past
    CHECK_FALSE(parse_retry_after("soon", now).has_value());
    CHECK_FALSE(parse_retry_after("", now).has_value());
    CHECK_FALSE(parse_retry_after("-5", now).has_value());
}

TEST_CASE("backoff grows, is jittered and capped, Retry-After wins but is capped", "[retry]") {
    RetryPolicy p;
    p.base_delay = milliseconds(100);
    p.max_delay = milliseconds(1000);
    p.max_retry_after = seconds(5);
    std::mt19937_64 rng(42);
    for (int i = 0; i < 50; ++i) {
        auto d1 = retry_delay(p, 1, std::nullopt, rng);
        CHECK((d1 >= milliseconds(50) && d1 <= milliseconds(100)));
        auto d3 = retry_delay(p, 3, std::nullopt, rng);
        CHECK((d3 >= milliseconds(200) && d3 <= milliseconds(400)));
        auto d10 = retry_delay(p, 10, std::nullopt, rng);
        CHECK((d10 >= milliseconds(500) && d10 <= milliseconds(1000)));
    }
    CHECK(retry_delay(p, 1, seconds(2), rng) == milliseconds(2000));
    CHECK(retry_delay(p, 1, seconds(3600), rng) == milliseconds(5000));
}
