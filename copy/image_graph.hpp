#pragma once
/// Reads everything one image reference consists of from a source store: the root manifest,
/// its child manifests (platform-filtered), and the unique blobs they reference.
#include <string>
#include <vector>

#include "core/error.hpp"
#include "manifest/manifest.hpp"
#include "manifest/platform.hpp"
#include "store/store.hpp"

namespace ferry::copy {

struct ImageGraph {
    /// What goes at the target tag: the source's root bytes, or a subset index built anew.
    manifest::ParsedManifest root;
    manifest::Digest source_digest;  ///< digest of the source's root manifest
    bool built_subset = false;       ///< root was rebuilt for a platform subset
    /// Child manifests, leaves before the indexes that list them (push order).
    std::vector<manifest::ParsedManifest> children;

    /// Config and layer descriptors of `m` (empty for an index).
    static std::vector<manifest::Descriptor> blobs_of(const manifest::ParsedManifest& m);
    /// Every manifest of the graph in push order: children, then root.
    std::vector<const manifest::ParsedManifest*> manifests_in_push_order() const;
};

struct GraphOptions {
    std::vector<manifest::Platform> platforms;  ///< empty = all
    int max_depth = 4;                          ///< nested indexes allowed
};

/// Loads the graph of `ref` (tag or digest) from `src`. Child manifests are fetched by
/// digest (verified). With a platform filter, an index that loses entries is rebuilt with
/// manifest::filter_platforms and serialised; its attestations follow their images.
/// A child listed twice or shared by nested indexes (a diamond) is loaded and pushed once.
/// Errors: NotFound for a missing ref, Protocol for loops or nesting deeper than max_depth,
/// Integrity for a child whose bytes do not match its index entry.
core::Result<ImageGraph> load_image_graph(store::Store& src, const std::string& ref,
                                          const GraphOptions& options);
/// The same from a root manifest already fetched from `src` (its bytes and digest as
/// get_manifest returned them): saves the second request for a root just read by tag.
core::Result<ImageGraph> load_image_graph(store::Store& src, manifest::ParsedManifest fetched_root,
                                          const GraphOptions& options);

}  // namespace ferry::copy
