#pragma once
/// Platforms ("linux/arm64/v8"). Normalised on parse: "arm64"/"aarch64" => arch arm64 with
/// default variant "v8"; "x86_64"/"x86-64" => amd64; "armhf" => arm/v7; "armel" => arm/v6;
/// numeric variants "7" => "v7"; amd64 "v1" => no variant. "arm" without a variant stays
/// without one after parse() (as a filter it matches every arm variant); normalized() turns it
/// into arm/v7, the containerd convention for images.
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
    /// `wanted` names one. `this` is normalized() (arm => v7), `wanted` only has its aliases
    /// resolved, so "linux/arm" and "linux/amd64" accept every variant.
    bool matches(const Platform& wanted) const;
    /// "unknown/unknown": the platform of attestation manifests.
    bool is_unknown() const { return os == "unknown" && architecture == "unknown"; }
    bool operator==(const Platform&) const = default;
};

}  // namespace ferry::manifest
