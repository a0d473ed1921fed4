#pragma once
/// Platforms ("linux/arm64/v8"). Normalised on parse: "arm64"/"aarch64" => arch arm64 with
/// default variant "v8"; "x86_64" => amd64; "armhf" => arm/v7; "armel" => arm/v6.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace ferry::manifest {

struct Platform {
    std::string os;            ///< "linux", "windows"
    std::string architecture;  ///< "amd64", "arm64", "arm", "ppc64le", "s390x", "unknown"
    std::string variant;       ///< "v8", "v7", "" (none)
    std::string os_version;    ///< windows builds; "" if absent
    std::vector<std::string> os_features;

    /// Parses "os/arch[/variant]" and normalises it. Errors quote the text.
    static core::Result<Platform> parse(std::string_view text);
    /// Returns the normalised form (default variants filled in, aliases resolved).
    Platform normalized() const;
    /// "linux/arm64/v8" (variant omitted when empty).
    std::string str() const;
    /// True if this (an image's platform) satisfies `wanted` (a user's filter): os and arch
    /// equal after normalisation; variant equal if `wanted` names one; os_version equal if
    /// `wanted` names one.
    bool matches(const Platform& wanted) const;
    /// "unknown/unknown": the platform of attestation manifests.
    bool is_unknown() const { return os == "unknown" && architecture == "unknown"; }
    bool operator==(const Platform&) const = default;
};

}  // namespace ferry::manifest
