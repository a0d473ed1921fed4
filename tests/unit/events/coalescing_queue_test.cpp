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

TEST_CASE("with a debounce, a burst of events for one key becomes one item, due after the window") {
    CoalescingQueue<int> queue(150ms);
    const auto start = std::chrono::steady_clock::now();
    CHECK(queue.push("a", 1) == Enqueued::Queued);
    for (int i = 2; i <= 500; ++i) CHECK(queue.push("a", i) == Enqueued::Coalesced);
    CHECK(queue.take(0ms).empty());  // not due yet
    auto batch = queue.take(2000ms);
    CHECK(std::chrono::steady_clock::now() - start >= 150ms);
    REQUIRE(batch.size() == 1);
    CHECK(batch[0].item == 500);
    const auto counts = queue.counts();
    CHECK(counts.received == 500);
    CHECK(counts.coalesced == 499);
    CHECK(counts.taken == 1);
}

TEST_CASE("events during a run mark the key to run once more afterwards, never more") {
    CoalescingQueue<int> queue(50ms);
    queue.push("a", 1);
    auto first = queue.take(1000ms);
    REQUIRE(first.size() == 1);
    for (int i = 2; i <= 100; ++i) queue.push("a", i);  // while "a" runs
    CHECK(queue.take(200ms).empty());                   // due, but "a" is still running
    queue.finish({"a"});
    auto second = queue.take(1000ms);
    REQUIRE(second.size() == 1);
    CHECK(second[0].item == 100);
    queue.finish({"a"});
    CHECK(queue.take(200ms).empty());
    CHECK(queue.counts().taken == 2);
}
