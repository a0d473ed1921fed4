#include "sync/expand.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "core/log.hpp"
#include "referrers/artifact_tags.hpp"

namespace ferry::sync {
namespace {

using manifest::Reference;

struct Expander {
    const plan::Plan& plan;
    RegistryAccess& registries;
    const ExpandOptions& options;
    Expansion out;
    std::map<std::string, std::vector<std::string>> catalogs;  // by host

    void fail_entry(const plan::SyncEntry& entry, const Reference& ref, const Reference& target, const core::Error& e) {
        TaskOutcome failed;
        failed.task.entry = entry.name;
        failed.task.source = ref;
        failed.task.target = target;
        failed.action = Action::Failed;
        failed.error = e;
        out.failures.push_back(std::move(failed));
    }

    core::Result<std::vector<std::string>> list_tags(const std::string& host, const std::string& repo) {
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

    void add_image(const plan::SyncEntry& entry) {
        Reference target = entry.target;
        if (entry.target_is_prefix)
            target = target.with_repository(target_repository_for(entry, entry.source.repository));
        if (!target.tag && entry.source.tag) target.tag = entry.source.tag;
        target.digest.reset();
        if (!keep(target)) return;
        auto task = make_task(entry, entry.source, target);
        if (!entry.referrers.none() || entry.verify) {
            auto tags = list_tags(entry.source.registry, entry.source.repository);
            if (tags) task.artifact_tags = split_artifact_tags(*tags).artifact_tags;
            else core::log::debug("{}: cannot list the tags of {} ({}); artifacts are looked up one by one",
                                  entry.name, entry.source.repository_str(), tags.error().message);
        }
        out.tasks.push_back(std::move(task));
    }

    void add_repository(const plan::SyncEntry& entry, const Reference& source_repo) {
        Reference target = entry.target.with_repository(target_repository_for(entry, source_repo.repository));
        target.tag.reset();
        target.digest.reset();
        if (!keep(target)) return;
        auto tags = list_tags(source_repo.registry, source_repo.repository);
        if (!tags) return fail_entry(entry, source_repo, target, tags.error());
        out.repositories.push_back({entry.name, source_repo, target});
        auto split = split_artifact_tags(*tags);
        auto selection = plan::select_tags(split.image_tags, entry.tags);
        for (const auto& f : selection.filtered)
            out.filtered.push_back({entry.name, source_repo.repository_str(), f.tag, f.describe()});
        std::set<std::string> present;
        if (entry.policy == plan::CopyPolicy::Missing && !selection.selected.empty()) {
            auto existing = list_tags(target.registry, target.repository);
            if (existing) present.insert(existing->begin(), existing->end());
            else if (existing.error().kind != core::ErrorKind::NotFound)
                return fail_entry(entry, source_repo, target, existing.error());
        }
        for (const auto& tag : selection.selected) {
            auto task = make_task(entry, source_repo.with_tag(tag), target.with_tag(tag));
            task.known_present = present.count(tag) > 0;
            task.artifact_tags = split.artifact_tags;
            out.tasks.push_back(std::move(task));
        }
    }

    void add_namespace(const plan::SyncEntry& entry) {
        auto repos = catalog(entry.source.registry);
        if (!repos) return fail_entry(entry, entry.source, entry.target, repos.error());
        const std::string prefix = entry.source.repository.empty() ? "" : entry.source.repository + "/";
        for (const auto& repo : **repos) {
            if (!repo.starts_with(prefix)) continue;
            std::string relative = repo.substr(prefix.size());
            if (!repository_selected(entry, relative)) {
                out.filtered.push_back({entry.name, entry.source.registry + "/" + repo, "*", "repository not selected by repos filter"});
                continue;
            }
            add_repository(entry, entry.source.with_repository(repo));
        }
    }

    void run() {
        for (const auto& entry : plan.sync) {
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

std::string target_repository_for(const plan::SyncEntry& entry, const std::string& source_repository) {
    if (!entry.target_is_prefix) return entry.target.repository;
    if (entry.target.repository.empty()) return source_repository;
    return entry.target.repository + "/" + source_repository;
}

Expansion expand_plan(const plan::Plan& plan, RegistryAccess& registries, const ExpandOptions& options) {
    Expander e{plan, registries, options, {}, {}};
    e.run();
    return std::move(e.out);
}

}  // namespace ferry::sync
