#pragma once
/// A bounded worker pool for one batch of independent tasks.
#include <cstddef>
#include <functional>
#include <vector>

#include "core/error.hpp"

namespace ferry::core {

/// Runs `task(i)` for i in [0, count) on at most `workers` threads (the caller's thread is one
/// of them) and returns the first error in index order, after every started task finished.
/// With `stop_on_error`, tasks not yet started are skipped once one fails.
core::Status run_parallel(std::size_t count, int workers,
                          const std::function<core::Status(std::size_t)>& task,
                          bool stop_on_error = false);

}  // namespace ferry::core
