#pragma once
/// Runs callbacks on cron schedules. One Boost.Asio io_context thread (the one calling run())
/// owns the timers; job callbacks run on a separate bounded worker pool, never on the io thread.
///
/// Rules:
///  - a job never runs twice at once: a firing while it still runs is skipped and counted;
///  - missed firings are not caught up (after a clock jump or a long stall the next firing is
///    the first one after "now");
///  - timers wait at most a minute before re-checking the clock, so wall-clock steps are noticed;
///  - stop: nothing new starts; running jobs' tokens are cancelled (StopMode::CancelRunning) or
///    left alone (StopMode::LetRunningFinish); run() returns once running jobs have finished.
/// A Scheduler runs once: after run() has returned it cannot be run again.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include "core/cancel.hpp"
#include "core/error.hpp"
#include "cron/cron_expr.hpp"

namespace ferry::cron {

/// Where the scheduler reads wall-clock time; tests inject an offset clock.
class Clock {
public:
    virtual ~Clock() = default;
    virtual std::chrono::system_clock::time_point now() const = 0;
};

/// std::chrono::system_clock.
class SystemClock final : public Clock {
public:
    std::chrono::system_clock::time_point now() const override;
};

struct JobSpec {
    std::string name;                   ///< unique within a scheduler
    CronExpr schedule;
    TimeZone zone = TimeZone::Utc;
    std::chrono::milliseconds jitter{0};  ///< each firing is delayed by a random 0..jitter
    bool run_at_start = false;            ///< also fire once as soon as run() starts
};

/// The job body. It receives the job name and a token that stop() cancels; it should poll the
/// token between units of work. Its Status is recorded as the run's outcome; exceptions are
/// caught and recorded as failures.
using JobFunction = std::function<core::Status(const std::string& job, core::CancellationToken& cancel)>;

/// A copy of one job's state at one moment.
struct JobState {
    std::string name;
    std::string schedule;  ///< the expression text
    TimeZone zone = TimeZone::Utc;
    bool running = false;
    std::uint64_t runs_started = 0;
    std::uint64_t runs_succeeded = 0;
    std::uint64_t runs_failed = 0;
    std::uint64_t skipped_overlaps = 0;
    std::optional<std::chrono::system_clock::time_point> last_start;
    std::optional<std::chrono::system_clock::time_point> last_end;
    std::optional<std::chrono::system_clock::time_point> next_fire;  ///< nominal, before jitter
    std::optional<bool> last_success;
    std::string last_error;  ///< message of the last failed run, empty after a success
};

enum class StopMode { CancelRunning, LetRunningFinish };

struct SchedulerOptions {
    std::size_t workers = 4;          ///< jobs that can run at the same time
    const Clock* clock = nullptr;     ///< default: SystemClock; must outlive the scheduler
};

class Scheduler {
public:
    explicit Scheduler(SchedulerOptions options = {});
    ~Scheduler();  ///< stops (CancelRunning) and waits for running jobs
    Scheduler(const Scheduler&) = delete;
    Scheduler& operator=(const Scheduler&) = delete;

    /// Registers a job. Call before run(). Fails on an empty or duplicate name.
    core::Status add_job(JobSpec spec, JobFunction run);

    /// Blocks the calling thread (the io thread) until stop, then until running jobs finish.
    void run();

    /// Asks to stop without waiting. Safe from any thread, including job callbacks.
    void request_stop(StopMode mode = StopMode::CancelRunning);
    /// request_stop(), then waits until no job runs. From a job callback it does not wait.
    void stop(StopMode mode = StopMode::CancelRunning);

    /// Wires SIGTERM/SIGINT to request_stop(CancelRunning) and SIGHUP to `on_reload` (called on
    /// the io thread; may be empty). Call before run().
    void handle_signals(std::function<void()> on_reload);

    /// Thread-safe copy of every job's state, in registration order.
    std::vector<JobState> snapshot() const;
    /// True while run() is dispatching timers (the loop is alive) and no stop was requested.
    bool alive() const;

    /// The io_context run() drives, for co-hosted services (the HTTP status server).
    boost::asio::io_context& io() { return io_; }

private:
    struct Job;

    void arm(Job& job, std::chrono::system_clock::time_point after);
    void wait_until_due(Job& job);
    void fire(Job& job);
    void finish(Job& job, const core::Status& outcome);
    std::chrono::milliseconds sample_jitter(std::chrono::milliseconds max);
    void wait_idle();
    void wait_for_reload();

    SchedulerOptions options_;
    SystemClock system_clock_;
    const Clock& clock_;
    boost::asio::io_context io_;
    boost::asio::thread_pool workers_;
    std::vector<std::unique_ptr<Job>> jobs_;
    struct Signals;
    std::unique_ptr<Signals> signals_;

    mutable std::mutex mutex_;
    std::condition_variable idle_;
    std::mt19937_64 random_{std::random_device{}()};  ///< io thread only
    std::size_t running_ = 0;
    bool stopping_ = false;
    bool loop_alive_ = false;
};

}  // namespace ferry::cron
