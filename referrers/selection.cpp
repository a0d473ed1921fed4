#include "referrers/selection.hpp"

#include <algorithm>

namespace ferry::referrers {
namespace {

bool contains_any(std::string_view text, std::initializer_list<std::string_view> needles) {
    return std::any_of(needles.begin(), needles.end(),
                       [&](std::string_view n) { return text.find(n) != std::string_view::npos; });
}

}  // namespace

std::string_view to_string(Category category) {
    switch (category) {
        case Category::Signature: return "signature";
        case Category::Attestation: return "attestation";
        case Category::Sbom: return "sbom";
        case Category::Other: return "artifact";
    }
    return "artifact";
}

Category category_of(std::string_view artifact_type) {
    if (contains_any(artifact_type, {"cosign.artifact.sig", "cosign.simplesigning", "notary.signature",
                                     "sigstore.bundle", "signature"}))
        return Category::Signature;
    if (contains_any(artifact_type, {"in-toto", "dsse", "attestation", "provenance"})) return Category::Attestation;
    if (contains_any(artifact_type, {"spdx", "cyclonedx", "sbom", "syft"})) return Category::Sbom;
    return Category::Other;
}

bool Selection::wants(Category category, std::string_view artifact_type) const {
    if (all) return true;
    if (!artifact_type.empty() &&
        std::find(artifact_types.begin(), artifact_types.end(), artifact_type) != artifact_types.end())
        return true;
    switch (category) {
        case Category::Signature: return signatures;
        case Category::Attestation: return attestations;
        case Category::Sbom: return sboms;
        case Category::Other: return false;
    }
    return false;
}

}  // namespace ferry::referrers
