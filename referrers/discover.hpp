#pragma once
/// Finds the artifacts attached to image manifests at a source store: cosign's tags
/// (`sha256-<hex>.sig|.att|.sbom`), then the OCI referrers API, or, where the store has no
/// such API, the referrers fallback tag (`sha256-<hex>`, an index of the referrers).
#include <set>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "manifest/descriptor.hpp"
#include "referrers/selection.hpp"
#include "store/store.hpp"

namespace ferry::referrers {

/// One artifact to carry: either a cosign tag or an OCI referrer manifest.
struct Artifact {
    manifest::Digest subject;
    Category category = Category::Other;
    /// Cosign scheme: the tag that holds it. Empty for an OCI referrer.
    std::string tag;
    /// OCI referrer: its descriptor (artifactType, digest, size, annotations).
    manifest::Descriptor descriptor;

    bool is_tag() const { return !tag.empty(); }
    /// "signature sha256-<hex>.sig" or "sbom application/spdx+json sha256:abcdef012345".
    std::string describe() const;
};

struct DiscoverOptions {
    Selection selection;
    /// The artifact tags of the source repository, from its tag list (read once per
    /// repository). nullptr = not known: candidate tags are resolved with a HEAD each.
    const std::set<std::string>* artifact_tags = nullptr;
};

/// The selected artifacts of every subject, in subject order (cosign tags first). Referrers
/// of referrers are not followed. Errors: transport failures, and a fallback tag that is
/// not an index (Protocol).
core::Result<std::vector<Artifact>> discover(store::Store& source, const std::vector<manifest::Digest>& subjects,
                                             const DiscoverOptions& options);

}  // namespace ferry::referrers
