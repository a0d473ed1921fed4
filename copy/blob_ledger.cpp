#include "copy/blob_ledger.hpp"

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

}  // namespace ferry::copy
