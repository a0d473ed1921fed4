#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "cron/scheduler.hpp"

using namespace ferry;
using namespace ferry::cron;
using namespace std::chrono;

namespace {

CronExpr expr(const char* text) {
    auto parsed = CronExpr::parse(text);
    REQUIRE(parsed.has_value());
    return *parsed;
}

template <class Pred>
bool wait_for(Pred pred, milliseconds timeout) {
    const auto deadline = steady_clock::now() + timeout;
    while (steady_clock::now() < deadline) {
        if (pred()) return true;
        std::this_thread::sleep_for(milliseconds{10});
    }
    return pred();
}

/// Runs a scheduler on its own thread for the test's duration.
class Running {
public:
    explicit Running(Scheduler& s) : scheduler_(s), thread_([&s] { s.run(); }) {}
    ~Running() {
        scheduler_.stop();
        thread_.join();
    }

private:
    Scheduler& scheduler_;
    std::thread thread_;
};

/// Real time shifted by a fixed offset.
class OffsetClock final : public Clock {
public:
    explicit OffsetClock(system_clock::time_point fake_now) : offset_(fake_now - system_clock::now()) {}
    system_clock::time_point now() const override { return system_clock::now() + offset_; }

private:
    system_clock::duration offset_;
};

JobState state_of(const Scheduler& s) {
    auto states = s.snapshot();
    REQUIRE(states.size() == 1);
    return states[0];
}

}  // namespace

TEST_CASE("an every-second job fires on a worker thread") {
    Scheduler scheduler;
    std::atomic<int> runs{0};
    std::atomic<bool> on_caller_thread{false};
    const auto caller = std::this_thread::get_id();
    REQUIRE(scheduler.add_job({"tick", expr("*/1 * * * * *")}, [&](const std::string& name, core::CancellationToken&) {
        CHECK(name == "tick");
        if (std::this_thread::get_id() == caller) on_caller_thread = true;
        ++runs;
        return core::Status{};
    }));
    Running running(scheduler);
    REQUIRE(wait_for([&] { return runs > 0; }, milliseconds{2500}));
    REQUIRE(wait_for([&] { return state_of(scheduler).last_success.has_value(); }, milliseconds{500}));
    const JobState state = state_of(scheduler);
    CHECK(state.runs_started >= 1);
    CHECK(state.runs_succeeded >= 1);
    CHECK(*state.last_success);
    CHECK(state.schedule == "*/1 * * * * *");
    REQUIRE(state.next_fire.has_value());
    CHECK(*state.next_fire > *state.last_start);
    CHECK(scheduler.alive());
    CHECK_FALSE(on_caller_thread);
}

TEST_CASE("a slow job never overlaps itself, skipped firings are counted") {
    Scheduler scheduler;
    std::atomic<int> in_flight{0};
    std::atomic<int> max_in_flight{0};
    REQUIRE(scheduler.add_job({"slow", expr("* * * * * *")}, [&](const std::string&, core::CancellationToken& cancel) {
        const int now = ++in_flight;
        max_in_flight = std::max(max_in_flight.load(), now);
        const auto until = steady_clock::now() + milliseconds{1200};
        while (steady_clock::now() < until && !cancel.cancelled()) std::this_thread::sleep_for(milliseconds{10});
        --in_flight;
        return core::Status{};
    }));
    Running running(scheduler);
    REQUIRE(wait_for([&] {
        const JobState s = state_of(scheduler);
        return s.runs_started >= 2 && s.skipped_overlaps >= 1;
    }, milliseconds{6000}));
    CHECK(max_in_flight == 1);
}

TEST_CASE("stop cancels the running job's token and waits for it") {
    Scheduler scheduler;
    std::atomic<bool> started{false};
    std::atomic<bool> finished{false};
    JobSpec spec{"long", expr("0 0 1 1 *")};
    spec.run_at_start = true;
    REQUIRE(scheduler.add_job(spec, [&](const std::string&, core::CancellationToken& cancel) -> core::Status {
        started = true;
        while (!cancel.cancelled()) std::this_thread::sleep_for(milliseconds{5});
        std::this_thread::sleep_for(milliseconds{200});
        finished = true;
        return core::fail(core::ErrorKind::Cancelled, "long: cancelled");
    }));
    std::thread loop([&] { scheduler.run(); });
    REQUIRE(wait_for([&] { return started.load(); }, milliseconds{2000}));
    CHECK(state_of(scheduler).running);
    scheduler.stop();
    CHECK(finished);
    loop.join();
    const JobState state = state_of(scheduler);
    CHECK_FALSE(state.running);
    CHECK(state.runs_failed == 1);
    CHECK(state.last_error == "long: cancelled");
    CHECK_FALSE(scheduler.alive());
}

TEST_CASE("stop can let the running job finish uncancelled") {
    Scheduler scheduler;
    std::atomic<bool> started{false};
    std::atomic<bool> saw_cancel{false};
    JobSpec spec{"drain", expr("0 0 1 1 *")};
    spec.run_at_start = true;
    REQUIRE(scheduler.add_job(spec, [&](const std::string&, core::CancellationToken& cancel) {
        started = true;
        std::this_thread::sleep_for(milliseconds{200});
        saw_cancel = cancel.cancelled();
        return core::Status{};
    }));
    std::thread loop([&] { scheduler.run(); });
    REQUIRE(wait_for([&] { return started.load(); }, milliseconds{2000}));
    scheduler.stop(StopMode::LetRunningFinish);
    loop.join();
    CHECK_FALSE(saw_cancel);
    CHECK(state_of(scheduler).runs_succeeded == 1);
}

TEST_CASE("the injected clock decides when a minute schedule fires") {
    const auto fake_start = sys_days(year{2030} / 1 / 1) + seconds{59} + milliseconds{500};
    OffsetClock clock(fake_start);
    Scheduler scheduler({.workers = 1, .clock = &clock});
    std::atomic<int> runs{0};
    REQUIRE(scheduler.add_job({"minutely", expr("* * * * *")}, [&](const std::string&, core::CancellationToken&) {
        ++runs;
        return core::Status{};
    }));
    Running running(scheduler);
    REQUIRE(wait_for([&] { return runs > 0; }, milliseconds{2000}));
    const JobState state = state_of(scheduler);
    REQUIRE(state.last_start.has_value());
    CHECK(*state.last_start >= sys_days(year{2030} / 1 / 1) + minutes{1});
    CHECK(state.next_fire == sys_days(year{2030} / 1 / 1) + minutes{2});
}

TEST_CASE("exceptions become failed runs") {
    Scheduler scheduler;
    JobSpec spec{"throws", expr("0 0 1 1 *")};
    spec.run_at_start = true;
    std::atomic<bool> ran{false};
    REQUIRE(scheduler.add_job(spec, [&](const std::string&, core::CancellationToken&) -> core::Status {
        ran = true;
        throw std::runtime_error("boom");
    }));
    Running running(scheduler);
    REQUIRE(wait_for([&] { return state_of(scheduler).runs_failed == 1; }, milliseconds{2000}));
    CHECK_THAT(state_of(scheduler).last_error, Catch::Contains("boom"));
}

TEST_CASE("job registration and lifecycle edges") {
    Scheduler scheduler;
    auto noop = [](const std::string&, core::CancellationToken&) { return core::Status{}; };
    REQUIRE(scheduler.add_job({"a", expr("0 0 30 2 *")}, noop));
    CHECK_FALSE(scheduler.add_job({"a", expr("* * * * *")}, noop).has_value());
    CHECK_FALSE(scheduler.add_job({"", expr("* * * * *")}, noop).has_value());
    CHECK_FALSE(scheduler.alive());
    {
        Running running(scheduler);
        REQUIRE(wait_for([&] { return scheduler.alive(); }, milliseconds{1000}));
        CHECK_FALSE(state_of(scheduler).next_fire.has_value());  // never fires
    }
    CHECK_FALSE(scheduler.alive());

    Scheduler stopped_early;
    stopped_early.stop();
    stopped_early.run();  // returns at once
    CHECK_FALSE(stopped_early.alive());
}
