#include "http/rate_limit.hpp"

#include <algorithm>
#include <thread>

namespace ferry::http {

RequestLimiter::RequestLimiter(int max_in_flight, double per_second)
    : max_in_flight_(max_in_flight),
      per_second_(per_second),
      tokens_(std::max(1.0, per_second)),
      refilled_(std::chrono::steady_clock::now()) {}

std::chrono::steady_clock::time_point RequestLimiter::reserve_rate_slot() {
    // Token bucket of capacity max(1, rate); tokens may go negative, which books a slot
    // in the future: the caller sleeps until its token has been refilled.
    const auto now = std::chrono::steady_clock::now();
    if (per_second_ <= 0) return now;
    const double capacity = std::max(1.0, per_second_);
    const std::chrono::duration<double> elapsed = now - refilled_;
    tokens_ = std::min(capacity, tokens_ + elapsed.count() * per_second_);
    refilled_ = now;
    tokens_ -= 1.0;
    if (tokens_ >= 0) return now;
    const std::chrono::duration<double> wait(-tokens_ / per_second_);
    return now + std::chrono::duration_cast<std::chrono::steady_clock::duration>(wait);
}

RequestLimiter::Permit RequestLimiter::acquire() {
    std::chrono::steady_clock::time_point start;
    {
        std::unique_lock lock(mutex_);
        if (max_in_flight_ > 0) freed_.wait(lock, [&] { return in_flight_ < max_in_flight_; });
        ++in_flight_;
        start = reserve_rate_slot();
    }
    std::this_thread::sleep_until(start);
    return Permit(this);
}

void RequestLimiter::release() {
    {
        std::lock_guard lock(mutex_);
        --in_flight_;
    }
    freed_.notify_one();
}

int RequestLimiter::in_flight() const {
    std::lock_guard lock(mutex_);
    return in_flight_;
}

}  // namespace ferry::http
