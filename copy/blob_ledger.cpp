#include "copy/blob_ledger.hpp"

#include "copy/copy_image.hpp"

namespace ferry::copy {

BlobLedger::Claim BlobLedger::claim(const std::string& host, const manifest::Digest& digest,
                                    const std::string& repository) {
    std::unique_lock lock(mutex_);
    auto key = std::make_pair(host, digest);
    for (;;) {
        auto& entry = entries_[key];
        if (!entry.repository.empty() && !entry.in_flight) {
            if (entry.repository == repository) return Claim{false, repository};
            return Claim{false, entry.repository};
        }
        if (!entry.in_flight) {
            entry.in_flight = true;
            return Claim{true, {}};
        }
        changed_.wait(lock);
    }
}

void BlobLedger::finish(const std::string& host, const manifest::Digest& digest,
                        const std::string& repository, bool ok) {
    {
        std::lock_guard lock(mutex_);
        auto& entry = entries_[std::make_pair(host, digest)];
        entry.in_flight = false;
        if (ok) entry.repository = repository;
    }
    changed_.notify_all();
}

void BlobLedger::remember(const std::string& host, const manifest::Digest& digest,
                          const std::string& repository) {
    std::lock_guard lock(mutex_);
    auto& entry = entries_[std::make_pair(host, digest)];
    if (entry.repository.empty()) entry.repository = repository;
}

namespace {

void count(CopyStats& s, BlobOutcome outcome, std::uint64_t size, int sign) {
    auto apply = [&](std::uint64_t& blobs, std::uint64_t& bytes) {
        blobs += static_cast<std::uint64_t>(sign);
        bytes += static_cast<std::uint64_t>(sign) * size;
    };
    switch (outcome) {
        case BlobOutcome::Copied: apply(s.blobs_copied, s.bytes_copied); break;
        case BlobOutcome::Mounted: apply(s.blobs_mounted, s.bytes_mounted); break;
        case BlobOutcome::Skipped: apply(s.blobs_skipped, s.bytes_skipped); break;
    }
}

}  // namespace

void DryRunSplit::settle(const std::string& host, const std::string& repository,
                         const std::vector<BlobDecision>& decided, CopyStats& stats) {
    for (const auto& blob : decided) {
        auto [it, first] = holder_.try_emplace({host, blob.digest}, repository);
        if (first || blob.outcome == BlobOutcome::Skipped) continue;  // its own decision stands
        const BlobOutcome settled = it->second == repository ? BlobOutcome::Skipped : BlobOutcome::Mounted;
        if (settled == blob.outcome) continue;
        count(stats, blob.outcome, blob.size, -1);
        count(stats, settled, blob.size, +1);
    }
}

}  // namespace ferry::copy
