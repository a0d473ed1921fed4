#include "store/detail/tar_writer.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ferry::store {
namespace {

archive* as_archive(void* a) { return static_cast<archive*>(a); }

struct EntryFree {
    void operator()(archive_entry* e) const { archive_entry_free(e); }
};

}  // namespace

struct TarWriter::Impl {
    static la_ssize_t write(archive* a, void* client, const void* buffer, size_t size) {
        auto* w = static_cast<TarWriter*>(client);
        const char* p = static_cast<const char*>(buffer);
        std::size_t done = 0;
        while (done < size) {
            ssize_t n = ::pwrite(w->fd_->get(), p + done, size - done, static_cast<off_t>(w->pos_ + done));
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) {
                const int error = errno;  // e.g. ENOSPC: the archive error names the cause
                archive_set_error(a, error, "%s", std::strerror(error));
                return -1;
            }
            done += static_cast<std::size_t>(n);
        }
        w->pos_ += size;
        return static_cast<la_ssize_t>(size);
    }
};

core::Result<std::unique_ptr<TarWriter>> TarWriter::create(std::filesystem::path path) {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return std::unexpected(fileio::errno_error("creating", path));
    std::unique_ptr<TarWriter> w(new TarWriter());
    w->path_ = std::move(path);
    w->fd_ = std::make_shared<fileio::Fd>(fd);
    archive* a = archive_write_new();
    w->archive_ = a;
    if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
        archive_write_set_bytes_per_block(a, 0) != ARCHIVE_OK ||
        archive_write_open(a, w.get(), nullptr, &Impl::write, nullptr) != ARCHIVE_OK)
        return std::unexpected(w->io_error("starting"));
    return w;
}

TarWriter::~TarWriter() {
    if (archive_) archive_write_free(as_archive(archive_));
}

core::Error TarWriter::io_error(std::string_view what) {
    broken_ = true;
    const char* detail = archive_ ? archive_error_string(as_archive(archive_)) : nullptr;
    return core::make_error(core::ErrorKind::Io, "writing archive " + path_.string() + ": " + std::string(what) +
                                                     ": " + (detail ? detail : "failed"));
}

core::Status TarWriter::write_header(const std::string& name, std::uint64_t size, bool directory) {
    if (broken_ || finished_)
        return core::fail(core::ErrorKind::Io, "writing archive " + path_.string() + ": no longer writable");
    std::unique_ptr<archive_entry, EntryFree> e(archive_entry_new());
    archive_entry_set_pathname(e.get(), name.c_str());
    archive_entry_set_filetype(e.get(), directory ? AE_IFDIR : AE_IFREG);
    archive_entry_set_perm(e.get(), directory ? 0755 : 0644);
    archive_entry_set_size(e.get(), directory ? 0 : static_cast<la_int64_t>(size));
    archive_entry_set_mtime(e.get(), 0, 0);
    if (archive_write_header(as_archive(archive_), e.get()) != ARCHIVE_OK)
        return std::unexpected(io_error("header of " + name));
    return {};
}

core::Status TarWriter::add_directory(const std::string& name) {
    if (auto st = write_header(name, 0, true); !st) return st;
    if (archive_write_finish_entry(as_archive(archive_)) != ARCHIVE_OK)
        return std::unexpected(io_error("finishing " + name));
    return {};
}

void TarWriter::roll_back(std::uint64_t entry_start) {
    if (archive_write_finish_entry(as_archive(archive_)) != ARCHIVE_OK ||
        ::ftruncate(fd_->get(), static_cast<off_t>(entry_start)) != 0) {
        broken_ = true;
        return;
    }
    pos_ = entry_start;
}

core::Result<std::uint64_t> TarWriter::add_file(const std::string& name, VerifyingReader& source) {
    const std::uint64_t entry_start = pos_;
    if (auto st = write_header(name, source.expected_size(), false); !st) return std::unexpected(st.error());
    const std::uint64_t data_offset = pos_;
    std::string buffer(256 * 1024, '\0');
    auto fail_entry = [&](core::Error e) -> core::Result<std::uint64_t> {
        roll_back(entry_start);
        return std::unexpected(std::move(e));
    };
    for (;;) {
        auto n = source.read(buffer.data(), buffer.size());
        if (!n) return fail_entry(n.error());
        if (*n == 0) break;
        if (archive_write_data(as_archive(archive_), buffer.data(), *n) != static_cast<la_ssize_t>(*n))
            return std::unexpected(io_error("data of " + name));
    }
    if (auto st = source.finish(); !st) return fail_entry(st.error());
    if (archive_write_finish_entry(as_archive(archive_)) != ARCHIVE_OK)
        return std::unexpected(io_error("finishing " + name));
    return data_offset;
}

core::Result<std::uint64_t> TarWriter::add_bytes(const std::string& name, std::string_view bytes) {
    if (auto st = write_header(name, bytes.size(), false); !st) return std::unexpected(st.error());
    const std::uint64_t data_offset = pos_;
    if (!bytes.empty() && archive_write_data(as_archive(archive_), bytes.data(), bytes.size()) !=
                              static_cast<la_ssize_t>(bytes.size()))
        return std::unexpected(io_error("data of " + name));
    if (archive_write_finish_entry(as_archive(archive_)) != ARCHIVE_OK)
        return std::unexpected(io_error("finishing " + name));
    return data_offset;
}

core::Status TarWriter::finish() {
    if (broken_ || finished_)
        return core::fail(core::ErrorKind::Io, "writing archive " + path_.string() + ": no longer writable");
    if (archive_write_close(as_archive(archive_)) != ARCHIVE_OK) return std::unexpected(io_error("closing"));
    finished_ = true;
    if (::fsync(fd_->get()) != 0) return std::unexpected(fileio::errno_error("syncing", path_));
    return {};
}

}  // namespace ferry::store
