#pragma once
/// The one home of local file primitives: an owned descriptor, whole-file reads, and the
/// only way a file or directory is put into place — `write_file_atomic` and `TempFile`
/// for new content, `rename_durably` for something already written and synced elsewhere.
///
/// Durability guarantee (every function that puts something into place): the content is
/// fsync'd before the rename, the rename replaces the target atomically (same file system),
/// and the directory holding the target is fsync'd after it, so after a crash a reader
/// finds either the old target or the whole new one, never a mix, and a completed call
/// survives a power loss. Errors are core::ErrorKind::Io (NotFound for a missing file) and
/// name the path.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace ferry::core::fileio {

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

/// The error for a failed system call on `path` (errno is read here): NotFound for ENOENT,
/// Io otherwise; "<what> <path>: <strerror>".
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

/// Renames `from` (a file or directory whose content the caller has already fsync'd) over
/// `to` and fsyncs the directory holding `to`.
core::Status rename_durably(const std::filesystem::path& from, const std::filesystem::path& to);

/// Puts the directory `staged` (content already fsync'd) in the place of `target`. When
/// `target` is an existing directory the two are swapped in one atomic step (Linux
/// renameat2 RENAME_EXCHANGE), the directory holding them is fsync'd, and the old content,
/// now at `staged`, is removed; otherwise this is rename_durably. A reader of `target` finds
/// the old directory or the whole new one, never a mix of both; on error `target` is as it was.
core::Status replace_directory_durably(const std::filesystem::path& staged, const std::filesystem::path& target);

/// A uniquely named temp file in `dir` (created 0644), removed on destruction unless
/// publish() put it into place.
class TempFile {
public:
    static core::Result<TempFile> create(const std::filesystem::path& dir, std::string_view prefix);
    ~TempFile();
    TempFile(TempFile&&) noexcept;
    TempFile& operator=(TempFile&&) = delete;

    int fd() const { return fd_.get(); }
    const std::filesystem::path& path() const { return path_; }
    /// When the directory holding the target is fsync'd.
    enum class DirSync {
        Now,       ///< by publish() itself: the full guarantee above
        Deferred,  ///< by the caller (fsync_dir) before anything durable refers to the file,
                   ///< so many files published into one directory cost one directory sync
    };
    /// fsync, close and rename over `target` (atomic on one file system), then, with
    /// DirSync::Now, fsync the directory holding `target`.
    core::Status publish(const std::filesystem::path& target, DirSync dir_sync = DirSync::Now);

private:
    TempFile(Fd fd, std::filesystem::path path) : fd_(std::move(fd)), path_(std::move(path)) {}
    Fd fd_;
    std::filesystem::path path_;
    bool published_ = false;
};

/// Replaces `target` atomically and durably with `bytes` (a temp file beside it, see the
/// guarantee above). On failure the temp file is removed and `target` is untouched.
core::Status write_file_atomic(const std::filesystem::path& target, std::string_view bytes);

}  // namespace ferry::core::fileio
