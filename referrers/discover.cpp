#include "referrers/discover.hpp"

#include "referrers/artifact_tags.hpp"

namespace ferry::referrers {
namespace {

constexpr Category kCosignCategories[] = {Category::Signature, Category::Attestation, Category::Sbom};

/// Whether `tag` exists at the source: from the tag list when known, else by HEAD.
core::Result<bool> tag_exists(store::Store& source, const std::string& tag, const DiscoverOptions& options) {
    if (options.artifact_tags) return options.artifact_tags->count(tag) > 0;
    auto found = source.resolve(tag);
    if (!found) return std::unexpected(found.error());
    return found->has_value();
}

/// The referrers listed by the fallback tag of `subject` (empty when there is none).
core::Result<std::vector<manifest::Descriptor>> fallback_referrers(store::Store& source, const manifest::Digest& subject,
                                                                   const DiscoverOptions& options) {
    const std::string tag = fallback_tag(subject);
    auto exists = tag_exists(source, tag, options);
    if (!exists) return std::unexpected(exists.error());
    if (!*exists) return std::vector<manifest::Descriptor>{};
    auto index = source.get_manifest(tag);
    if (!index) {
        if (index.error().kind == core::ErrorKind::NotFound) return std::vector<manifest::Descriptor>{};
        return std::unexpected(index.error());
    }
    if (!index->is_index())
        return core::fail(core::ErrorKind::Protocol, source.describe() + ": referrers fallback tag " + tag +
                                                         " is not an image index");
    return index->index().manifests;
}

core::Status add_cosign_tags(store::Store& source, const manifest::Digest& subject, const DiscoverOptions& options,
                             std::vector<Artifact>& out) {
    for (Category category : kCosignCategories) {
        if (!options.selection.wants(category)) continue;
        std::string tag = cosign_tag(subject, category);
        auto exists = tag_exists(source, tag, options);
        if (!exists) return std::unexpected(exists.error());
        if (*exists) out.push_back(Artifact{subject, category, std::move(tag), {}});
    }
    return {};
}

core::Status add_referrers(store::Store& source, const manifest::Digest& subject, const DiscoverOptions& options,
                           std::vector<Artifact>& out) {
    auto listed = source.list_referrers(subject);
    if (!listed) return std::unexpected(listed.error());
    std::vector<manifest::Descriptor> referrers;
    if (*listed) {
        referrers = std::move(**listed);
    } else {
        auto fallback = fallback_referrers(source, subject, options);
        if (!fallback) return std::unexpected(fallback.error());
        referrers = std::move(*fallback);
    }
    for (auto& d : referrers) {
        const std::string& type = d.artifact_type.empty() ? d.media_type : d.artifact_type;
        Category category = category_of(type);
        if (options.selection.wants(category, type)) out.push_back(Artifact{subject, category, {}, std::move(d)});
    }
    return {};
}

}  // namespace

std::string Artifact::describe() const {
    std::string text(to_string(category));
    if (is_tag()) return text + " " + tag;
    if (!descriptor.artifact_type.empty()) text += " " + descriptor.artifact_type;
    return text + " " + descriptor.digest.short_str();
}

core::Result<std::vector<Artifact>> discover(store::Store& source, const std::vector<manifest::Digest>& subjects,
                                             const DiscoverOptions& options) {
    std::vector<Artifact> out;
    if (options.selection.none()) return out;
    for (const auto& subject : subjects) {
        if (auto st = add_cosign_tags(source, subject, options, out); !st) return std::unexpected(st.error());
        if (auto st = add_referrers(source, subject, options, out); !st) return std::unexpected(st.error());
    }
    return out;
}

}  // namespace ferry::referrers
