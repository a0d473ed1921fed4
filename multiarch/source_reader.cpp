#include "multiarch/source_reader.hpp"

#include <fmt/format.h>

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
        d.platform = platform->normalized();
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
    if (config.size > static_cast<std::int64_t>(kMaxConfigBytes))
        return core::fail(core::ErrorKind::Protocol,
                          fmt::format("image config {} is larger than 8 MiB", config.digest.str()));
    auto reader = store.open_blob(config, 0);
    if (!reader) return std::unexpected(reader.error());
    std::string out;
    char buffer[65536];
    for (;;) {
        auto n = (*reader)->read(buffer, sizeof buffer);
        if (!n) return std::unexpected(n.error());
        if (*n == 0) break;
        out.append(buffer, *n);
        if (out.size() > kMaxConfigBytes)
            return core::fail(core::ErrorKind::Protocol,
                              fmt::format("image config {} is larger than 8 MiB", config.digest.str()));
    }
    if (manifest::Digest::of(out) != config.digest)
        return core::fail(core::ErrorKind::Integrity,
                          fmt::format("image config {} does not match its digest", config.digest.str()));
    return out;
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
