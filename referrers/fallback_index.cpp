#include "referrers/fallback_index.hpp"

#include <set>

#include "manifest/media_type.hpp"

namespace ferry::referrers {

core::Result<std::optional<manifest::ParsedManifest>> merge_fallback_index(
    const std::optional<manifest::ParsedManifest>& existing, const std::vector<manifest::Descriptor>& referrers) {
    manifest::Index index;
    index.media_type = std::string(manifest::media::kOciIndex);
    if (existing) {
        if (!existing->is_index())
            return core::fail(core::ErrorKind::Protocol, "the referrers fallback tag holds " + existing->media_type +
                                                             ", not an image index: left as it is");
        index = existing->index();
    }
    std::set<manifest::Digest> listed;
    for (const auto& d : index.manifests) listed.insert(d.digest);
    bool added = false;
    for (const auto& d : referrers)
        if (listed.insert(d.digest).second) {
            index.manifests.push_back(d);
            added = true;
        }
    if (!added) return std::optional<manifest::ParsedManifest>{};
    auto parsed = manifest::parse_manifest(index.serialize(), index.media_type);
    if (!parsed) return std::unexpected(parsed.error());
    return std::optional(std::move(*parsed));
}

}  // namespace ferry::referrers
