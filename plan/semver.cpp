#include "plan/semver.hpp"

#include <algorithm>
#include <charconv>

#include "core/parse.hpp"

namespace ferry::plan {
namespace {

struct Leniency {
    bool leading_v = false;
    bool partial = false;        ///< "1.2", "1"
    bool leading_zeros = false;
    bool wildcards = false;      ///< "x", "X", "*" components (ranges)
};

constexpr Leniency kStrict{};
constexpr Leniency kTag{.leading_v = true, .partial = true, .leading_zeros = true};
constexpr Leniency kRangeOperand{
    .leading_v = true, .partial = true, .leading_zeros = false, .wildcards = true};

bool is_digits(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool is_identifier(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
    });
}

std::optional<std::uint64_t> parse_number(std::string_view s, bool leading_zeros) {
    if (!is_digits(s) || (!leading_zeros && s.size() > 1 && s[0] == '0')) return std::nullopt;
    return core::parse_int<std::uint64_t>(s);
}

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    while (true) {
        std::size_t pos = s.find(sep, start);
        parts.push_back(s.substr(start, pos == std::string_view::npos ? pos : pos - start));
        if (pos == std::string_view::npos) return parts;
        start = pos + 1;
    }
}

/// A version whose missing or wildcard components are nullopt ("1.x" = {1, -, -}).
struct Partial {
    std::optional<std::uint64_t> major, minor, patch;
    std::vector<PrereleaseId> prerelease;

    bool complete() const { return patch.has_value(); }
    Version floor() const {
        return Version{major.value_or(0), minor.value_or(0), patch.value_or(0), prerelease, {}};
    }
};

std::optional<std::vector<PrereleaseId>> parse_prerelease(std::string_view text, Leniency rules) {
    std::vector<PrereleaseId> ids;
    for (std::string_view part : split(text, '.')) {
        if (!is_identifier(part)) return std::nullopt;
        PrereleaseId id{.numeric = is_digits(part), .number = 0, .text = std::string(part)};
        if (id.numeric) {
            auto n = parse_number(part, rules.leading_zeros);
            if (!n) return std::nullopt;
            id.number = *n;
        }
        ids.push_back(std::move(id));
    }
    return ids;
}

std::optional<Partial> parse_partial(std::string_view text, Leniency rules,
                                     std::vector<std::string>* build = nullptr) {
    if (rules.leading_v && !text.empty() && (text[0] == 'v' || text[0] == 'V')) text.remove_prefix(1);
    std::size_t plus = text.find('+');
    if (plus != std::string_view::npos) {
        for (std::string_view b : split(text.substr(plus + 1), '.')) {
            if (!is_identifier(b)) return std::nullopt;
            if (build) build->emplace_back(b);
        }
        text = text.substr(0, plus);
    }
    Partial out;
    std::size_t dash = text.find('-');
    if (dash != std::string_view::npos) {
        auto pre = parse_prerelease(text.substr(dash + 1), rules);
        if (!pre) return std::nullopt;
        out.prerelease = std::move(*pre);
        text = text.substr(0, dash);
    }
    auto parts = split(text, '.');
    if (parts.size() > 3 || (parts.size() < 3 && !rules.partial)) return std::nullopt;
    std::optional<std::uint64_t>* slots[] = {&out.major, &out.minor, &out.patch};
    bool wildcard_seen = false;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        std::string_view p = parts[i];
        if (rules.wildcards && (p == "x" || p == "X" || p == "*")) {
            wildcard_seen = true;
            continue;
        }
        if (wildcard_seen) return std::nullopt;
        *slots[i] = parse_number(p, rules.leading_zeros);
        if (!*slots[i]) return std::nullopt;
    }
    if (rules.wildcards && !out.prerelease.empty() && !out.complete()) return std::nullopt;
    return out;
}

bool is_digits_or_empty(std::string_view s) { return s.empty() || is_digits(s); }

/// Tags like "3.13.0rc1" and "1.22rc2" (Python's and Go's release candidates) carry a
/// pre-release glued to the last number (a, b, rc, alpha, beta, pre or dev, then digits; a
/// commit-like "3f2a1bc" is left alone); spelled as semver ("3.13.0-rc1", "1.22-rc2") so that
/// they sort and filter as the pre-releases they are. A suffix already there follows as
/// further identifiers ("1.22rc2-alpine" = "1.22-rc2.alpine"). Other text is returned as is.
std::string attached_prerelease_as_semver(std::string_view tag) {
    const std::size_t core_end = std::min(tag.find_first_of("-+"), tag.size());
    std::size_t i = tag.find_last_of('.', core_end == 0 ? 0 : core_end - 1);
    i = (i == std::string_view::npos || i >= core_end) ? 0 : i + 1;
    if (i == 0 && !tag.empty() && (tag[0] == 'v' || tag[0] == 'V')) i = 1;
    const std::size_t digits_end = std::min(tag.find_first_not_of("0123456789", i), core_end);
    if (digits_end == i || digits_end == core_end) return std::string(tag);
    std::string_view suffix = tag.substr(digits_end, core_end - digits_end);
    const std::string_view word = suffix.substr(0, suffix.find_first_of("0123456789"));
    const bool known = word == "a" || word == "b" || word == "rc" || word == "alpha" || word == "beta" ||
                       word == "pre" || word == "dev";
    if (!known || !is_digits_or_empty(suffix.substr(word.size()))) return std::string(tag);
    std::string out(tag.substr(0, digits_end));
    out += '-';
    out += tag.substr(digits_end, core_end - digits_end);
    if (core_end < tag.size() && tag[core_end] == '-') {
        out += '.';
        out += tag.substr(core_end + 1);
    } else {
        out += tag.substr(core_end);
    }
    return out;
}

/// The lowest pre-release of a version: "2.0.0-0", used as an exclusive upper bound so that
/// pre-releases of the next version stay out of the range.
Version lowest_prerelease(std::uint64_t major, std::uint64_t minor, std::uint64_t patch) {
    return Version{major, minor, patch, {PrereleaseId{.numeric = true, .number = 0, .text = "0"}}, {}};
}

/// Exclusive upper bound for a partial: the next version at the last given component.
/// Requires a major.
Version next_bound(const Partial& p) {
    if (!p.minor) return lowest_prerelease(*p.major + 1, 0, 0);
    return lowest_prerelease(*p.major, *p.minor + 1, 0);
}

using Op = Range::Op;
using Comparators = std::vector<Range::Comparator>;

const Range::Comparator kNothing{Op::Less, lowest_prerelease(0, 0, 0)};

Comparators primitive(Op op, const Partial& p) {
    if (p.complete()) return {{op, p.floor()}};
    if (!p.major) {
        if (op == Op::Less || op == Op::Greater) return {kNothing};
        return {};
    }
    switch (op) {
        case Op::Equal: return {{Op::GreaterEqual, p.floor()}, {Op::Less, next_bound(p)}};
        case Op::GreaterEqual: return {{Op::GreaterEqual, p.floor()}};
        case Op::LessEqual: return {{Op::Less, next_bound(p)}};
        case Op::Less: return {{Op::Less, lowest_prerelease(*p.major, p.minor.value_or(0), 0)}};
        case Op::Greater: {
            Version bound = next_bound(p);
            bound.prerelease.clear();
            return {{Op::GreaterEqual, bound}};
        }
    }
    return {};
}

Comparators tilde(const Partial& p) {
    if (!p.major) return {};
    std::uint64_t minor = p.minor.value_or(0);
    Version upper = p.minor ? lowest_prerelease(*p.major, minor + 1, 0) : lowest_prerelease(*p.major + 1, 0, 0);
    return {{Op::GreaterEqual, p.floor()}, {Op::Less, upper}};
}

Comparators caret(const Partial& p) {
    if (!p.major) return {};
    Version upper;
    if (*p.major > 0 || !p.minor) {
        upper = lowest_prerelease(*p.major + 1, 0, 0);
    } else if (*p.minor > 0 || !p.patch) {
        upper = lowest_prerelease(0, *p.minor + 1, 0);
    } else {
        upper = lowest_prerelease(0, 0, *p.patch + 1);
    }
    return {{Op::GreaterEqual, p.floor()}, {Op::Less, upper}};
}

Comparators hyphen(const Partial& low, const Partial& high) {
    Comparators out;
    if (low.major) out.push_back({Op::GreaterEqual, low.floor()});
    if (high.complete()) {
        out.push_back({Op::LessEqual, high.floor()});
    } else if (high.major) {
        out.push_back({Op::Less, next_bound(high)});
    }
    return out;
}

core::Error range_error(std::string_view range, std::string_view part, std::string_view why) {
    return core::make_error(core::ErrorKind::InvalidInput,
                            "invalid semver range '" + std::string(range) + "': '" + std::string(part) +
                                "' " + std::string(why));
}

core::Result<Partial> operand(std::string_view range, std::string_view text) {
    auto p = parse_partial(text, kRangeOperand);
    if (!p) return std::unexpected(range_error(range, text, "is not a version"));
    return *p;
}

/// Parses one comparator token such as ">=1.2", "^1.2.3", "1.x".
core::Result<Comparators> comparator(std::string_view range, std::string_view token) {
    static constexpr std::pair<std::string_view, Op> kOps[] = {
        {">=", Op::GreaterEqual}, {"<=", Op::LessEqual}, {">", Op::Greater}, {"<", Op::Less}, {"=", Op::Equal}};
    if (token.starts_with('^') || token.starts_with('~')) {
        auto p = operand(range, token.substr(1));
        if (!p) return std::unexpected(p.error());
        return token[0] == '^' ? caret(*p) : tilde(*p);
    }
    Op op = Op::Equal;
    for (const auto& [prefix, candidate] : kOps) {
        if (token.starts_with(prefix)) {
            op = candidate;
            token.remove_prefix(prefix.size());
            break;
        }
    }
    auto p = operand(range, token);
    if (!p) return std::unexpected(p.error());
    return primitive(op, *p);
}

bool is_operator_only(std::string_view token) {
    return token == ">=" || token == "<=" || token == ">" || token == "<" || token == "=" ||
           token == "^" || token == "~";
}

/// Splits on blanks and joins a lone operator with the operand after it (">= 1.2" = ">=1.2").
std::vector<std::string> tokens_of(std::string_view text) {
    std::vector<std::string> tokens;
    bool join_next = false;
    for (std::string_view piece : split(text, ' ')) {
        if (piece.empty()) continue;
        if (join_next) {
            tokens.back() += piece;
        } else {
            tokens.emplace_back(piece);
        }
        join_next = is_operator_only(piece);
    }
    return tokens;
}

core::Result<Comparators> alternative(std::string_view range, std::string_view text) {
    std::string spaced(text);
    std::replace(spaced.begin(), spaced.end(), '\t', ' ');
    auto tokens = tokens_of(spaced);
    if (tokens.size() == 3 && tokens[1] == "-") {
        auto low = operand(range, tokens[0]);
        if (!low) return std::unexpected(low.error());
        auto high = operand(range, tokens[2]);
        if (!high) return std::unexpected(high.error());
        return hyphen(*low, *high);
    }
    Comparators all;
    for (const std::string& token : tokens) {
        if (is_operator_only(token) || token == "-") {
            return std::unexpected(range_error(range, token, "is missing a version"));
        }
        auto part = comparator(range, token);
        if (!part) return std::unexpected(part.error());
        all.insert(all.end(), part->begin(), part->end());
    }
    return all;
}

bool test(const Range::Comparator& c, const Version& v) {
    switch (c.op) {
        case Op::Less: return v < c.version;
        case Op::LessEqual: return v <= c.version;
        case Op::Greater: return v > c.version;
        case Op::GreaterEqual: return v >= c.version;
        case Op::Equal: return v == c.version;
    }
    return false;
}

bool same_release(const Version& a, const Version& b) {
    return a.major == b.major && a.minor == b.minor && a.patch == b.patch;
}

bool alternative_allows(const Comparators& set, const Version& v, RangeOptions options) {
    if (!std::all_of(set.begin(), set.end(), [&](const auto& c) { return test(c, v); })) return false;
    if (!v.is_prerelease() || options.include_prerelease) return true;
    return std::any_of(set.begin(), set.end(), [&](const auto& c) {
        return c.version.is_prerelease() && same_release(c.version, v);
    });
}

}  // namespace

std::strong_ordering PrereleaseId::operator<=>(const PrereleaseId& other) const {
    if (numeric != other.numeric) return numeric ? std::strong_ordering::less : std::strong_ordering::greater;
    if (numeric) return number <=> other.number;
    return text.compare(other.text) <=> 0;
}

std::strong_ordering Version::operator<=>(const Version& other) const {
    if (auto c = major <=> other.major; c != 0) return c;
    if (auto c = minor <=> other.minor; c != 0) return c;
    if (auto c = patch <=> other.patch; c != 0) return c;
    if (prerelease.empty() || other.prerelease.empty()) {
        // A release outranks its own pre-releases.
        return prerelease.empty() <=> other.prerelease.empty();
    }
    return std::lexicographical_compare_three_way(prerelease.begin(), prerelease.end(),
                                                  other.prerelease.begin(), other.prerelease.end());
}

core::Result<Version> Version::parse(std::string_view text) {
    std::vector<std::string> build;
    auto p = parse_partial(text, kStrict, &build);
    if (!p) {
        return core::fail(core::ErrorKind::InvalidInput,
                          "invalid version '" + std::string(text) + "': expected MAJOR.MINOR.PATCH[-pre][+build]");
    }
    Version v = p->floor();
    v.build = std::move(build);
    return v;
}

std::optional<Version> Version::parse_tag(std::string_view tag) {
    std::vector<std::string> build;
    std::string spelled = attached_prerelease_as_semver(tag);
    auto p = parse_partial(spelled, kTag, &build);
    if (!p || !p->major) return std::nullopt;
    Version v = p->floor();
    v.build = std::move(build);
    return v;
}

std::string Version::str() const {
    std::string out = std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
    for (std::size_t i = 0; i < prerelease.size(); ++i) out += (i == 0 ? "-" : ".") + prerelease[i].text;
    for (std::size_t i = 0; i < build.size(); ++i) out += (i == 0 ? "+" : ".") + build[i];
    return out;
}

core::Result<Range> Range::parse(std::string_view text) {
    Range range;
    range.text_ = std::string(text);
    std::size_t start = 0;
    while (true) {
        std::size_t bar = text.find("||", start);
        std::string_view piece = text.substr(start, bar == std::string_view::npos ? bar : bar - start);
        auto set = alternative(text, piece);
        if (!set) return std::unexpected(set.error());
        range.alternatives_.push_back(std::move(*set));
        if (bar == std::string_view::npos) break;
        start = bar + 2;
    }
    return range;
}

bool Range::satisfied_by(const Version& version, RangeOptions options) const {
    return std::any_of(alternatives_.begin(), alternatives_.end(),
                       [&](const Comparators& set) { return alternative_allows(set, version, options); });
}

}  // namespace ferry::plan
