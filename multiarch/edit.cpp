#include "multiarch/edit.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "manifest/index.hpp"
#include "manifest/media_type.hpp"
#include "multiarch/entries.hpp"

namespace ferry::multiarch {
namespace {

using manifest::Descriptor;
using manifest::Index;
using manifest::Platform;

bool is_image_entry(const Descriptor& d) { return d.platform && !d.is_attestation(); }

/// Indexes of the entries `selector` names (see edit_entry).
core::Result<std::vector<std::size_t>> select_entries(const Index& index, const std::string& selector) {
    std::vector<std::size_t> hits;
    if (selector.starts_with("sha256:")) {
        if (selector.size() < 7 + 12)
            return core::fail(core::ErrorKind::InvalidInput,
                              fmt::format("\"{}\": give at least 12 hex digits of the digest", selector));
        for (std::size_t i = 0; i < index.manifests.size(); ++i)
            if (index.manifests[i].digest.str().starts_with(selector)) hits.push_back(i);
        return hits;
    }
    auto wanted = Platform::parse(selector);
    if (!wanted)
        return core::fail(core::ErrorKind::InvalidInput,
                          fmt::format("\"{}\" is neither a digest (sha256:…) nor a platform (os/arch[/variant])", selector));
    for (std::size_t i = 0; i < index.manifests.size(); ++i)
        if (is_image_entry(index.manifests[i]) && index.manifests[i].platform->matches(*wanted)) hits.push_back(i);
    return hits;
}

core::Status check_platforms(const Index& index) {
    std::vector<SourcedEntry> entries;
    for (const auto& d : index.manifests) entries.push_back({d, d.digest.str()});
    return check_unique_platforms(entries);
}

}  // namespace

core::Result<Index> edit_entry(const Index& index, const std::string& selector, const EntryChanges& changes) {
    auto hits = select_entries(index, selector);
    if (!hits) return std::unexpected(hits.error());
    if (hits->size() != 1)
        return core::fail(core::ErrorKind::InvalidInput,
                          fmt::format("\"{}\" names {} entries of the index; available platforms: {}", selector,
                                      hits->empty() ? "no" : std::to_string(hits->size()),
                                      manifest::available_platforms(index)));
    Index out = index;
    Descriptor& entry = out.manifests[hits->front()];
    if (entry.is_attestation() || !entry.platform)
        return core::fail(core::ErrorKind::InvalidInput,
                          fmt::format("{} is an attestation entry: annotate the image it describes", entry.digest.str()));
    const bool docker = manifest::media::is_docker(index.media_type);
    if (docker && !changes.annotations.empty())
        return core::fail(core::ErrorKind::InvalidInput,
                          "a Docker manifest list cannot carry annotations (its entries have no annotations field)");
    Platform stated = *entry.platform;
    if (changes.os) stated.os = *changes.os;
    if (changes.architecture) {
        stated.architecture = *changes.architecture;
        if (!changes.variant) stated.variant.clear();  // a new architecture does not keep the old one's variant
    }
    if (changes.variant) stated.variant = *changes.variant;
    if (changes.os_version) stated.os_version = *changes.os_version;
    if (changes.os_features) stated.os_features = *changes.os_features;
    if (stated.os.empty() || stated.architecture.empty())
        return core::fail(core::ErrorKind::InvalidInput, "an entry needs an os and an architecture");
    entry.platform = as_stated(stated);
    for (const auto& [key, value] : changes.annotations) entry.annotations[key] = value;
    if (auto st = check_platforms(out); !st) return std::unexpected(st.error());
    return out;
}

core::Result<Index> drop_platforms(const Index& index, const std::vector<Platform>& platforms) {
    std::set<manifest::Digest> dropped;
    for (const auto& wanted : platforms) {
        bool matched = false;
        for (const auto& d : index.manifests)
            if (is_image_entry(d) && d.platform->matches(wanted)) dropped.insert(d.digest), matched = true;
        if (!matched)
            return core::fail(core::ErrorKind::NotFound,
                              fmt::format("the index has no {} image; available platforms: {}", wanted.str(),
                                          manifest::available_platforms(index)));
    }
    Index out = index;
    std::erase_if(out.manifests, [&](const Descriptor& d) {
        if (d.is_attestation()) return d.attests_to() && dropped.contains(*d.attests_to());
        return dropped.contains(d.digest);
    });
    if (std::none_of(out.manifests.begin(), out.manifests.end(), is_image_entry))
        return core::fail(core::ErrorKind::InvalidInput,
                          "that would leave no image in the index; push a single image instead, or delete the tag");
    return out;
}

core::Result<EditResult> edit_index(const std::string& target, StoreOpener& opener,
                                    const std::function<core::Result<Index>(const Index&)>& edit, bool dry_run) {
    auto opened = opener.open(target);
    if (!opened) return std::unexpected(opened.error().with_context("target " + target));
    if (opened->ref.empty() || opened->ref.starts_with("sha256:"))
        return core::fail(core::ErrorKind::InvalidInput, fmt::format("{} must name a tag (and no digest)", target));
    auto& store = *opened->store;
    EditResult result;
    result.target = store.describe() + ":" + opened->ref;
    result.dry_run = dry_run;
    const auto context = [&](const core::Error& e) { return std::unexpected(e.with_context("editing " + result.target)); };
    auto current = store.get_manifest(opened->ref);
    if (!current) return context(current.error());
    if (!current->is_index())
        return context(core::make_error(core::ErrorKind::InvalidInput,
                                        fmt::format("it holds a single image ({}), not an index: make one with "
                                                    "'ferry manifest create'", current->media_type)));
    result.previous = current->digest;
    auto edited = edit(current->index());
    if (!edited) return context(edited.error());
    if (edited->manifests == current->index().manifests && edited->annotations == current->index().annotations) {
        result.index = std::move(*current);  // the same entries: the bytes stay as they are
        result.unchanged = true;
        return result;
    }
    auto parsed = manifest::parse_manifest(edited->serialize(), edited->media_type);
    if (!parsed) return context(parsed.error());
    result.index = std::move(*parsed);
    result.unchanged = result.index.digest == result.previous;
    if (result.unchanged || dry_run) return result;
    if (auto st = store.put_manifest(result.index, opened->ref); !st) return context(st.error());
    if (auto st = store.commit(); !st) return context(st.error());
    return result;
}

}  // namespace ferry::multiarch
