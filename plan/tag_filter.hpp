#pragma once
/// Tag selection for a sync entry. Steps, in order:
///  1. allow: keep a tag if any allow pattern matches it (no patterns = keep all);
///  2. deny: drop a tag if any deny pattern matches it;
///  3. semver: when a range is set, keep only tags that parse as versions (Version::parse_tag:
///     optional 'v', "1.2" = 1.2.0) and satisfy the range;
///  4. newest N: keep the N highest tags: versions by precedence first (highest first), then
///     non-version tags in descending lexical order.
/// Suffixed tags are pre-releases (semver's rule is the reference): "1.2-amd64" = 1.2.0-amd64,
/// "1.25.3-alpine", "3.12-slim-bookworm", "1.21-alpine3.19", and the glued candidates
/// "3.13.0rc1" = 3.13.0-rc1, "1.22rc2" = 1.22.0-rc2. Unless `include_prerelease` is set they
/// satisfy no range (except one naming a pre-release of the same major.minor.patch, the
/// node-semver rule) and, without a range, `newest` drops them before counting; they are
/// never counted among the non-version tags. Tags without a leading number ("latest",
/// "mainline", "stable-alpine-slim", "lts-alpine") are not versions: a range drops them,
/// `newest` ranks them after every version.
/// Patterns are ECMAScript regular expressions matched anywhere in the tag (std::regex_search);
/// anchor them with ^…$ for a whole-tag match.
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "plan/semver.hpp"

namespace ferry::plan {

/// A compiled regular expression that remembers its source text.
class TagPattern {
public:
    /// Compiles `text` (ECMAScript); errors (InvalidInput) quote the pattern and the reason.
    static core::Result<TagPattern> compile(std::string_view text);
    bool matches(std::string_view tag) const;
    const std::string& text() const { return text_; }

private:
    std::string text_;
    std::regex regex_;
};

struct TagFilter {
    std::vector<TagPattern> allow;
    std::vector<TagPattern> deny;
    std::optional<Range> semver;
    bool include_prerelease = false;  ///< pre-release tags may satisfy `semver` like releases
    std::optional<int> newest;        ///< keep at most this many (>= 1)

    /// True when the filter keeps every tag.
    bool selects_all() const { return allow.empty() && deny.empty() && !semver && !newest; }
};

enum class TagDropReason { NotAllowed, Denied, NotSemver, OutOfRange, NotNewest, Prerelease };

struct FilteredTag {
    std::string tag;
    TagDropReason reason = TagDropReason::NotAllowed;
    std::string detail;  ///< the deny pattern, the range, or N

    /// "denied by '-rc'", "outside semver range '>=1 <2'", "not among the newest 3", ...
    std::string describe() const;
};

struct TagSelection {
    std::vector<std::string> selected;  ///< in version order (see select_tags)
    std::vector<FilteredTag> filtered;  ///< in the same order as `selected`
};

/// Applies `filter` to `tags`. `selected` is sorted deterministically: version tags ascending
/// by precedence (equal precedence: lexical), then the other tags in lexical order. Duplicate
/// input tags are reported once.
TagSelection select_tags(const std::vector<std::string>& tags, const TagFilter& filter);

/// Orders tags as in TagSelection::selected (version precedence, then lexical).
bool tag_order_less(std::string_view a, std::string_view b);

}  // namespace ferry::plan
