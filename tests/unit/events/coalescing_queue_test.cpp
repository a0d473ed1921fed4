#include <catch2/catch.hpp>

#include <thread>

#include "events/coalescing_queue.hpp"

using namespace ferry::events;
using namespace std::chrono_literals;

namespace {
std::vector<std::string> keys_of(const std::vector<CoalescingQueue<int>::Keyed>& batch) {
    std::vector<std::string> out;
    for (const auto& k : batch) out.push_back(k.key);
    return out;
}
}  // namespace

TEST_CASE("a waiting key absorbs later events, the newest item wins") {
    CoalescingQueue<int> queue;
    CHECK(queue.push("a", 1) == Enqueued::Queued);
    CHECK(queue.push("b", 2) == Enqueued::Queued);
    CHECK(queue.push("a", 3) == Enqueued::Coalesced);
    auto batch = queue.take(0ms);
    REQUIRE(batch.size() == 2);
    CHECK(batch[0].key == "a");
    CHECK(batch[0].item == 3);
    CHECK(batch[1].key == "b");
    CHECK(queue.take(0ms).empty());
}

TEST_CASE("an event for a running key runs again after it, never beside it") {
    CoalescingQueue<int> queue;
    queue.push("a", 1);
    auto first = queue.take(0ms);
    REQUIRE(keys_of(first) == std::vector<std::string>{"a"});
    CHECK(queue.push("a", 2) == Enqueued::Queued);
    CHECK(queue.push("b", 3) == Enqueued::Queued);
    auto second = queue.take(0ms);  // "a" is still running: only "b"
    CHECK(keys_of(second) == std::vector<std::string>{"b"});
    CHECK(queue.waiting() == 1);
    queue.finish({"a"});
    auto third = queue.take(0ms);
    REQUIRE(third.size() == 1);
    CHECK(third[0].item == 2);
}

TEST_CASE("take wakes on push and on close") {
    CoalescingQueue<int> queue;
    std::jthread producer([&] {
        std::this_thread::sleep_for(20ms);
        queue.push("x", 7);
    });
    auto batch = queue.take(10s);
    REQUIRE(batch.size() == 1);
    CHECK(batch[0].item == 7);
    std::jthread closer([&] {
        std::this_thread::sleep_for(20ms);
        queue.close();
    });
    CHECK(queue.take(10s).empty());
    queue.push("y", 1);
    CHECK(queue.take(0ms).empty());
}
