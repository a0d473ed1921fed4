#include "http/retry.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <charconv>
#include <string>

namespace ferry::http {

bool retryable_status(int status) { return status == 408 || status == 429 || (status >= 500 && status <= 599); }

std::optional<std::chrono::seconds> parse_retry_after(std::string_view value,
                                                      std::chrono::system_clock::time_point now) {
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
    if (value.empty()) return std::nullopt;
    if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        long long secs = 0;
        auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), secs);
        if (ec != std::errc()) return std::chrono::seconds(std::numeric_limits<int>::max());
        return std::chrono::seconds(secs);
    }
    const std::string text(value);
    const time_t when = curl_getdate(text.c_str(), nullptr);
    if (when == -1) return std::nullopt;
    const auto delta = std::chrono::system_clock::from_time_t(when) - now;
    return std::max(std::chrono::seconds(0), std::chrono::ceil<std::chrono::seconds>(delta));
}

std::chrono::milliseconds retry_delay(const RetryPolicy& policy, int attempt,
                                      std::optional<std::chrono::seconds> retry_after,
                                      std::mt19937_64& rng) {
    using std::chrono::milliseconds;
    if (retry_after)
        return std::chrono::duration_cast<milliseconds>(std::min(*retry_after, policy.max_retry_after));
    const int shift = std::clamp(attempt - 1, 0, 20);
    const long long full = std::min<long long>(policy.base_delay.count() << shift, policy.max_delay.count());
    std::uniform_int_distribution<long long> jitter(full / 2, std::max(full / 2, full));
    return milliseconds(jitter(rng));
}

}  // namespace ferry::http
