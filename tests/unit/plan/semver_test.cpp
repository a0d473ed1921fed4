#include <catch2/catch.hpp>

#include "plan/semver.hpp"

using ferry::plan::Range;
using ferry::plan::Version;

namespace {

Version v(std::string_view text) {
    auto parsed = Version::parse(text);
    REQUIRE(parsed.has_value());
    return *parsed;
}

bool satisfies(std::string_view version, std::string_view range, bool include_prerelease = false) {
    auto r = Range::parse(range);
    INFO("range " << range);
    REQUIRE(r.has_value());
    auto ver = Version::parse_tag(version);
    REQUIRE(ver.has_value());
    return r->satisfied_by(*ver, {.include_prerelease = include_prerelease});
}

}  // namespace

TEST_CASE("strict versions parse with pre-release and build metadata") {
    Version x = v("1.2.3-rc.1+build.5");
    CHECK(x.major == 1);
    CHECK(x.minor == 2);
    CHECK(x.patch == 3);
    REQUIRE(x.prerelease.size() == 2);
    CHECK(x.prerelease[0].text == "rc");
    CHECK_FALSE(x.prerelease[0].numeric);
    CHECK(x.prerelease[1].numeric);
    CHECK(x.prerelease[1].number == 1);
    CHECK(x.build == std::vector<std::string>{"build", "5"});
    CHECK(x.str() == "1.2.3-rc.1+build.5");

    for (const char* bad : {"1.2", "v1.2.3", "01.2.3", "1.2.3-", "1.2.3-01", "1.2.3+", "1.2.3.4", "a.b.c", "",
                            "1.2.3-rc..1", "1.2.3+b@d", "99999999999999999999.0.0"}) {
        INFO(bad);
        CHECK_FALSE(Version::parse(bad).has_value());
    }
    auto err = Version::parse("1.x");
    REQUIRE_FALSE(err.has_value());
    CHECK(err.error().message.find("'1.x'") != std::string::npos);
}

TEST_CASE("precedence follows semver 2.0.0") {
    // The ordering example from the specification, ascending.
    const char* ordered[] = {"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2",
                             "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.1.0", "2.0.0", "10.0.0"};
    for (std::size_t i = 0; i + 1 < std::size(ordered); ++i) {
        INFO(ordered[i] << " < " << ordered[i + 1]);
        CHECK(v(ordered[i]) < v(ordered[i + 1]));
        CHECK(v(ordered[i + 1]) > v(ordered[i]));
    }
    CHECK(v("1.0.0+a") == v("1.0.0+b"));
    CHECK(v("1.0.0-2") < v("1.0.0-10"));
    CHECK(v("1.0.0-10") < v("1.0.0-a"));
}

TEST_CASE("tags parse leniently") {
    struct Case {
        const char* tag;
        const char* expected;  // nullptr: not a version
    };
    const Case cases[] = {
        {"1.2.3", "1.2.3"},     {"v2.1.0", "2.1.0"},     {"V3", "3.0.0"},
        {"3.18", "3.18.0"},     {"1", "1.0.0"},          {"1.2.0-rc1", "1.2.0-rc1"},
        {"1.25-alpine", "1.25.0-alpine"}, {"01.2", "1.2.0"}, {"latest", nullptr},
        {"v", nullptr},         {"1.2.3.4", nullptr},    {"stable-1.2", nullptr},
        {"", nullptr},          {"sha256-abc.sig", nullptr},
    };
    for (const Case& c : cases) {
        INFO(c.tag);
        auto parsed = Version::parse_tag(c.tag);
        if (c.expected == nullptr) {
            CHECK_FALSE(parsed.has_value());
        } else {
            REQUIRE(parsed.has_value());
            CHECK(parsed->str() == c.expected);
        }
    }
}

TEST_CASE("range satisfaction table") {
    struct Case {
        const char* range;
        const char* version;
        bool expected;
    };
    const Case cases[] = {
        {">=1.0.0 <2.0.0", "1.0.0", true},   {">=1.0.0 <2.0.0", "1.9.9", true},
        {">=1.0.0 <2.0.0", "2.0.0", false},  {">=1.0.0 <2.0.0", "0.9.0", false},
        {">=1.0.0 <2.0.0", "1.2.0-rc1", false},  // pre-release without a matching comparator
        {">=1.0.0 <2.0.0", "v1.1.0", true},  {">= 1.0.0 < 2", "1.5.0", true},
        {">1.2.3", "1.2.4", true},           {">1.2.3", "1.2.3", false},
        {"<=1.2.3", "1.2.3", true},          {"=1.2.3", "1.2.3", true},
        {"1.2.3", "1.2.4", false},           {"1.2.3 || 2.0.0", "2.0.0", true},
        {"<1 || >=3", "2.5.0", false},       {"<1 || >=3", "0.5.0", true},
        {"^1.2.3", "1.9.0", true},           {"^1.2.3", "2.0.0", false},    {"^1.2.3", "1.2.2", false},
        {"^0.2.3", "0.2.9", true},           {"^0.2.3", "0.3.0", false},    {"^0.0.3", "0.0.4", false},
        {"^0.0.x", "0.0.9", true},           {"^0.x", "0.9.0", true},       {"^0.x", "1.0.0", false},
        {"~1.2.3", "1.2.9", true},           {"~1.2.3", "1.3.0", false},    {"~1", "1.9.0", true},
        {"~1.2", "1.3.0", false},            {"1.2.x", "1.2.7", true},      {"1.2.x", "1.3.0", false},
        {"1.x", "1.99.0", true},             {"1.x", "2.0.0", false},       {"1.2", "1.2.5", true},
        {"*", "9.9.9", true},                {"", "0.0.1", true},           {"x", "3.0.0", true},
        {">1", "1.9.0", false},              {">1", "2.0.0", true},         {">1.2", "1.3.0", true},
        {"<1.2", "1.1.9", true},             {"<1.2", "1.2.0", false},      {"<=1.2", "1.2.9", true},
        {"<=1.2", "1.3.0", false},           {"<*", "0.0.0", false},
        {"1.2.3 - 2.3.4", "2.3.4", true},    {"1.2.3 - 2.3.4", "2.3.5", false},
        {"1.2.3 - 2.3", "2.3.9", true},      {"1.2.3 - 2", "2.9.0", true},  {"1.2 - 2.3.4", "1.2.0", true},
        {"1.2.3 - 2", "3.0.0", false},
        // pre-release rule
        {">=1.2.0-rc0 <2", "1.2.0-rc1", true},   {">=1.2.0-rc0 <2", "1.3.0-rc1", false},
        {"^1.2.3-beta.2", "1.2.3-beta.4", true}, {"^1.2.3-beta.2", "1.2.4-beta.1", false},
        {"~1.2.3-beta.2", "1.2.3-beta.1", false}, {"*", "1.0.0-rc1", false},
        {"1.2.3-rc1 || 2.x", "1.2.3-rc1", true},
    };
    for (const Case& c : cases) {
        INFO("'" << c.version << "' in '" << c.range << "'");
        CHECK(satisfies(c.version, c.range) == c.expected);
    }
}

TEST_CASE("include_prerelease lets pre-releases match like releases") {
    CHECK(satisfies("1.5.0-rc1", "^1.2.3", true));
    CHECK_FALSE(satisfies("1.5.0-rc1", "^1.2.3", false));
    CHECK_FALSE(satisfies("2.0.0-rc1", "^1.2.3", true));  // next major's pre-releases stay out
    CHECK_FALSE(satisfies("2.0.0-rc1", ">=1.0.0 <2.0.0", false));
    CHECK(satisfies("1.0.0-rc1", "*", true));
}

TEST_CASE("bad ranges are rejected with the offending part") {
    for (const char* bad : {">=abc", "1.2.3 -", ">= ", "^", "1.x.3", "~>1.2", "1.2.3-rc1.x || >", "1.2.x-rc1",
                            "> 1 <", "=v"}) {
        INFO(bad);
        auto r = Range::parse(bad);
        CHECK_FALSE(r.has_value());
    }
    auto r = Range::parse(">=1.0 <abc");
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().message == "invalid semver range '>=1.0 <abc': 'abc' is not a version");
}
