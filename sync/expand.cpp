#include "sync/expand.hpp"

#include <algorithm>
#include <deque>
#include <future>
#include <map>
#include <optional>
#include <set>

#include "core/log.hpp"
#include "referrers/artifact_tags.hpp"
#include "sync/target_claims.hpp"
#include "sync/target_guard.hpp"

namespace ferry::sync {
namespace {

using manifest::Reference;

/// What one repository expands to, computed on a lister thread and delivered in order. Its
/// tasks are made one at a time on delivery, from the selected tags.
struct RepositoryExpansion {
    const plan::SyncEntry* entry = nullptr;
    Reference source;  ///< the repository, no tag
    Reference target;
    std::vector<std::string> selected;
    std::set<std::string> present;  ///< the target's tags (policy missing)
    bool target_listed = false;     ///< `present` is known
    bool listed = false;            ///< the source's tags were listed (a mapped repository)
    std::shared_ptr<const std::set<std::string>> artifact_tags;
    std::vector<FilteredImage> filtered;
    std::optional<TaskOutcome> failure;
};

TaskOutcome failure_outcome(const plan::SyncEntry& entry, const Reference& ref, const Reference& target, const core::Error& e) {
    TaskOutcome failed;
    failed.task.entry = entry.name;
    failed.task.source = ref;
    failed.task.target = target;
    failed.action = Action::Failed;
    failed.error = e;
    return failed;
}

struct Expander {
    const plan::Plan& plan;
    RegistryAccess& registries;
    const ExpandOptions& options;
    const ExpansionSink& sink;
    std::map<std::string, std::vector<std::string>> catalogs;  // by host
    TargetClaims claims{plan};

    /// Hands a task on, claiming its target tag first (one writer per tag, first in plan order).
    void hand_on(const plan::SyncEntry& entry, ImageTask task) {
        if (auto owner = claims.claim(entry, task.target)) task.conflicts_with = std::move(*owner);
        sink.task(std::move(task));
    }

    void fail_entry(const plan::SyncEntry& entry, const Reference& ref, const Reference& target, const core::Error& e) {
        sink.failure(failure_outcome(entry, ref, target, e));
    }

    core::Result<std::vector<std::string>> list_tags(const std::string& host, const std::string& repo) const {
        return registries.list_tags(host, repo);
    }

    core::Result<const std::vector<std::string>*> catalog(const std::string& host) {
        if (auto it = catalogs.find(host); it != catalogs.end()) return &it->second;
        auto repos = registries.catalog(host);
        if (!repos) return std::unexpected(repos.error());
        return &(catalogs[host] = std::move(*repos));
    }

    ImageTask make_task(const plan::SyncEntry& entry, Reference source, Reference target) const {
        return make_image_task(plan, entry, std::move(source), std::move(target));
    }

    bool keep(const Reference& target) const {
        return options.shard.owns(target.repository_str());
    }

    bool cancelled() const { return options.cancel && options.cancel->cancelled(); }

    void add_image(const plan::SyncEntry& entry) {
        auto mapped = map_target(entry, entry.source.repository);
        if (!mapped) return fail_entry(entry, entry.source, entry.target, mapped.error());
        Reference target = std::move(*mapped);
        target.tag = entry.target_is_prefix ? std::nullopt : entry.target.tag;
        if (!target.tag && entry.source.tag) target.tag = entry.source.tag;
        if (!keep(target)) return;
        auto task = make_task(entry, entry.source, target);
        if (!entry.referrers.none() || entry.verify) {
            auto tags = list_tags(entry.source.registry, entry.source.repository);
            if (tags) task.artifact_tags = split_artifact_tags(*tags).artifact_tags;
            else core::log::debug("{}: cannot list the tags of {} ({}); artifacts are looked up one by one",
                                  entry.name, entry.source.repository_str(), tags.error().message);
        }
        hand_on(entry, std::move(task));
    }

    /// Lists one repository (and, under `missing`, its target) and selects its tags. Runs on
    /// any thread: it only reads the plan and asks the registries (thread-safe).
    RepositoryExpansion expand_repository(const plan::SyncEntry& entry, const Reference& source_repo) const {
        RepositoryExpansion out{&entry, source_repo, entry.target};
        auto mapped = map_target(entry, source_repo.repository);
        if (!mapped) {
            out.failure = failure_outcome(entry, source_repo, entry.target, mapped.error());
            return out;
        }
        out.target = std::move(*mapped);
        const Reference& target = out.target;
        if (!keep(target)) return out;
        auto tags = list_tags(source_repo.registry, source_repo.repository);
        if (!tags) {
            out.failure = failure_outcome(entry, source_repo, target, tags.error());
            return out;
        }
        out.listed = true;
        auto split = split_artifact_tags(*tags);
        auto selection = plan::select_tags(split.image_tags, entry.tags);
        for (const auto& f : selection.filtered)
            out.filtered.push_back({entry.name, source_repo.repository_str(), f.tag, f.describe()});
        if (entry.policy == plan::CopyPolicy::Missing && !selection.selected.empty()) {
            auto existing = list_tags(target.registry, target.repository);
            if (existing) out.present.insert(std::make_move_iterator(existing->begin()), std::make_move_iterator(existing->end()));
            else if (existing.error().kind != core::ErrorKind::NotFound) {
                out.failure = failure_outcome(entry, source_repo, target, existing.error());
                return out;
            }
            out.target_listed = true;
        }
        out.selected = std::move(selection.selected);
        out.artifact_tags = std::move(split.artifact_tags);
        return out;
    }

    void deliver(RepositoryExpansion&& repo) {
        if (repo.listed && sink.repository) sink.repository({repo.entry->name, repo.source, repo.target});
        for (auto& f : repo.filtered) sink.filtered(std::move(f));
        if (repo.failure) sink.failure(std::move(*repo.failure));
        for (auto& tag : repo.selected) {
            auto task = make_task(*repo.entry, repo.source.with_tag(tag), repo.target.with_tag(tag));
            task.known_present = repo.present.contains(tag);
            if (repo.target_listed) task.target_was_empty = repo.present.empty();
            task.artifact_tags = repo.artifact_tags;
            std::string().swap(tag);  // the name lives on in the task
            hand_on(*repo.entry, std::move(task));
        }
    }

    void add_repository(const plan::SyncEntry& entry, const Reference& source_repo) {
        deliver(expand_repository(entry, source_repo));
    }

    /// The namespace's repositories are listed `listers` at a time; their tasks are
    /// delivered in catalog order as the oldest listing in flight completes.
    void add_namespace(const plan::SyncEntry& entry) {
        auto repos = catalog(entry.source.registry);
        if (!repos) return fail_entry(entry, entry.source, entry.target, repos.error());
        const std::string prefix = entry.source.repository.empty() ? "" : entry.source.repository + "/";
        std::deque<std::future<RepositoryExpansion>> window;
        const std::size_t width = static_cast<std::size_t>(std::max(1, options.listers));
        for (const auto& repo : **repos) {
            if (cancelled()) break;
            if (!repo.starts_with(prefix)) continue;
            std::string relative = repo.substr(prefix.size());
            if (!repository_selected(entry, relative)) {
                sink.filtered({entry.name, entry.source.registry + "/" + repo, "*", "repository not selected by repos filter"});
                continue;
            }
            window.push_back(std::async(std::launch::async, [this, &entry, source = entry.source.with_repository(repo)] {
                return expand_repository(entry, source);
            }));
            if (window.size() >= width) {
                deliver(window.front().get());
                window.pop_front();
            }
        }
        for (; !window.empty(); window.pop_front()) deliver(window.front().get());
    }

    void run() {
        for (const auto& entry : plan.sync) {
            if (cancelled()) return;
            if (!options.only.empty() &&
                std::find(options.only.begin(), options.only.end(), entry.name) == options.only.end())
                continue;
            switch (entry.source_kind) {
                case plan::SourceKind::Image: add_image(entry); break;
                case plan::SourceKind::Repository: add_repository(entry, entry.source); break;
                case plan::SourceKind::Namespace:
                case plan::SourceKind::Registry: add_namespace(entry); break;
            }
        }
    }
};

}  // namespace

SplitTags split_artifact_tags(const std::vector<std::string>& tags) {
    SplitTags out;
    auto artifacts = std::make_shared<std::set<std::string>>();
    for (const auto& tag : tags) {
        if (referrers::parse_artifact_tag(tag)) artifacts->insert(tag);
        else out.image_tags.push_back(tag);
    }
    out.artifact_tags = std::move(artifacts);
    return out;
}

ImageTask make_image_task(const plan::Plan& plan, const plan::SyncEntry& entry, manifest::Reference source,
                          manifest::Reference target) {
    ImageTask t;
    t.entry = entry.name;
    t.source = std::move(source);
    t.target = std::move(target);
    t.platforms = entry.platforms.platforms;
    t.policy = entry.policy;
    t.jobs = entry.jobs;
    t.retries = plan.defaults.retries;
    t.referrers = entry.referrers;
    if (entry.verify) t.verify_key = entry.verify->key;
    return t;
}

bool repository_selected(const plan::SyncEntry& entry, std::string_view relative) {
    auto any = [&](const std::vector<plan::TagPattern>& ps) {
        return std::any_of(ps.begin(), ps.end(), [&](const plan::TagPattern& p) { return p.matches(relative); });
    };
    return (entry.repos.allow.empty() || any(entry.repos.allow)) && !any(entry.repos.deny);
}

void expand_plan_into(const plan::Plan& plan, RegistryAccess& registries, const ExpandOptions& options,
                      const ExpansionSink& sink) {
    Expander e{plan, registries, options, sink, {}};
    e.run();
}

Expansion expand_plan(const plan::Plan& plan, RegistryAccess& registries, const ExpandOptions& options) {
    Expansion out;
    ExpansionSink sink{[&](ImageTask t) { out.tasks.push_back(std::move(t)); },
                       [&](FilteredImage f) { out.filtered.push_back(std::move(f)); },
                       [&](TaskOutcome o) { out.failures.push_back(std::move(o)); },
                       [&](MappedRepository r) { out.repositories.push_back(std::move(r)); }};
    expand_plan_into(plan, registries, options, sink);
    return out;
}

}  // namespace ferry::sync
