#pragma once
/// Plans written inline in sync unit tests ("version: 1" is prepended).
#include <catch2/catch.hpp>

#include <string>

#include "plan/plan.hpp"

namespace ferry::sync::test {

/// The parsed plan; fails the test when it does not parse.
inline plan::Plan plan_of(const std::string& yaml) {
    auto parsed = plan::parse_plan("version: 1\n" + yaml, "p.yaml");
    if (!parsed) FAIL(parsed.error().message);
    return *parsed;
}

/// The plan's errors; fails the test when it parses.
inline std::string errors_of(const std::string& yaml) {
    auto parsed = plan::parse_plan("version: 1\n" + yaml, "p.yaml");
    REQUIRE_FALSE(parsed);
    return parsed.error().message;
}

}  // namespace ferry::sync::test
