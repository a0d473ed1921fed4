#pragma once
/// What one session knows about its host's health, shared by every request to it:
/// - down: connects were refused (or the name did not resolve) for `down_after` without a
///   single answer in between; every request then fails at once for `down_for`, with one
///   cause for all ("127.0.0.1:5199: connection refused");
/// - paused: a 429 pauses the whole host (Retry-After, else a host-wide backoff that
///   doubles with each 429 in a row), not only the request that got it;
/// - quota spent: a 429 with `RateLimit-Remaining: 0`, or a Retry-After beyond
///   `max_pause`: asking again soon is futile, so metered requests (those that count
///   against the limit, e.g. Docker Hub's manifest GETs) fail at once until the Retry-After,
///   else the header's window (at most 6 h), else 10 minutes have passed (a session that
///   outlives one run, as the cron daemon's do, asks again after that);
/// - the last RateLimit-Limit / RateLimit-Remaining the host sent.
/// Thread-safe.
#include <chrono>
#include <mutex>
#include <optional>
#include <string>

#include "core/cancel.hpp"
#include "core/error.hpp"
#include "http/message.hpp"

namespace ferry::http {

/// A host's rate-limit headers ("100;w=21600" -> limit 100, window 21600 s).
struct RateQuota {
    long limit = -1;      ///< -1 = not sent
    long remaining = -1;  ///< -1 = not sent
    long window_seconds = 0;
    /// "pull limit 100 per 21600 s, 0 remaining" (the parts the host sent).
    std::string describe() const;
};

/// Parses RateLimit-Limit / RateLimit-Remaining of `response`; nullopt when neither is there.
std::optional<RateQuota> parse_rate_quota(const Headers& headers);

class HostHealth {
public:
    struct Options {
        std::chrono::milliseconds down_after{2000};
        std::chrono::seconds down_for{60};
        std::chrono::seconds max_pause{60};
        std::chrono::milliseconds first_backoff{1000};
    };
    HostHealth(std::string host, Options options);

    /// Before an attempt: the error to fail with at once (host down; quota spent for a
    /// metered request), else nullopt once any pause of the host is over. Waits are cut
    /// short by process cancellation or `cancel` (null = none): then a Cancelled error.
    std::optional<core::Error> admit(bool metered, const core::CancellationToken* cancel = nullptr);
    /// After an attempt: learns from its outcome (unreachable, answered, 429, quota headers).
    void record(const core::Result<Response>& outcome);
    /// True while the host counts as down.
    bool down() const;
    /// Why the host was declared down in this session ("" = it never was).
    std::string down_cause() const;
    /// True once the quota is spent (see above).
    bool quota_spent() const;
    /// The last rate-limit headers seen.
    std::optional<RateQuota> quota() const;

private:
    void record_429(const Response& response, std::chrono::steady_clock::time_point now);

    const std::string host_;
    const Options options_;
    mutable std::mutex mutex_;
    std::optional<std::chrono::steady_clock::time_point> unreachable_since_;
    std::chrono::steady_clock::time_point down_until_{};
    std::string down_cause_;
    std::chrono::steady_clock::time_point paused_until_{};
    int consecutive_429_ = 0;
    bool quota_spent_ = false;
    std::chrono::steady_clock::time_point quota_until_{};  ///< quota_spent_ ends then
    std::string quota_cause_;
    std::optional<RateQuota> quota_;
};

}  // namespace ferry::http
