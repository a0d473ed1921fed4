#include "sync/event_match.hpp"

#include <algorithm>
#include <cctype>

#include "core/log.hpp"
#include "core/text.hpp"
#include "referrers/artifact_tags.hpp"
#include "sync/expand.hpp"
#include "sync/target_guard.hpp"
#include "plan/tag_filter.hpp"
#include "plan/target_writers.hpp"

namespace ferry::sync {
namespace {

using manifest::Reference;

bool same_host(const std::string& event_host, const std::string& plan_host) {
    return event_host.empty() || core::ascii_lower(plan_host) == event_host;
}

/// The source repository of `entry` that `repository` is, or nullopt when the entry does not
/// cover it. Sets `note` when the entry covers the namespace but its `repos` filter drops it.
std::optional<Reference> covered_repository(const plan::SyncEntry& entry, const std::string& repository, std::string& note) {
    switch (entry.source_kind) {
        case plan::SourceKind::Image:
        case plan::SourceKind::Repository:
            if (entry.source.repository != repository) return std::nullopt;
            return entry.source.with_repository(repository);
        case plan::SourceKind::Namespace:
        case plan::SourceKind::Registry: {
            const std::string prefix = entry.source.repository.empty() ? "" : entry.source.repository + "/";
            if (!repository.starts_with(prefix)) return std::nullopt;
            if (!repository_selected(entry, repository.substr(prefix.size()))) {
                note = entry.name + ": repository " + repository + " not selected by repos filter";
                return std::nullopt;
            }
            return entry.source.with_repository(repository);
        }
    }
    return std::nullopt;
}

/// Whether the entry's tag filter keeps `tag`; `why` says why not. `newest` needs the whole
/// tag list, the other steps look at the tag alone.
bool tag_selected(const plan::SyncEntry& entry, const Reference& repo, const std::string& tag, const TagLister& list_tags,
                  std::string& why) {
    std::vector<std::string> candidates{tag};
    if (entry.tags.newest) {
        auto tags = list_tags(repo.registry, repo.repository);
        if (!tags) {
            why = "cannot list tags for the newest filter: " + tags.error().message;
            return false;
        }
        candidates = split_artifact_tags(*tags).image_tags;
        if (std::find(candidates.begin(), candidates.end(), tag) == candidates.end()) candidates.push_back(tag);
    }
    const auto selection = plan::select_tags(candidates, entry.tags);
    if (std::find(selection.selected.begin(), selection.selected.end(), tag) != selection.selected.end()) return true;
    for (const auto& f : selection.filtered)
        if (f.tag == tag) why = f.describe();
    return false;
}

/// The target of the image `source_repo:tag` under `entry` (as expansion maps it).
core::Result<Reference> target_for(const plan::SyncEntry& entry, const Reference& source_repo, const std::string& tag) {
    auto target = map_target(entry, source_repo.repository);
    if (!target) return target;
    target->tag = entry.source_kind == plan::SourceKind::Image && !entry.target_is_prefix && entry.target.tag
                      ? entry.target.tag
                      : std::optional<std::string>(tag);
    return target;
}

/// Why the event's names are not names of the distribution grammar, or "".
std::string invalid_names(const events::PushEvent& event) {
    if (!manifest::is_valid_repository(event.repository))
        return "repository \"" + event.repository + "\" is not a valid repository name";
    if (!manifest::is_valid_tag(event.tag)) return "tag \"" + event.tag + "\" is not a valid tag";
    return {};
}

/// The source repository of `entry` that would land on `target_repository`, if any.
std::optional<Reference> source_for_target(const plan::SyncEntry& entry, const std::string& target_repository) {
    std::string repository = entry.source.repository;
    if (entry.target_is_prefix) {
        const std::string& prefix = entry.target.repository;
        if (!prefix.empty()) {
            if (!target_repository.starts_with(prefix + "/")) return std::nullopt;
            repository = target_repository.substr(prefix.size() + 1);
        } else {
            repository = target_repository;
        }
    }
    if (entry.target_repository(repository) != target_repository) return std::nullopt;
    std::string ignored;
    return covered_repository(entry, repository, ignored);
}

/// Whether an earlier writer of the plan owns `target` (as a scheduled run's expansion would
/// decide it, sync/target_claims.hpp): a manifest list naming it, or a sync entry before
/// `entry` whose target scope overlaps and which maps a source tag there. Only contested
/// entries are looked at, so an event for an uncontested one costs nothing.
std::optional<std::string> earlier_writer(const plan::Plan& plan, const plan::SyncEntry& entry, const Reference& target,
                                          const TagLister& list_tags) {
    for (std::size_t k = 0; k < plan.manifests.size(); ++k)
        if (plan.manifests[k].target.str() == target.str()) return "manifests[" + std::to_string(k) + "]";
    const plan::TargetScope mine = plan::target_scope(entry);
    for (const plan::SyncEntry& other : plan.sync) {
        if (&other == &entry) break;
        if (!plan::scopes_overlap(plan::target_scope(other), mine)) continue;
        auto source = source_for_target(other, target.repository);
        if (!source) continue;
        const std::string& tag = *target.tag;
        bool writes = false;
        if (other.source_kind == plan::SourceKind::Image) {
            writes = (other.target.tag ? other.target.tag : other.source.tag) == tag;
        } else if (std::string why; tag_selected(other, *source, tag, list_tags, why)) {
            auto tags = list_tags(source->registry, source->repository);
            writes = tags && std::find(tags->begin(), tags->end(), tag) != tags->end();
        }
        if (writes) return "entry '" + other.name + "'";
    }
    return std::nullopt;
}

}  // namespace

PushMatch match_push(const plan::Plan& plan, const events::PushEvent& event, const TagLister& list_tags,
                     const std::vector<std::string>& only) {
    PushMatch out;
    // A webhook payload is text from outside: names that fail the grammar are never matched,
    // listed or copied ("small/../private/secret" would otherwise pass a namespace's prefix).
    if (auto why = invalid_names(event); !why.empty()) {
        core::log::warn("webhook: ignored a {} push event from {}: {}", events::to_string(event.format),
                        event.host.empty() ? "an unnamed host" : event.host, why);
        out.notes.push_back(core::escape_control("ignored: " + why));
        return out;
    }
    if (referrers::parse_artifact_tag(event.tag)) {
        out.notes.push_back(event.tag + " is an artifact tag: it travels with its subject");
        return out;
    }
    for (const plan::SyncEntry& entry : plan.sync) {
        if (!only.empty() && std::find(only.begin(), only.end(), entry.name) == only.end()) continue;
        if (!same_host(event.host, entry.source.registry)) continue;
        std::string note;
        auto repo = covered_repository(entry, event.repository, note);
        if (!repo) {
            if (!note.empty()) out.notes.push_back(std::move(note));
            continue;
        }
        if (entry.source_kind == plan::SourceKind::Image) {
            if (entry.source.tag != event.tag) continue;
        } else if (std::string why; !tag_selected(entry, *repo, event.tag, list_tags, why)) {
            out.notes.push_back(entry.name + ": tag " + event.tag + " " + why);
            continue;
        }
        auto target = target_for(entry, *repo, event.tag);
        if (!target) {
            out.notes.push_back(target.error().message);
            continue;
        }
        auto task = make_image_task(plan, entry, repo->with_tag(event.tag), std::move(*target));
        if (auto owner = earlier_writer(plan, entry, task.target, list_tags)) task.conflicts_with = std::move(*owner);
        if (!entry.referrers.none() || entry.verify) {
            if (auto tags = list_tags(repo->registry, repo->repository))
                task.artifact_tags = split_artifact_tags(*tags).artifact_tags;
        }
        out.tasks.push_back(std::move(task));
    }
    return out;
}

}  // namespace ferry::sync
