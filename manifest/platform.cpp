#include "manifest/platform.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "core/text.hpp"

namespace ferry::manifest {
namespace {

/// "7" => "v7"; anything else unchanged.
std::string versioned_variant(std::string variant) {
    if (!variant.empty() && std::ranges::all_of(variant, [](unsigned char c) { return std::isdigit(c); }))
        return "v" + variant;
    return variant;
}

/// Resolves os/architecture aliases and variant spellings. An `arm` platform without a
/// variant keeps it empty: as a filter it means "any arm variant".
Platform resolve_aliases(Platform p) {
    p.os = core::ascii_lower(p.os);
    p.architecture = core::ascii_lower(p.architecture);
    p.variant = versioned_variant(core::ascii_lower(p.variant));
    if (p.os == "macos") p.os = "darwin";
    const std::string& arch = p.architecture;
    if (arch == "x86_64" || arch == "x86-64") {
        p.architecture = "amd64";
    } else if (arch == "i386" || arch == "i686") {
        p.architecture = "386";
    } else if (arch == "aarch64") {
        p.architecture = "arm64";
    } else if (arch == "armhf") {
        p.architecture = "arm";
        p.variant = "v7";
    } else if (arch == "armel") {
        p.architecture = "arm";
        p.variant = "v6";
    }
    if (p.architecture == "arm64" && p.variant.empty()) p.variant = "v8";
    if (p.architecture == "amd64" && p.variant == "v1") p.variant.clear();
    return p;
}

bool is_platform_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
}

}  // namespace

core::Result<Platform> Platform::parse(std::string_view text) {
    auto invalid = [&](std::string_view why) {
        return core::fail(core::ErrorKind::InvalidInput,
                          fmt::format("invalid platform \"{}\": {}", text, why));
    };
    std::vector<std::string_view> parts;
    for (std::size_t start = 0;;) {
        auto slash = text.find('/', start);
        parts.push_back(text.substr(start, slash - start));
        if (slash == std::string_view::npos) break;
        start = slash + 1;
    }
    if (parts.size() < 2 || parts.size() > 3)
        return invalid("expected \"os/arch\" or \"os/arch/variant\", e.g. \"linux/arm64\"");
    static constexpr std::string_view kPartNames[] = {"os", "architecture", "variant"};
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (parts[i].empty()) return invalid(fmt::format("empty {}", kPartNames[i]));
        if (!std::ranges::all_of(parts[i], is_platform_char))
            return invalid(fmt::format("{} '{}' contains an invalid character", kPartNames[i], parts[i]));
    }
    Platform p;
    p.os = parts[0];
    p.architecture = parts[1];
    if (parts.size() == 3) p.variant = parts[2];
    return resolve_aliases(std::move(p));
}

Platform Platform::normalized() const {
    Platform p = resolve_aliases(*this);
    if (p.architecture == "arm" && p.variant.empty()) p.variant = "v7";
    return p;
}

std::string Platform::str() const {
    std::string out = os + "/" + architecture;
    if (!variant.empty()) out += "/" + variant;
    return out;
}

bool Platform::matches(const Platform& wanted) const {
    Platform image = normalized();
    Platform filter = resolve_aliases(wanted);
    if (image.os != filter.os || image.architecture != filter.architecture) return false;
    if (!filter.variant.empty() && image.variant != filter.variant) return false;
    if (!filter.os_version.empty() && image.os_version != filter.os_version) return false;
    return true;
}

}  // namespace ferry::manifest
