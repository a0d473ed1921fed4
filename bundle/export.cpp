#include "bundle/export.hpp"

#include <set>

#include "copy/copy_image.hpp"
#include "core/cancel.hpp"
#include "core/log.hpp"
#include "core/sha256.hpp"
#include "core/units.hpp"
#include "core/file_io.hpp"
#include "bundle/bundle_reader.hpp"
#include "bundle/export_artifacts.hpp"
#include "sync/expand.hpp"
#include "sync/runner.hpp"

namespace ferry::bundle {
namespace {

namespace fs = std::filesystem;
using manifest::Descriptor;
using manifest::Digest;

/// A layout view that reports the base bundle's blobs as present, so the copy engine skips
/// them; everything else goes to the layout.
class OmittingStore : public store::Store {
public:
    OmittingStore(store::Store& inner, const std::set<Digest>& omit) : inner_(inner), omit_(omit) {}
    std::string describe() const override { return inner_.describe(); }
    core::Result<std::optional<Descriptor>> resolve(const std::string& ref) override { return inner_.resolve(ref); }
    core::Result<manifest::ParsedManifest> get_manifest(const std::string& ref) override { return inner_.get_manifest(ref); }
    core::Status put_manifest(const manifest::ParsedManifest& m, const std::optional<std::string>& tag) override {
        return inner_.put_manifest(m, tag);
    }
    core::Result<bool> has_blob(const Descriptor& blob) override {
        if (omit_.contains(blob.digest)) return true;
        return inner_.has_blob(blob);
    }
    core::Result<std::unique_ptr<store::BlobReader>> open_blob(const Descriptor& blob, std::uint64_t offset) override {
        return inner_.open_blob(blob, offset);
    }
    core::Status put_blob(const Descriptor& blob, store::BlobReader& source) override { return inner_.put_blob(blob, source); }
    core::Result<std::vector<std::string>> list_tags() override { return inner_.list_tags(); }

private:
    store::Store& inner_;  ///< the export's layout; committed by its owner
    const std::set<Digest>& omit_;
};

/// Where an export is built before it is put into place. Nothing is written at the output
/// path itself until the bundle is complete: a directory bundle is staged in BUNDLE.partial and
/// renamed (or, over an existing bundle with --force, swapped in atomically); a tar bundle is
/// staged as a layout in BUNDLE.partial.d and packed into BUNDLE.partial, then renamed.
struct Workspace {
    fs::path work;  ///< where the layout is built
    bool archive = false;
};

core::Result<Workspace> choose_workspace(const fs::path& out) {
    std::error_code ec;
    Workspace w;
    w.archive = out.extension() == ".tar";
    if (w.archive) {
        if (fs::is_directory(out, ec)) return core::fail(core::ErrorKind::InvalidInput, "export: " + out.string() + " is a directory, not a .tar file");
        w.work = out.string() + ".partial.d";
    } else {
        if (fs::exists(out, ec) && !fs::is_directory(out, ec))
            return core::fail(core::ErrorKind::InvalidInput, "export: " + out.string() + " exists and is not a directory");
        // --force replaces an earlier bundle as a whole; any other directory is not ours to delete.
        if (fs::is_directory(out, ec) && !fs::is_empty(out, ec) && !fs::exists(out / kBundleFileName, ec))
            return core::fail(core::ErrorKind::InvalidInput, "export: " + out.string() +
                                                                 " is a directory but not a ferry bundle (no " +
                                                                 std::string(kBundleFileName) + "); refusing to replace it");
        w.work = out.string() + ".partial";
    }
    // A workspace left by a run that was killed may hold images this plan does not select:
    // start from nothing, so the bundle holds exactly what this run exports.
    fs::remove_all(w.work, ec);
    if (ec) return core::fail(core::ErrorKind::Io, "export: cannot remove the stale " + w.work.string() + ": " + ec.message());
    return w;
}

/// Removes the workspace unless the export completed: a failed export (a source error, a full
/// disk) leaves neither a half-written bundle nor its staging behind.
class WorkspaceCleanup {
public:
    explicit WorkspaceCleanup(fs::path work) : work_(std::move(work)) {}
    ~WorkspaceCleanup() {
        if (done_) return;
        std::error_code ec;
        fs::remove_all(work_, ec);
    }
    WorkspaceCleanup(const WorkspaceCleanup&) = delete;
    WorkspaceCleanup& operator=(const WorkspaceCleanup&) = delete;
    void completed() { done_ = true; }

private:
    fs::path work_;
    bool done_ = false;
};

struct ExportRun {
    const plan::Plan& plan;
    const store::StoreContext& stores;
    const ExportOptions& options;
    std::unique_ptr<store::Store> layout;  ///< the layout being built (directory)
    store::LayoutFiles* files = nullptr;   ///< its files
    std::set<Digest> omit;
    ExportSummary summary;
};

core::Status export_image(ExportRun& run, const sync::ImageTask& task) {
    store::Location loc;
    loc.reference = task.source;
    auto src = store::open_store(loc, run.stores);
    if (!src) return std::unexpected(src.error());
    OmittingStore dst(*run.layout, run.omit);
    copy::CopyOptions o;
    o.source_ref = task.source.manifest_ref();
    o.target_tag = task.source.str();
    o.platforms = task.platforms;
    o.jobs = sync::effective_jobs(run.options.jobs, task.jobs);
    o.retries = task.retries;
    o.cancel = &core::process_cancellation();
    o.progress = run.options.progress;
    auto copied = copy::copy_image(**src, dst, o);
    if (!copied) return std::unexpected(copied.error().with_context("exporting " + task.source.str()));
    core::log::info("exported {} ({}, {} blobs written, {} bytes)", task.source.str(), copied->target_digest.short_str(),
                    copied->stats.blobs_copied, copied->stats.bytes_copied);
    run.summary.bytes_downloaded += copied->stats.bytes_copied;
    BundleImage img;
    img.entry = task.entry;
    img.source = task.source.str();
    img.target = task.target.str();
    img.ref_name = img.source;
    img.digest = copied->target_digest;
    img.media_type = copied->media_type;
    run.summary.manifest.images.push_back(std::move(img));
    return {};
}

/// The digests of `img`'s root and child manifests in the layout (the subjects whose
/// artifacts travel with it).
core::Result<std::set<Digest>> exported_manifests(ExportRun& run, const BundleImage& img) {
    auto graph = copy::load_image_graph(*run.layout, img.digest.str(), {});
    if (!graph) return std::unexpected(graph.error().with_context("reading back " + img.source));
    std::set<Digest> digests;
    for (const auto* m : graph->manifests_in_push_order()) digests.insert(m->digest);
    return digests;
}

/// Fills each image's blob list and returns the digests of every manifest.
core::Result<std::set<Digest>> collect_closures(ExportRun& run) {
    std::set<Digest> manifests;
    for (auto& img : run.summary.manifest.images) {
        auto graph = copy::load_image_graph(*run.layout, img.digest.str(), {});
        if (!graph) return std::unexpected(graph.error().with_context("reading back " + img.source));
        std::set<Digest> needed;
        for (const auto* m : graph->manifests_in_push_order()) {
            needed.insert(m->digest);
            manifests.insert(m->digest);
            for (const auto& b : copy::ImageGraph::blobs_of(*m)) needed.insert(b.digest);
        }
        img.blobs.assign(needed.begin(), needed.end());
    }
    return manifests;
}

core::Status list_files(ExportRun& run, const std::set<Digest>& manifests) {
    auto& m = run.summary.manifest;
    for (const char* name : {"oci-layout", "index.json"}) {
        auto reader = run.files->open_file(name);
        if (!reader) return std::unexpected(reader.error());
        auto hashed = hash_stream(**reader);
        if (!hashed) return std::unexpected(hashed.error());
        m.files.push_back({name, hashed->first, hashed->second});
    }
    for (const auto& d : m.closure()) {
        if (run.omit.contains(d) && !manifests.contains(d)) {
            ++run.summary.blobs_omitted;
            continue;
        }
        const std::string path = manifest::layout_blob_path(d);
        auto size = run.files->file_size(path);
        if (!size) return std::unexpected(size.error());
        if (!*size) return core::fail(core::ErrorKind::Internal, "export: blob " + d.str() + " was not written");
        m.files.push_back({path, d.hex(), **size});
        ++m.blob_count;
    }
    for (const auto& f : m.files) m.total_bytes += f.size;
    return {};
}

/// Packs the staged layout `work` into the archive `out` with ferry-bundle.json.
core::Status pack_archive(const fs::path& work, const fs::path& out, const BundleManifest& m,
                          const std::string& manifest_text) {
    std::vector<Digest> blobs;
    for (const auto& f : m.files)
        if (auto d = manifest::digest_of_layout_blob_path(f.path)) blobs.push_back(*d);
    return store::archive_layout_directory(work.string(), out.string(), blobs,
                                           {{std::string(kBundleFileName), manifest_text}});
}

core::Status finish(ExportRun& run, const Workspace& w) {
    auto& m = run.summary.manifest;
    m.created = core::format_rfc3339(std::chrono::system_clock::now());
    std::string seed = m.created + m.plan_sha256;
    for (const auto& f : m.files) seed += f.path + f.sha256;
    m.id = core::sha256_hex(seed);
    const std::string text = to_json(m).dump(2) + "\n";
    const fs::path& out = run.options.output;
    if (w.archive) {
        if (auto st = pack_archive(w.work, out, m, text); !st) return st;
        std::error_code ec;
        fs::remove_all(w.work, ec);
        return {};
    }
    if (auto st = core::fileio::write_file_atomic(w.work / kBundleFileName, text); !st) return st;
    return core::fileio::replace_directory_durably(w.work, out);
}

core::Status set_plan_and_base(ExportRun& run) {
    auto plan_text = core::fileio::read_small_file(run.plan.file, kMaxBundleFileBytes);
    if (!plan_text) return std::unexpected(plan_text.error());
    run.summary.manifest.plan_file = run.plan.file.filename().string();
    run.summary.manifest.plan_sha256 = core::sha256_hex(*plan_text);
    if (!run.options.since) return {};
    auto prev = read_bundle_manifest(*run.options.since);
    if (!prev) return std::unexpected(prev.error().with_context("--since"));
    run.omit = prev->first.closure();
    BundleBase base{prev->first.id, "sha256:" + core::sha256_hex(prev->second), {}};
    for (const auto& img : prev->first.images) base.images.emplace_back(img.source, img.target);
    run.summary.manifest.delta = true;
    run.summary.manifest.base = std::move(base);
    return {};
}

}  // namespace

core::Result<ExportSummary> export_bundle(const plan::Plan& plan, const store::StoreContext& stores,
                                          const ExportOptions& options) {
    ExportRun run{plan, stores, options, nullptr, {}, {}};
    if (auto st = set_plan_and_base(run); !st) return std::unexpected(st.error());
    auto w = choose_workspace(options.output);
    if (!w) return std::unexpected(w.error());
    WorkspaceCleanup cleanup(w->work);
    sync::PoolAccess registries(stores);
    auto expansion = sync::expand_plan(plan, registries, {});
    if (!expansion.failures.empty()) {
        const auto& f = expansion.failures.front();
        return core::fail(f.error ? f.error->with_context("export") : core::make_error(core::ErrorKind::Internal, "export: expansion failed"));
    }
    if (expansion.tasks.empty()) return core::fail(core::ErrorKind::NotFound, "export: the plan selects no images");
    store::Location staging;
    staging.kind = store::Location::Kind::OciLayout;
    staging.path = w->work.string();
    auto layout = store::open_store(staging, stores);
    if (!layout) return std::unexpected(layout.error());
    run.layout = std::move(*layout);
    run.files = store::layout_files(*run.layout);
    if (!run.files) return core::fail(core::ErrorKind::Internal, "export: " + w->work.string() + " has no layout files");
    for (const auto& task : expansion.tasks) {
        if (auto st = export_image(run, task); !st) return std::unexpected(st.error());
        auto subjects = exported_manifests(run, run.summary.manifest.images.back());
        if (!subjects) return std::unexpected(subjects.error());
        for (const auto& artifact : artifact_tasks(task, *subjects))
            if (auto st = export_image(run, artifact); !st) return std::unexpected(st.error());
    }
    if (auto st = run.layout->commit(); !st) return std::unexpected(st.error());
    auto manifests = collect_closures(run);
    if (!manifests) return std::unexpected(manifests.error());
    if (auto st = list_files(run, *manifests); !st) return std::unexpected(st.error());
    if (auto st = finish(run, *w); !st) return std::unexpected(st.error());
    cleanup.completed();
    return std::move(run.summary);
}

}  // namespace ferry::bundle
