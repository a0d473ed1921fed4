#pragma once
/// Per-host request limits: at most N requests in flight and at most R requests per second.
#include <chrono>
#include <condition_variable>
#include <mutex>

namespace ferry::http {

/// Thread-safe. acquire() blocks until both limits allow one more request.
class RequestLimiter {
public:
    /// `max_in_flight` <= 0 means unlimited; `per_second` <= 0 means unlimited.
    RequestLimiter(int max_in_flight, double per_second);

    /// RAII permit: the request counts as in flight until it is destroyed.
    class Permit {
    public:
        explicit Permit(RequestLimiter* owner) : owner_(owner) {}
        Permit(Permit&& o) noexcept : owner_(o.owner_) { o.owner_ = nullptr; }
        Permit(const Permit&) = delete;
        Permit& operator=(const Permit&) = delete;
        Permit& operator=(Permit&&) = delete;
        ~Permit() {
            if (owner_) owner_->release();
        }

    private:
        RequestLimiter* owner_;
    };

    Permit acquire();
    int in_flight() const;

private:
    void release();
    std::chrono::steady_clock::time_point reserve_rate_slot();

    const int max_in_flight_;
    const double per_second_;
    mutable std::mutex mutex_;
    std::condition_variable freed_;
    int in_flight_ = 0;
    double tokens_;
    std::chrono::steady_clock::time_point refilled_;
};

}  // namespace ferry::http
