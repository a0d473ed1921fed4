#pragma once
/// Retry policy: which outcomes are worth another attempt and how long to wait. Pure.
#include <chrono>
#include <optional>
#include <random>
#include <string_view>

#include "core/defaults.hpp"

namespace ferry::http {

struct RetryPolicy {
    int retries = core::kDefaultRetries;  ///< attempts after the first
    std::chrono::milliseconds base_delay{500};
    std::chrono::milliseconds max_delay{30000};
    std::chrono::seconds max_retry_after{60};  ///< cap for a server's Retry-After
};

/// True for statuses worth retrying: 408, 429 and 5xx.
bool retryable_status(int status);

/// Parses Retry-After: delta-seconds or an HTTP date (relative to `now`). A date in the
/// past gives 0. nullopt for anything unparseable. The result is not capped.
std::optional<std::chrono::seconds> parse_retry_after(std::string_view value,
                                                      std::chrono::system_clock::time_point now);

/// Delay before retry number `attempt` (1 = first retry): exponential backoff with jitter
/// (uniform in [d/2, d], d = base * 2^(attempt-1) capped at max_delay); a server's
/// Retry-After wins, capped at max_retry_after.
std::chrono::milliseconds retry_delay(const RetryPolicy& policy, int attempt,
                                      std::optional<std::chrono::seconds> retry_after,
                                      std::mt19937_64& rng);

}  // namespace ferry::http
