#include "manifest/digest.hpp"

#include <algorithm>
#include <fmt/format.h>

#include "core/sha256.hpp"

namespace ferry::manifest {
namespace {

std::size_t hex_length(std::string_view algorithm) {
    if (algorithm == "sha256") return 64;
    if (algorithm == "sha512") return 128;
    return 0;
}

bool is_lower_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }
bool is_upper_hex(char c) { return c >= 'A' && c <= 'F'; }

}  // namespace

core::Result<Digest> Digest::parse(std::string_view text) {
    auto invalid = [&](std::string_view why) {
        return core::fail(core::ErrorKind::InvalidInput,
                          fmt::format("invalid digest \"{}\": {}", text, why));
    };
    auto colon = text.find(':');
    if (colon == std::string_view::npos)
        return invalid("expected \"<algorithm>:<hex>\", e.g. \"sha256:\" followed by 64 hex digits");
    auto algorithm = text.substr(0, colon);
    auto hex = text.substr(colon + 1);
    std::size_t expected = hex_length(algorithm);
    if (expected == 0)
        return invalid(fmt::format("unsupported algorithm \"{}\" (expected sha256 or sha512)",
                                   algorithm));
    if (std::ranges::any_of(hex, is_upper_hex))
        return invalid("hex digits must be lower case");
    if (!std::ranges::all_of(hex, is_lower_hex))
        return invalid("the part after the algorithm must be hex digits [0-9a-f]");
    if (hex.size() != expected)
        return invalid(fmt::format("{} needs {} hex digits, got {}", algorithm, expected, hex.size()));
    Digest d;
    d.algorithm_ = std::string(algorithm);
    d.hex_ = std::string(hex);
    return d;
}

Digest Digest::of(std::string_view bytes) { return sha256(core::sha256_hex(bytes)); }

Digest Digest::sha256(std::string hex) {
    Digest d;
    d.algorithm_ = "sha256";
    d.hex_ = std::move(hex);
    return d;
}

std::string Digest::short_str() const { return algorithm_ + ":" + hex_.substr(0, 12); }

std::string referrers_fallback_tag(const Digest& subject) { return subject.algorithm() + "-" + subject.hex(); }

std::string cosign_tag(const Digest& subject, std::string_view suffix) {
    return referrers_fallback_tag(subject) + std::string(suffix);
}

std::string layout_blob_path(const Digest& digest) {
    return "blobs/" + digest.algorithm() + "/" + digest.hex();
}

std::optional<Digest> digest_of_layout_blob_path(std::string_view path) {
    constexpr std::string_view prefix = "blobs/sha256/";
    if (!path.starts_with(prefix)) return std::nullopt;
    const auto hex = path.substr(prefix.size());
    if (hex.size() != hex_length("sha256") || !std::ranges::all_of(hex, is_lower_hex)) return std::nullopt;
    return Digest::sha256(std::string(hex));
}

}  // namespace ferry::manifest
