#pragma once
/// Moves one blob from a source store to a target store the cheapest way available:
/// already there (skip) > mount from a repository of the same registry host > stream.
#include <semaphore>

#include "core/defaults.hpp"
#include "copy/blob_ledger.hpp"
#include "core/cancel.hpp"
#include "core/error.hpp"
#include "store/store.hpp"

namespace ferry::copy {

struct BlobMoveContext {
    store::Store& src;
    store::Store& dst;
    BlobLedger& ledger;
    int retries = core::kDefaultBlobRetries;      ///< extra attempts for retryable failures (uploads restart at 0; downloads resume)
    bool dry_run = false;  ///< decide only: HEAD requests, no writes
    const core::CancellationToken* cancel = nullptr;
    /// The target repository was empty (CopyOptions::target_empty): no HEAD before a move.
    bool target_empty = false;
    /// A slot is held while a blob's bytes stream (each attempt), so a whole run moves at
    /// most this many blobs at once however many images copy; null = no run-wide bound.
    std::counting_semaphore<>* transfers = nullptr;
};

/// Brings `blob` into ctx.dst. Mount failures fall back to a streamed upload. The target
/// verifies digest and size while the bytes flow (Store::put_blob).
core::Result<BlobOutcome> move_blob(const manifest::Descriptor& blob, const BlobMoveContext& ctx);

}  // namespace ferry::copy
