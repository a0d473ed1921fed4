#pragma once
/// Tags that carry artifacts rather than images: cosign's `sha256-<hex>.sig|.att|.sbom` and
/// the OCI referrers fallback tag `sha256-<hex>` (an index of a subject's referrers). Sync
/// keeps them out of ordinary tag selection and carries them with their subject. Pure.
#include <optional>
#include <string>
#include <string_view>

#include "manifest/digest.hpp"
#include "referrers/selection.hpp"

namespace ferry::referrers {

struct ArtifactTag {
    manifest::Digest subject;
    /// nullopt for the referrers fallback tag; the cosign category otherwise.
    std::optional<Category> cosign;
};

/// Parses a tag of either scheme; nullopt for an ordinary tag.
std::optional<ArtifactTag> parse_artifact_tag(std::string_view tag);

/// "sha256-<hex>": the referrers fallback tag of `subject`.
std::string fallback_tag(const manifest::Digest& subject);

/// "sha256-<hex>.sig" / ".att" / ".sbom" (Category::Other has no cosign tag: "").
std::string cosign_tag(const manifest::Digest& subject, Category category);

}  // namespace ferry::referrers
