#include <catch2/catch.hpp>

#include "plan/tag_filter.hpp"

using namespace ferry::plan;

namespace {

const std::vector<std::string> kAppTags = {"latest", "2.0.0", "1.0.0", "1.2.0-rc1", "v2.1.0", "1.1.0"};

std::vector<TagPattern> patterns(std::initializer_list<const char*> texts) {
    std::vector<TagPattern> out;
    for (const char* t : texts) {
        auto p = TagPattern::compile(t);
        REQUIRE(p.has_value());
        out.push_back(*p);
    }
    return out;
}

Range range(const char* text) {
    auto r = Range::parse(text);
    REQUIRE(r.has_value());
    return *r;
}

std::vector<std::string> reasons(const TagSelection& s) {
    std::vector<std::string> out;
    for (const FilteredTag& f : s.filtered) out.push_back(f.tag + ": " + f.describe());
    return out;
}

}  // namespace

TEST_CASE("no filter selects every tag in version order") {
    TagSelection s = select_tags(kAppTags, TagFilter{});
    CHECK(s.selected == std::vector<std::string>{"1.0.0", "1.1.0", "1.2.0-rc1", "2.0.0", "v2.1.0", "latest"});
    CHECK(s.filtered.empty());
    CHECK(TagFilter{}.selects_all());
}

TEST_CASE("tag filter table") {
    struct Case {
        const char* what;
        TagFilter filter;
        std::vector<std::string> selected;
        std::vector<std::string> filtered;
    };
    std::vector<Case> cases;
    cases.push_back({"allow anchors", TagFilter{.allow = patterns({"^1\\."})}, {"1.0.0", "1.1.0", "1.2.0-rc1"},
                     {"2.0.0: not matched by any allow pattern", "v2.1.0: not matched by any allow pattern",
                      "latest: not matched by any allow pattern"}});
    cases.push_back({"allow searches anywhere", TagFilter{.allow = patterns({"2\\.1", "^lat"})}, {"v2.1.0", "latest"},
                     {"1.0.0: not matched by any allow pattern", "1.1.0: not matched by any allow pattern",
                      "1.2.0-rc1: not matched by any allow pattern", "2.0.0: not matched by any allow pattern"}});
    cases.push_back({"deny wins over allow", TagFilter{.allow = patterns({"."}), .deny = patterns({"-rc", "^latest$"})},
                     {"1.0.0", "1.1.0", "2.0.0", "v2.1.0"},
                     {"1.2.0-rc1: denied by '-rc'", "latest: denied by '^latest$'"}});
    cases.push_back({"semver drops pre-releases and non-versions", TagFilter{.semver = range(">=1.0.0 <2.0.0")},
                     {"1.0.0", "1.1.0"},
                     {"1.2.0-rc1: outside semver range '>=1.0.0 <2.0.0'",
                      "2.0.0: outside semver range '>=1.0.0 <2.0.0'",
                      "v2.1.0: outside semver range '>=1.0.0 <2.0.0'", "latest: not a semver version"}});
    cases.push_back({"semver with include_prerelease",
                     TagFilter{.semver = range("^1.0.0"), .include_prerelease = true},
                     {"1.0.0", "1.1.0", "1.2.0-rc1"},
                     {"2.0.0: outside semver range '^1.0.0'", "v2.1.0: outside semver range '^1.0.0'",
                      "latest: not a semver version"}});
    cases.push_back({"v prefix satisfies a range", TagFilter{.semver = range(">=2.1")}, {"v2.1.0"},
                     {"1.0.0: outside semver range '>=2.1'", "1.1.0: outside semver range '>=2.1'",
                      "1.2.0-rc1: outside semver range '>=2.1'", "2.0.0: outside semver range '>=2.1'",
                      "latest: not a semver version"}});
    cases.push_back({"newest keeps versions first", TagFilter{.newest = 2}, {"2.0.0", "v2.1.0"},
                     {"1.0.0: not among the newest 2", "1.1.0: not among the newest 2",
                      "1.2.0-rc1: a pre-release (include_prerelease: false)", "latest: not among the newest 2"}});
    cases.push_back({"newest counts pre-releases with include_prerelease",
                     TagFilter{.include_prerelease = true, .newest = 4}, {"1.1.0", "1.2.0-rc1", "2.0.0", "v2.1.0"},
                     {"1.0.0: not among the newest 4", "latest: not among the newest 4"}});
    cases.push_back({"newest after semver", TagFilter{.semver = range(">=1"), .newest = 1}, {"v2.1.0"},
                     {"1.0.0: not among the newest 1", "1.1.0: not among the newest 1",
                      "1.2.0-rc1: outside semver range '>=1'", "2.0.0: not among the newest 1",
                      "latest: not a semver version"}});
    cases.push_back({"newest larger than the list keeps all but pre-releases", TagFilter{.newest = 50},
                     {"1.0.0", "1.1.0", "2.0.0", "v2.1.0", "latest"},
                     {"1.2.0-rc1: a pre-release (include_prerelease: false)"}});
    for (const Case& c : cases) {
        INFO(c.what);
        TagSelection s = select_tags(kAppTags, c.filter);
        CHECK(s.selected == c.selected);
        CHECK(reasons(s) == c.filtered);
    }
}

TEST_CASE("newest ranks non-version tags lexically after versions") {
    TagSelection s = select_tags({"b", "a", "c", "3.18"}, TagFilter{.newest = 3});
    CHECK(s.selected == std::vector<std::string>{"3.18", "b", "c"});
    REQUIRE(s.filtered.size() == 1);
    CHECK(s.filtered[0].tag == "a");
    CHECK(s.filtered[0].reason == TagDropReason::NotNewest);
}

TEST_CASE("ordering is deterministic and duplicates collapse") {
    std::vector<std::string> tags = {"3.20", "3.9", "latest", "3.19", "3.18", "3.20", "edge"};
    TagSelection s = select_tags(tags, TagFilter{});
    CHECK(s.selected == std::vector<std::string>{"3.9", "3.18", "3.19", "3.20", "edge", "latest"});
    std::reverse(tags.begin(), tags.end());
    CHECK(select_tags(tags, TagFilter{}).selected == s.selected);
    CHECK(tag_order_less("1.0", "1.0.0"));  // equal precedence: lexical
    CHECK(tag_order_less("9", "10"));
    CHECK(tag_order_less("10", "alpha"));
}

TEST_CASE("many tags select quickly and exactly") {
    std::vector<std::string> tags;
    for (int i = 0; i < 1050; ++i) tags.push_back("1.0." + std::to_string(i));
    TagSelection s = select_tags(tags, TagFilter{.deny = patterns({"5$"}), .newest = 10});
    REQUIRE(s.selected.size() == 10);
    CHECK(s.selected.front() == "1.0.1039");
    CHECK(s.selected.back() == "1.0.1049");
    CHECK(s.filtered.size() == 1040);
}

TEST_CASE("invalid patterns are reported, not thrown") {
    auto bad = TagPattern::compile("([a-");
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().message.rfind("invalid regular expression '([a-': ", 0) == 0);
    auto good = TagPattern::compile("^v?1\\.");
    REQUIRE(good.has_value());
    CHECK(good->matches("v1.2"));
    CHECK_FALSE(good->matches("2.1"));
}

// Tag sets as Docker Hub's official images have them: a suffix after the version ("-alpine",
// "-slim-bookworm", "-bullseye", "-alpine3.19") is a semver pre-release, and so is a candidate
// glued to the number ("3.13.0rc1", "1.22rc2"). Without include_prerelease neither `newest`
// nor a range selects them; names without a leading number are not versions.
TEST_CASE("suffixed tags of real repositories are pre-releases for newest and semver") {
    const std::vector<std::string> nginx = {"1.25", "1.25.3", "1.25.3-alpine", "mainline", "stable-alpine-slim", "latest"};
    const std::vector<std::string> python = {"3.12.1", "3.12-slim-bookworm", "3.13.0rc1"};
    const std::vector<std::string> node = {"20", "20.10.0-bullseye", "lts-alpine"};
    const std::vector<std::string> golang = {"1.21.5", "1.22rc2", "1.21-alpine3.19"};
    const std::string pre = ": a pre-release (include_prerelease: false)";
    struct Case {
        const char* what;
        const std::vector<std::string>& tags;
        TagFilter filter;
        std::vector<std::string> selected;
        std::vector<std::string> filtered;
    };
    std::vector<Case> cases;
    cases.push_back({"nginx newest 2", nginx, TagFilter{.newest = 2}, {"1.25", "1.25.3"},
                     {"1.25.3-alpine" + pre, "latest: not among the newest 2", "mainline: not among the newest 2",
                      "stable-alpine-slim: not among the newest 2"}});
    cases.push_back({"nginx newest 2 with pre-releases", nginx, TagFilter{.include_prerelease = true, .newest = 2},
                     {"1.25.3-alpine", "1.25.3"},
                     {"1.25: not among the newest 2", "latest: not among the newest 2",
                      "mainline: not among the newest 2", "stable-alpine-slim: not among the newest 2"}});
    cases.push_back({"nginx semver", nginx, TagFilter{.semver = range(">=1.25")}, {"1.25", "1.25.3"},
                     {"1.25.3-alpine: outside semver range '>=1.25'", "latest: not a semver version",
                      "mainline: not a semver version", "stable-alpine-slim: not a semver version"}});
    cases.push_back({"nginx semver with pre-releases", nginx, TagFilter{.semver = range(">=1.25"), .include_prerelease = true},
                     {"1.25", "1.25.3-alpine", "1.25.3"},
                     {"latest: not a semver version", "mainline: not a semver version",
                      "stable-alpine-slim: not a semver version"}});
    cases.push_back({"python newest 1", python, TagFilter{.newest = 1}, {"3.12.1"},
                     {"3.12-slim-bookworm" + pre, "3.13.0rc1" + pre}});
    cases.push_back({"python newest 1 with pre-releases", python, TagFilter{.include_prerelease = true, .newest = 1},
                     {"3.13.0rc1"},
                     {"3.12-slim-bookworm: not among the newest 1", "3.12.1: not among the newest 1"}});
    // 3.12-slim-bookworm is 3.12.0-slim-bookworm, below 3.12.0: "~3.12" starts at 3.12.0.
    cases.push_back({"python tilde range, even with pre-releases", python,
                     TagFilter{.semver = range("~3.12"), .include_prerelease = true}, {"3.12.1"},
                     {"3.12-slim-bookworm: outside semver range '~3.12'", "3.13.0rc1: outside semver range '~3.12'"}});
    cases.push_back({"python range from 3.12.0-0 with pre-releases", python,
                     TagFilter{.semver = range(">=3.12.0-0 <3.14"), .include_prerelease = true},
                     {"3.12-slim-bookworm", "3.12.1", "3.13.0rc1"}, {}});
    cases.push_back({"node newest 1", node, TagFilter{.newest = 1}, {"20"},
                     {"20.10.0-bullseye" + pre, "lts-alpine: not among the newest 1"}});
    cases.push_back({"node major range", node, TagFilter{.semver = range("20")}, {"20"},
                     {"20.10.0-bullseye: outside semver range '20'", "lts-alpine: not a semver version"}});
    cases.push_back({"node major range with pre-releases", node, TagFilter{.semver = range("20"), .include_prerelease = true},
                     {"20", "20.10.0-bullseye"}, {"lts-alpine: not a semver version"}});
    cases.push_back({"golang newest 1", golang, TagFilter{.newest = 1}, {"1.21.5"},
                     {"1.21-alpine3.19" + pre, "1.22rc2" + pre}});
    cases.push_back({"golang newest 1 with pre-releases", golang, TagFilter{.include_prerelease = true, .newest = 1},
                     {"1.22rc2"},
                     {"1.21-alpine3.19: not among the newest 1", "1.21.5: not among the newest 1"}});
    cases.push_back({"golang semver", golang, TagFilter{.semver = range(">=1.21")}, {"1.21.5"},
                     {"1.21-alpine3.19: outside semver range '>=1.21'", "1.22rc2: outside semver range '>=1.21'"}});
    cases.push_back({"golang semver with pre-releases", golang,
                     TagFilter{.semver = range(">=1.21"), .include_prerelease = true}, {"1.21.5", "1.22rc2"},
                     {"1.21-alpine3.19: outside semver range '>=1.21'"}});
    for (const Case& c : cases) {
        INFO(c.what);
        TagSelection s = select_tags(c.tags, c.filter);
        CHECK(s.selected == c.selected);
        CHECK(reasons(s) == c.filtered);
    }
}

TEST_CASE("tags with suffixes parse as pre-releases, commit-like tags as no version") {
    auto check = [](const char* tag, const char* expected) {
        INFO(tag);
        auto v = Version::parse_tag(tag);
        REQUIRE(v);
        CHECK(v->str() == expected);
        CHECK(v->is_prerelease());
    };
    check("1.2-amd64", "1.2.0-amd64");
    check("1.2-alpine", "1.2.0-alpine");
    check("3.12-slim-bookworm", "3.12.0-slim-bookworm");
    check("1.21-alpine3.19", "1.21.0-alpine3.19");
    check("3.13.0rc1", "3.13.0-rc1");
    check("1.22rc2", "1.22.0-rc2");
    check("v1.22rc2-alpine", "1.22.0-rc2.alpine");
    for (const char* tag : {"latest", "mainline", "stable-alpine-slim", "lts-alpine", "3f2a1bc", "1.2x"}) {
        INFO(tag);
        CHECK_FALSE(Version::parse_tag(tag));
    }
    CHECK_FALSE(Version::parse_tag("1.25.3")->is_prerelease());
}
