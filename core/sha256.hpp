#pragma once
/// Streaming SHA-256 (OpenSSL EVP). Hash bytes once, while they flow.
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace ferry::core {

/// Incremental hasher. Not thread-safe; movable. Construction throws std::bad_alloc only
/// when OpenSSL cannot allocate its context; nothing else throws.
class Sha256 {
public:
    Sha256();
    ~Sha256();
    Sha256(Sha256&&) noexcept;
    Sha256& operator=(Sha256&&) noexcept;

    void update(const void* data, std::size_t size);
    void update(std::string_view bytes) { update(bytes.data(), bytes.size()); }
    /// Lower-case hex of the digest. The hasher may not be updated afterwards.
    std::string finish_hex();
    /// Bytes fed so far.
    std::uint64_t bytes() const { return bytes_; }

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    std::uint64_t bytes_ = 0;
};

/// One-shot helper: lower-case hex sha256 of `bytes`.
std::string sha256_hex(std::string_view bytes);

}  // namespace ferry::core
