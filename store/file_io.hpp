#pragma once
/// Small POSIX file helpers for the layout and archive stores: an owned descriptor, a
/// positional blob reader, a temp file that disappears unless published, and fsync'd
/// atomic replacement. Errors are core::ErrorKind::Io (NotFound for a missing file) and name
/// the path.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "store/store.hpp"

namespace ferry::store::fileio {

/// An open file descriptor, closed on destruction. Shareable between readers (pread only).
class Fd {
public:
    Fd() = default;
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd();
    Fd(Fd&& other) noexcept : fd_(other.release()) {}
    Fd& operator=(Fd&& other) noexcept;
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;

    int get() const { return fd_; }
    int release() noexcept;
    explicit operator bool() const { return fd_ >= 0; }

private:
    int fd_ = -1;
};

/// The error for a failed system call on `path` (errno is read here).
core::Error errno_error(std::string_view what, const std::filesystem::path& path);

/// Opens `path` read-only; NotFound when it does not exist.
core::Result<Fd> open_read(const std::filesystem::path& path);
/// Same, refusing a symlink as the last component (InvalidInput): for files that must lie
/// inside a layout, such as blobs.
core::Result<Fd> open_read_no_symlink(const std::filesystem::path& path);
/// Writes all of `bytes` at the current position.
core::Status write_all(int fd, std::string_view bytes, const std::filesystem::path& path);
/// Reads exactly `size` bytes at `offset` (short file = Io error).
core::Result<std::string> pread_exact(int fd, std::uint64_t offset, std::size_t size,
                                      const std::filesystem::path& path);
/// Reads a whole small file, refusing files larger than `max_bytes` (InvalidInput).
core::Result<std::string> read_small_file(const std::filesystem::path& path, std::size_t max_bytes);
/// fsyncs a directory so a rename inside it is durable.
core::Status fsync_dir(const std::filesystem::path& dir);

/// A BlobReader over bytes [offset, offset + length) of a shared descriptor, using pread.
std::unique_ptr<BlobReader> make_range_reader(std::shared_ptr<const Fd> fd, std::uint64_t offset,
                                              std::uint64_t length, std::filesystem::path path);

/// A uniquely named temp file in `dir` (created 0644), removed on destruction unless
/// publish() renamed it into place.
class TempFile {
public:
    static core::Result<TempFile> create(const std::filesystem::path& dir, std::string_view prefix);
    ~TempFile();
    TempFile(TempFile&&) noexcept;
    TempFile& operator=(TempFile&&) = delete;

    int fd() const { return fd_.get(); }
    const std::filesystem::path& path() const { return path_; }
    /// fsync, close and rename over `target` (atomic on one file system).
    core::Status publish(const std::filesystem::path& target);

private:
    TempFile(Fd fd, std::filesystem::path path) : fd_(std::move(fd)), path_(std::move(path)) {}
    Fd fd_;
    std::filesystem::path path_;
    bool published_ = false;
};

/// Replaces `target` atomically with `bytes` (temp file in the same directory + fsync +
/// rename + fsync of the directory).
core::Status write_file_atomic(const std::filesystem::path& target, std::string_view bytes);

}  // namespace ferry::store::fileio
