#include "http/host_health.hpp"

#include <algorithm>
#include <charconv>
#include <thread>

#include "core/cancel.hpp"
#include "core/log.hpp"
#include "http/retry.hpp"

namespace ferry::http {
namespace {

/// "100;w=21600" -> (100, 21600); "0" -> (0, 0); nullopt when it does not start with a number.
std::optional<std::pair<long, long>> parse_limit_field(std::string_view value) {
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    long number = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), number);
    if (ec != std::errc()) return std::nullopt;
    long window = 0;
    std::string_view rest(end, static_cast<std::size_t>(value.data() + value.size() - end));
    if (auto w = rest.find("w="); w != std::string_view::npos)
        std::from_chars(rest.data() + w + 2, rest.data() + rest.size(), window);
    return std::pair{number, window};
}

}  // namespace

std::string RateQuota::describe() const {
    std::string text = "pull limit ";
    text += limit >= 0 ? std::to_string(limit) : std::string("unknown");
    if (window_seconds > 0) text += " per " + std::to_string(window_seconds) + " s";
    if (remaining >= 0) text += ", " + std::to_string(remaining) + " remaining";
    return text;
}

std::optional<RateQuota> parse_rate_quota(const Headers& headers) {
    auto limit = headers.get("RateLimit-Limit");
    auto remaining = headers.get("RateLimit-Remaining");
    if (!limit && !remaining) return std::nullopt;
    RateQuota q;
    if (limit)
        if (auto parsed = parse_limit_field(*limit)) q.limit = parsed->first, q.window_seconds = parsed->second;
    if (remaining)
        if (auto parsed = parse_limit_field(*remaining)) {
            q.remaining = parsed->first;
            if (q.window_seconds == 0) q.window_seconds = parsed->second;
        }
    return q;
}

HostHealth::HostHealth(std::string host, Options options) : host_(std::move(host)), options_(options) {}

std::optional<core::Error> HostHealth::admit(bool metered, const core::CancellationToken* cancel) {
    for (;;) {
        std::chrono::steady_clock::time_point wake;
        {
            std::lock_guard lock(mutex_);
            const auto now = std::chrono::steady_clock::now();
            if (now < down_until_) {
                core::Error e = core::make_error(core::ErrorKind::Network,
                                                 down_cause_ + " (no answer for " +
                                                     std::to_string(options_.down_after.count()) +
                                                     " ms: every request to it now fails at once)");
                e.hint = core::ErrorHint::HostDown;
                e.cause = down_cause_;
                return e;
            }
            if (quota_spent_ && now >= quota_until_) quota_spent_ = false;
            if (quota_spent_ && metered) {
                core::Error e = core::make_error(core::ErrorKind::Server, quota_cause_ + ": not asking again in this run", 429);
                e.hint = core::ErrorHint::QuotaSpent;
                e.cause = quota_cause_;
                return e;
            }
            if (now >= paused_until_) return std::nullopt;
            wake = std::min(paused_until_, now + std::chrono::milliseconds(100));
        }
        if (core::stop_requested(cancel))
            return core::make_error(core::ErrorKind::Cancelled, host_ + ": cancelled");
        std::this_thread::sleep_until(wake);
    }
}

void HostHealth::record(const core::Result<Response>& outcome) {
    std::lock_guard lock(mutex_);
    const auto now = std::chrono::steady_clock::now();
    if (!outcome) {
        if (outcome.error().hint != core::ErrorHint::Unreachable) return;
        if (!unreachable_since_) unreachable_since_ = now;
        if (now - *unreachable_since_ >= options_.down_after && now >= down_until_) {
            down_until_ = now + options_.down_for;
            down_cause_ = outcome.error().cause.empty() ? host_ + ": unreachable" : outcome.error().cause;
            core::log::warn("{}: no connection for {} ms: failing every request to it at once", down_cause_,
                            options_.down_after.count());
        }
        return;
    }
    unreachable_since_.reset();
    if (auto q = parse_rate_quota(outcome->headers)) quota_ = *q;
    if (outcome->status == 429) {
        record_429(*outcome, now);
    } else {
        consecutive_429_ = 0;
    }
}

void HostHealth::record_429(const Response& response, std::chrono::steady_clock::time_point now) {
    ++consecutive_429_;
    std::optional<std::chrono::seconds> retry_after;
    if (auto value = response.headers.get("Retry-After"))
        retry_after = parse_retry_after(*value, std::chrono::system_clock::now());
    const bool spent_by_headers = quota_ && quota_->remaining == 0;
    const bool spent_by_wait = retry_after && *retry_after > options_.max_pause;
    if (spent_by_headers || spent_by_wait) {
        if (!quota_spent_ || now >= quota_until_) {
            quota_spent_ = true;
            const auto window = std::chrono::seconds(quota_ && quota_->window_seconds > 0 ? std::min(quota_->window_seconds, 6L * 3600) : 600);
            quota_until_ = now + (spent_by_wait ? std::min<std::chrono::seconds>(*retry_after, std::chrono::hours(6)) : window);
            quota_cause_ = host_ + ": rate limit reached (" +
                           (quota_ ? quota_->describe() : std::string("pull limit unknown")) +
                           (spent_by_wait ? "; Retry-After " + std::to_string(retry_after->count()) + " s" : "") + ")";
            core::log::warn("{}", quota_cause_);
        }
        return;
    }
    std::chrono::milliseconds pause = retry_after ? std::chrono::duration_cast<std::chrono::milliseconds>(*retry_after)
                                                  : options_.first_backoff * (1 << std::min(consecutive_429_ - 1, 5));
    pause = std::min<std::chrono::milliseconds>(pause, options_.max_pause);
    paused_until_ = std::max(paused_until_, now + pause);
    core::log::warn("{}: 429 Too Many Requests: pausing every request to it for {} ms", host_, pause.count());
}

bool HostHealth::down() const {
    std::lock_guard lock(mutex_);
    return std::chrono::steady_clock::now() < down_until_;
}

std::string HostHealth::down_cause() const {
    std::lock_guard lock(mutex_);
    return down_cause_;
}

bool HostHealth::quota_spent() const {
    std::lock_guard lock(mutex_);
    return quota_spent_ && std::chrono::steady_clock::now() < quota_until_;
}

std::optional<RateQuota> HostHealth::quota() const {
    std::lock_guard lock(mutex_);
    return quota_;
}

}  // namespace ferry::http
