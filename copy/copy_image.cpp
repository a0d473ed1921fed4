#include "copy/copy_image.hpp"

#include <atomic>
#include <map>
#include <set>

#include "copy/blob_mover.hpp"
#include "core/parallel.hpp"
#include "core/log.hpp"

namespace ferry::copy {
namespace {

using manifest::Descriptor;
using manifest::ParsedManifest;

struct AtomicStats {
    std::atomic<std::uint64_t> blobs_copied{0}, blobs_mounted{0}, blobs_skipped{0};
    std::atomic<std::uint64_t> bytes_copied{0}, bytes_mounted{0}, bytes_skipped{0};

    void add(BlobOutcome outcome, std::uint64_t size) {
        switch (outcome) {
            case BlobOutcome::Copied: ++blobs_copied; bytes_copied += size; break;
            case BlobOutcome::Mounted: ++blobs_mounted; bytes_mounted += size; break;
            case BlobOutcome::Skipped: ++blobs_skipped; bytes_skipped += size; break;
        }
    }
    void export_to(CopyStats& s) const {
        s.blobs_copied = blobs_copied; s.blobs_mounted = blobs_mounted; s.blobs_skipped = blobs_skipped;
        s.bytes_copied = bytes_copied; s.bytes_mounted = bytes_mounted; s.bytes_skipped = bytes_skipped;
    }
};

core::Status check_cancel(const CopyOptions& options) {
    if (options.cancel && options.cancel->cancelled())
        return core::fail(core::ErrorKind::Cancelled, "cancelled before completion");
    return {};
}

/// HEADs every manifest of the graph at the target (in parallel): which must be pushed.
core::Result<std::vector<const ParsedManifest*>> missing_manifests(
    const ImageGraph& graph, store::Store& dst, const CopyOptions& options) {
    auto all = graph.manifests_in_push_order();
    std::vector<char> present(all.size(), 0);
    auto st = core::run_parallel(all.size(), options.jobs, [&](std::size_t i) -> core::Status {
        auto found = dst.resolve(all[i]->digest.str());
        if (!found) return std::unexpected(found.error());
        present[i] = found->has_value();
        return {};
    });
    if (!st) return std::unexpected(st.error());
    std::vector<const ParsedManifest*> missing;
    for (std::size_t i = 0; i < all.size(); ++i)
        if (!present[i]) missing.push_back(all[i]);
    return missing;
}

std::vector<Descriptor> unique_blobs(const std::vector<const ParsedManifest*>& manifests) {
    std::vector<Descriptor> blobs;
    std::set<manifest::Digest> seen;
    for (const auto* m : manifests)
        for (auto& blob : ImageGraph::blobs_of(*m))
            if (seen.insert(blob.digest).second) blobs.push_back(std::move(blob));
    return blobs;
}

core::Status push_manifests(const std::vector<const ParsedManifest*>& missing,
                            const ImageGraph& graph, store::Store& dst,
                            const CopyOptions& options, CopyStats& stats) {
    for (const auto* m : missing) {
        if (m == &graph.root) continue;  // the root goes last, with its tag
        if (auto st = check_cancel(options); !st) return st;
        if (auto st = dst.put_manifest(*m, std::nullopt); !st) return st;
        ++stats.manifests_pushed;
    }
    if (auto st = check_cancel(options); !st) return st;
    if (auto st = dst.put_manifest(graph.root, options.target_tag); !st) return st;
    ++stats.manifests_pushed;
    return {};
}

}  // namespace

nlohmann::json to_json(const CopyStats& s) {
    return {{"blobsCopied", s.blobs_copied},   {"blobsMounted", s.blobs_mounted},
            {"blobsSkipped", s.blobs_skipped}, {"bytesCopied", s.bytes_copied},
            {"bytesMounted", s.bytes_mounted}, {"bytesSkipped", s.bytes_skipped},
            {"manifestsPushed", s.manifests_pushed}, {"manifestsSkipped", s.manifests_skipped}};
}

CopyStats& CopyStats::operator+=(const CopyStats& o) {
    blobs_copied += o.blobs_copied; blobs_mounted += o.blobs_mounted; blobs_skipped += o.blobs_skipped;
    bytes_copied += o.bytes_copied; bytes_mounted += o.bytes_mounted; bytes_skipped += o.bytes_skipped;
    manifests_pushed += o.manifests_pushed; manifests_skipped += o.manifests_skipped;
    return *this;
}

core::Result<CopyResult> copy_graph(const ImageGraph& graph, store::Store& src, store::Store& dst,
                                    const CopyOptions& options) {
    const auto started = std::chrono::steady_clock::now();
    CopyResult result;
    result.source_digest = graph.source_digest;
    result.target_digest = graph.root.digest;
    result.media_type = graph.root.media_type;
    result.built_subset = graph.built_subset;
    auto finish = [&] {
        result.duration = std::chrono::steady_clock::now() - started;
        return result;
    };

    if (options.target_tag && !options.target_tag_checked) {
        auto current = dst.resolve(*options.target_tag);
        if (!current) return std::unexpected(current.error());
        if (*current && (*current)->digest == graph.root.digest) {
            result.unchanged = true;
            result.stats.manifests_skipped = graph.children.size() + 1;
            return finish();
        }
    }
    auto missing = options.target_empty ? core::Result<std::vector<const ParsedManifest*>>(graph.manifests_in_push_order())
                                        : missing_manifests(graph, dst, options);
    if (!missing) return std::unexpected(missing.error());
    result.stats.manifests_skipped = graph.children.size() + 1 - missing->size();
    bool root_missing = !missing->empty() && missing->back() == &graph.root;
    if (!root_missing && !options.target_tag) {
        result.unchanged = true;
        return finish();
    }

    BlobLedger private_ledger;
    BlobMoveContext ctx{src, dst, options.ledger ? *options.ledger : private_ledger,
                        options.retries, options.dry_run, options.cancel, options.target_empty,
                        options.transfers};
    auto blobs = unique_blobs(*missing);
    if (options.progress.planned) options.progress.planned(blobs.size());
    AtomicStats counters;
    if (options.dry_run) result.decisions.resize(blobs.size());
    auto moved = core::run_parallel(blobs.size(), options.jobs, [&](std::size_t i) -> core::Status {
        if (auto st = check_cancel(options); !st) return st;
        auto outcome = move_blob(blobs[i], ctx);
        if (!outcome) return std::unexpected(outcome.error().with_context("blob " + blobs[i].digest.str()));
        counters.add(*outcome, static_cast<std::uint64_t>(blobs[i].size));
        if (options.dry_run) result.decisions[i] = {blobs[i].digest, static_cast<std::uint64_t>(blobs[i].size), *outcome};
        if (options.progress.done) options.progress.done(static_cast<std::uint64_t>(blobs[i].size));
        return {};
    }, /*stop_on_error=*/true);
    counters.export_to(result.stats);
    if (!moved) return std::unexpected(moved.error());

    if (options.dry_run) {
        result.stats.manifests_pushed = missing->size() + (root_missing ? 0 : 1);
        return finish();
    }
    if (auto st = push_manifests(*missing, graph, dst, options, result.stats); !st)
        return std::unexpected(st.error());
    return finish();
}

core::Result<CopyResult> copy_image(store::Store& src, store::Store& dst, const CopyOptions& options) {
    GraphOptions graph_options;
    graph_options.platforms = options.platforms;
    auto graph = load_image_graph(src, options.source_ref, graph_options);
    if (!graph) return std::unexpected(graph.error().with_context("reading " + src.describe()));
    auto result = copy_graph(*graph, src, dst, options);
    if (!result)
        return std::unexpected(result.error().with_context("copying " + src.describe() + " to " + dst.describe()));
    return result;
}

}  // namespace ferry::copy
