#pragma once
/// Brings discovered artifacts from a source store to a target store once their subject is
/// there, with the copy engine (raw bytes, digests kept, blobs skipped or mounted). Cosign
/// tags are compared by HEAD and copied when they differ; an OCI referrer is copied by digest
/// when the target lacks it, and on a target without the referrers API the subject's
/// fallback tag index is read, merged and written.
#include <vector>

#include "core/defaults.hpp"
#include "copy/blob_ledger.hpp"
#include "copy/copy_image.hpp"
#include "core/cancel.hpp"
#include "core/key_locks.hpp"
#include "referrers/discover.hpp"

namespace ferry::referrers {

struct CarryOptions {
    int jobs = core::kDefaultArtifactJobs;
    int retries = core::kDefaultBlobRetries;
    bool dry_run = false;  ///< decide and count only
    copy::BlobLedger* ledger = nullptr;
    const core::CancellationToken* cancel = nullptr;
    /// Serialises fallback-index merges per target repository and subject across images
    /// (several tags of one image). nullptr = the caller guarantees no concurrency.
    core::KeyLocks* locks = nullptr;
};

enum class ArtifactAction { Copied, Present };  ///< Copied = would copy under dry_run

struct ArtifactOutcome {
    Artifact artifact;
    ArtifactAction action = ArtifactAction::Present;
};

struct CarryResult {
    std::vector<ArtifactOutcome> artifacts;
    copy::CopyStats stats;
    int fallback_indexes_written = 0;
};

/// Carries every artifact; stops at the first error (its message names the artifact).
core::Result<CarryResult> carry(store::Store& source, store::Store& target, const std::vector<Artifact>& artifacts,
                                const CarryOptions& options);

}  // namespace ferry::referrers
