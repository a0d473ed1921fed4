#pragma once
/// Plan-wide memory of blob transfers into registries, so that a blob needed by several
/// images crosses the wire once per target registry host and is mounted into every other
/// target repository of that host. Thread-safe. DryRunSplit makes the same split for a dry
/// run (`ferry plan`), the same on every run.
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "manifest/digest.hpp"

namespace ferry::copy {

enum class BlobOutcome { Skipped, Mounted, Copied };

struct CopyStats;

/// What a dry run decided for one blob of one image, as if the image were the only one.
struct BlobDecision {
    manifest::Digest digest;
    std::uint64_t size = 0;
    BlobOutcome outcome = BlobOutcome::Copied;
};

/// The plan-wide copy/mount/skip split of a dry run, independent of which parallel task got
/// to a blob first: images are settled one at a time in plan order, and a blob several images
/// need at one registry host is assigned to the first of them (its own decision stands); the
/// later ones mount it from that image's repository (or skip it in the same repository), as
/// a real run's BlobLedger lets them. Not thread-safe: the caller settles in order.
class DryRunSplit {
public:
    /// Re-counts the blob part of `stats` for an image whose target is (host, repository),
    /// from its own `decided` blobs (moving blobs between copied/mounted/skipped and their bytes).
    void settle(const std::string& host, const std::string& repository, const std::vector<BlobDecision>& decided,
                CopyStats& stats);

private:
    std::map<std::pair<std::string, manifest::Digest>, std::string> holder_;  ///< the first repository per blob
};

class BlobLedger {
public:
    /// What the caller should do to bring a blob into (host, repository).
    struct Claim {
        bool owner = false;       ///< true: transfer it yourself, then call finish()
        std::string mount_from;   ///< when !owner: a repository on `host` that has it
    };

    /// Claims `digest` for (host, repository). If another transfer of the same digest to
    /// the same host is in flight, waits for it; if it succeeded, answers mount_from.
    /// If it failed, the caller becomes the owner.
    Claim claim(const std::string& host, const manifest::Digest& digest,
                const std::string& repository);
    /// Reports the outcome of an owned claim; wakes waiters.
    void finish(const std::string& host, const manifest::Digest& digest,
                const std::string& repository, bool ok);
    /// Records that (host, repository) already has `digest` (seen by HEAD, or mounted).
    void remember(const std::string& host, const manifest::Digest& digest,
                  const std::string& repository);

private:
    struct Entry {
        bool in_flight = false;
        std::string repository;  ///< a repository that has it ("" if none known)
    };
    std::mutex mutex_;
    std::condition_variable changed_;
    std::map<std::pair<std::string, manifest::Digest>, Entry> entries_;
};

}  // namespace ferry::copy
