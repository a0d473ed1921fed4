#include "manifest/artifact_selection.hpp"

#include <algorithm>

namespace ferry::manifest {
namespace {

bool contains_any(std::string_view text, std::initializer_list<std::string_view> needles) {
    return std::any_of(needles.begin(), needles.end(),
                       [&](std::string_view n) { return text.find(n) != std::string_view::npos; });
}

}  // namespace

std::string_view to_string(ArtifactCategory category) {
    switch (category) {
        case ArtifactCategory::Signature: return "signature";
        case ArtifactCategory::Attestation: return "attestation";
        case ArtifactCategory::Sbom: return "sbom";
        case ArtifactCategory::Other: return "artifact";
    }
    return "artifact";
}

ArtifactCategory category_of(std::string_view artifact_type) {
    if (contains_any(artifact_type, {"cosign.artifact.sig", "cosign.simplesigning", "notary.signature",
                                     "sigstore.bundle", "signature"}))
        return ArtifactCategory::Signature;
    if (contains_any(artifact_type, {"in-toto", "dsse", "attestation", "provenance"})) return ArtifactCategory::Attestation;
    if (contains_any(artifact_type, {"spdx", "cyclonedx", "sbom", "syft"})) return ArtifactCategory::Sbom;
    return ArtifactCategory::Other;
}

bool ArtifactSelection::wants(ArtifactCategory category, std::string_view artifact_type) const {
    if (all) return true;
    if (!artifact_type.empty() &&
        std::find(artifact_types.begin(), artifact_types.end(), artifact_type) != artifact_types.end())
        return true;
    switch (category) {
        case ArtifactCategory::Signature: return signatures;
        case ArtifactCategory::Attestation: return attestations;
        case ArtifactCategory::Sbom: return sboms;
        case ArtifactCategory::Other: return false;
    }
    return false;
}

}  // namespace ferry::manifest
