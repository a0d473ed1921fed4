#pragma once
/// Plan-wide memory of blob transfers into registries, so that a blob needed by several
/// images crosses the wire once per target registry host and is mounted into every other
/// target repository of that host. Thread-safe.
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "manifest/digest.hpp"

namespace ferry::copy {

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
