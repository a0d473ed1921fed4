#include "sync/prune.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "core/log.hpp"
#include "referrers/artifact_tags.hpp"
#include "sync/target_guard.hpp"

namespace ferry::sync {
namespace {

using manifest::Reference;

std::string repo_key(const Reference& r) { return r.registry + "/" + r.repository; }

/// Whether a host can delete a tag, learnt from its first answer.
enum class TagDelete { Unknown, Supported, ByDigestOnly, Disabled };

struct Pruner {
    registry::ClientPool& clients;
    std::vector<PruneOutcome>& out;
    std::map<std::string, TagDelete> hosts;

    void record(const std::string& entry, const Reference& tag, PruneAction action, std::string message = {},
                manifest::Digest digest = {}) {
        out.push_back(PruneOutcome{entry, tag, action, std::move(digest), std::move(message)});
    }

    /// Deletes the candidates of one repository.
    void prune_repository(const std::string& entry, const std::vector<Reference>& candidates) {
        const Reference& first = candidates.front();
        auto client = clients.get(first.registry);
        if (!client) {
            for (const auto& c : candidates) record(entry, c, PruneAction::Failed, client.error().message);
            return;
        }
        auto& mode = hosts[first.registry];
        std::vector<Reference> by_digest;
        for (const auto& c : candidates) {
            if (mode == TagDelete::Disabled) {
                record(entry, c, PruneAction::Unsupported, "deletes are disabled on " + c.registry);
                continue;
            }
            if (mode == TagDelete::ByDigestOnly) {
                by_digest.push_back(c);
                continue;
            }
            auto deleted = (*client)->delete_manifest(c.repository, *c.tag);
            if (deleted) {
                mode = TagDelete::Supported;
                record(entry, c, PruneAction::Pruned);
            } else if (deleted.error().http_status == 405 || deleted.error().registry_code == "UNSUPPORTED") {
                mode = TagDelete::Disabled;
                core::log::warn("prune: {} does not allow deletes ({}); nothing is pruned there", c.registry,
                                deleted.error().message);
                record(entry, c, PruneAction::Unsupported, "deletes are disabled on " + c.registry);
            } else if (deleted.error().http_status == 400 && deleted.error().registry_code == "DIGEST_INVALID") {
                // docker-registry 2.8 takes only digests in a manifest DELETE.
                mode = TagDelete::ByDigestOnly;
                by_digest.push_back(c);
            } else {
                record(entry, c, PruneAction::Failed, deleted.error().message);
            }
        }
        if (!by_digest.empty()) prune_by_digest(entry, **client, by_digest);
    }

    /// Deletes candidates through their digests, sparing digests that a kept tag shares.
    void prune_by_digest(const std::string& entry, registry::Client& client, const std::vector<Reference>& candidates) {
        const Reference& repo = candidates.front();
        auto tags = client.list_tags(repo.repository);
        if (!tags) {
            for (const auto& c : candidates) record(entry, c, PruneAction::Failed, tags.error().message);
            return;
        }
        std::set<std::string> doomed;
        for (const auto& c : candidates) doomed.insert(*c.tag);
        std::set<std::string> kept_digests;
        std::map<std::string, manifest::Digest> digest_of;
        for (const auto& tag : *tags) {
            auto head = client.head_manifest(repo.repository, tag);
            if (!head || !*head) {
                if (!doomed.contains(tag))  // an unknown kept tag could share any digest
                    return fail_all(entry, candidates, "cannot resolve kept tag " + tag + "; nothing pruned here");
                continue;
            }
            if (doomed.contains(tag)) digest_of[tag] = (*head)->digest;
            else kept_digests.insert((*head)->digest.str());
        }
        std::set<std::string> deleted;
        for (const auto& c : candidates) {
            const auto it = digest_of.find(*c.tag);
            if (it == digest_of.end()) {
                record(entry, c, PruneAction::Failed, "tag vanished before it could be resolved");
            } else if (kept_digests.contains(it->second.str())) {
                record(entry, c, PruneAction::CannotUntag,
                       "cannot untag on this registry: a kept tag points at the same digest " + it->second.str(),
                       it->second);
            } else if (deleted.contains(it->second.str())) {
                record(entry, c, PruneAction::Pruned, {}, it->second);  // went with an earlier tag of its digest
            } else if (auto st = client.delete_manifest(c.repository, it->second.str()); st) {
                deleted.insert(it->second.str());
                record(entry, c, PruneAction::Pruned, {}, it->second);
            } else {
                record(entry, c, PruneAction::Failed, st.error().message, it->second);
            }
        }
    }

    void fail_all(const std::string& entry, const std::vector<Reference>& candidates, const std::string& why) {
        for (const auto& c : candidates) record(entry, c, PruneAction::Failed, why);
    }
};

bool wanted(const std::vector<std::string>& only, const std::string& name) {
    return only.empty() || std::find(only.begin(), only.end(), name) != only.end();
}

}  // namespace

std::string_view to_string(PruneAction action) {
    switch (action) {
        case PruneAction::Pruned: return "pruned";
        case PruneAction::WouldPrune: return "would prune";
        case PruneAction::CannotUntag: return "cannot untag";
        case PruneAction::Refused: return "refused";
        case PruneAction::Unsupported: return "unsupported";
        case PruneAction::Failed: return "failed";
    }
    return "failed";
}

PruneCandidates prune_candidates(const plan::SyncEntry& entry, const std::vector<MappedRepository>& repositories,
                                 const std::map<std::string, std::vector<std::string>>& listed,
                                 const std::set<std::string>& written) {
    PruneCandidates out;
    out.entry = entry.name;
    std::set<std::string> seen;
    for (const auto& mapped : repositories) {
        if (mapped.entry != entry.name || !seen.insert(repo_key(mapped.target)).second) continue;
        const auto tags = listed.find(repo_key(mapped.target));
        if (tags == listed.end()) continue;
        for (const auto& tag : tags->second) {
            if (referrers::parse_artifact_tag(tag)) continue;
            ++out.target_tags;
            const Reference ref = mapped.target.with_tag(tag);
            if (written.contains(ref.str())) continue;
            // The second guard: a delete outside the entry's target is never issued.
            if (auto within = check_within_target(entry, ref); !within) out.outside.emplace_back(ref, within.error().message);
            else out.tags.push_back(ref);
        }
    }
    return out;
}

std::vector<PruneOutcome> prune_plan(const plan::Plan& plan, registry::ClientPool& clients, const Expansion& all,
                                     const PruneOptions& options) {
    std::vector<PruneOutcome> out;
    std::set<std::string> written;
    for (const auto& t : all.tasks) written.insert(t.target.str());
    Pruner pruner{clients, out, {}};
    for (const plan::SyncEntry& entry : plan.sync) {
        if (!entry.prune || entry.policy == plan::CopyPolicy::Immutable || !wanted(options.only, entry.name)) continue;
        if (!all.failures.empty()) {
            core::log::warn("prune: {}: not pruning: the plan's expansion had failures ({}), so some entry's tags are unknown",
                            entry.name, all.failures.front().error ? all.failures.front().error->message : "");
            continue;
        }
        std::map<std::string, std::vector<std::string>> listed;
        for (const auto& mapped : all.repositories) {
            if (mapped.entry != entry.name || listed.contains(repo_key(mapped.target))) continue;
            auto client = clients.get(mapped.target.registry);
            auto tags = client ? (*client)->list_tags(mapped.target.repository)
                               : core::Result<std::vector<std::string>>(std::unexpected(client.error()));
            if (tags) listed[repo_key(mapped.target)] = std::move(*tags);
            else if (tags.error().kind != core::ErrorKind::NotFound)
                core::log::warn("prune: {}: cannot list {}: {}; not pruning it", entry.name, repo_key(mapped.target),
                                tags.error().message);
        }
        auto candidates = prune_candidates(entry, all.repositories, listed, written);
        const std::size_t limit = entry.max_prune.for_tags(candidates.target_tags);
        if (candidates.tags.size() > limit) {
            const std::string why = std::to_string(candidates.tags.size()) + " tags to prune is over max_prune (" +
                                    std::to_string(limit) + " of " + std::to_string(candidates.target_tags) +
                                    " target tags): the entry's prune is refused";
            core::log::warn("prune: {}: {}", entry.name, why);
            for (const auto& c : candidates.tags) pruner.record(entry.name, c, PruneAction::Refused, why);
            continue;
        }
        std::map<std::string, std::vector<Reference>> by_repo;
        for (auto& [c, why] : candidates.outside) {
            core::log::warn("prune: {}", why);
            pruner.record(entry.name, c, PruneAction::Failed, why);
        }
        for (auto& c : candidates.tags) by_repo[repo_key(c)].push_back(std::move(c));
        for (const auto& [repo, tags] : by_repo) {
            if (options.dry_run) {
                for (const auto& c : tags) pruner.record(entry.name, c, PruneAction::WouldPrune);
            } else {
                pruner.prune_repository(entry.name, tags);
            }
        }
    }
    return out;
}

}  // namespace ferry::sync
