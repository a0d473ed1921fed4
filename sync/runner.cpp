#include "sync/runner.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "core/parallel.hpp"
#include "core/log.hpp"
#include "sync/decide.hpp"

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

namespace {

bool runs_entry(const RunOptions& options, const std::string& name) {
    const auto& only = options.expand.only;
    return only.empty() || std::find(only.begin(), only.end(), name) != only.end();
}

/// The part of a whole-plan expansion that belongs to the entries being run.
Expansion entries_run(const Expansion& all, const RunOptions& options) {
    Expansion mine;
    for (const auto& t : all.tasks)
        if (runs_entry(options, t.entry)) mine.tasks.push_back(t);
    for (const auto& f : all.filtered)
        if (runs_entry(options, f.entry)) mine.filtered.push_back(f);
    for (const auto& f : all.failures)
        if (runs_entry(options, f.task.entry)) mine.failures.push_back(f);
    for (const auto& r : all.repositories)
        if (runs_entry(options, r.entry)) mine.repositories.push_back(r);
    return mine;
}

}  // namespace

RunResult run_sync(const plan::Plan& plan, const store::StoreContext& stores, const RunOptions& options) {
    const auto started = std::chrono::steady_clock::now();
    PoolAccess pool(stores);
    RegistryAccess& registries = options.registries ? *options.registries : pool;
    const bool pruning = stores.clients && std::any_of(plan.sync.begin(), plan.sync.end(), [&](const plan::SyncEntry& e) {
        return e.prune && runs_entry(options, e.name);
    });
    if (!pruning) {
        RunResult result = run_expansion(plan, stores, expand_plan(plan, registries, options.expand), options);
        result.duration = std::chrono::steady_clock::now() - started;
        return result;
    }
    ExpandOptions whole = options.expand;
    whole.only.clear();
    const Expansion all = expand_plan(plan, registries, whole);
    RunResult result = run_expansion(plan, stores, entries_run(all, options), options);
    if (!(options.cancel && options.cancel->cancelled()))
        result.pruned = prune_plan(plan, *stores.clients, all, {options.dry_run, options.expand.only});
    result.duration = std::chrono::steady_clock::now() - started;
    return result;
}

RunResult run_expansion(const plan::Plan& plan, const store::StoreContext& stores, Expansion expansion,
                        const RunOptions& options) {
    const auto started = std::chrono::steady_clock::now();
    RunResult result;
    PoolAccess pool(stores);
    RegistryAccess& registries = options.registries ? *options.registries : pool;
    result.filtered = std::move(expansion.filtered);
    result.outcomes = std::move(expansion.failures);

    core::CancellationToken cancel;
    CancelRelay relay(options.cancel, cancel);
    if (options.fail_fast && !result.outcomes.empty()) cancel.cancel();
    copy::BlobLedger ledger;
    SubsetState state(options.state_file);
    core::KeyLocks pushing;
    VerifyKeys loaded_keys;
    const VerifyKeys* keys = options.keys;
    if (!keys) {
        auto loaded = load_verify_keys(plan);
        if (loaded) loaded_keys = std::move(*loaded);
        else core::log::error("{}", loaded.error().message);
        keys = &loaded_keys;
    }
    TaskContext ctx{plan, registries, ledger, state, pushing, options.dry_run, &cancel, keys};

    auto& tasks = expansion.tasks;
    // An entry whose listing failed is an outcome of the run like any image: told through on_done.
    if (options.on_expanded) options.on_expanded(tasks.size() + result.outcomes.size());
    if (options.on_done)
        for (const auto& failed : result.outcomes) options.on_done(failed);
    if (options.jobs > 0)
        for (auto& t : tasks) t.jobs = options.jobs;
    std::vector<TaskOutcome> outcomes(tasks.size());
    std::mutex done_mutex;
    const int image_workers = std::max(1, options.jobs > 0 ? options.jobs : plan.defaults.jobs);
    (void)core::run_parallel(tasks.size(), image_workers, [&](std::size_t i) -> core::Status {
        if (cancel.cancelled()) {
            outcomes[i].task = tasks[i];
            outcomes[i].error = core::make_error(core::ErrorKind::Cancelled, "not started: run cancelled");
            return {};
        }
        {
            std::optional<ImageLocks::Held> held;
            if (options.image_locks) held.emplace(options.image_locks->lock(tasks[i].target.str()));
            outcomes[i] = run_task(tasks[i], ctx);
        }
        if (outcomes[i].action == Action::Failed && options.fail_fast) cancel.cancel();
        std::lock_guard lock(done_mutex);
        if (options.on_done) options.on_done(outcomes[i]);
        return {};
    });
    for (auto& o : outcomes) result.outcomes.push_back(std::move(o));
    if (!options.dry_run)
        if (auto st = state.save(); !st) core::log::warn("{}", st.error().message);
    if (stores.clients) result.hosts = stores.clients->reports();
    result.duration = std::chrono::steady_clock::now() - started;
    return result;
}

}  // namespace ferry::sync
