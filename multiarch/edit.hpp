#pragma once
/// Changing an index in place, as `docker manifest annotate` does and a platform at a time:
/// `ferry manifest annotate` (the os/arch/variant/features/annotations of one entry) and
/// `ferry manifest rm` (drop platforms). The edits are pure (edit_entry, drop_platforms); the
/// index at the target tag is read, edited and pushed again with the same tag by edit_index.
/// The children stay where they are: an edit writes one manifest.
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "manifest/manifest.hpp"
#include "manifest/platform.hpp"
#include "multiarch/assemble.hpp"

namespace ferry::multiarch {

/// What `ferry manifest annotate` sets on one entry (unset fields stay as they are).
struct EntryChanges {
    std::optional<std::string> os, architecture, variant, os_version;
    std::optional<std::vector<std::string>> os_features;
    std::map<std::string, std::string> annotations;  ///< added or replaced (OCI indexes only)
};

/// The index with the entry `selector` names changed: a digest ("sha256:<hex>", or a unique
/// prefix of at least 12 characters with the "sha256:"), or a platform ("linux/arm64": the one
/// image entry of that platform). Errors (InvalidInput): no entry or several match (naming the
/// platforms the index has), an attestation entry, annotations on a Docker manifest list, a
/// change that gives two images one platform; a resulting platform keeps what was stated
/// (as_stated: "arm64" gets no invented "v8").
core::Result<manifest::Index> edit_entry(const manifest::Index& index, const std::string& selector,
                                         const EntryChanges& changes);

/// The index without the image entries of `platforms` (matched as filters: "linux/arm"
/// drops every arm variant) and without the attestations of the images dropped. Errors:
/// NotFound when a platform matches no entry (naming the available ones); InvalidInput when
/// nothing would be left.
core::Result<manifest::Index> drop_platforms(const manifest::Index& index, const std::vector<manifest::Platform>& platforms);

struct EditResult {
    std::string target;                 ///< "docker://host/repo:tag"
    manifest::Digest previous;          ///< the index the tag pointed at
    manifest::ParsedManifest index;     ///< the edited index (pushed unless dry_run)
    bool unchanged = false;             ///< the edit changed nothing: nothing written
    bool dry_run = false;
};

/// Reads the index at `target` (a location naming a tag), applies `edit` and pushes the result
/// with the same tag (nothing when it is byte-identical, or with `dry_run`). Errors: the tag is
/// absent (NotFound) or holds a single image (InvalidInput), and those of `edit`.
core::Result<EditResult> edit_index(const std::string& target, StoreOpener& opener,
                                    const std::function<core::Result<manifest::Index>(const manifest::Index&)>& edit,
                                    bool dry_run);

}  // namespace ferry::multiarch
