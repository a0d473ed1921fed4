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
                      "1.2.0-rc1: not among the newest 2", "latest: not among the newest 2"}});
    cases.push_back({"newest after semver", TagFilter{.semver = range(">=1"), .newest = 1}, {"v2.1.0"},
                     {"1.0.0: not among the newest 1", "1.1.0: not among the newest 1",
                      "1.2.0-rc1: outside semver range '>=1'", "2.0.0: not among the newest 1",
                      "latest: not a semver version"}});
    cases.push_back({"newest larger than the list keeps all", TagFilter{.newest = 50},
                     {"1.0.0", "1.1.0", "1.2.0-rc1", "2.0.0", "v2.1.0", "latest"}, {}});
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
