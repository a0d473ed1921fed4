#pragma once
/// Content digests ("sha256:<64 hex>"). Only sha256 is produced; sha512 is parsed and compared.
#include <compare>
#include <optional>
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

/// Tags that hang artifacts on a subject digest: "<alg>-<hex>" is the OCI referrers fallback
/// tag (an index of the subject's referrers), and cosign appends a suffix for its own tags.
inline constexpr std::string_view kCosignSignatureSuffix = ".sig";
inline constexpr std::string_view kCosignAttestationSuffix = ".att";
inline constexpr std::string_view kCosignSbomSuffix = ".sbom";
/// "<alg>-<hex>" of `subject`.
std::string referrers_fallback_tag(const Digest& subject);
/// "<alg>-<hex><suffix>", e.g. cosign_tag(d, kCosignSignatureSuffix) = "sha256-<hex>.sig".
std::string cosign_tag(const Digest& subject, std::string_view suffix);

/// Where an OCI image layout keeps a blob: "blobs/<alg>/<hex>" (relative, '/'-separated),
/// the one spelling used by layout directories, archives and bundles.
std::string layout_blob_path(const Digest& digest);
/// The sha256 digest a layout path "blobs/sha256/<64 lower-case hex>" names; nullopt for any
/// other path.
std::optional<Digest> digest_of_layout_blob_path(std::string_view path);

}  // namespace ferry::manifest

template <>
struct std::hash<ferry::manifest::Digest> {
    std::size_t operator()(const ferry::manifest::Digest& d) const noexcept {
        return std::hash<std::string>()(d.hex());
    }
};
