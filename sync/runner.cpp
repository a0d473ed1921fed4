#include "sync/runner.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <semaphore>
#include <thread>

#include "core/parallel.hpp"
#include "core/log.hpp"
#include "http/warnings.hpp"
#include "sync/decide.hpp"
#include "sync/work_queue.hpp"

namespace ferry::sync {

std::string_view to_string(Action action) {
    switch (action) {
        case Action::New: return "new";
        case Action::Changed: return "changed";
        case Action::Unchanged: return "unchanged";
        case Action::Conflict: return "conflict";
        case Action::Rejected: return "rejected";
        case Action::Failed: return "failed";
    }
    return "failed";
}

std::filesystem::path default_state_file(const std::filesystem::path& plan_file) {
    auto dir = plan_file.parent_path();
    return dir / ("." + plan_file.filename().string() + ".state.json");
}

namespace {

/// Trips `local` when `outer` trips, so one token serves both SIGTERM and --fail-fast.
/// Polls (the outer token is set from a signal handler), but stops at once when destroyed.
class CancelRelay {
public:
    CancelRelay(const core::CancellationToken* outer, core::CancellationToken& local)
        : thread_([this, outer, &local] {
              std::unique_lock lock(mutex_);
              while (!stopping_) {
                  if (outer && outer->cancelled()) local.cancel();
                  wake_.wait_for(lock, std::chrono::milliseconds(50));
              }
          }) {}
    ~CancelRelay() {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        wake_.notify_all();
        thread_.join();
    }

private:
    std::mutex mutex_;  // declared before the thread: they outlive it
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace

bool interrupted(const TaskOutcome& o) {
    return o.action == Action::Failed && o.error && o.error->kind == core::ErrorKind::Cancelled;
}

bool auth_failed(const TaskOutcome& o) {
    return o.action == Action::Failed && o.error &&
           (o.error->kind == core::ErrorKind::Auth || o.error->kind == core::ErrorKind::Denied);
}

void Summary::add(const TaskOutcome& o) {
    ++images;
    switch (o.action) {
        case Action::New: ++created; break;
        case Action::Changed: ++changed; break;
        case Action::Unchanged: ++unchanged; break;
        case Action::Conflict: ++conflicts; break;
        case Action::Rejected: ++rejected; break;
        case Action::Failed:
            if (sync::interrupted(o)) {
                ++interrupted;
                break;
            }
            ++failed;
            if (sync::auth_failed(o)) ++auth_failed;
            if (o.error && o.error->kind == core::ErrorKind::NotFound) ++not_found;
            if (o.error && !o.error->cause.empty()) ++failure_causes[o.error->cause];
            break;
    }
    for (const auto& a : o.artifacts)
        ++(a.action == referrers::ArtifactAction::Copied ? artifacts_copied : artifacts_present);
    stats += o.stats;
}

void Summary::add(const PruneOutcome& p) {
    ++(p.action == PruneAction::Pruned || p.action == PruneAction::WouldPrune ? pruned : prune_skipped);
}

namespace {

/// Between the expansion and the image workers: numbers the tasks, queues them, and hands
/// their outcomes on in that order, whatever order the workers finish them in.
class TaskFeed {
public:
    struct Numbered {
        std::size_t index;
        ImageTask task;
    };

    TaskFeed(const RunOptions& options, std::size_t queue_capacity) : options_(options), queue_(queue_capacity) {}

    /// Queues a task (expansion thread); waits while the outcome window is full.
    void add(ImageTask task) { queue_.push({reserve(), std::move(task)}); }
    /// An outcome known without running anything (an entry that could not be expanded).
    void add_done(TaskOutcome outcome) { finish(reserve(), std::move(outcome)); }
    void close() { queue_.close(); }
    std::optional<Numbered> next() { return queue_.pop(); }

    /// Records the outcome of task `index` and passes on every outcome now in order.
    void finish(std::size_t index, TaskOutcome outcome) {
        std::lock_guard lock(mutex_);
        pending_[index - first_] = std::move(outcome);
        for (; !pending_.empty() && pending_.front(); pending_.pop_front(), ++first_) {
            TaskOutcome& o = *pending_.front();
            if (!o.decisions.empty()) {  // a dry run: shared blobs go to the first image in plan order
                split_.settle(o.task.target.registry, o.task.target.repository, o.decisions, o.stats);
                o.decisions.clear();
            }
            summary_.add(o);
            if (options_.on_outcome) options_.on_outcome(o);
            if (options_.keep_outcomes) kept_.push_back(std::move(o));
        }
        moved_.notify_all();
    }

    /// Calls on_done under the feed's lock (serialised with the in-order hand-over).
    void done(const TaskOutcome& outcome) {
        std::lock_guard lock(mutex_);
        if (options_.on_done) options_.on_done(outcome);
    }

    void finish_result(RunResult& result) {
        std::lock_guard lock(mutex_);
        result.outcomes = std::move(kept_);
        result.summary = summary_;
    }

private:
    std::size_t reserve() {
        std::unique_lock lock(mutex_);
        if (!options_.keep_outcomes) moved_.wait(lock, [&] { return next_ - first_ < kOutcomeWindow; });
        pending_.emplace_back();
        return next_++;
    }

    const RunOptions& options_;
    copy::DryRunSplit split_;  ///< under mutex_, settled in index (plan) order
    WorkQueue<Numbered> queue_;
    std::mutex mutex_;  // guards everything below and serialises the callbacks
    std::condition_variable moved_;  // the oldest outcomes were handed on
    std::deque<std::optional<TaskOutcome>> pending_;  // outcomes from index first_ on
    std::size_t first_ = 0, next_ = 0;
    Summary summary_;
    std::vector<TaskOutcome> kept_;
};


/// Runs the tasks a producer hands to the sink (from a thread of its own, beside the image
/// workers): the one loop behind run_sync and run_expansion.
RunResult run_tasks(const plan::Plan& plan, const store::StoreContext& stores, const RunOptions& options,
                    const std::function<void(const ExpansionSink&)>& produce) {
    const auto started = std::chrono::steady_clock::now();
    const auto warnings_mark = http::warnings_mark();
    RunResult result;
    PoolAccess pool(stores);
    RegistryAccess& registries = options.registries ? *options.registries : pool;
    core::CancellationToken cancel;
    CancelRelay relay(options.cancel, cancel);
    copy::BlobLedger ledger;
    SubsetState state(options.state_file);
    core::KeyLocks pushing;
    EmptyTargets empty_targets;
    VerifyKeys loaded_keys;
    const VerifyKeys* keys = options.keys;
    if (!keys) {
        auto loaded = load_verify_keys(plan);
        if (loaded) loaded_keys = std::move(*loaded);
        else core::log::error("{}", loaded.error().message);
        keys = &loaded_keys;
    }
    const int jobs = std::max(1, effective_jobs(options.jobs, plan.defaults.jobs));
    const int image_workers = jobs * std::max(1, options.deciders_per_job);
    // Blobs streaming at once, the whole run: 2 × jobs, what jobs images of jobs blobs each
    // got before under the default max_requests (16); across 100 ms, `jobs` alone was slower.
    std::counting_semaphore<> transfers(2 * jobs);
    TaskContext ctx{plan, registries, ledger, state, pushing, empty_targets, options.dry_run, &cancel, keys, &transfers};

    TaskFeed feed(options, static_cast<std::size_t>(image_workers) * 4);
    std::jthread producing([&] {
        // Not stopped by a cancellation: every image of the plan is reported (not started).
        std::size_t images = 0;
        ExpansionSink sink{[&](ImageTask t) {
                               t.jobs = effective_jobs(options.jobs, t.jobs);
                               ++images;
                               if (options.on_found) options.on_found();
                               feed.add(std::move(t));
                           },
                           [&](FilteredImage f) { result.filtered.push_back(std::move(f)); },
                           [&](TaskOutcome o) {  // an entry whose listing failed
                               if (options.fail_fast) cancel.cancel();
                               ++images;
                               if (options.on_found) options.on_found();
                               feed.done(o);
                               feed.add_done(std::move(o));
                           },
                           {}};
        produce(sink);
        feed.close();
        if (options.on_expanded) options.on_expanded(images);
    });
    (void)core::run_parallel(static_cast<std::size_t>(image_workers), image_workers, [&](std::size_t) -> core::Status {
        while (auto item = feed.next()) {
            TaskOutcome outcome;
            if (cancel.cancelled()) {
                outcome.task = std::move(item->task);
                outcome.error = core::make_error(core::ErrorKind::Cancelled, "not started: run cancelled");
            } else {
                {
                    std::optional<ImageLocks::Held> held;
                    if (options.image_locks) held.emplace(options.image_locks->lock(item->task.target.str()));
                    outcome = run_task(item->task, ctx);
                }
                if (outcome.action == Action::Failed && options.fail_fast) cancel.cancel();
                feed.done(outcome);
            }
            feed.finish(item->index, std::move(outcome));
        }
        return {};
    });
    producing.join();
    feed.finish_result(result);
    result.summary.filtered = result.filtered.size();
    if (!options.dry_run)
        if (auto st = state.save(); !st) core::log::warn("{}", st.error().message);
    if (stores.clients) result.hosts = stores.clients->reports();
    result.warnings = http::warnings_since(warnings_mark);
    result.duration = std::chrono::steady_clock::now() - started;
    return result;
}

bool runs_entry(const RunOptions& options, const std::string& name) {
    const auto& only = options.expand.only;
    return only.empty() || std::find(only.begin(), only.end(), name) != only.end();
}

/// Hands an expansion's failures, filtered images and tasks to a sink, keeping only the
/// entries `keep` accepts.
void replay(Expansion& expansion, const ExpansionSink& sink, const std::function<bool(const std::string&)>& keep) {
    for (auto& o : expansion.failures)
        if (keep(o.task.entry)) sink.failure(std::move(o));
    for (auto& f : expansion.filtered)
        if (keep(f.entry)) sink.filtered(std::move(f));
    for (auto& t : expansion.tasks)
        if (keep(t.entry)) sink.task(std::move(t));
}

}  // namespace

RunResult run_sync(const plan::Plan& plan, const store::StoreContext& stores, const RunOptions& options) {
    const bool pruning = stores.clients && std::any_of(plan.sync.begin(), plan.sync.end(), [&](const plan::SyncEntry& e) {
        return e.prune && runs_entry(options, e.name);
    });
    PoolAccess pool(stores);
    RegistryAccess& registries = options.registries ? *options.registries : pool;
    if (!pruning) {
        return run_tasks(plan, stores, options, [&](const ExpansionSink& sink) {
            expand_plan_into(plan, registries, options.expand, sink);
        });
    }
    // Prune needs every tag the whole plan writes: expand it all, run this run's entries.
    const auto started = std::chrono::steady_clock::now();
    ExpandOptions whole = options.expand;
    whole.only.clear();
    Expansion all = expand_plan(plan, registries, whole);
    Expansion mine = all;
    RunResult result = run_tasks(plan, stores, options, [&](const ExpansionSink& sink) {
        replay(mine, sink, [&](const std::string& entry) { return runs_entry(options, entry); });
    });
    if (!(options.cancel && options.cancel->cancelled())) {
        result.pruned = prune_plan(plan, *stores.clients, all, {options.dry_run, options.expand.only});
        for (const auto& p : result.pruned) result.summary.add(p);
    }
    result.duration = std::chrono::steady_clock::now() - started;
    return result;
}

RunResult run_expansion(const plan::Plan& plan, const store::StoreContext& stores, Expansion expansion,
                        const RunOptions& options) {
    return run_tasks(plan, stores, options, [&](const ExpansionSink& sink) {
        replay(expansion, sink, [](const std::string&) { return true; });
    });
}

}  // namespace ferry::sync
