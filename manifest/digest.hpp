#pragma once
/// Content digests ("sha256:<64 hex>"). Only sha256 is produced; sha512 is parsed and compared.
#include <compare>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace ferry::manifest {

class Digest {
public:
    Digest() = default;
    /// Parses "algo:hex". Errors (InvalidInput) name the text: `invalid digest "sha256:xyz": ...`.
    static core::Result<Digest> parse(std::string_view text);
    /// sha256 of `bytes`.
    static Digest of(std::string_view bytes);
    /// From an already-computed lower-case sha256 hex string (no validation beyond length).
    static Digest sha256(std::string hex);

    const std::string& algorithm() const { return algorithm_; }
    const std::string& hex() const { return hex_; }
    /// "sha256:abcd..."
    std::string str() const { return algorithm_ + ":" + hex_; }
    /// "sha256:abcdef012345" (first 12 hex digits), for humans.
    std::string short_str() const;
    bool empty() const { return hex_.empty(); }

    auto operator<=>(const Digest&) const = default;

private:
    std::string algorithm_;
    std::string hex_;
};

}  // namespace ferry::manifest

template <>
struct std::hash<ferry::manifest::Digest> {
    std::size_t operator()(const ferry::manifest::Digest& d) const noexcept {
        return std::hash<std::string>()(d.hex());
    }
};
