#include "store/detail/oci_archive.hpp"

#include <unistd.h>

#include <mutex>

#include "store/detail/blob_io.hpp"
#include "store/detail/file_io.hpp"
#include "store/detail/layout_index.hpp"
#include "store/detail/oci_layout.hpp"
#include "store/detail/tar_index.hpp"
#include "store/detail/tar_writer.hpp"

namespace ferry::store {
namespace fs = std::filesystem;
using manifest::Descriptor;
using manifest::Digest;

namespace {

fs::path partial_path(const fs::path& file) { return fs::path(file.string() + ".partial"); }

}  // namespace

struct OciArchive::Impl {
    fs::path file;
    std::mutex mutex;
    std::shared_ptr<const fileio::Fd> fd;
    TarIndex entries;
    RefTable refs;
    std::unique_ptr<TarWriter> writer;  ///< null when opened for reading
    bool committed = false;

    std::string describe() const { return "oci-archive:" + file.string(); }

    core::Result<std::string> read_entry(const std::string& name) const {
        auto it = entries.find(name);
        if (it == entries.end())
            return core::fail(core::ErrorKind::InvalidInput, "reading " + describe() + ": no " + name + " entry");
        return fileio::pread_exact(fd->get(), it->second.offset, it->second.size, file);
    }

    core::Status writable() const {
        if (!writer)
            return core::fail(core::ErrorKind::Unsupported,
                              "writing " + describe() + ": the archive was opened for reading");
        if (committed)
            return core::fail(core::ErrorKind::Internal, "writing " + describe() + ": already committed");
        return {};
    }
};

OciArchive::OciArchive(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

OciArchive::~OciArchive() {
    if (impl_->writer && !impl_->committed) {
        impl_->writer.reset();
        ::unlink(partial_path(impl_->file).c_str());
    }
}

core::Result<std::shared_ptr<OciArchive>> OciArchive::open_read(fs::path file,
                                                               const std::map<std::string, std::uint64_t>& file_limits) {
    auto impl = std::make_unique<Impl>();
    impl->file = std::move(file);
    auto fd = fileio::open_read(impl->file);
    if (!fd) return std::unexpected(fd.error());
    TarScanOptions scan;
    scan.size_limits = file_limits;
    scan.size_limits["index.json"] = kMaxIndexJsonBytes;
    scan.size_limits["oci-layout"] = kMaxIndexJsonBytes;
    auto entries = scan_tar(fd->get(), impl->file, scan);
    if (!entries) return std::unexpected(entries.error());
    impl->fd = std::make_shared<const fileio::Fd>(std::move(*fd));
    impl->entries = std::move(*entries);
    auto marker = impl->read_entry("oci-layout");
    if (!marker) return std::unexpected(marker.error());
    if (auto st = check_oci_layout_file(*marker, impl->describe()); !st) return std::unexpected(st.error());
    auto index_text = impl->read_entry("index.json");
    if (!index_text) return std::unexpected(index_text.error());
    auto index = parse_index_json(*index_text, impl->describe());
    if (!index) return std::unexpected(index.error());
    impl->refs = RefTable(std::move(*index));
    return std::shared_ptr<OciArchive>(new OciArchive(std::move(impl)));
}

core::Result<std::shared_ptr<OciArchive>> OciArchive::create(fs::path file) {
    auto impl = std::make_unique<Impl>();
    impl->file = std::move(file);
    auto writer = TarWriter::create(partial_path(impl->file));
    if (!writer) return std::unexpected(writer.error());
    impl->writer = std::move(*writer);
    impl->fd = impl->writer->fd();
    auto archive = std::shared_ptr<OciArchive>(new OciArchive(std::move(impl)));
    for (const char* dir : {"blobs/", "blobs/sha256/"})
        if (auto st = archive->impl_->writer->add_directory(dir); !st) return std::unexpected(st.error());
    return archive;
}

std::string OciArchive::describe() const { return impl_->describe(); }

core::Result<std::optional<std::uint64_t>> OciArchive::blob_size(const Digest& digest) {
    std::lock_guard lock(impl_->mutex);
    auto it = impl_->entries.find(manifest::layout_blob_path(digest));
    if (it == impl_->entries.end()) return std::optional<std::uint64_t>();
    return std::optional<std::uint64_t>(it->second.size);
}

core::Result<bool> OciArchive::has_blob(const Digest& digest) {
    auto size = blob_size(digest);
    if (!size) return std::unexpected(size.error());
    return size->has_value();
}

core::Result<std::unique_ptr<BlobReader>> OciArchive::open_blob(const Digest& digest, std::uint64_t offset) {
    std::lock_guard lock(impl_->mutex);
    auto it = impl_->entries.find(manifest::layout_blob_path(digest));
    if (it == impl_->entries.end())
        return core::fail(core::ErrorKind::NotFound, "reading blob " + digest.str() + " of " + describe() + ": not found");
    if (offset > it->second.size)
        return core::fail(core::ErrorKind::InvalidInput, "reading blob " + digest.str() + ": offset beyond its size");
    return fileio::make_range_reader(impl_->fd, it->second.offset + offset, it->second.size - offset, impl_->file);
}

core::Status OciArchive::write_blob(const Descriptor& blob, BlobReader& source) {
    const std::string what = "writing blob " + blob.digest.str() + " to " + describe();
    if (auto st = check_digest_for_path(blob.digest); !st) return st;
    std::lock_guard lock(impl_->mutex);
    if (auto st = impl_->writable(); !st) return st;
    const std::string name = manifest::layout_blob_path(blob.digest);
    if (impl_->entries.count(name)) return {};
    VerifyingReader verifying(source, blob, what);
    if (auto st = verifying.check_supported(); !st) return st;
    auto offset = impl_->writer->add_file(name, verifying);
    if (!offset) return std::unexpected(offset.error());
    impl_->entries.emplace(name, TarEntry{*offset, static_cast<std::uint64_t>(blob.size)});
    return {};
}

core::Result<std::optional<std::uint64_t>> OciArchive::file_size(const std::string& path) {
    if (auto st = check_relative_path(path, describe()); !st) return std::unexpected(st.error());
    std::lock_guard lock(impl_->mutex);
    auto it = impl_->entries.find(path);
    if (it == impl_->entries.end()) return std::optional<std::uint64_t>();
    return std::optional<std::uint64_t>(it->second.size);
}

core::Result<std::unique_ptr<BlobReader>> OciArchive::open_file(const std::string& path) {
    if (auto st = check_relative_path(path, describe()); !st) return std::unexpected(st.error());
    std::lock_guard lock(impl_->mutex);
    auto it = impl_->entries.find(path);
    if (it == impl_->entries.end())
        return core::fail(core::ErrorKind::NotFound, describe() + ": " + path + " is missing");
    return fileio::make_range_reader(impl_->fd, it->second.offset, it->second.size, impl_->file / path);
}

core::Result<std::optional<Descriptor>> OciArchive::find_ref(const std::string& ref) {
    std::lock_guard lock(impl_->mutex);
    return impl_->refs.find(ref);
}

core::Result<std::optional<std::string>> OciArchive::listed_media_type(const Digest& digest) {
    std::lock_guard lock(impl_->mutex);
    return impl_->refs.media_type_of(digest);
}

core::Result<std::vector<std::string>> OciArchive::ref_names() {
    std::lock_guard lock(impl_->mutex);
    return impl_->refs.names();
}

core::Status OciArchive::set_ref(const std::string& ref, const Descriptor& manifest) {
    if (ref.empty()) return core::fail(core::ErrorKind::InvalidInput, "tagging in " + describe() + ": empty ref name");
    std::lock_guard lock(impl_->mutex);
    if (auto st = impl_->writable(); !st) return st;
    impl_->refs.set(ref, manifest);
    return {};
}

core::Status OciArchive::commit() {
    std::lock_guard lock(impl_->mutex);
    if (!impl_->writer || impl_->committed) return {};
    nlohmann::json index = impl_->refs.merged_into(empty_index_json());
    const std::vector<std::pair<std::string, std::string>> files{{"oci-layout", oci_layout_file_content()},
                                                                 {"index.json", index.dump()}};
    return finish_locked(files, std::move(index));  // dumped before the move
}

core::Status OciArchive::finish_locked(const std::vector<std::pair<std::string, std::string>>& files,
                                       nlohmann::json index) {
    const std::string what = "finishing " + describe();
    TarWriter& w = *impl_->writer;
    if (w.broken())
        return core::fail(core::ErrorKind::Io, what + ": an earlier write to the archive failed");
    for (const auto& [name, bytes] : files) {
        auto offset = w.add_bytes(name, bytes);
        if (!offset) return std::unexpected(offset.error().with_context(what));
        impl_->entries[name] = TarEntry{*offset, bytes.size()};
    }
    if (auto st = w.finish(); !st) return std::unexpected(st.error().with_context(what));
    if (auto st = core::fileio::rename_durably(partial_path(impl_->file), impl_->file); !st) return st;
    impl_->committed = true;
    impl_->refs.committed(std::move(index));
    return {};
}

core::Status OciArchive::commit_copy_of(OciLayout& layout, const std::vector<Digest>& blobs,
                                        const std::vector<std::pair<std::string, std::string>>& extra_files) {
    for (const auto& digest : blobs) {
        auto size = layout.blob_size(digest);
        if (!size) return std::unexpected(size.error());
        if (!*size)
            return core::fail(core::ErrorKind::NotFound, "packing " + layout.describe() + ": blob " + digest.str() + " is missing");
        auto reader = layout.open_blob(digest, 0);
        if (!reader) return std::unexpected(reader.error());
        const Descriptor blob{.media_type = {}, .digest = digest, .size = static_cast<std::int64_t>(**size)};
        if (auto st = write_blob(blob, **reader); !st) return st;  // re-verified while packed
    }
    std::vector<std::pair<std::string, std::string>> files;
    for (const char* name : {"oci-layout", "index.json"}) {
        auto text = fileio::read_small_file(layout.root() / name, kMaxIndexJsonBytes);
        if (!text) return std::unexpected(text.error());
        files.emplace_back(name, std::move(*text));
    }
    auto index = parse_index_json(files.back().second, layout.describe());
    if (!index) return std::unexpected(index.error());
    files.insert(files.end(), extra_files.begin(), extra_files.end());
    std::lock_guard lock(impl_->mutex);
    if (auto st = impl_->writable(); !st) return st;
    return finish_locked(files, std::move(*index));
}

}  // namespace ferry::store
