#include "referrers/carry.hpp"

#include <map>

#include "core/log.hpp"
#include "referrers/artifact_tags.hpp"
#include "referrers/fallback_index.hpp"

namespace ferry::referrers {
namespace {

copy::CopyOptions copy_options(const CarryOptions& options, std::string source_ref, std::optional<std::string> tag) {
    copy::CopyOptions o;
    o.source_ref = std::move(source_ref);
    o.target_tag = std::move(tag);
    o.jobs = options.jobs;
    o.retries = options.retries;
    o.dry_run = options.dry_run;
    o.ledger = options.ledger;
    o.cancel = options.cancel;
    return o;
}

/// A cosign tag: copied when the target's tag is absent or names another digest.
core::Result<std::optional<ArtifactAction>> carry_tag(store::Store& source, store::Store& target,
                                                      const Artifact& artifact, const CarryOptions& options,
                                                      copy::CopyStats& stats) {
    auto at_source = source.resolve(artifact.tag);
    if (!at_source) return std::unexpected(at_source.error());
    if (!*at_source) return std::optional<ArtifactAction>{};  // removed since the tag list was read
    auto at_target = target.resolve(artifact.tag);
    if (!at_target) return std::unexpected(at_target.error());
    if (*at_target && (*at_target)->digest == (*at_source)->digest) return std::optional(ArtifactAction::Present);
    auto copied = copy::copy_image(source, target, copy_options(options, (*at_source)->digest.str(), artifact.tag));
    if (!copied) return std::unexpected(copied.error());
    stats += copied->stats;
    return std::optional(ArtifactAction::Copied);
}

/// An OCI referrer: copied by digest when the target lacks it.
core::Result<ArtifactAction> carry_referrer(store::Store& source, store::Store& target, const Artifact& artifact,
                                            const CarryOptions& options, copy::CopyStats& stats) {
    const std::string digest = artifact.descriptor.digest.str();
    auto present = target.resolve(digest);
    if (!present) return std::unexpected(present.error());
    if (*present) return ArtifactAction::Present;
    auto copied = copy::copy_image(source, target, copy_options(options, digest, std::nullopt));
    if (!copied) return std::unexpected(copied.error());
    stats += copied->stats;
    return ArtifactAction::Copied;
}

/// On a target without the referrers API: adds `referrers` to the subject's fallback index.
core::Result<bool> update_fallback_index(store::Store& target, const manifest::Digest& subject,
                                         const std::vector<manifest::Descriptor>& referrers,
                                         const CarryOptions& options) {
    auto api = target.list_referrers(subject);
    if (!api) return std::unexpected(api.error());
    if (*api) return false;  // the target indexes referrers itself
    const std::string tag = fallback_tag(subject);
    std::unique_lock<std::mutex> held;
    if (options.locks) held = options.locks->lock(target.describe() + "#" + tag);
    std::optional<manifest::ParsedManifest> existing;
    if (auto current = target.get_manifest(tag)) {
        existing = std::move(*current);
    } else if (current.error().kind != core::ErrorKind::NotFound) {
        return std::unexpected(current.error());
    }
    auto merged = merge_fallback_index(existing, referrers);
    if (!merged) return std::unexpected(merged.error().with_context(target.describe() + " tag " + tag));
    if (!*merged) return false;
    if (options.dry_run) return true;
    if (auto st = target.put_manifest(**merged, tag); !st) return std::unexpected(st.error());
    core::log::debug("{}: referrers fallback tag {} now lists {} manifests", target.describe(), tag,
                     (*merged)->index().manifests.size());
    return true;
}

}  // namespace

core::Result<CarryResult> carry(store::Store& source, store::Store& target, const std::vector<Artifact>& artifacts,
                                const CarryOptions& options) {
    CarryResult result;
    std::map<manifest::Digest, std::vector<manifest::Descriptor>> referrers_by_subject;
    for (const auto& artifact : artifacts) {
        if (options.cancel && options.cancel->cancelled())
            return core::fail(core::ErrorKind::Cancelled, "cancelled before the artifacts were carried");
        auto fail = [&](const core::Error& e) { return std::unexpected(e.with_context(artifact.describe())); };
        if (artifact.is_tag()) {
            auto action = carry_tag(source, target, artifact, options, result.stats);
            if (!action) return fail(action.error());
            if (*action) result.artifacts.push_back({artifact, **action});
            continue;
        }
        auto action = carry_referrer(source, target, artifact, options, result.stats);
        if (!action) return fail(action.error());
        result.artifacts.push_back({artifact, *action});
        referrers_by_subject[artifact.subject].push_back(artifact.descriptor);
    }
    for (const auto& [subject, referrers] : referrers_by_subject) {
        auto written = update_fallback_index(target, subject, referrers, options);
        if (!written) return std::unexpected(written.error().with_context("referrers of " + subject.short_str()));
        result.fallback_indexes_written += *written ? 1 : 0;
    }
    return result;
}

}  // namespace ferry::referrers
