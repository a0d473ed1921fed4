#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "store/detail/file_io.hpp"

namespace ferry::store::fileio {
namespace {

namespace fs = std::filesystem;

class RangeReader : public BlobReader {
public:
    RangeReader(std::shared_ptr<const Fd> fd, std::uint64_t offset, std::uint64_t length, fs::path path)
        : fd_(std::move(fd)), pos_(offset), end_(offset + length), path_(std::move(path)) {}

    core::Result<std::size_t> read(char* buffer, std::size_t size) override {
        const std::uint64_t left = end_ - pos_;
        if (left == 0 || size == 0) return std::size_t{0};
        const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(size, left));
        for (;;) {
            ssize_t n = ::pread(fd_->get(), buffer, want, static_cast<off_t>(pos_));
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) return std::unexpected(errno_error("reading", path_));
            if (n == 0)
                return core::fail(core::ErrorKind::Io,
                                  "reading " + path_.string() + ": unexpected end of file");
            pos_ += static_cast<std::uint64_t>(n);
            return static_cast<std::size_t>(n);
        }
    }

private:
    std::shared_ptr<const Fd> fd_;
    std::uint64_t pos_;
    std::uint64_t end_;
    fs::path path_;
};

}  // namespace

std::unique_ptr<BlobReader> make_range_reader(std::shared_ptr<const Fd> fd, std::uint64_t offset,
                                              std::uint64_t length, fs::path path) {
    return std::make_unique<RangeReader>(std::move(fd), offset, length, std::move(path));
}

}  // namespace ferry::store::fileio
