// Sources of the semantics (read, not copied): Masterminds/semver v3 constraints.go as
// vendored by skopeo (operators, `,` for AND, hyphen ranges rewritten to `>= A, <= B`,
// partial versions as x-ranges); regclient internal/semver/semver.go (NewVersion: optional
// `v`, `-` pre-release, `+` metadata, any number of numeric parts compared with missing
// parts 0; NewConstraint: blank-separated `^ ~ >= <= > < =` comparators, bare = equal).
#include "convert/version_ranges.hpp"

#include <cctype>
#include <charconv>
#include <optional>
#include <sstream>

namespace ferry::convert {
namespace {

core::Error invalid(const std::string& what) { return core::make_error(core::ErrorKind::InvalidInput, what); }

bool version_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '*' || c == '-' || c == '+';
}

bool identifier_text(const std::string& s) {
    if (s.empty()) return false;
    for (std::size_t start = 0; start <= s.size();) {
        const auto dot = s.find('.', start);
        const auto piece = s.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
        if (piece.empty()) return false;
        for (char c : piece)
            if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
        if (dot == std::string::npos) break;
        start = dot + 1;
    }
    return true;
}

// ---- Masterminds -------------------------------------------------------------------------

std::string masterminds_op(const std::string& op) {
    if (op == "=>") return ">=";
    if (op == "=<") return "<=";
    if (op == "~>") return "~";
    if (op == "=") return "";
    return op;
}

/// One OR group: the comparators as node-semver tokens.
core::Result<std::vector<std::string>> masterminds_group(const std::string& text, bool& names_prerelease) {
    static const char* const kOps[] = {"!=", ">=", "=>", "<=", "=<", "~>", ">", "<", "=", "~", "^"};
    std::vector<std::pair<std::string, std::string>> parts;  // (op, version)
    std::size_t i = 0;
    auto skip_blanks = [&] {
        while (i < text.size() && (std::isspace(static_cast<unsigned char>(text[i])) || text[i] == ',')) ++i;
    };
    for (skip_blanks(); i < text.size(); skip_blanks()) {
        std::string op;
        for (const char* candidate : kOps)
            if (text.compare(i, std::char_traits<char>::length(candidate), candidate) == 0) {
                op = candidate;
                break;
            }
        i += op.size();
        while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
        const std::size_t start = i;
        while (i < text.size() && version_char(text[i])) ++i;
        std::string version = text.substr(start, i - start);
        if (op.empty() && version == "-" && !parts.empty()) {  // hyphen range: A - B
            parts.emplace_back("-", "");
            continue;
        }
        if (version.starts_with('v')) version.erase(0, 1);
        if (version.empty() || !(std::isdigit(static_cast<unsigned char>(version[0])) || version[0] == '*' ||
                                 version[0] == 'x' || version[0] == 'X'))
            return std::unexpected(invalid("'" + text + "' is not a Masterminds/semver constraint"));
        if (op == "!=")
            return std::unexpected(invalid("'" + op + version + "' (not equal) has no ferry semver equivalent"));
        const auto dash = version.find('-');
        if (dash != std::string::npos) names_prerelease = true;
        parts.emplace_back(masterminds_op(op), version);
    }
    std::vector<std::string> out;
    for (std::size_t k = 0; k < parts.size(); ++k) {
        if (parts[k].first == "-") {  // "A - B" is ">= A <= B" in both libraries
            if (out.empty() || k + 1 >= parts.size() || !parts[k + 1].first.empty() ||
                !parts[k - 1].first.empty())
                return std::unexpected(invalid("'" + text + "': a hyphen range needs a version on both sides"));
            out.back() = ">=" + out.back();
            out.push_back("<=" + parts[++k].second);
            continue;
        }
        out.push_back(parts[k].first + parts[k].second);
    }
    if (out.empty()) return std::unexpected(invalid("an empty constraint"));
    return out;
}

// ---- regsync -----------------------------------------------------------------------------

struct RegsyncVersion {
    std::vector<long long> parts;
    std::string prerelease;
};

std::optional<RegsyncVersion> regsync_version(std::string v) {
    if (v.starts_with('v')) v.erase(0, 1);
    if (auto plus = v.find('+'); plus != std::string::npos) v.resize(plus);
    RegsyncVersion out;
    if (auto dash = v.find('-'); dash != std::string::npos) {
        out.prerelease = v.substr(dash + 1);
        v.resize(dash);
    }
    std::istringstream in(v);
    for (std::string part; std::getline(in, part, '.');) {
        long long n = 0;
        auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), n);
        if (part.empty() || ec != std::errc() || end != part.data() + part.size() || n < 0) return std::nullopt;
        out.parts.push_back(n);
    }
    if (out.parts.empty() || v.ends_with('.')) return std::nullopt;
    return out;
}

long long part(const RegsyncVersion& v, std::size_t i) { return i < v.parts.size() ? v.parts[i] : 0; }

core::Result<std::string> three_parts(const RegsyncVersion& v, const std::string& text) {
    for (std::size_t i = 3; i < v.parts.size(); ++i)
        if (v.parts[i] != 0)
            return std::unexpected(invalid("'" + text + "': ferry versions have three numeric parts"));
    if (!v.prerelease.empty() && !identifier_text(v.prerelease))
        return std::unexpected(invalid("'" + text + "': pre-release '" + v.prerelease + "' is not a semver pre-release"));
    std::string out = std::to_string(part(v, 0)) + "." + std::to_string(part(v, 1)) + "." + std::to_string(part(v, 2));
    return v.prerelease.empty() ? out : out + "-" + v.prerelease;
}

core::Result<std::vector<std::string>> regsync_constraint(const std::string& text, bool& names_prerelease) {
    std::istringstream in(text);
    std::vector<std::string> out;
    for (std::string token; in >> token;) {
        std::string op;
        for (const char* candidate : {"^", "~", ">=", "<=", ">", "<", "="})
            if (token.starts_with(candidate)) {
                op = candidate;
                break;
            }
        const std::string operand = token.substr(op.size());
        auto v = regsync_version(operand);
        if (!v) return std::unexpected(invalid("'" + text + "': regsync refuses '" + token + "' (not a version)"));
        if (!v->prerelease.empty()) names_prerelease = true;
        auto low = three_parts(*v, text);
        if (!low) return std::unexpected(low.error());
        if (op == "^" || op == "~") {
            RegsyncVersion upper;
            if (op == "~") upper.parts = {part(*v, 0), part(*v, 1) + 1, 0};
            else if (part(*v, 0) > 0) upper.parts = {part(*v, 0) + 1, 0, 0};
            else if (part(*v, 1) > 0) upper.parts = {0, part(*v, 1) + 1, 0};
            else upper.parts = {0, 0, part(*v, 2) + 1};
            out.push_back(">=" + *low);
            out.push_back("<" + *three_parts(upper, text));
            continue;
        }
        out.push_back((op.empty() ? "=" : op) + *low);
    }
    if (out.empty()) return std::unexpected(invalid("an empty semverRange element"));
    return out;
}

std::string join(const std::vector<std::string>& parts, const std::string& by) {
    std::string out;
    for (const auto& p : parts) out += (out.empty() ? "" : by) + p;
    return out;
}

}  // namespace

core::Result<ConvertedRange> masterminds_range(const std::string& constraint) {
    ConvertedRange out;
    std::vector<std::string> groups;
    for (std::size_t start = 0;;) {
        const auto bar = constraint.find("||", start);
        auto group = masterminds_group(constraint.substr(start, bar == std::string::npos ? bar : bar - start),
                                       out.names_prerelease);
        if (!group) return std::unexpected(group.error());
        groups.push_back(join(*group, " "));
        if (bar == std::string::npos) break;
        start = bar + 2;
    }
    out.range = join(groups, " || ");
    return out;
}

core::Result<ConvertedRange> regsync_range(const std::vector<std::string>& constraints) {
    ConvertedRange out;
    std::vector<std::string> groups;
    for (const auto& c : constraints) {
        if (c.find_first_not_of(" \t") == std::string::npos) continue;  // regsync skips "" elements
        auto group = regsync_constraint(c, out.names_prerelease);
        if (!group) return std::unexpected(group.error());
        groups.push_back(join(*group, " "));
    }
    if (groups.empty()) return std::unexpected(invalid("semverRange has no constraint"));
    out.range = join(groups, " || ");
    return out;
}

}  // namespace ferry::convert
