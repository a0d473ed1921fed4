#include "referrers/artifact_tags.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace ferry::referrers {
namespace {

constexpr std::array<std::pair<std::string_view, Category>, 3> kCosignSuffixes{{
    {manifest::kCosignSignatureSuffix, Category::Signature},
    {manifest::kCosignAttestationSuffix, Category::Attestation},
    {manifest::kCosignSbomSuffix, Category::Sbom},
}};

bool is_lower_hex(std::string_view text) {
    return std::all_of(text.begin(), text.end(),
                       [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

}  // namespace

std::optional<ArtifactTag> parse_artifact_tag(std::string_view tag) {
    constexpr std::string_view kPrefix = "sha256-";
    constexpr std::size_t kHexLength = 64;
    if (!tag.starts_with(kPrefix) || tag.size() < kPrefix.size() + kHexLength) return std::nullopt;
    const std::string_view hex = tag.substr(kPrefix.size(), kHexLength);
    if (!is_lower_hex(hex)) return std::nullopt;
    const std::string_view suffix = tag.substr(kPrefix.size() + kHexLength);
    ArtifactTag out{manifest::Digest::sha256(std::string(hex)), std::nullopt};
    if (suffix.empty()) return out;
    for (const auto& [text, category] : kCosignSuffixes)
        if (suffix == text) {
            out.cosign = category;
            return out;
        }
    return std::nullopt;
}

std::string fallback_tag(const manifest::Digest& subject) { return manifest::referrers_fallback_tag(subject); }

std::string cosign_tag(const manifest::Digest& subject, Category category) {
    for (const auto& [text, c] : kCosignSuffixes)
        if (c == category) return manifest::cosign_tag(subject, text);
    return {};
}

}  // namespace ferry::referrers
