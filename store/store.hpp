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
///    in parallel); implementations serialise what must be serialised (manifest PUTs per
///    repository on registry 2.8; index.json rewrites in a layout).
///  - commit() makes layout/archive writes durable (index.json, tar finalisation, rename of
///    FILE.partial); a store that is destroyed without commit() leaves the previous state.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
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
    /// The registry host for registry stores ("" otherwise); used to decide mounts.
    virtual std::string registry_host() const { return {}; }
    /// The repository path for registry stores ("" otherwise).
    virtual std::string repository() const { return {}; }

    /// Resolves a tag or "sha256:..." digest to the manifest's descriptor (media type, digest,
    /// size); nullopt when absent. Registry stores use HEAD (not counted as a pull).
    virtual core::Result<std::optional<manifest::Descriptor>> resolve(const std::string& ref) = 0;
    /// Fetches a manifest by tag or digest. When fetched by digest, the bytes are verified.
    virtual core::Result<manifest::ParsedManifest> get_manifest(const std::string& ref) = 0;
    /// Stores a manifest (raw bytes) under its digest and, if `tag` is set, points the tag at
    /// it. Callers must have written everything it references first.
    virtual core::Status put_manifest(const manifest::ParsedManifest& m,
                                      const std::optional<std::string>& tag) = 0;

    virtual core::Result<bool> has_blob(const manifest::Descriptor& blob) = 0;
    /// Opens a blob for reading from byte `offset` (resume after a broken transfer).
    /// The reader does not verify: the writing side does.
    virtual core::Result<std::unique_ptr<BlobReader>> open_blob(const manifest::Descriptor& blob,
                                                                std::uint64_t offset = 0) = 0;
    /// Streams `source` into the store, verifying digest and size on the way.
    virtual core::Status put_blob(const manifest::Descriptor& blob, BlobReader& source) = 0;
    /// Cross-repository mount from `from` (same registry host only). NotPossible means: do a
    /// normal upload. Stores that cannot mount return NotPossible.
    virtual core::Result<MountResult> mount_blob(const manifest::Descriptor& blob,
                                                 const Store& from) {
        (void)blob;
        (void)from;
        return MountResult::NotPossible;
    }

    /// Cross-repository mount from another repository of this store's own registry host
    /// (used when the plan-wide blob ledger knows a sibling repository already has the blob).
    virtual core::Result<MountResult> mount_from_repository(const manifest::Descriptor& blob,
                                                            const std::string& repository) {
        (void)blob;
        (void)repository;
        return MountResult::NotPossible;
    }

    /// Every tag of the repository (registry: all pages; layout: ref names).
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

}  // namespace ferry::store
