#pragma once
/// Which artifacts attached to an image travel with it (the plan's `referrers:` key), and how
/// an artifact is classified: cosign's tag suffixes and OCI artifact types both map to a
/// category. Pure model: the plan reads it (plan/entry_settings), referrers/ acts on it (where
/// it is known as referrers::Selection).
#include <string>
#include <string_view>
#include <vector>

namespace ferry::manifest {

enum class ArtifactCategory { Signature, Attestation, Sbom, Other };

std::string_view to_string(ArtifactCategory category);

/// Classifies an OCI artifactType (or a manifest's config media type when the artifact has
/// none): cosign and Notary signatures, in-toto/DSSE attestations, SPDX/CycloneDX SBOMs.
ArtifactCategory category_of(std::string_view artifact_type);

struct ArtifactSelection {
    bool all = false;  ///< every referrer, whatever its artifact type
    bool signatures = false;
    bool attestations = false;
    bool sboms = false;
    std::vector<std::string> artifact_types;  ///< further media types named explicitly

    bool none() const { return !all && !signatures && !attestations && !sboms && artifact_types.empty(); }
    /// True when an artifact of `category` and `artifact_type` ("" for cosign tags) is selected.
    bool wants(ArtifactCategory category, std::string_view artifact_type = {}) const;
};

}  // namespace ferry::manifest
