#pragma once
/// Assembling a manifest list (OCI image index or Docker manifest list) from per-platform
/// images and pushing it: what `ferry manifest create` and `ferry manifest push -c` run, and
/// what `ferry sync` can run after its sync entries.
///
/// Order (the Store contract): every source is first brought into the target repository by
/// digest (copy::copy_image without a tag: blobs, mounted where the registry allows, then its
/// manifests), then the index is pushed with the tag — the target tag never names an index
/// whose children are missing. Idempotent: when the index that would be pushed already has
/// the digest the target tag points at, nothing is copied or written.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/defaults.hpp"
#include "copy/copy_image.hpp"
#include "core/cancel.hpp"
#include "core/error.hpp"
#include "manifest/index.hpp"
#include "manifest/manifest.hpp"
#include "multiarch/entries.hpp"
#include "store/open.hpp"

namespace ferry::multiarch {

/// Opens stores by location text ("docker://…", a bare reference, "oci:DIR[:REF]", …).
/// The CLI implements it over its client pool; tests over in-memory stores.
class StoreOpener {
public:
    virtual ~StoreOpener() = default;
    virtual core::Result<store::OpenedStore> open(const std::string& location) = 0;
};

struct SourceSpec {
    std::string location;                        ///< an image or an index; no tag = "latest"
    std::optional<manifest::Platform> platform;  ///< overrides the image config; images only
};

struct AssembleSpec {
    std::string target;  ///< location naming a tag
    /// nullopt: OCI, or with `append` the format of the index already at the target.
    std::optional<manifest::IndexFormat> format;
    std::map<std::string, std::string> annotations;  ///< on the index (OCI only)
    std::vector<SourceSpec> sources;
    bool append = false;          ///< start from the index at the target, replacing same platforms
    bool ignore_missing = false;  ///< leave out absent sources with a warning
    bool dry_run = false;         ///< read and decide; write nothing
    int jobs = core::kDefaultJobs;
    const core::CancellationToken* cancel = nullptr;
};

struct AssembleResult {
    std::string target;  ///< "docker://host/repo:tag"
    manifest::ParsedManifest index;  ///< what the tag points at (or would, in a dry run)
    std::vector<SourcedEntry> entries;  ///< the index entries with their sources
    std::optional<manifest::Digest> previous;  ///< what the tag pointed at before, if anything
    bool unchanged = false;  ///< the tag already pointed at this index: nothing written
    bool dry_run = false;
    std::vector<std::string> warnings;  ///< left-out sources, dropped attestations
    copy::CopyStats stats;  ///< copies of the sources into the target repository (+ the index)
};

/// Builds the index `spec` describes and pushes it (see the header comment for the order).
/// Errors (InvalidInput unless said otherwise): a target without a tag; --platform-for on an
/// index source; duplicate platforms (naming both sources); Docker format with OCI children
/// or annotations; --append onto a tag that holds a single image; NotFound for a missing
/// source without ignore_missing, or when no source is left at all.
core::Result<AssembleResult> assemble_index(const AssembleSpec& spec, StoreOpener& opener);

/// The entries of manifest `m` (read from `store`) as index entries: an index's own entries, or for a
/// single image one entry whose platform is read from its image config.
core::Result<std::vector<manifest::Descriptor>> list_platform_entries(store::Store& store,
                                                                       const manifest::ParsedManifest& m);

}  // namespace ferry::multiarch
