#include "sync/decide.hpp"

#include <future>

#include "copy/copy_image.hpp"
#include "core/log.hpp"
#include "sync/artifacts.hpp"
#include "sync/decision.hpp"
#include "sync/target_guard.hpp"

namespace ferry::sync {
namespace {

using manifest::Reference;

struct OpenedSource {
    std::unique_ptr<store::Store> store;
    manifest::Descriptor root;
    std::string host;
};

core::Result<std::unique_ptr<store::Store>> open_registry(const Reference& ref, const TaskContext& ctx) {
    return ctx.registries.open(ref);
}

/// The hosts the source is read from: its mirrors first, then the source registry itself.
std::vector<std::string> source_hosts(const ImageTask& task, const TaskContext& ctx) {
    std::vector<std::string> hosts;
    if (const auto* reg = ctx.plan.registry(task.source.registry)) hosts = reg->mirrors;
    hosts.push_back(task.source.registry);
    return hosts;
}

core::Error source_missing(const ImageTask& task) {
    return core::make_error(core::ErrorKind::NotFound, "source " + task.source.str() + " does not exist");
}

void log_mirror_lacks(const std::string& host, const ImageTask& task) {
    if (host != task.source.registry)
        core::log::debug("mirror {} lacks {}; trying the next source", host, task.source.str());
}

/// One source host's answer: what was looked for, nothing (the host lacks the image), or an
/// error.
template <class Found>
using HostAnswer = core::Result<std::optional<Found>>;

/// Asks the source's hosts, mirrors first, until one answers with the image:
/// `ask(store, ref, host)` asks one host (`ref` names the image there). A host that fails is
/// passed over like one that lacks the image; the last failure is returned if no host has it.
template <class Found, class Ask>
core::Result<Found> first_source_with(const ImageTask& task, const TaskContext& ctx, Ask ask) {
    std::optional<core::Error> last;
    for (const auto& host : source_hosts(task, ctx)) {
        Reference ref = task.source;
        ref.registry = host;
        auto s = open_registry(ref, ctx);
        if (!s) { last = s.error(); continue; }
        HostAnswer<Found> found = ask(std::move(*s), ref, host);
        if (found && *found) return std::move(**found);
        if (!found) last = found.error();
        log_mirror_lacks(host, task);
    }
    if (last) return std::unexpected(*last);
    return std::unexpected(source_missing(task));
}

/// Resolves the source (a manifest HEAD) on its mirrors first, then on the source registry.
core::Result<OpenedSource> open_source(const ImageTask& task, const TaskContext& ctx) {
    return first_source_with<OpenedSource>(
        task, ctx, [](std::unique_ptr<store::Store> s, const Reference& ref, const std::string& host) -> HostAnswer<OpenedSource> {
            auto root = s->resolve(ref.manifest_ref());
            if (!root) return std::unexpected(root.error());
            if (!*root) return std::nullopt;
            return OpenedSource{std::move(s), **root, host};
        });
}

struct LoadedSource {
    std::unique_ptr<store::Store> store;
    copy::ImageGraph graph;
    std::string host;
};

/// Reads the source's root manifest by its reference (a GET) and loads its graph, mirrors
/// first. For a target that lacks the tag the graph is needed anyway, so this saves the
/// HEAD that open_source would send before it: one request per image on a cold target.
/// A mirror whose graph cannot be loaded is passed over for the next source.
core::Result<LoadedSource> load_source(const ImageTask& task, const TaskContext& ctx,
                                       const copy::GraphOptions& options) {
    return first_source_with<LoadedSource>(
        task, ctx, [&options](std::unique_ptr<store::Store> s, const Reference& ref, const std::string& host) -> HostAnswer<LoadedSource> {
            auto root = s->get_manifest(ref.manifest_ref());
            if (!root && root.error().kind == core::ErrorKind::NotFound) return std::nullopt;
            if (!root) return std::unexpected(root.error());
            auto graph = copy::load_image_graph(*s, std::move(*root), options);
            if (!graph) return std::unexpected(graph.error());
            return LoadedSource{std::move(s), std::move(*graph), host};
        });
}

/// True when the target tag is known absent without asking: expansion listed the target
/// repository without it, or this run found the repository empty.
bool target_known_absent(const ImageTask& task, const TaskContext& ctx, store::Store& target) {
    if (task.target_was_empty) return true;  // listed, and not known_present: absent
    return ctx.empty_targets.known_empty(target);
}

/// copy_graph, one copy of a manifest into a target repository at a time: a second task
/// for the same digest (another tag) waits and then finds everything present.
core::Result<copy::CopyResult> copy_serialised(const copy::ImageGraph& graph, store::Store& source,
                                               store::Store& target, const copy::CopyOptions& options,
                                               const ImageTask& task, const TaskContext& ctx) {
    auto held = ctx.pushing.lock(task.target.registry + "/" + task.target.repository + "@" + graph.root.digest.str());
    return copy::copy_graph(graph, source, target, options);
}

/// For a digest-pinned source going to a target without a tag: the digest the copy would
/// push (the source's own, or the subset index built from it before, from the state file);
/// nullopt when it is not known without reading the source.
std::optional<manifest::Digest> pinned_target_digest(const ImageTask& task, const TaskContext& ctx) {
    if (task.target.tag || !task.source.digest) return std::nullopt;
    if (task.platforms.empty()) return *task.source.digest;
    return ctx.state.built_for(*task.source.digest, task.platforms);
}

ArtifactSubjects subjects_of(const copy::ImageGraph& graph) {
    ArtifactSubjects subjects;
    subjects.root = graph.source_digest;
    subjects.root_kept = !graph.built_subset;
    subjects.children_known = true;
    for (const auto& child : graph.children) subjects.children.push_back(child.digest);
    return subjects;
}

}  // namespace

TaskOutcome run_task(const ImageTask& task, const TaskContext& ctx) {
    const auto started = std::chrono::steady_clock::now();
    TaskOutcome out;
    out.task = task;
    auto finish = [&] {
        out.duration = std::chrono::steady_clock::now() - started;
        return out;
    };
    auto fail = [&](const core::Error& e) {
        // A registry that keeps tags immutable (ECR, Harbor) refused the overwrite: the same
        // outcome as policy immutable.
        out.action = e.kind == core::ErrorKind::Conflict ? Action::Conflict : Action::Failed;
        out.error = e.with_context(task.source.str() + " -> " + task.target.str());
        return finish();
    };
    // The second guard: whatever built the task, nothing is read or written at a target
    // outside its entry's target (sync/target_guard.hpp).
    const plan::SyncEntry* entry = find_entry(ctx.plan, task.entry);
    if (!entry) return fail(core::make_error(core::ErrorKind::InvalidInput, "no sync entry " + task.entry + " in the plan: nothing written"));
    if (auto within = check_within_target(*entry, task.target); !within) return fail(within.error());
    if (!task.conflicts_with.empty()) {
        out.action = Action::Conflict;
        out.error = core::make_error(core::ErrorKind::Conflict,
                                     task.target.str() + " is also written by " + task.conflicts_with +
                                         ", earlier in the plan, which keeps it: not written (a target tag has one writer)");
        return finish();
    }
    if (task.known_present) {
        out.action = Action::Unchanged;
        return out;
    }
    auto target = open_registry(task.target, ctx);
    if (!target) return fail(target.error());
    std::optional<manifest::Digest> current;
    // The source's HEAD, asked at the same time as the target's: a target that has the tag
    // then costs one round trip, not two (the answer is unused when the target lacks it).
    std::optional<core::Result<OpenedSource>> early_source;
    if (task.target.tag && !target_known_absent(task, ctx, **target)) {
        auto asked = std::async(std::launch::async, [&task, &ctx] { return open_source(task, ctx); });
        auto t = (*target)->resolve(*task.target.tag);
        early_source = asked.get();
        if (!t) return fail(t.error());
        if (*t) current = (*t)->digest;
    } else if (auto pinned = pinned_target_digest(task, ctx); pinned && !target_known_absent(task, ctx, **target)) {
        // A digest-pinned source pushed by digest alone: no tag to compare, but the digest it
        // would write can be asked for (one HEAD); if the target has it, nothing changes.
        auto t = (*target)->resolve(pinned->str());
        if (!t) return fail(t.error());
        if (*t) current = (*t)->digest;
    }
    copy::GraphOptions graph_options;
    graph_options.platforms = task.platforms;
    std::unique_ptr<store::Store> source_store;
    std::optional<copy::ImageGraph> graph;
    auto finish_unchanged = [&](std::optional<ArtifactSubjects> subjects) {
        out.action = Action::Unchanged;
        out.target_digest = *current;
        if (subjects) carry_artifacts(task, *source_store, **target, std::move(*subjects), ctx, out);
        return finish();
    };
    if (!current) {
        // Nothing at the target to compare with: read the graph straight away.
        auto loaded = load_source(task, ctx, graph_options);
        if (!loaded) return fail(loaded.error());
        out.source_used = loaded->host;
        out.source_digest = loaded->graph.source_digest;
        source_store = std::move(loaded->store);
        graph = std::move(loaded->graph);
    } else {
        out.previous_digest = *current;
        auto source = early_source ? std::move(*early_source) : open_source(task, ctx);
        if (!source) return fail(source.error());
        out.source_used = source->host;
        out.source_digest = source->root.digest;
        source_store = std::move(source->store);
        std::optional<manifest::Digest> expected = task.platforms.empty()
                                                       ? std::optional(out.source_digest)
                                                       : ctx.state.built_for(out.source_digest, task.platforms);
        if (unchanged_without_graph(task.policy, *current, expected)) {
            // Under `missing` a present tag is left as it is, with its artifacts as they are.
            if (task.policy == plan::CopyPolicy::Missing) return finish_unchanged(std::nullopt);
            return finish_unchanged(ArtifactSubjects{out.source_digest, task.platforms.empty(), {}, false});
        }
        auto loaded = copy::load_image_graph(*source_store, out.source_digest.str(), graph_options);
        if (!loaded) return fail(loaded.error());
        graph = std::move(*loaded);
    }
    out.built_subset = graph->built_subset;
    if (!task.platforms.empty()) ctx.state.remember(out.source_digest, task.platforms, graph->root.digest);
    const Action action = action_for(task.policy, current, graph->root.digest);
    if (action == Action::Unchanged) return finish_unchanged(subjects_of(*graph));
    out.target_digest = graph->root.digest;
    out.action = action;
    if (action == Action::Conflict) {
        out.error = core::make_error(core::ErrorKind::Conflict,
                                     task.target.str() + " is " + current->str() + ", source is " +
                                         graph->root.digest.str() + " (policy immutable: not overwritten)");
        return finish();
    }
    if (!passes_signature_gate(task, *source_store, ctx, out)) return finish();

    copy::CopyOptions options;
    options.source_ref = out.source_digest.str();
    options.target_tag = task.target.tag;
    options.platforms = task.platforms;
    options.jobs = task.jobs;
    options.retries = task.retries;
    options.dry_run = ctx.dry_run;
    // A dry run decides each image alone; the runner splits shared blobs in plan order
    // (copy::DryRunSplit), so `ferry plan` says the same on every run.
    options.ledger = ctx.dry_run ? nullptr : &ctx.ledger;
    options.cancel = ctx.cancel;
    options.transfers = ctx.transfers;
    options.target_tag_checked = task.target.tag.has_value();  // resolved above: not the root
    options.target_empty = !current && (task.target_was_empty ? *task.target_was_empty
                                                               : ctx.empty_targets.was_empty(**target));
    auto copied = copy_serialised(*graph, *source_store, **target, options, task, ctx);
    if (!copied) return fail(copied.error());
    out.stats = copied->stats;
    out.decisions = std::move(copied->decisions);
    carry_artifacts(task, *source_store, **target, subjects_of(*graph), ctx, out);
    return finish();
}

}  // namespace ferry::sync
