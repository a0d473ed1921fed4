#pragma once
/// The Store seam: one place images live in — a registry repository, an OCI layout directory,
/// or an OCI layout tar — seen through one interface so copy works for any pair.
///
/// Contract (every implementation and every caller):
///  - Write order: every blob before a manifest that references it; every child manifest
///    before the index that lists it; the tag last (put_manifest with a tag). Hence a target
///    never points at something missing, even if the process dies between two calls.
///  - put_blob verifies size and digest while the bytes flow and discards partial data on a
///    mismatch (Integrity error); nothing unverified becomes visible.
///  - Manifests travel as raw bytes; put_manifest writes ParsedManifest::raw unchanged.
///  - Thread-safety: a Store may be used from several threads at once (blob transfers run
///    in parallel); implementations serialise what must be serialised (index.json rewrites
///    in a layout; the registry client serialises manifest PUTs per repository for
///    docker-registry 2.8).
///  - commit() makes layout/archive writes durable (index.json, tar finalisation, rename of
///    FILE.partial); a store that is destroyed without commit() leaves the previous state.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "manifest/descriptor.hpp"
#include "manifest/manifest.hpp"

namespace ferry::store {

/// A pull-based byte stream of one blob. Not thread-safe (one reader, one thread).
class BlobReader {
public:
    virtual ~BlobReader() = default;
    /// Reads up to `size` bytes into `buffer`; returns 0 at the end of the blob.
    virtual core::Result<std::size_t> read(char* buffer, std::size_t size) = 0;
};

enum class MountResult { Mounted, NotPossible };

class Store {
public:
    virtual ~Store() = default;

    /// Human-readable, redacted location: "docker://127.0.0.1:5000/app", "oci:/tmp/x:tag".
    virtual std::string describe() const = 0;
    /// Resolves a tag or "sha256:..." digest to the manifest's descriptor (media type, digest,
    /// size); nullopt when absent. Registry stores use HEAD (not counted as a pull).
    virtual core::Result<std::optional<manifest::Descriptor>> resolve(const std::string& ref) = 0;
    /// Fetches a manifest by tag or digest. When fetched by digest, the bytes are verified.
    virtual core::Result<manifest::ParsedManifest> get_manifest(const std::string& ref) = 0;
    /// Stores a manifest (raw bytes) under its digest and, if `tag` is set, points the tag at
    /// it. Callers must have written everything it references first.
    virtual core::Status put_manifest(const manifest::ParsedManifest& m,
                                      const std::optional<std::string>& tag) = 0;

    /// Whether the blob `blob.digest` is present. MUST NOT read or verify the content (a
    /// registry HEADs it, a layout checks for the file), and MUST answer false, not an error,
    /// for a blob that is absent. Only the digest of `blob` is looked at.
    virtual core::Result<bool> has_blob(const manifest::Descriptor& blob) = 0;
    /// Opens a blob for reading from byte `offset` (resume after a broken transfer).
    /// The reader does not verify: the writing side does. An absent blob MUST be NotFound.
    virtual core::Result<std::unique_ptr<BlobReader>> open_blob(const manifest::Descriptor& blob,
                                                                std::uint64_t offset = 0) = 0;
    /// Streams `source` into the store, verifying digest and size on the way; on a mismatch
    /// it MUST leave nothing visible (Integrity error). Putting a blob that is already
    /// present MUST succeed and leave the stored blob as it was: a layout returns without
    /// reading `source`; a registry may upload again (the registry deduplicates). Callers
    /// that want to save the transfer ask has_blob first.
    virtual core::Status put_blob(const manifest::Descriptor& blob, BlobReader& source) = 0;
    /// Cross-repository mount from `from` (same registry host only, see RegistryRepository).
    /// NotPossible means: do a normal upload. Stores that cannot mount return NotPossible.
    virtual core::Result<MountResult> mount_blob(const manifest::Descriptor& blob,
                                                 const Store& from) {
        (void)blob;
        (void)from;
        return MountResult::NotPossible;
    }

    /// Every tag of the repository (registry: all pages). A layout or archive MUST return
    /// every ref name of its index.json (org.opencontainers.image.ref.name), including tags
    /// set but not yet committed, each once, in index order: names that are not valid tags
    /// (ferry export names images "host/repo:tag") are returned as they are.
    virtual core::Result<std::vector<std::string>> list_tags() = 0;
    /// The manifests whose `subject` is `subject`, from the registry's referrers API (every
    /// page). nullopt when the store has no such API (docker-registry 2.x, layouts): callers
    /// then read the referrers fallback tag `sha256-<hex>`.
    virtual core::Result<std::optional<std::vector<manifest::Descriptor>>> list_referrers(
        const manifest::Digest& subject) {
        (void)subject;
        return std::optional<std::vector<manifest::Descriptor>>{};
    }

    /// Makes writes durable (layouts/archives). Registry stores: no-op.
    virtual core::Status commit() { return {}; }
};

/// An optional capability: the store is one repository of a registry. Cross-repository
/// mounts need it (copy asks the target for it); layouts and archives do not have it.
class RegistryRepository {
public:
    virtual ~RegistryRepository() = default;
    /// The registry host as written in references ("127.0.0.1:5000", "docker.io").
    virtual std::string registry_host() const = 0;
    /// The repository path ("library/nginx").
    virtual std::string repository() const = 0;
    /// Mounts `blob` from another repository of this store's own registry host (used when
    /// the plan-wide blob ledger knows a sibling repository already has it). MUST return
    /// NotPossible, not an error, for an empty `repository`, this store's own repository,
    /// or a registry that answers the mount with an upload session.
    virtual core::Result<MountResult> mount_from_repository(const manifest::Descriptor& blob,
                                                            const std::string& repository) = 0;
};

/// `store`'s registry side, or nullptr when it is not a registry repository.
RegistryRepository* registry_repository(Store& store);
const RegistryRepository* registry_repository(const Store& store);

/// An optional capability of layout directory and archive stores: the files of the layout
/// itself, named by relative '/'-separated paths ("index.json", "blobs/sha256/<hex>", or a
/// file a tool keeps beside the layout, such as ferry-bundle.json). Registries lack it.
class LayoutFiles {
public:
    virtual ~LayoutFiles() = default;
    /// Opens file `path` for reading. MUST return NotFound when the layout holds no regular
    /// file there; in a directory a symlink or anything but a regular file counts as none.
    /// Verifies nothing.
    virtual core::Result<std::unique_ptr<BlobReader>> open_file(const std::string& path) = 0;
    /// The size of file `path`; nullopt under the same conditions as NotFound above.
    virtual core::Result<std::optional<std::uint64_t>> file_size(const std::string& path) = 0;
};

/// `store`'s layout files, or nullptr when it is not a layout or archive.
LayoutFiles* layout_files(Store& store);

/// Reads all of `source`; more than `max_bytes` is an InvalidInput error naming `what`.
core::Result<std::string> read_all(BlobReader& source, std::size_t max_bytes, std::string_view what);

/// Reads blob `blob` of `store` into a string and checks it against the descriptor's digest.
/// Refuses (Protocol, naming the digest) a blob whose descriptor size or actual length exceeds
/// `max_bytes`, and reports a digest mismatch as Integrity. Read errors pass through.
core::Result<std::string> read_blob_text(Store& store, const manifest::Descriptor& blob,
                                         std::size_t max_bytes);

}  // namespace ferry::store
