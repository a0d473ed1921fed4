#include <catch2/catch.hpp>

#include "cron/cron_expr.hpp"

using ferry::cron::CronExpr;

// Inputs found by tests/fuzz (cron target, UBSan); each once crashed or misparsed.

TEST_CASE("a step near INT_MAX selects only the start value (no signed overflow)") {
    auto expr = CronExpr::parse("59/2147483647 * * * *");
    REQUIRE(expr.has_value());
    for (int m = 0; m < 60; ++m) CHECK(expr->minute_matches(m) == (m == 59));

    auto six = CronExpr::parse("30/2147483647 0-59/2147483647 23/2147483647 * * *");
    REQUIRE(six.has_value());
    for (int s = 0; s < 60; ++s) CHECK(six->second_matches(s) == (s == 30));
    for (int m = 0; m < 60; ++m) CHECK(six->minute_matches(m) == (m == 0));
    for (int h = 0; h < 24; ++h) CHECK(six->hour_matches(h) == (h == 23));
}

TEST_CASE("a step larger than int is refused") {
    CHECK_FALSE(CronExpr::parse("*/2147483648 * * * *").has_value());
}
