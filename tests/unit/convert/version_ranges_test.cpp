#include <catch2/catch.hpp>

#include "convert/version_ranges.hpp"
#include "plan/semver.hpp"

using namespace ferry::convert;
using ferry::plan::Range;
using ferry::plan::RangeOptions;
using ferry::plan::Version;

namespace {

/// Whether `tag` satisfies the converted range, as ferry's tag filter asks it.
bool admits(const ConvertedRange& converted, const std::string& tag, bool include_prerelease) {
    auto range = Range::parse(converted.range);
    REQUIRE(range);
    auto v = Version::parse_tag(tag);
    return v && range->satisfied_by(*v, RangeOptions{include_prerelease});
}

}  // namespace

TEST_CASE("Masterminds constraints (skopeo images-by-semver) become node-semver ranges") {
    auto spaced = masterminds_range(">= 3.12.0");
    REQUIRE(spaced);
    CHECK(spaced->range == ">=3.12.0");
    auto commas = masterminds_range(">=1.2, <2.0 || =>3, =<3.4 || ~>4.1 || v5.x");
    REQUIRE(commas);
    CHECK(commas->range == ">=1.2 <2.0 || >=3 <=3.4 || ~4.1 || 5.x");
    auto hyphen = masterminds_range("1.2 - 1.4.5 <1.4");
    REQUIRE(hyphen);
    CHECK(hyphen->range == ">=1.2 <=1.4.5 <1.4");
    CHECK_FALSE(hyphen->names_prerelease);
    CHECK(masterminds_range(">=1.0.0-rc1")->names_prerelease);
    auto not_equal = masterminds_range(">=1, !=1.2.3");
    REQUIRE_FALSE(not_equal);
    CHECK(not_equal.error().message.find("!=1.2.3") != std::string::npos);
    CHECK_FALSE(masterminds_range(""));
    CHECK_FALSE(masterminds_range(">= latest"));
    // The same releases pass: skopeo's documentation example, ">= 3.12.0".
    CHECK(admits(*spaced, "3.12.0", false));
    CHECK(admits(*spaced, "4.0.0", false));
    CHECK_FALSE(admits(*spaced, "3.11.9", false));
    CHECK_FALSE(admits(*spaced, "3.13.0-rc1", false));  // Masterminds: no pre-release without one in the constraint
}

TEST_CASE("regsync semverRange elements become one node-semver range with three-part versions") {
    auto r = regsync_range({">=1.0.0 <2.0.0", "^3.1", "~4.2.1", "5.0", "v6", "^0.2.3", "^0.0.3", ""});
    REQUIRE(r);
    CHECK(r->range == ">=1.0.0 <2.0.0 || >=3.1.0 <4.0.0 || >=4.2.1 <4.3.0 || =5.0.0 || =6.0.0 || "
                      ">=0.2.3 <0.3.0 || >=0.0.3 <0.0.4");
    // regsync compares missing parts as 0, so a bare "5.0" is exactly 5.0.0 (node-semver's
    // bare 5.0 would be 5.0.x); ferry's range says so explicitly.
    CHECK(admits(*r, "5.0", true));
    CHECK(admits(*r, "5.0.0", true));
    CHECK_FALSE(admits(*r, "5.0.1", true));
    CHECK(admits(*r, "1.2-alpine", true));   // regsync: 1.2 with a pre-release, inside >=1.0.0 <2.0.0
    CHECK_FALSE(admits(*r, "2.0.0", true));
    CHECK(admits(*r, "v3.9.9", true));
    auto four = regsync_range({">1.2.3.0 <=2"});
    REQUIRE(four);
    CHECK(four->range == ">1.2.3 <=2.0.0");
    auto nonzero_fourth = regsync_range({">=1.2.3.4"});
    REQUIRE_FALSE(nonzero_fourth);
    CHECK(nonzero_fourth.error().message.find("three numeric parts") != std::string::npos);
    CHECK_FALSE(regsync_range({">= 1.0"}));  // regsync itself refuses ">=" without a version
    CHECK_FALSE(regsync_range({"~>1.2"}));
    CHECK_FALSE(regsync_range({}));
    CHECK(regsync_range({">=1.0.0-rc.1"})->names_prerelease);
}
