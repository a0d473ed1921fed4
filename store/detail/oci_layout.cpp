#include "store/detail/oci_layout.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <system_error>

#include "store/detail/blob_io.hpp"
#include "store/detail/file_io.hpp"

namespace ferry::store {
namespace fs = std::filesystem;
using manifest::Descriptor;
using manifest::Digest;

namespace {

constexpr std::size_t kCopyBuffer = 256 * 1024;

core::Error fs_error(std::string_view what, const fs::path& path, const std::error_code& ec) {
    return core::make_error(core::ErrorKind::Io, std::string(what) + " " + path.string() + ": " + ec.message());
}

/// Holds an exclusive flock on a lock file for its lifetime.
class FileLock {
public:
    static core::Result<FileLock> acquire(const fs::path& path) {
        int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) return std::unexpected(fileio::errno_error("opening lock file", path));
        fileio::Fd owned(fd);
        while (::flock(fd, LOCK_EX) != 0)
            if (errno != EINTR) return std::unexpected(fileio::errno_error("locking", path));
        return FileLock(std::move(owned));
    }

private:
    explicit FileLock(fileio::Fd fd) : fd_(std::move(fd)) {}
    fileio::Fd fd_;  // closing the descriptor releases the lock
};

core::Status copy_verified(BlobReader& source, const Descriptor& blob, const fileio::TempFile& out,
                           const std::string& what) {
    VerifyingReader verifying(source, blob, what);
    if (auto st = verifying.check_supported(); !st) return st;
    std::string buffer(kCopyBuffer, '\0');
    for (;;) {
        auto n = verifying.read(buffer.data(), buffer.size());
        if (!n) return std::unexpected(n.error());
        if (*n == 0) break;
        if (auto st = fileio::write_all(out.fd(), std::string_view(buffer.data(), *n), out.path()); !st)
            return st;
    }
    return verifying.finish();
}

}  // namespace

core::Result<std::shared_ptr<OciLayout>> OciLayout::open(fs::path root) {
    const std::string where = "oci:" + root.string();
    std::error_code ec;
    const auto status = fs::status(root, ec);
    if (fs::exists(status) && !fs::is_directory(status))
        return core::fail(core::ErrorKind::InvalidInput, "opening " + where + ": not a directory");
    bool created = false;
    RefTable refs;
    if (fs::exists(status)) {
        auto marker = fileio::read_small_file(root / "oci-layout", kMaxIndexJsonBytes);
        if (marker) {
            if (auto st = check_oci_layout_file(*marker, where); !st) return std::unexpected(st.error());
            created = true;
        } else if (marker.error().kind != core::ErrorKind::NotFound) {
            return std::unexpected(marker.error());
        }
        auto text = fileio::read_small_file(root / "index.json", kMaxIndexJsonBytes);
        if (text) {
            auto index = parse_index_json(*text, where);
            if (!index) return std::unexpected(index.error());
            refs = RefTable(std::move(*index));
        } else if (text.error().kind != core::ErrorKind::NotFound) {
            return std::unexpected(text.error());
        }
    }
    auto layout = std::shared_ptr<OciLayout>(new OciLayout(std::move(root), std::move(refs)));
    layout->created_ = created;
    return layout;
}

std::string OciLayout::describe() const { return "oci:" + root_.string(); }

fs::path OciLayout::blob_path(const Digest& digest) const {
    return root_ / manifest::layout_blob_path(digest);
}

core::Result<std::optional<std::uint64_t>> OciLayout::blob_size(const Digest& digest) {
    if (auto st = check_digest_for_path(digest); !st) return std::unexpected(st.error());
    struct stat st {};
    const fs::path path = blob_path(digest);
    if (::lstat(path.c_str(), &st) != 0) {
        if (errno == ENOENT || errno == ENOTDIR) return std::optional<std::uint64_t>();
        return std::unexpected(fileio::errno_error("inspecting", path));
    }
    if (S_ISLNK(st.st_mode))
        return core::fail(core::ErrorKind::InvalidInput, "blob " + path.string() +
                                                             " is a symlink; layout blobs must be regular files inside the layout");
    if (!S_ISREG(st.st_mode))
        return core::fail(core::ErrorKind::InvalidInput, "blob " + path.string() + " is not a regular file");
    return std::optional<std::uint64_t>(static_cast<std::uint64_t>(st.st_size));
}

core::Result<bool> OciLayout::has_blob(const Digest& digest) {
    auto size = blob_size(digest);
    if (!size) return std::unexpected(size.error());
    return size->has_value();
}

core::Result<std::unique_ptr<BlobReader>> OciLayout::open_blob(const Digest& digest, std::uint64_t offset) {
    if (auto st = check_digest_for_path(digest); !st) return std::unexpected(st.error());
    const fs::path path = blob_path(digest);
    auto fd = fileio::open_read_no_symlink(path);
    if (!fd) return std::unexpected(fd.error().with_context("reading blob " + digest.str() + " of " + describe()));
    struct stat st {};
    if (::fstat(fd->get(), &st) != 0) return std::unexpected(fileio::errno_error("inspecting", path));
    const auto size = static_cast<std::uint64_t>(st.st_size);
    if (offset > size)
        return core::fail(core::ErrorKind::InvalidInput, "reading blob " + path.string() + ": offset " +
                                                             std::to_string(offset) + " beyond its size");
    auto shared = std::make_shared<const fileio::Fd>(std::move(*fd));
    return fileio::make_range_reader(std::move(shared), offset, size - offset, path);
}

core::Status OciLayout::ensure_created() {
    std::lock_guard lock(mutex_);
    if (created_) return {};
    std::error_code ec;
    fs::create_directories(root_ / "blobs", ec);
    if (ec) return std::unexpected(fs_error("creating", root_ / "blobs", ec));
    if (auto st = fileio::write_file_atomic(root_ / "oci-layout", oci_layout_file_content()); !st) return st;
    created_ = true;
    return {};
}

core::Status OciLayout::write_blob(const Descriptor& blob, BlobReader& source) {
    const std::string what = "writing blob " + blob.digest.str() + " to " + describe();
    auto present = has_blob(blob.digest);
    if (!present) return std::unexpected(present.error().with_context(what));
    if (*present) return {};
    if (auto st = ensure_created(); !st) return std::unexpected(st.error().with_context(what));
    const fs::path target = blob_path(blob.digest);
    std::error_code ec;
    fs::create_directories(target.parent_path(), ec);
    if (ec) return std::unexpected(fs_error("creating", target.parent_path(), ec));
    auto tmp = fileio::TempFile::create(target.parent_path(), ".tmp-" + blob.digest.hex().substr(0, 12) + "-");
    if (!tmp) return std::unexpected(tmp.error().with_context(what));
    if (auto st = copy_verified(source, blob, *tmp, what); !st) return st;
    // commit() fsyncs blobs/<alg>/ once before index.json can name the blob.
    return tmp->publish(target, fileio::TempFile::DirSync::Deferred);
}

core::Result<std::optional<std::uint64_t>> OciLayout::file_size(const std::string& path) {
    if (auto st = check_relative_path(path, describe()); !st) return std::unexpected(st.error());
    struct stat st {};
    const fs::path file = root_ / path;
    if (::lstat(file.c_str(), &st) != 0) {
        if (errno == ENOENT || errno == ENOTDIR) return std::optional<std::uint64_t>();
        return std::unexpected(fileio::errno_error("inspecting", file));
    }
    if (!S_ISREG(st.st_mode)) return std::optional<std::uint64_t>();
    return std::optional<std::uint64_t>(static_cast<std::uint64_t>(st.st_size));
}

core::Result<std::unique_ptr<BlobReader>> OciLayout::open_file(const std::string& path) {
    auto size = file_size(path);
    if (!size) return std::unexpected(size.error());
    const fs::path file = root_ / path;
    if (!*size)
        return core::fail(core::ErrorKind::NotFound, describe() + ": " + path + " is missing or not a regular file");
    auto fd = fileio::open_read_no_symlink(file);
    if (!fd) return std::unexpected(fd.error());
    return fileio::make_range_reader(std::make_shared<const fileio::Fd>(std::move(*fd)), 0, **size, file);
}

core::Result<std::optional<Descriptor>> OciLayout::find_ref(const std::string& ref) {
    std::lock_guard lock(mutex_);
    return refs_.find(ref);
}

core::Result<std::optional<std::string>> OciLayout::listed_media_type(const Digest& digest) {
    std::lock_guard lock(mutex_);
    return refs_.media_type_of(digest);
}

core::Result<std::vector<std::string>> OciLayout::ref_names() {
    std::lock_guard lock(mutex_);
    return refs_.names();
}

core::Status OciLayout::set_ref(const std::string& ref, const Descriptor& manifest) {
    if (ref.empty()) return core::fail(core::ErrorKind::InvalidInput, "tagging in " + describe() + ": empty ref name");
    std::lock_guard lock(mutex_);
    refs_.set(ref, manifest);
    return {};
}

core::Result<nlohmann::json> OciLayout::read_index_file() const {
    auto text = fileio::read_small_file(root_ / "index.json", kMaxIndexJsonBytes);
    if (!text) {
        if (text.error().kind == core::ErrorKind::NotFound) return empty_index_json();
        return std::unexpected(text.error());
    }
    return parse_index_json(*text, describe());
}

core::Status OciLayout::commit() {
    {
        std::lock_guard lock(mutex_);
        if (!created_ && !refs_.has_pending()) return {};  // nothing was ever written
    }
    if (auto st = ensure_created(); !st) return st;
    std::lock_guard lock(mutex_);
    const fs::path index_path = root_ / "index.json";
    if (!refs_.has_pending() && fs::exists(index_path)) return {};
    const std::string what = "writing index.json of " + describe();
    auto flock = FileLock::acquire(root_ / "index.json.lock");
    if (!flock) return std::unexpected(flock.error().with_context(what));
    auto fresh = read_index_file();
    if (!fresh) return std::unexpected(fresh.error().with_context(what));
    nlohmann::json merged = refs_.merged_into(std::move(*fresh));
    std::error_code ec;
    for (const auto& dir : fs::directory_iterator(root_ / "blobs", ec))
        if (dir.is_directory(ec))
            if (auto st = fileio::fsync_dir(dir.path()); !st) return st;
    if (ec) return std::unexpected(fs_error("listing", root_ / "blobs", ec));
    if (auto st = fileio::write_file_atomic(index_path, merged.dump()); !st)
        return std::unexpected(st.error().with_context(what));
    refs_.committed(std::move(merged));
    return {};
}

}  // namespace ferry::store
