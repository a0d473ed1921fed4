#include "multiarch/source_reader.hpp"

#include <fmt/format.h>

#include "store/store.hpp"

namespace ferry::multiarch {
namespace {

constexpr std::size_t kMaxConfigBytes = 8u << 20;

bool is_not_found(const core::Error& e) { return e.kind == core::ErrorKind::NotFound; }

core::Result<manifest::Descriptor> image_entry(store::Store& store, const manifest::ParsedManifest& m,
                                               const std::optional<manifest::Platform>& platform) {
    manifest::Descriptor d;
    d.media_type = m.media_type;
    d.digest = m.digest;
    d.size = static_cast<std::int64_t>(m.raw.size());
    if (platform) {
        d.platform = as_stated(*platform);
        return d;
    }
    auto config = read_config(store, m.image().config);
    if (!config) return std::unexpected(config.error());
    auto read = platform_from_config(*config);
    if (!read) return std::unexpected(read.error().with_context("image config " + m.image().config.digest.str()));
    d.platform = std::move(*read);
    return d;
}

}  // namespace

core::Result<std::string> read_config(store::Store& store, const manifest::Descriptor& config) {
    auto text = store::read_blob_text(store, config, kMaxConfigBytes);
    if (!text) return std::unexpected(text.error().with_context("reading image config"));
    return text;
}

core::Result<std::vector<manifest::Descriptor>> list_platform_entries(store::Store& store,
                                                                       const manifest::ParsedManifest& m) {
    if (m.is_index()) return m.index().manifests;
    auto entry = image_entry(store, m, std::nullopt);
    if (!entry) return std::unexpected(entry.error());
    return std::vector<manifest::Descriptor>{std::move(*entry)};
}

core::Result<std::optional<LoadedSource>> load_source(const SourceSpec& spec, StoreOpener& opener) {
    using Missing = std::optional<LoadedSource>;
    auto context = [&](const core::Error& e) -> core::Result<Missing> {
        return std::unexpected(e.with_context("source " + spec.location));
    };
    auto missing_or_fail = [&](const core::Error& e) -> core::Result<Missing> {
        return is_not_found(e) ? core::Result<Missing>(Missing{}) : context(e);
    };
    auto opened = opener.open(spec.location);
    if (!opened) return missing_or_fail(opened.error());
    const std::string ref = opened->ref.empty() ? "latest" : opened->ref;
    auto found = opened->store->resolve(ref);
    if (!found) return missing_or_fail(found.error());
    if (!*found) return Missing{};
    auto m = opened->store->get_manifest((*found)->digest.str());
    if (!m) return context(m.error());
    LoadedSource out{spec.location, opened->store, {}};
    if (m->is_index()) {
        if (spec.platform)
            return core::fail(core::ErrorKind::InvalidInput,
                              fmt::format("--platform-for {}: it is an index ({} entries); a platform can "
                                          "only be given for a single image",
                                          spec.location, m->index().manifests.size()));
        for (const auto& d : m->index().manifests) out.entries.push_back({d, spec.location});
        return out;
    }
    auto entry = image_entry(*opened->store, *m, spec.platform);
    if (!entry) return context(entry.error());
    out.entries.push_back({std::move(*entry), spec.location});
    return out;
}

}  // namespace ferry::multiarch
