#pragma once
/// BlobReader building blocks shared by the stores: a reader over bytes in memory, reading
/// a small blob whole, and the one place where streamed bytes are checked against their
/// descriptor (size and digest, hashed once while they flow).
#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "core/sha256.hpp"
#include "manifest/descriptor.hpp"
#include "store/store.hpp"

namespace ferry::store {

/// Reads from an owned string.
class StringBlobReader : public BlobReader {
public:
    explicit StringBlobReader(std::string data) : data_(std::move(data)) {}
    core::Result<std::size_t> read(char* buffer, std::size_t size) override;

private:
    std::string data_;
    std::size_t pos_ = 0;
};

// read_all is part of the seam (store.hpp).

/// Wraps a source and checks it against `expected` while it is read: reading past the
/// expected size fails at once (Integrity); at the end, finish() checks size and digest.
/// Only sha256 digests can be verified (others: Unsupported at construction via check()).
class VerifyingReader : public BlobReader {
public:
    VerifyingReader(BlobReader& source, const manifest::Descriptor& expected, std::string what);

    /// Unsupported when the digest algorithm cannot be verified.
    core::Status check_supported() const;
    core::Result<std::size_t> read(char* buffer, std::size_t size) override;
    /// Call after read() returned 0: Integrity error on a size or digest mismatch.
    core::Status finish();
    std::uint64_t bytes_read() const { return hasher_.bytes(); }
    std::uint64_t expected_size() const { return static_cast<std::uint64_t>(expected_.size); }

private:
    BlobReader& source_;
    manifest::Descriptor expected_;
    std::string what_;
    core::Sha256 hasher_;
};

}  // namespace ferry::store
