#pragma once
/// An OCI image layout directory (image-spec "image-layout"): `oci-layout`, `index.json`,
/// `blobs/<alg>/<hex>`. Shareable between several store views (make_layout_store), so a
/// layout holding many images stores each blob once and writes index.json once.
///
/// Durability and concurrency:
///  - The directory is created on the first write, never by reading.
///  - Blobs (manifests included) are written to a temp file in blobs/<alg>/, hashed on the
///    way, then fsync'd and renamed into place; a mismatch removes the temp file.
///  - Tag changes are buffered and written by commit() only, so a crash leaves the previous
///    index.json. commit() takes an exclusive flock on `index.json.lock`, re-reads
///    index.json under it, merges the buffered changes and replaces the file atomically:
///    concurrent ferry processes neither corrupt it nor lose each other's entries.
///  - Readers verify nothing (writers did); get_manifest of a layout store still checks the
///    manifest's digest because it is cheap.
/// Thread-safe.
#include <filesystem>
#include <memory>
#include <mutex>

#include "store/detail/layout_backend.hpp"
#include "store/detail/layout_index.hpp"

namespace ferry::store {

class OciLayout : public LayoutBackend {
public:
    /// Opens the layout at `root` (which need not exist yet). Errors: the path is not a
    /// directory, or an existing oci-layout/index.json is malformed.
    static core::Result<std::shared_ptr<OciLayout>> open(std::filesystem::path root);

    std::string describe() const override;
    const std::filesystem::path& root() const { return root_; }

    core::Result<bool> has_blob(const manifest::Digest& digest) override;
    core::Result<std::optional<std::uint64_t>> blob_size(const manifest::Digest& digest) override;
    core::Result<std::unique_ptr<BlobReader>> open_blob(const manifest::Digest& digest,
                                                        std::uint64_t offset) override;
    core::Status write_blob(const manifest::Descriptor& blob, BlobReader& source) override;

    core::Result<std::optional<manifest::Descriptor>> find_ref(const std::string& ref) override;
    core::Result<std::optional<std::string>> listed_media_type(const manifest::Digest& digest) override;
    core::Result<std::vector<std::string>> ref_names() override;
    core::Status set_ref(const std::string& ref, const manifest::Descriptor& manifest) override;
    core::Result<std::unique_ptr<BlobReader>> open_file(const std::string& path) override;
    core::Result<std::optional<std::uint64_t>> file_size(const std::string& path) override;
    core::Status commit() override;

private:
    OciLayout(std::filesystem::path root, RefTable refs) : root_(std::move(root)), refs_(std::move(refs)) {}
    std::filesystem::path blob_path(const manifest::Digest& digest) const;
    core::Status ensure_created();
    core::Result<nlohmann::json> read_index_file() const;

    const std::filesystem::path root_;
    std::mutex mutex_;
    RefTable refs_;
    bool created_ = false;  ///< oci-layout and blobs/ exist (written or found)
};

}  // namespace ferry::store
