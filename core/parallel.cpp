#include "core/parallel.hpp"

#include <algorithm>
#include <atomic>
#include <optional>
#include <thread>

namespace ferry::core {

core::Status run_parallel(std::size_t count, int workers,
                          const std::function<core::Status(std::size_t)>& task,
                          bool stop_on_error) {
    std::vector<std::optional<core::Error>> errors(count);
    std::atomic<std::size_t> next{0};
    std::atomic<bool> failed{false};
    auto worker = [&] {
        for (;;) {
            if (stop_on_error && failed.load()) return;
            std::size_t i = next.fetch_add(1);
            if (i >= count) return;
            if (auto st = task(i); !st) {
                errors[i] = st.error();
                failed = true;
            }
        }
    };
    std::size_t threads = std::min<std::size_t>(count, static_cast<std::size_t>(std::max(1, workers)));
    std::vector<std::jthread> pool;
    for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(worker);
    worker();
    pool.clear();  // joins
    for (auto& e : errors)
        if (e) return std::unexpected(*e);
    return {};
}

}  // namespace ferry::core
