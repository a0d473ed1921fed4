#include "multiarch/assemble.hpp"

#include <fmt/format.h>

#include "core/log.hpp"
#include "manifest/media_type.hpp"
#include "multiarch/source_reader.hpp"

namespace ferry::multiarch {
namespace {

using manifest::IndexFormat;

struct Target {
    std::shared_ptr<store::Store> store;
    std::string tag;
    std::string label;  ///< "docker://host/repo:tag"
};

/// What --append starts from: the index at the target tag (none when the tag is absent).
struct ExistingIndex {
    std::vector<SourcedEntry> entries;
    std::map<std::string, std::string> annotations;
    std::optional<IndexFormat> format;
};

core::Result<Target> open_target(const AssembleSpec& spec, StoreOpener& opener) {
    auto opened = opener.open(spec.target);
    if (!opened) return std::unexpected(opened.error().with_context("target " + spec.target));
    if (opened->ref.empty() || opened->ref.starts_with("sha256:"))
        return core::fail(core::ErrorKind::InvalidInput,
                          fmt::format("target {} must name a tag (and no digest)", spec.target));
    std::string label = opened->store->describe() + ":" + opened->ref;
    return Target{opened->store, opened->ref, std::move(label)};
}

core::Result<std::vector<LoadedSource>> load_sources(const AssembleSpec& spec, StoreOpener& opener,
                                                     std::vector<std::string>& warnings) {
    std::vector<LoadedSource> out;
    for (const auto& source : spec.sources) {
        auto loaded = load_source(source, opener);
        if (!loaded) return std::unexpected(loaded.error());
        if (*loaded) {
            out.push_back(std::move(**loaded));
            continue;
        }
        if (!spec.ignore_missing)
            return core::fail(core::ErrorKind::NotFound,
                              fmt::format("source {} not found (use --ignore-missing to leave it out)",
                                          source.location));
        warnings.push_back(fmt::format("source {} not found: left out of the index", source.location));
    }
    return out;
}

core::Result<ExistingIndex> read_existing(const Target& target, const manifest::Descriptor& current) {
    auto m = target.store->get_manifest(current.digest.str());
    if (!m) return std::unexpected(m.error().with_context("reading " + target.label + " to append to it"));
    if (!m->is_index())
        return core::fail(core::ErrorKind::InvalidInput,
                          fmt::format("--append: {} is a single image ({}), not an index", target.label,
                                      m->media_type));
    ExistingIndex out;
    const auto& index = m->index();
    for (const auto& d : index.manifests) out.entries.push_back({d, target.label + " (existing)"});
    out.annotations = index.annotations;
    out.format = manifest::media::is_docker(index.media_type) ? IndexFormat::Docker : IndexFormat::Oci;
    return out;
}

/// The entries the sources contribute, checked for `format`. Docker lists cannot carry the
/// annotations that tie an attestation to its image: attestations are left out, with a warning.
core::Result<std::vector<SourcedEntry>> incoming_entries(std::vector<LoadedSource>& sources, IndexFormat format,
                                                         std::vector<std::string>& warnings) {
    std::vector<SourcedEntry> out;
    for (auto& source : sources) {
        if (format == IndexFormat::Docker) {
            auto dropped = std::erase_if(source.entries, [](const SourcedEntry& e) { return e.descriptor.is_attestation(); });
            if (dropped > 0)
                warnings.push_back(fmt::format("{}: {} attestation entries left out (a Docker manifest list "
                                               "cannot carry them)", source.label, dropped));
        }
        out.insert(out.end(), source.entries.begin(), source.entries.end());
    }
    if (format == IndexFormat::Docker)
        if (auto st = check_docker_children(out); !st) return std::unexpected(st.error());
    if (auto st = check_unique_platforms(out); !st) return std::unexpected(st.error());
    return out;
}

core::Result<manifest::ParsedManifest> serialize_index(IndexFormat format, const std::vector<SourcedEntry>& entries,
                                                       const std::map<std::string, std::string>& annotations) {
    if (entries.empty())
        return core::fail(core::ErrorKind::NotFound, "no source image found: nothing to put in the index");
    auto index = manifest::build_index(format, descriptors_of(entries), annotations);
    if (!index) return std::unexpected(index.error());
    return manifest::parse_manifest(index->serialize(), index->media_type);
}

core::Status copy_sources(const std::vector<LoadedSource>& sources, const Target& target,
                          const AssembleSpec& spec, copy::CopyStats& stats) {
    copy::BlobLedger ledger;
    for (const auto& source : sources) {
        for (const auto& entry : source.entries) {
            copy::CopyOptions options;
            options.source_ref = entry.descriptor.digest.str();
            options.jobs = spec.jobs;
            options.dry_run = spec.dry_run;
            options.ledger = &ledger;
            options.cancel = spec.cancel;
            auto copied = copy::copy_image(*source.store, *target.store, options);
            if (!copied) return std::unexpected(copied.error());
            stats += copied->stats;
            if (!copied->unchanged)
                core::log::info("{} {} from {} into {}", spec.dry_run ? "would copy" : "copied",
                                entry.descriptor.digest.short_str(), source.label, target.store->describe());
        }
    }
    return {};
}

core::Status push_index(const AssembleResult& result, const Target& target, const AssembleSpec& spec) {
    if (spec.cancel && spec.cancel->cancelled())
        return core::fail(core::ErrorKind::Cancelled, "cancelled before pushing the index");
    if (auto st = target.store->put_manifest(result.index, target.tag); !st) return st;
    return target.store->commit();
}

core::Result<AssembleResult> assemble(const AssembleSpec& spec, const Target& target, StoreOpener& opener) {
    AssembleResult result;
    result.target = target.label;
    result.dry_run = spec.dry_run;
    auto sources = load_sources(spec, opener, result.warnings);
    if (!sources) return std::unexpected(sources.error());
    auto current = target.store->resolve(target.tag);
    if (!current) return std::unexpected(current.error());
    if (*current) result.previous = (*current)->digest;
    ExistingIndex existing;
    if (spec.append && *current) {
        auto read = read_existing(target, **current);
        if (!read) return std::unexpected(read.error());
        existing = std::move(*read);
    }
    const IndexFormat format = spec.format.value_or(existing.format.value_or(IndexFormat::Oci));
    auto incoming = incoming_entries(*sources, format, result.warnings);
    if (!incoming) return std::unexpected(incoming.error());
    result.entries = spec.append ? merge_for_append(existing.entries, *incoming) : std::move(*incoming);
    auto annotations = existing.annotations;
    for (const auto& [key, value] : spec.annotations) annotations[key] = value;
    auto index = serialize_index(format, result.entries, annotations);
    if (!index) return std::unexpected(index.error());
    result.index = std::move(*index);
    if (result.previous == result.index.digest) {
        result.unchanged = true;
        return result;
    }
    if (auto st = copy_sources(*sources, target, spec, result.stats); !st) return std::unexpected(st.error());
    ++result.stats.manifests_pushed;
    if (spec.dry_run) return result;
    if (auto st = push_index(result, target, spec); !st) return std::unexpected(st.error());
    return result;
}

}  // namespace

core::Result<AssembleResult> assemble_index(const AssembleSpec& spec, StoreOpener& opener) {
    auto target = open_target(spec, opener);
    if (!target) return std::unexpected(target.error());
    if (spec.sources.empty())
        return core::fail(core::ErrorKind::InvalidInput, "assembling " + target->label + ": no source images given");
    auto result = assemble(spec, *target, opener);
    if (!result) return std::unexpected(result.error().with_context("assembling " + target->label));
    for (const auto& warning : result->warnings) core::log::warn("{}", warning);
    return result;
}

}  // namespace ferry::multiarch
