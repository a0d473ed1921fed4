#pragma once
/// The copy engine: brings one image (a single manifest or an index with its children) from
/// any Store to any Store. Order per the Store contract: blobs, then child manifests, then
/// the root with its tag — so the target never references something missing.
/// Manifests travel as raw bytes; the target digest equals the source digest unless a
/// platform subset was requested (then a new index is built and reported).
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <semaphore>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/defaults.hpp"
#include "copy/blob_ledger.hpp"
#include "copy/image_graph.hpp"
#include "core/cancel.hpp"
#include "core/error.hpp"
#include "store/store.hpp"

namespace ferry::copy {

/// Progress hooks for live displays, called from worker threads; either may be empty.
struct BlobProgressHooks {
    std::function<void(std::size_t blobs)> planned;  ///< blobs this copy is about to handle
    std::function<void(std::uint64_t bytes)> done;   ///< one of them finished (copied, mounted or present)
};

struct CopyOptions {
    std::string source_ref;                     ///< tag or digest at the source store
    std::optional<std::string> target_tag;      ///< tag at the target; nullopt = by digest
    std::vector<manifest::Platform> platforms;  ///< empty = every platform
    int jobs = core::kDefaultJobs;              ///< parallel blob transfers
    int retries = core::kDefaultBlobRetries;    ///< extra attempts per blob on retryable errors
    bool dry_run = false;                       ///< decide and count, write nothing
    BlobLedger* ledger = nullptr;               ///< plan-wide dedupe; null = private ledger
    /// Run-wide bound on blobs streaming at once (BlobMoveContext::transfers); null = only `jobs`.
    std::counting_semaphore<>* transfers = nullptr;
    const core::CancellationToken* cancel = nullptr;
    BlobProgressHooks progress;
    /// The caller resolved target_tag just before and it does not name the graph's root:
    /// it is not asked again.
    bool target_tag_checked = false;
    /// The target repository held nothing when the caller looked (no tags, or no such
    /// repository): every manifest and blob counts as missing, with no HEAD to ask. Never
    /// wrong, at worst wasteful: pushing what is there already is harmless, and blobs this
    /// run put into the repository are known to the ledger.
    bool target_empty = false;
};

struct CopyStats {
    std::uint64_t blobs_copied = 0, blobs_mounted = 0, blobs_skipped = 0;
    std::uint64_t bytes_copied = 0, bytes_mounted = 0, bytes_skipped = 0;
    std::uint64_t manifests_pushed = 0, manifests_skipped = 0;
    CopyStats& operator+=(const CopyStats& other);
};

/// The stats as every JSON output of ferry writes them (sync report, `copy -o json`,
/// `manifest create -o json`): blobsCopied, blobsMounted, blobsSkipped, bytesCopied,
/// bytesMounted, bytesSkipped, manifestsPushed, manifestsSkipped.
nlohmann::json to_json(const CopyStats& stats);

struct CopyResult {
    manifest::Digest source_digest;
    manifest::Digest target_digest;  ///< differs from source_digest when built_subset
    std::string media_type;          ///< of the target root
    bool built_subset = false;
    bool unchanged = false;          ///< the target tag already had target_digest
    CopyStats stats;
    /// Dry runs only: each blob's decision for this image alone (for DryRunSplit).
    std::vector<BlobDecision> decisions;
    std::chrono::nanoseconds duration{};
};

/// Copies per `options`. Does not call dst.commit(): the caller decides when a layout is
/// complete. Errors carry the source and target in their context.
core::Result<CopyResult> copy_image(store::Store& src, store::Store& dst, const CopyOptions& options);

/// Same, for a graph already loaded (sync loads it once to decide, then copies).
core::Result<CopyResult> copy_graph(const ImageGraph& graph, store::Store& src, store::Store& dst,
                                    const CopyOptions& options);

}  // namespace ferry::copy
