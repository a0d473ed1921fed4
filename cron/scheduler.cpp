#include "cron/scheduler.hpp"

#include <algorithm>
#include <csignal>
#include <exception>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "core/log.hpp"
#include "core/units.hpp"

namespace ferry::cron {

using namespace std::chrono;

namespace {
/// Longest single timer wait: the clock is re-read at least this often.
constexpr milliseconds kMaxWait = minutes{1};
}  // namespace

system_clock::time_point SystemClock::now() const { return system_clock::now(); }

struct Scheduler::Job {
    Job(JobSpec s, JobFunction f, boost::asio::io_context& io)
        : spec(std::move(s)), run(std::move(f)), timer(io) {}
    JobSpec spec;
    JobFunction run;
    boost::asio::steady_timer timer;
    system_clock::time_point nominal;  ///< io thread only
    system_clock::time_point due;      ///< nominal + jitter; io thread only
    core::CancellationToken token;
    JobState state;  ///< guarded by Scheduler::mutex_
};

struct Scheduler::Signals {
    explicit Signals(boost::asio::io_context& io) : stop(io, SIGTERM, SIGINT), reload(io, SIGHUP) {}
    boost::asio::signal_set stop;
    boost::asio::signal_set reload;
    std::function<void()> on_reload;
};

Scheduler::Scheduler(SchedulerOptions options)
    : options_(options),
      clock_(options.clock ? *options.clock : system_clock_),
      workers_(options.workers == 0 ? 1 : options.workers) {}

Scheduler::~Scheduler() {
    stop(StopMode::CancelRunning);
    workers_.join();
}

core::Status Scheduler::add_job(JobSpec spec, JobFunction run) {
    if (spec.name.empty()) return core::fail(core::ErrorKind::InvalidInput, "cron job without a name");
    std::lock_guard lock(mutex_);
    for (const auto& job : jobs_) {
        if (job->spec.name == spec.name) {
            return core::fail(core::ErrorKind::InvalidInput, "cron job \"" + spec.name + "\" added twice");
        }
    }
    auto job = std::make_unique<Job>(std::move(spec), std::move(run), io_);
    job->state.name = job->spec.name;
    job->state.schedule = job->spec.schedule.text();
    job->state.zone = job->spec.zone;
    jobs_.push_back(std::move(job));
    return {};
}

void Scheduler::run() {
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        loop_alive_ = true;
    }
    const auto start = clock_.now();
    for (auto& job : jobs_) {
        if (job->spec.run_at_start) fire(*job);
        arm(*job, start);
    }
    const auto keep_running = boost::asio::make_work_guard(io_);  // until stop, even with no timers
    io_.run();
    {
        std::lock_guard lock(mutex_);
        loop_alive_ = false;
    }
    wait_idle();
}

void Scheduler::request_stop(StopMode mode) {
    {
        std::lock_guard lock(mutex_);
        if (!stopping_) core::log::info("cron: stopping");
        stopping_ = true;
        if (mode == StopMode::CancelRunning) {
            for (auto& job : jobs_) {
                if (job->state.running) job->token.cancel();
            }
        }
    }
    io_.stop();
}

void Scheduler::stop(StopMode mode) {
    request_stop(mode);
    if (!workers_.get_executor().running_in_this_thread()) wait_idle();
}

void Scheduler::wait_idle() {
    std::unique_lock lock(mutex_);
    idle_.wait(lock, [this] { return running_ == 0; });
}

void Scheduler::handle_signals(std::function<void()> on_reload) {
    signals_ = std::make_unique<Signals>(io_);
    signals_->on_reload = std::move(on_reload);
    signals_->stop.async_wait([this](const boost::system::error_code& ec, int signal) {
        if (ec) return;
        core::log::info("cron: received signal {}", signal);
        request_stop(StopMode::CancelRunning);
    });
    wait_for_reload();
}

void Scheduler::wait_for_reload() {
    signals_->reload.async_wait([this](const boost::system::error_code& ec, int) {
        if (ec) return;
        core::log::info("cron: SIGHUP: reloading");
        if (signals_->on_reload) signals_->on_reload();
        wait_for_reload();
    });
}

std::vector<JobState> Scheduler::snapshot() const {
    std::lock_guard lock(mutex_);
    std::vector<JobState> states;
    states.reserve(jobs_.size());
    for (const auto& job : jobs_) states.push_back(job->state);
    return states;
}

bool Scheduler::alive() const {
    std::lock_guard lock(mutex_);
    return loop_alive_ && !stopping_;
}

milliseconds Scheduler::sample_jitter(milliseconds max) {
    if (max <= milliseconds{0}) return milliseconds{0};
    std::uniform_int_distribution<milliseconds::rep> pick(0, max.count());
    return milliseconds{pick(random_)};
}

void Scheduler::arm(Job& job, system_clock::time_point after) {
    const auto next = job.spec.schedule.next_after(after, job.spec.zone);
    {
        std::lock_guard lock(mutex_);
        job.state.next_fire = next;
    }
    if (!next) {
        core::log::warn("cron: job {}: schedule \"{}\" never fires again", job.spec.name,
                        job.spec.schedule.text());
        return;
    }
    job.nominal = *next;
    job.due = *next + sample_jitter(job.spec.jitter);
    wait_until_due(job);
}

void Scheduler::wait_until_due(Job& job) {
    const auto remaining = ceil<milliseconds>(job.due - clock_.now());
    job.timer.expires_after(std::clamp(remaining, milliseconds{0}, kMaxWait));
    job.timer.async_wait([this, &job](const boost::system::error_code& ec) {
        if (ec) return;
        if (clock_.now() < job.due) {
            wait_until_due(job);
            return;
        }
        // The next firing is armed before this one starts: a job can finish on a worker
        // before this thread gets on, and a snapshot taken meanwhile (the status page) must
        // not show the firing that has just begun as the next one.
        const auto began = std::max(job.nominal, clock_.now());
        arm(job, began);
        fire(job);
    });
}

void Scheduler::fire(Job& job) {
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        if (job.state.running) {
            ++job.state.skipped_overlaps;
            core::log::warn("cron: job {} still running, skipping this firing", job.spec.name);
            return;
        }
        job.state.running = true;
        ++job.state.runs_started;
        job.state.last_start = clock_.now();
        job.token.reset();
        ++running_;
    }
    core::log::info("cron: job {} started", job.spec.name);
    boost::asio::post(workers_, [this, &job] {
        core::Status outcome;
        try {
            outcome = job.run(job.spec.name, job.token);
        } catch (const std::exception& e) {
            outcome = core::fail(core::ErrorKind::Internal, std::string("uncaught exception: ") + e.what());
        } catch (...) {
            outcome = core::fail(core::ErrorKind::Internal, "uncaught exception");
        }
        finish(job, outcome);
    });
}

void Scheduler::finish(Job& job, const core::Status& outcome) {
    system_clock::duration took{};
    {
        std::lock_guard lock(mutex_);
        JobState& state = job.state;
        state.running = false;
        state.last_end = clock_.now();
        state.last_success = outcome.has_value();
        ++(outcome ? state.runs_succeeded : state.runs_failed);
        state.last_error = outcome ? std::string() : outcome.error().message;
        took = *state.last_end - state.last_start.value_or(*state.last_end);
        --running_;
    }
    idle_.notify_all();
    if (outcome) {
        core::log::info("cron: job {} succeeded in {}", job.spec.name, core::format_duration(took));
    } else {
        core::log::error("cron: job {} failed after {}: {}", job.spec.name, core::format_duration(took),
                         outcome.error().message);
    }
}

}  // namespace ferry::cron
