#pragma once
/// What an OCI image layout offers, whether it lives in a directory (OciLayout) or in a tar
/// (OciArchive): content-addressed blobs (manifests are blobs too) and an index.json of
/// ref names. Store views (make_layout_store) sit on top; several views may share one
/// backend, so a layout holding many images stores each blob once and writes index.json
/// once. Implementations are thread-safe.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "manifest/descriptor.hpp"
#include "store/store.hpp"

namespace ferry::store {

class LayoutBackend {
public:
    virtual ~LayoutBackend() = default;

    /// "oci:/path" or "oci-archive:/path".
    virtual std::string describe() const = 0;

    virtual core::Result<bool> has_blob(const manifest::Digest& digest) = 0;
    /// Size of a stored blob; nullopt when absent.
    virtual core::Result<std::optional<std::uint64_t>> blob_size(const manifest::Digest& digest) = 0;
    /// Reads from `offset`; NotFound when absent. Verifies nothing.
    virtual core::Result<std::unique_ptr<BlobReader>> open_blob(const manifest::Digest& digest,
                                                                std::uint64_t offset) = 0;
    /// Stores `blob` from `source`, hashing on the way. A size or digest mismatch is an
    /// Integrity error and leaves nothing visible. A blob already present is not rewritten.
    virtual core::Status write_blob(const manifest::Descriptor& blob, BlobReader& source) = 0;

    /// The manifest descriptor tagged `ref` (pending tags included); nullopt when absent.
    /// An empty `ref` resolves the only entry of a one-entry index.
    virtual core::Result<std::optional<manifest::Descriptor>> find_ref(const std::string& ref) = 0;
    /// The media type index.json records for `digest`, if any.
    virtual core::Result<std::optional<std::string>> listed_media_type(const manifest::Digest& digest) = 0;
    virtual core::Result<std::vector<std::string>> ref_names() = 0;
    /// Points `ref` at `manifest` in index.json at the next commit().
    virtual core::Status set_ref(const std::string& ref, const manifest::Descriptor& manifest) = 0;

    /// A file of the layout by relative '/'-separated path, as LayoutFiles (store.hpp)
    /// promises: NotFound / nullopt when there is no regular file there. Paths that are
    /// absolute or contain ".." are refused (InvalidInput).
    virtual core::Result<std::unique_ptr<BlobReader>> open_file(const std::string& path) = 0;
    virtual core::Result<std::optional<std::uint64_t>> file_size(const std::string& path) = 0;

    /// Makes everything durable (index.json / tar finalisation). Idempotent.
    virtual core::Status commit() = 0;
};

struct LayoutViewOptions {
    /// When false, the view's commit() does nothing: the owner of a shared backend commits
    /// it once at the end.
    bool commit_backend = true;
};

/// A Store over a layout backend (shared with other views).
std::unique_ptr<Store> make_layout_store(std::shared_ptr<LayoutBackend> backend,
                                         LayoutViewOptions options = {});

/// InvalidInput unless `path` is relative, '/'-separated and free of "." and ".." parts.
core::Status check_relative_path(std::string_view path, std::string_view where);

/// Path-safety check for digests used as file names: algorithm [a-z0-9+._-]+, hex
/// [a-f0-9]+. InvalidInput otherwise.
core::Status check_digest_for_path(const manifest::Digest& digest);

}  // namespace ferry::store
