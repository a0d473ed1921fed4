#include "manifest/reference.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "core/registry_host.hpp"
#include "core/text.hpp"

namespace ferry::manifest {
namespace {

using core::kDockerHub;
using core::kDockerHubLegacy;
constexpr std::string_view kTransportPrefix = "docker://";
constexpr std::size_t kMaxNameLength = 255;
constexpr std::size_t kMaxTagLength = 128;

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_lower_alnum(char c) { return is_digit(c) || (c >= 'a' && c <= 'z'); }
bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
bool is_alnum(char c) { return is_lower_alnum(c) || is_upper(c); }
bool is_separator(char c) { return c == '.' || c == '_' || c == '-'; }
bool is_tag_char(char c) { return is_alnum(c) || c == '_' || c == '.' || c == '-'; }

bool is_valid_separator(std::string_view run) {
    return run == "." || run == "_" || run == "__" ||
           std::ranges::all_of(run, [](char c) { return c == '-'; });
}

/// Why one repository path component breaks the grammar `[a-z0-9]+(([._]|__|-+)[a-z0-9]+)*`,
/// or "" when it is valid.
std::string component_problem(std::string_view c) {
    if (c.empty()) return "empty repository component (check for '//' or a leading/trailing '/')";
    if (std::ranges::any_of(c, is_upper))
        return fmt::format("repository component '{}' must be lower case", c);
    auto bad = std::ranges::find_if(c, [](char ch) { return !is_lower_alnum(ch) && !is_separator(ch); });
    if (bad != c.end())
        return fmt::format("repository component '{}' contains invalid character '{}'", c, *bad);
    if (is_separator(c.front()) || is_separator(c.back()))
        return fmt::format("repository component '{}' must start and end with a letter or digit", c);
    for (std::size_t i = 0; i < c.size();) {
        if (!is_separator(c[i])) { ++i; continue; }
        std::size_t end = i;
        while (end < c.size() && is_separator(c[end])) ++end;
        auto run = c.substr(i, end - i);
        if (!is_valid_separator(run))
            return fmt::format("repository component '{}' has invalid separator '{}' "
                               "(allowed: '.', '_', '__' or dashes)", c, run);
        i = end;
    }
    return {};
}

std::string repository_problem(std::string_view repository) {
    if (repository.size() > kMaxNameLength)
        return fmt::format("repository name is {} characters long, the limit is {}", repository.size(), kMaxNameLength);
    std::size_t start = 0;
    while (true) {
        auto slash = repository.find('/', start);
        auto problem = component_problem(repository.substr(start, slash - start));
        if (!problem.empty() || slash == std::string_view::npos) return problem;
        start = slash + 1;
    }
}

std::string tag_problem(std::string_view tag) {
    if (tag.empty()) return "empty tag after ':'";
    if (tag.size() > kMaxTagLength)
        return fmt::format("tag '{}' is longer than {} characters", tag, kMaxTagLength);
    if (!is_alnum(tag.front()) && tag.front() != '_')
        return fmt::format("tag '{}' must start with a letter, digit or '_'", tag);
    auto bad = std::ranges::find_if(tag, [](char c) { return !is_tag_char(c); });
    if (bad != tag.end())
        return fmt::format("tag '{}' contains invalid character '{}'", tag, *bad);
    return {};
}

/// The parts of "name[:tag][@digest]" before validation.
struct RawParts {
    std::string_view name;
    std::optional<std::string_view> tag;
    std::optional<std::string_view> digest;
};

RawParts split_reference(std::string_view text) {
    RawParts parts;
    if (auto at = text.find('@'); at != std::string_view::npos) {
        parts.digest = text.substr(at + 1);
        text = text.substr(0, at);
    }
    auto slash = text.rfind('/');
    auto colon = text.rfind(':');
    if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
        parts.tag = text.substr(colon + 1);
        text = text.substr(0, colon);
    }
    parts.name = text;
    return parts;
}

/// Splits and normalises a name into registry and repository; returns a problem or "".
std::string normalize_name(std::string_view name, Reference& out) {
    if (name.empty()) return "empty repository name";
    auto slash = name.find('/');
    std::string_view path = name;
    out.registry = kDockerHub;
    if (slash != std::string_view::npos && core::names_registry_host(name.substr(0, slash))) {
        auto host = name.substr(0, slash);
        if (auto problem = core::registry_host_problem(host); !problem.empty()) return problem;
        if (host != kDockerHubLegacy) out.registry = host;
        path = name.substr(slash + 1);
    }
    if (auto problem = repository_problem(path); !problem.empty()) return problem;
    out.repository = path;
    if (out.registry == kDockerHub && path.find('/') == std::string_view::npos)
        out.repository = "library/" + out.repository;
    std::size_t total = out.registry.size() + 1 + out.repository.size();
    if (total > kMaxNameLength)
        return fmt::format("name is {} characters long, the limit is {}", total, kMaxNameLength);
    return {};
}

core::Result<Reference> parse_reference(std::string_view input, bool allow_tag_or_digest,
                                        bool default_latest) {
    auto invalid = [&](std::string_view why) {
        return core::fail(core::ErrorKind::InvalidInput,
                          core::escape_control(fmt::format("invalid reference \"{}\": {}", input, why)));
    };
    std::string_view text = input;
    if (text.starts_with(kTransportPrefix)) text.remove_prefix(kTransportPrefix.size());
    if (text.empty()) return invalid("empty reference");
    auto parts = split_reference(text);
    if (!allow_tag_or_digest && (parts.tag || parts.digest))
        return invalid("expected a repository without tag or digest");
    Reference ref;
    if (auto problem = normalize_name(parts.name, ref); !problem.empty()) return invalid(problem);
    if (parts.tag) {
        if (auto problem = tag_problem(*parts.tag); !problem.empty()) return invalid(problem);
        ref.tag = std::string(*parts.tag);
    }
    if (parts.digest) {
        if (parts.digest->empty()) return invalid("empty digest after '@'");
        auto digest = Digest::parse(*parts.digest);
        if (!digest) return invalid(digest.error().message);
        ref.digest = *digest;
    }
    if (default_latest && !ref.tag && !ref.digest) ref.tag = "latest";
    return ref;
}

}  // namespace

core::Result<Reference> Reference::parse(std::string_view text, bool default_latest) {
    return parse_reference(text, true, default_latest);
}

core::Result<Reference> Reference::parse_repository(std::string_view text) {
    return parse_reference(text, false, false);
}

std::string Reference::api_host() const {
    return core::registry_api_host(registry);
}

std::string Reference::repository_str() const { return registry + "/" + repository; }

std::string Reference::str() const {
    std::string out = repository_str();
    if (tag) out += ":" + *tag;
    if (digest) out += "@" + digest->str();
    return out;
}

std::string Reference::manifest_ref() const {
    if (digest) return digest->str();
    return tag.value_or("latest");
}

Reference Reference::with_tag(std::string new_tag) const {
    Reference out = *this;
    out.tag = std::move(new_tag);
    out.digest.reset();
    return out;
}

Reference Reference::with_digest(Digest new_digest) const {
    Reference out = *this;
    out.digest = std::move(new_digest);
    out.tag.reset();
    return out;
}

Reference Reference::with_repository(std::string new_repository) const {
    Reference out = *this;
    out.repository = std::move(new_repository);
    return out;
}

bool is_valid_tag(std::string_view tag) { return tag_problem(tag).empty(); }

bool is_valid_repository(std::string_view repository) {
    return repository_problem(repository).empty();
}

}  // namespace ferry::manifest
