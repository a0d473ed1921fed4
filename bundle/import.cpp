#include "bundle/import.hpp"

#include <map>
#include <set>

#include "bundle/bundle_reader.hpp"
#include "copy/copy_image.hpp"
#include "core/cancel.hpp"
#include "core/log.hpp"
#include "manifest/reference.hpp"

namespace ferry::bundle {
namespace {

using manifest::Digest;
using manifest::Reference;

core::Result<Reference> parse_ref(const std::string& text, std::string_view what) {
    auto r = Reference::parse(text, false);
    if (!r) return std::unexpected(r.error().with_context(std::string(what)));
    return r;
}

core::Result<std::unique_ptr<store::Store>> open_registry(const Reference& ref, const store::StoreContext& stores) {
    store::Location loc;
    loc.reference = ref;
    return store::open_store(loc, stores);
}

/// HEADs blobs in target repositories, each (repository, blob) at most once.
class BlobProbe {
public:
    explicit BlobProbe(const store::StoreContext& stores) : stores_(stores) {}

    core::Result<bool> has(const Reference& repo, const Digest& d) {
        const std::string key = repo.registry + "/" + repo.repository;
        auto& known = answers_[key];
        if (auto it = known.find(d); it != known.end()) return it->second;
        auto& s = stores_by_repo_[key];
        if (!s) {
            auto opened = open_registry(repo, stores_);
            if (!opened) return std::unexpected(opened.error());
            s = std::move(*opened);
        }
        manifest::Descriptor desc;
        desc.digest = d;
        auto present = s->has_blob(desc);
        if (!present) return std::unexpected(present.error());
        known[d] = *present;
        return *present;
    }

private:
    const store::StoreContext& stores_;
    std::map<std::string, std::map<Digest, bool>> answers_;
    std::map<std::string, std::unique_ptr<store::Store>> stores_by_repo_;
};

struct TargetPlan {
    std::vector<Reference> targets;     ///< per image
    std::vector<Reference> candidates;  ///< repositories that may hold base blobs
};

core::Result<Reference> target_for(const std::string& source, const std::string& recorded, const ImportOptions& o) {
    if (!o.to) return parse_ref(recorded, "target " + recorded);
    auto mapped = map_to_prefix(source, *o.to);
    if (!mapped) return std::unexpected(mapped.error());
    return parse_ref(*mapped, "--to " + *o.to);
}

core::Result<TargetPlan> plan_targets(const BundleManifest& m, const ImportOptions& o) {
    TargetPlan p;
    for (const auto& img : m.images) {
        auto t = target_for(img.source, img.target, o);
        if (!t) return std::unexpected(t.error());
        p.targets.push_back(*t);
        p.candidates.push_back(*t);
    }
    if (m.base)
        for (const auto& [source, target] : m.base->images) {
            auto t = target_for(source, target, o);
            if (t) p.candidates.push_back(*t);
        }
    return p;
}

/// Finds every external blob at the target (own repository first, then a candidate on the
/// same host, remembered in the ledger for a mount). Returns the lines naming what is missing.
core::Result<std::vector<std::string>> locate_external(const Verification& v, const BundleManifest& m,
                                                       const TargetPlan& p, BlobProbe& probe, copy::BlobLedger& ledger) {
    std::vector<std::string> missing;
    for (const auto& [digest, users] : v.external) {
        for (auto i : users) {
            const Reference& own = p.targets[i];
            std::optional<std::string> found;
            auto has_own = probe.has(own, digest);
            if (!has_own) return std::unexpected(has_own.error());
            if (*has_own) found = own.repository;
            for (std::size_t c = 0; !found && c < p.candidates.size(); ++c) {
                const auto& cand = p.candidates[c];
                if (cand.registry != own.registry || cand.repository == own.repository) continue;
                auto has = probe.has(cand, digest);
                if (!has) return std::unexpected(has.error());
                if (*has) found = cand.repository;
            }
            if (found) ledger.remember(own.registry, digest, *found);
            else missing.push_back(digest.str() + " (needed by " + m.images[i].source + " -> " + own.str() + ")");
        }
    }
    return missing;
}

core::Result<ImportedImage> push_image(OpenedBundle& b, std::size_t i, const Reference& target,
                                       const store::StoreContext& stores, const ImportOptions& o, copy::BlobLedger& ledger) {
    const auto& img = b.manifest.images[i];
    auto dst = open_registry(target, stores);
    if (!dst) return std::unexpected(dst.error());
    copy::CopyOptions c;
    c.source_ref = img.digest.str();
    c.target_tag = target.tag;
    c.jobs = o.jobs;
    c.ledger = &ledger;
    c.cancel = &core::process_cancellation();
    c.progress = o.progress;
    auto copied = copy::copy_image(*b.layout, **dst, c);
    if (!copied) return std::unexpected(copied.error().with_context("importing " + img.source + " -> " + target.str()));
    return ImportedImage{img.source, target.str(), copied->target_digest, copied->unchanged,
                         copied->stats.blobs_copied, copied->stats.blobs_mounted, copied->stats.blobs_skipped,
                         copied->stats.bytes_copied};
}

}  // namespace

core::Result<std::string> map_to_prefix(const std::string& source, const std::string& to) {
    auto src = parse_ref(source, "source " + source);
    if (!src) return std::unexpected(src.error());
    std::string spec = to;
    while (!spec.empty() && spec.back() == '/') spec.pop_back();
    const auto slash = spec.find('/');
    Reference t = *src;
    t.registry = spec.substr(0, slash);
    const std::string prefix = slash == std::string::npos ? "" : spec.substr(slash + 1);
    t.repository = prefix.empty() ? src->repository : prefix + "/" + src->repository;
    if (t.registry.empty() || !manifest::is_valid_repository(t.repository))
        return core::fail(core::ErrorKind::InvalidInput, "--to " + to + ": not a REGISTRY[/PREFIX] for " + source);
    return t.str();
}

core::Result<ImportSummary> import_bundle(const store::StoreContext& stores, const ImportOptions& options) {
    auto bundle = open_bundle(options.bundle);
    if (!bundle) return std::unexpected(bundle.error());
    auto verified = verify_bundle(*bundle);
    if (!verified) return std::unexpected(verified.error().with_context("import refused (nothing pushed)"));
    ImportSummary summary{verified->files_checked, verified->bytes_checked, {}};
    core::log::info("verified {}: {} files, {} bytes, {} images", options.bundle.string(), summary.files_verified,
                    summary.bytes_verified, bundle->manifest.images.size());
    auto targets = plan_targets(bundle->manifest, options);
    if (!targets) return std::unexpected(targets.error());
    copy::BlobLedger ledger;
    BlobProbe probe(stores);
    auto missing = locate_external(*verified, bundle->manifest, *targets, probe, ledger);
    if (!missing) return std::unexpected(missing.error());
    if (!missing->empty()) {
        std::string msg = "import refused (nothing pushed): delta bundle " + options.bundle.string() + " (base " +
                          bundle->manifest.base->id + ") needs " + std::to_string(missing->size()) +
                          " blob(s) absent at the target; import its base first:";
        for (const auto& line : *missing) msg += "\n  " + line;
        return core::fail(core::ErrorKind::NotFound, msg);
    }
    for (std::size_t i = 0; i < bundle->manifest.images.size(); ++i) {
        auto pushed = push_image(*bundle, i, targets->targets[i], stores, options, ledger);
        if (!pushed) return std::unexpected(pushed.error());
        // debug: the caller prints the images (ferry import lists each once, on stdout)
        core::log::debug("imported {} -> {} ({}{})", pushed->source, pushed->target, pushed->digest.short_str(),
                        pushed->unchanged ? ", unchanged" : "");
        summary.images.push_back(std::move(*pushed));
    }
    return summary;
}

}  // namespace ferry::bundle
