#include "store/detail/blob_io.hpp"

#include <algorithm>
#include <cstring>

namespace ferry::store {

core::Result<std::size_t> StringBlobReader::read(char* buffer, std::size_t size) {
    const std::size_t n = std::min(size, data_.size() - pos_);
    std::memcpy(buffer, data_.data() + pos_, n);
    pos_ += n;
    return n;
}

core::Result<std::string> read_all(BlobReader& source, std::size_t max_bytes, std::string_view what) {
    std::string out;
    char buffer[64 * 1024];
    for (;;) {
        auto n = source.read(buffer, sizeof buffer);
        if (!n) return std::unexpected(n.error());
        if (*n == 0) return out;
        if (out.size() + *n > max_bytes)
            return core::fail(core::ErrorKind::InvalidInput,
                              std::string(what) + ": larger than " + std::to_string(max_bytes) + " bytes");
        out.append(buffer, *n);
    }
}

VerifyingReader::VerifyingReader(BlobReader& source, const manifest::Descriptor& expected,
                                 std::string what)
    : source_(source), expected_(expected), what_(std::move(what)) {}

core::Status VerifyingReader::check_supported() const {
    if (expected_.digest.algorithm() != "sha256")
        return core::fail(core::ErrorKind::Unsupported,
                          what_ + ": cannot verify digest algorithm " + expected_.digest.algorithm());
    if (expected_.size < 0)
        return core::fail(core::ErrorKind::InvalidInput, what_ + ": negative size");
    return {};
}

core::Result<std::size_t> VerifyingReader::read(char* buffer, std::size_t size) {
    auto n = source_.read(buffer, size);
    if (!n) return n;
    hasher_.update(buffer, *n);
    if (hasher_.bytes() > expected_size())
        return core::fail(core::ErrorKind::Integrity,
                          what_ + ": source has more than the expected " +
                              std::to_string(expected_size()) + " bytes");
    return n;
}

core::Status VerifyingReader::finish() {
    if (hasher_.bytes() != expected_size())
        return core::fail(core::ErrorKind::Integrity,
                          what_ + ": size mismatch: got " + std::to_string(hasher_.bytes()) +
                              " bytes, expected " + std::to_string(expected_size()));
    const std::string got = hasher_.finish_hex();
    if (got != expected_.digest.hex())
        return core::fail(core::ErrorKind::Integrity,
                          what_ + ": digest mismatch: got sha256:" + got + ", expected " +
                              expected_.digest.str());
    return {};
}

}  // namespace ferry::store
