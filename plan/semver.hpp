#pragma once
/// Semantic versions (semver 2.0.0) and node-semver style ranges, for selecting tags.
/// Range grammar: alternatives separated by `||`; each alternative is a space-separated AND of
/// comparators (`>=1.2.3`, `>1`, `<=2.0`, `<2`, `=1.2.3`, bare `1.2.3`), caret `^1.2.3`, tilde
/// `~1.2.3`, x-ranges (`1.2.x`, `1.x`, `1.*`, `*`, partial `1.2` = `1.2.x`) or a hyphen range
/// `1.2.3 - 2.3.4`. An empty range matches every release.
/// Pre-releases (node-semver rule): a version with a pre-release tag satisfies an alternative
/// only if some comparator of that alternative names the same major.minor.patch with a
/// pre-release tag, unless RangeOptions::include_prerelease is set.
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace ferry::plan {

/// One dot-separated pre-release identifier: numeric ("2") or alphanumeric ("rc1").
struct PrereleaseId {
    bool numeric = false;
    std::uint64_t number = 0;
    std::string text;  ///< the identifier as written (both kinds)

    /// Numeric identifiers sort before alphanumeric ones; numbers numerically, text in ASCII.
    std::strong_ordering operator<=>(const PrereleaseId& other) const;
    bool operator==(const PrereleaseId& other) const { return (*this <=> other) == 0; }
};

struct Version {
    std::uint64_t major = 0;
    std::uint64_t minor = 0;
    std::uint64_t patch = 0;
    std::vector<PrereleaseId> prerelease;
    std::vector<std::string> build;  ///< kept for display; ignored by precedence

    /// Strict semver 2.0.0: "MAJOR.MINOR.PATCH[-pre][+build]", no leading zeros, no "v".
    static core::Result<Version> parse(std::string_view text);
    /// Lenient form for image tags: optional leading 'v'/'V', "1.2" = 1.2.0, "1" = 1.0.0,
    /// leading zeros allowed. A suffix after '-' is a pre-release, as in semver:
    /// "1.2-amd64" = 1.2.0-amd64, "3.12-slim-bookworm" = 3.12.0-slim-bookworm,
    /// "1.21-alpine3.19" = 1.21.0-alpine3.19. A candidate glued to the last number (a, b, rc,
    /// alpha, beta, pre, dev plus digits) is one too: "3.13.0rc1" = 3.13.0-rc1, "1.22rc2" =
    /// 1.22.0-rc2. Returns nullopt for tags that are not versions ("latest", "lts-alpine",
    /// "3f2a1bc").
    static std::optional<Version> parse_tag(std::string_view tag);

    bool is_prerelease() const { return !prerelease.empty(); }
    /// Precedence per semver 2.0.0 (build metadata ignored).
    std::strong_ordering operator<=>(const Version& other) const;
    /// Precedence equality (build metadata ignored).
    bool operator==(const Version& other) const { return (*this <=> other) == 0; }
    /// "1.2.3-rc.1+build.5".
    std::string str() const;
};

struct RangeOptions {
    bool include_prerelease = false;  ///< let pre-releases match like releases
};

/// A parsed range; cheap to copy, immutable after parse().
class Range {
public:
    enum class Op { Less, LessEqual, Greater, GreaterEqual, Equal };
    struct Comparator {
        Op op = Op::GreaterEqual;
        Version version;
    };

    /// Parses a range; errors (InvalidInput) quote the range and the offending part.
    static core::Result<Range> parse(std::string_view text);

    bool satisfied_by(const Version& version, RangeOptions options = {}) const;
    /// The range as written by the user.
    const std::string& text() const { return text_; }
    /// The desugared alternatives (each an AND of primitive comparators).
    const std::vector<std::vector<Comparator>>& alternatives() const { return alternatives_; }

private:
    std::string text_;
    std::vector<std::vector<Comparator>> alternatives_;
};

}  // namespace ferry::plan
