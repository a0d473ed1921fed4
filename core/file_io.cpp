#include "core/file_io.hpp"

#include "core/log.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace ferry::core::fileio {
namespace fs = std::filesystem;

namespace {

fs::path directory_of(const fs::path& target) {
    return target.parent_path().empty() ? fs::path(".") : target.parent_path();
}

}  // namespace

Fd::~Fd() {
    if (fd_ >= 0) ::close(fd_);
}

Fd& Fd::operator=(Fd&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = other.release();
    }
    return *this;
}

int Fd::release() noexcept {
    int fd = fd_;
    fd_ = -1;
    return fd;
}

core::Error errno_error(std::string_view what, const fs::path& path) {
    const int err = errno;
    const auto kind = err == ENOENT ? core::ErrorKind::NotFound : core::ErrorKind::Io;
    return core::make_error(kind, std::string(what) + " " + path.string() + ": " + std::strerror(err));
}

core::Result<Fd> open_read(const fs::path& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return std::unexpected(errno_error("opening", path));
    return Fd(fd);
}

core::Result<Fd> open_read_no_symlink(const fs::path& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0 && errno == ELOOP)
        return core::fail(core::ErrorKind::InvalidInput, "opening " + path.string() +
                                                             ": it is a symlink; layout files must be regular files inside the layout");
    if (fd < 0) return std::unexpected(errno_error("opening", path));
    return Fd(fd);
}

core::Status write_all(int fd, std::string_view bytes, const fs::path& path) {
    while (!bytes.empty()) {
        ssize_t n = ::write(fd, bytes.data(), bytes.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return std::unexpected(errno_error("writing", path));
        }
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return {};
}

core::Result<std::string> pread_exact(int fd, std::uint64_t offset, std::size_t size,
                                      const fs::path& path) {
    std::string out(size, '\0');
    std::size_t done = 0;
    while (done < size) {
        ssize_t n = ::pread(fd, out.data() + done, size - done, static_cast<off_t>(offset + done));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return std::unexpected(errno_error("reading", path));
        if (n == 0)
            return core::fail(core::ErrorKind::Io, "reading " + path.string() + ": file ends at byte " +
                                                       std::to_string(offset + done));
        done += static_cast<std::size_t>(n);
    }
    return out;
}

core::Result<std::string> read_small_file(const fs::path& path, std::size_t max_bytes) {
    auto fd = open_read(path);
    if (!fd) return std::unexpected(fd.error());
    struct stat st {};
    if (::fstat(fd->get(), &st) != 0) return std::unexpected(errno_error("inspecting", path));
    if (static_cast<std::uint64_t>(st.st_size) > max_bytes)
        return core::fail(core::ErrorKind::InvalidInput,
                          "reading " + path.string() + ": " + std::to_string(st.st_size) +
                              " bytes exceeds the limit of " + std::to_string(max_bytes));
    return pread_exact(fd->get(), 0, static_cast<std::size_t>(st.st_size), path);
}

core::Status fsync_dir(const fs::path& dir) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return std::unexpected(errno_error("opening directory", dir));
    Fd owned(fd);
    if (::fsync(fd) != 0) return std::unexpected(errno_error("syncing directory", dir));
    return {};
}

core::Status rename_durably(const fs::path& from, const fs::path& to) {
    if (::rename(from.c_str(), to.c_str()) != 0)
        return std::unexpected(errno_error("renaming " + from.string() + " to", to));
    return fsync_dir(directory_of(fs::absolute(to)));
}

core::Status replace_directory_durably(const fs::path& staged, const fs::path& target) {
    std::error_code ec;
    if (!fs::is_directory(target, ec)) return rename_durably(staged, target);
    if (::renameat2(AT_FDCWD, staged.c_str(), AT_FDCWD, target.c_str(), RENAME_EXCHANGE) != 0)
        return std::unexpected(errno_error("swapping " + staged.string() + " with", target));
    if (auto st = fsync_dir(directory_of(fs::absolute(target))); !st) return st;
    fs::remove_all(staged, ec);  // the old content; a leftover is only disk space, never read
    if (ec) core::log::warn("could not remove the replaced {}: {}", staged.string(), ec.message());
    return {};
}

core::Result<TempFile> TempFile::create(const fs::path& dir, std::string_view prefix) {
    std::string pattern = (dir / (std::string(prefix) + "XXXXXX")).string();
    int fd = ::mkstemp(pattern.data());
    if (fd < 0) return std::unexpected(errno_error("creating a temp file in", dir));
    ::fchmod(fd, 0644);
    return TempFile(Fd(fd), fs::path(pattern));
}

TempFile::~TempFile() {
    if (!published_ && !path_.empty()) ::unlink(path_.c_str());
}

TempFile::TempFile(TempFile&& other) noexcept
    : fd_(std::move(other.fd_)), path_(std::move(other.path_)), published_(other.published_) {
    other.path_.clear();
}

core::Status TempFile::publish(const fs::path& target, DirSync dir_sync) {
    if (::fsync(fd_.get()) != 0) return std::unexpected(errno_error("syncing", path_));
    Fd closing = std::move(fd_);
    if (::close(closing.release()) != 0) return std::unexpected(errno_error("closing", path_));
    if (::rename(path_.c_str(), target.c_str()) != 0)
        return std::unexpected(errno_error("renaming into place", target));
    published_ = true;
    if (dir_sync == DirSync::Deferred) return {};
    return fsync_dir(directory_of(target));
}

core::Status write_file_atomic(const fs::path& target, std::string_view bytes) {
    auto tmp = TempFile::create(directory_of(target), "." + target.filename().string() + ".tmp-");
    if (!tmp) return std::unexpected(tmp.error());
    if (auto st = write_all(tmp->fd(), bytes, tmp->path()); !st) return st;
    return tmp->publish(target);
}

}  // namespace ferry::core::fileio
