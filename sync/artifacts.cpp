#include "sync/artifacts.hpp"

#include <algorithm>

#include "core/log.hpp"
#include "manifest/index.hpp"
#include "referrers/artifact_tags.hpp"
#include "verify/cosign.hpp"

namespace ferry::sync {
namespace {

/// Whether artifacts might hang off the children of `root`: some artifact tag names another
/// subject, or the tags are unknown, or the source answers the referrers API.
core::Result<bool> children_may_have_artifacts(const ImageTask& task, store::Store& source,
                                               const manifest::Digest& root) {
    if (!task.artifact_tags) return true;
    bool other_subject = std::any_of(task.artifact_tags->begin(), task.artifact_tags->end(), [&](const std::string& t) {
        auto parsed = referrers::parse_artifact_tag(t);
        return parsed && parsed->subject != root;
    });
    if (other_subject) return true;
    auto api = source.list_referrers(root);
    if (!api) return std::unexpected(api.error());
    return api->has_value();
}

/// Fills subjects.children from the state file or the source's root index (platform-filtered
/// like the image).
core::Status read_children(const ImageTask& task, store::Store& source, const TaskContext& ctx,
                           ArtifactSubjects& subjects) {
    subjects.children_known = true;
    if (auto cached = ctx.state.children_of(subjects.root, task.platforms)) {
        subjects.children = std::move(*cached);
        return {};
    }
    auto needed = children_may_have_artifacts(task, source, subjects.root);
    if (!needed) return std::unexpected(needed.error());
    if (!*needed) return {};
    auto root = source.get_manifest(subjects.root.str());
    if (!root) return std::unexpected(root.error());
    if (root->is_index()) {
        auto kept = manifest::filter_platforms(root->index(), task.platforms);
        if (!kept) return std::unexpected(kept.error());
        for (const auto& d : kept->manifests) subjects.children.push_back(d.digest);
    }
    ctx.state.remember_children(subjects.root, task.platforms, subjects.children);
    return {};
}

std::vector<manifest::Digest> subject_list(const ArtifactSubjects& subjects) {
    std::vector<manifest::Digest> list;
    if (subjects.root_kept) list.push_back(subjects.root);
    list.insert(list.end(), subjects.children.begin(), subjects.children.end());
    return list;
}

}  // namespace

bool passes_signature_gate(const ImageTask& task, store::Store& source, const TaskContext& ctx, TaskOutcome& out) {
    if (task.verify_key.empty()) return true;
    auto refuse = [&](core::ErrorKind kind, const std::string& why) {
        out.action = Action::Rejected;
        out.error = core::make_error(kind, task.source.str() + " (" + out.source_digest.str() + ") rejected: " + why);
        return false;
    };
    const auto key = ctx.keys ? ctx.keys->find(task.verify_key) : VerifyKeys::const_iterator{};
    if (!ctx.keys || key == ctx.keys->end()) {
        out.action = Action::Failed;
        out.error = core::make_error(core::ErrorKind::Config, "verify key " + task.verify_key.string() + " could not be loaded");
        return false;
    }
    auto verdict = verify::verify_cosign(source, out.source_digest, *key->second);
    if (!verdict) {
        out.action = Action::Failed;
        out.error = verdict.error().with_context("checking the signature of " + task.source.str());
        return false;
    }
    switch (verdict->outcome) {
        case verify::Outcome::Verified: return true;
        case verify::Outcome::Unsigned: return refuse(core::ErrorKind::NotFound, verdict->detail);
        case verify::Outcome::Invalid: return refuse(core::ErrorKind::Integrity, verdict->detail);
    }
    return refuse(core::ErrorKind::Internal, "unknown verdict");
}

void carry_artifacts(const ImageTask& task, store::Store& source, store::Store& target, ArtifactSubjects subjects,
                     const TaskContext& ctx, TaskOutcome& out) {
    if (task.referrers.none()) return;
    auto fail = [&](const core::Error& e) {
        out.action = Action::Failed;
        out.error = e.with_context("artifacts of " + task.source.str() + " -> " + task.target.str());
    };
    if (!subjects.children_known) {
        if (auto st = read_children(task, source, ctx, subjects); !st) return fail(st.error());
    } else if (!task.artifact_tags || !task.artifact_tags->empty()) {
        ctx.state.remember_children(subjects.root, task.platforms, subjects.children);
    }
    referrers::DiscoverOptions discover_options{task.referrers, task.artifact_tags.get()};
    auto found = referrers::discover(source, subject_list(subjects), discover_options);
    if (!found) return fail(found.error());
    if (found->empty()) return;
    referrers::CarryOptions options;
    options.jobs = task.jobs;
    options.retries = task.retries;
    options.dry_run = ctx.dry_run;
    options.ledger = &ctx.ledger;
    options.cancel = ctx.cancel;
    options.locks = &ctx.pushing;
    auto carried = referrers::carry(source, target, *found, options);
    if (!carried) return fail(carried.error());
    out.stats += carried->stats;
    out.artifacts = std::move(carried->artifacts);
    for (const auto& a : out.artifacts)
        if (a.action == referrers::ArtifactAction::Copied)
            core::log::debug("{}: {} {}", task.target.str(), ctx.dry_run ? "would copy" : "copied", a.artifact.describe());
}

}  // namespace ferry::sync
