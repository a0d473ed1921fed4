#pragma once
/// An OCI image layout inside a tar file ("oci-archive:", as skopeo writes it).
///
/// Reading: the tar is never unpacked. open_read() scans the headers once (data skipped)
/// into a table of contents and blobs are then read with pread() straight from the file;
/// only oci-layout and index.json (≤ 4 MiB) are read into memory. Malicious archives are
/// refused at open (see tar_index.hpp). Only uncompressed tars are supported.
///
/// Writing: create() writes FILE.partial sequentially: blobs and manifests as
/// blobs/<alg>/<hex>, each once; commit() appends oci-layout and index.json, finishes the
/// tar, fsyncs and renames FILE.partial to FILE (an existing FILE is replaced whole;
/// appending is not supported). Destroyed without commit(), FILE.partial is removed and
/// FILE is untouched. One blob is written at a time (write_blob holds a lock while it
/// streams). Each blob is hashed as it is written; on a size/digest mismatch or a source
/// error the entry is rolled back (the file is truncated to where the entry began), so the
/// archive stays valid and a retry can write the blob again. Only a failure of the file
/// itself (e.g. disk full) poisons the archive: commit() then refuses.
/// Blobs already written can be read back. Thread-safe.
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "store/detail/layout_backend.hpp"

namespace ferry::store {

class OciLayout;

class OciArchive : public LayoutBackend {
public:
    /// Opens an existing archive for reading (NotFound when it does not exist).
    /// `file_limits` caps the size of further entries (name -> bytes) beside index.json
    /// and oci-layout, checked by the scan at open.
    static core::Result<std::shared_ptr<OciArchive>> open_read(
        std::filesystem::path file, const std::map<std::string, std::uint64_t>& file_limits = {});
    /// Starts writing a new archive that replaces `file` at commit().
    static core::Result<std::shared_ptr<OciArchive>> create(std::filesystem::path file);
    ~OciArchive() override;

    std::string describe() const override;

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

    /// Instead of commit(), for an archive from create(): writes the blobs `blobs` of the
    /// layout directory `layout` (each re-verified against its digest as it is packed), the
    /// layout's oci-layout and index.json byte for byte, then `extra_files` (top-level
    /// name, bytes), and finishes like commit().
    core::Status commit_copy_of(OciLayout& layout, const std::vector<manifest::Digest>& blobs,
                                const std::vector<std::pair<std::string, std::string>>& extra_files);

    struct Impl;

private:
    explicit OciArchive(std::unique_ptr<Impl> impl);
    /// Appends `files`, finishes the tar and renames it into place; `index` becomes the
    /// committed index. Holds impl_->mutex.
    core::Status finish_locked(const std::vector<std::pair<std::string, std::string>>& files,
                               nlohmann::json index);
    std::unique_ptr<Impl> impl_;
};

}  // namespace ferry::store
