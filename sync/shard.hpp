#pragma once
/// Deterministic partition of a plan's work for N workers that never talk to each other:
/// a task belongs to shard fnv1a64(target registry/repository) % N. Stable across runs,
/// machines and plan reorderings; all tags of one target repository go to the same shard
/// (so the per-repository tag listing and mounts stay in one worker).
#include <cstdint>
#include <string_view>

#include "core/error.hpp"

namespace ferry::sync {

struct Shard {
    std::uint32_t index = 0;  ///< 0-based
    std::uint32_t count = 1;
    /// Parses "I/N" with 0 <= I < N.
    static core::Result<Shard> parse(std::string_view text);
    bool owns(std::string_view target_repository) const;
};

std::uint64_t fnv1a64(std::string_view text);

}  // namespace ferry::sync
