#pragma once
/// The referrers fallback tag's index (OCI distribution-spec 1.1, for registries without the
/// referrers API): one OCI image index per subject, listing its referrers. Pure.
#include <optional>
#include <vector>

#include "core/error.hpp"
#include "manifest/manifest.hpp"

namespace ferry::referrers {

/// The fallback index after adding `referrers` to `existing` (absent = none yet): existing
/// entries keep their order, new digests are appended. nullopt when nothing is new.
/// Errors: Protocol when `existing` is not an image index (it is never overwritten then).
core::Result<std::optional<manifest::ParsedManifest>> merge_fallback_index(
    const std::optional<manifest::ParsedManifest>& existing, const std::vector<manifest::Descriptor>& referrers);

}  // namespace ferry::referrers
