#include "plan/tag_filter.hpp"

#include <algorithm>

namespace ferry::plan {
namespace {

struct KeyedTag {
    std::string tag;
    std::optional<Version> version;
};

KeyedTag keyed(std::string_view tag) { return KeyedTag{std::string(tag), Version::parse_tag(tag)}; }

/// Ascending: versions by precedence (ties lexical), then non-versions lexically.
bool ascending(const KeyedTag& a, const KeyedTag& b) {
    if (a.version && b.version) {
        if (auto c = *a.version <=> *b.version; c != 0) return c < 0;
        return a.tag < b.tag;
    }
    if (a.version || b.version) return a.version.has_value();
    return a.tag < b.tag;
}

/// Newest first: versions by descending precedence, then non-versions in descending lexical order.
bool newest_first(const KeyedTag& a, const KeyedTag& b) {
    if (a.version.has_value() != b.version.has_value()) return a.version.has_value();
    return ascending(b, a);
}

const TagPattern* first_match(const std::vector<TagPattern>& patterns, std::string_view tag) {
    auto it = std::find_if(patterns.begin(), patterns.end(), [&](const TagPattern& p) { return p.matches(tag); });
    return it == patterns.end() ? nullptr : &*it;
}

/// Steps 1-3 for one tag: the reason it is dropped, or nullopt if it stays a candidate.
std::optional<FilteredTag> screen(const KeyedTag& t, const TagFilter& filter) {
    if (!filter.allow.empty() && !first_match(filter.allow, t.tag)) {
        return FilteredTag{t.tag, TagDropReason::NotAllowed, {}};
    }
    if (const TagPattern* deny = first_match(filter.deny, t.tag)) {
        return FilteredTag{t.tag, TagDropReason::Denied, deny->text()};
    }
    if (filter.semver) {
        if (!t.version) return FilteredTag{t.tag, TagDropReason::NotSemver, {}};
        if (!filter.semver->satisfied_by(*t.version, {.include_prerelease = filter.include_prerelease})) {
            return FilteredTag{t.tag, TagDropReason::OutOfRange, filter.semver->text()};
        }
    }
    if (filter.newest && !filter.semver && !filter.include_prerelease && t.version && t.version->is_prerelease()) {
        return FilteredTag{t.tag, TagDropReason::Prerelease, {}};
    }
    return std::nullopt;
}

}  // namespace

core::Result<TagPattern> TagPattern::compile(std::string_view text) {
    TagPattern pattern;
    pattern.text_ = std::string(text);
    try {
        pattern.regex_ = std::regex(pattern.text_, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
        return core::fail(core::ErrorKind::InvalidInput,
                          "invalid regular expression '" + pattern.text_ + "': " + e.what());
    }
    return pattern;
}

bool TagPattern::matches(std::string_view tag) const {
    return std::regex_search(tag.begin(), tag.end(), regex_);
}

std::string FilteredTag::describe() const {
    switch (reason) {
        case TagDropReason::NotAllowed: return "not matched by any allow pattern";
        case TagDropReason::Denied: return "denied by '" + detail + "'";
        case TagDropReason::NotSemver: return "not a semver version";
        case TagDropReason::OutOfRange: return "outside semver range '" + detail + "'";
        case TagDropReason::NotNewest: return "not among the newest " + detail;
        case TagDropReason::Prerelease: return "a pre-release (include_prerelease: false)";
    }
    return "filtered";
}

bool tag_order_less(std::string_view a, std::string_view b) { return ascending(keyed(a), keyed(b)); }

TagSelection select_tags(const std::vector<std::string>& tags, const TagFilter& filter) {
    std::vector<KeyedTag> all;
    all.reserve(tags.size());
    for (const std::string& tag : tags) all.push_back(keyed(tag));
    std::sort(all.begin(), all.end(), ascending);
    all.erase(std::unique(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.tag == b.tag; }),
              all.end());

    TagSelection out;
    std::vector<KeyedTag> candidates;
    for (KeyedTag& t : all) {
        if (auto dropped = screen(t, filter)) {
            out.filtered.push_back(std::move(*dropped));
        } else {
            candidates.push_back(std::move(t));
        }
    }
    if (filter.newest && candidates.size() > static_cast<std::size_t>(*filter.newest)) {
        std::sort(candidates.begin(), candidates.end(), newest_first);
        for (std::size_t i = static_cast<std::size_t>(*filter.newest); i < candidates.size(); ++i) {
            out.filtered.push_back({candidates[i].tag, TagDropReason::NotNewest, std::to_string(*filter.newest)});
        }
        candidates.resize(static_cast<std::size_t>(*filter.newest));
        std::sort(candidates.begin(), candidates.end(), ascending);
    }
    for (KeyedTag& t : candidates) out.selected.push_back(std::move(t.tag));
    std::sort(out.filtered.begin(), out.filtered.end(),
              [](const FilteredTag& a, const FilteredTag& b) { return tag_order_less(a.tag, b.tag); });
    return out;
}

}  // namespace ferry::plan
