#include "sync/report.hpp"

#include <map>

#include <fmt/format.h>

#include <map>
#include <ostream>

#include "core/redact.hpp"
#include "core/units.hpp"
#include "http/warnings.hpp"

namespace ferry::sync {
namespace {

nlohmann::json stats_json(const copy::CopyStats& s) {
    return {{"blobsCopied", s.blobs_copied},   {"blobsMounted", s.blobs_mounted},
            {"blobsSkipped", s.blobs_skipped}, {"bytesCopied", s.bytes_copied},
            {"bytesMounted", s.bytes_mounted}, {"bytesSkipped", s.bytes_skipped},
            {"manifestsPushed", s.manifests_pushed}, {"manifestsSkipped", s.manifests_skipped}};
}

std::string digest_or_empty(const manifest::Digest& d) { return d.empty() ? "" : d.str(); }

std::string_view artifact_action(const referrers::ArtifactOutcome& a, bool dry_run) {
    if (a.action == referrers::ArtifactAction::Present) return "present";
    return dry_run ? "copy" : "copied";
}

nlohmann::json artifacts_json(const TaskOutcome& o, bool dry_run) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& a : o.artifacts) {
        nlohmann::json j = {{"subject", a.artifact.subject.str()},
                            {"kind", referrers::to_string(a.artifact.category)},
                            {"action", artifact_action(a, dry_run)}};
        if (a.artifact.is_tag()) j["tag"] = a.artifact.tag;
        else j["digest"] = a.artifact.descriptor.digest.str();
        if (!a.artifact.descriptor.artifact_type.empty()) j["artifactType"] = a.artifact.descriptor.artifact_type;
        list.push_back(std::move(j));
    }
    return list;
}

std::string blob_line(const copy::CopyStats& s) {
    return fmt::format("copy {} ({}), mount {} ({}), skip {} ({})", s.blobs_copied,
                       core::format_bytes(s.bytes_copied), s.blobs_mounted,
                       core::format_bytes(s.bytes_mounted), s.blobs_skipped,
                       core::format_bytes(s.bytes_skipped));
}

}  // namespace

bool interrupted(const TaskOutcome& o) {
    return o.action == Action::Failed && o.error && o.error->kind == core::ErrorKind::Cancelled;
}

Summary summarize(const RunResult& result) {
    Summary s;
    s.filtered = result.filtered.size();
    for (const auto& o : result.outcomes) {
        ++s.images;
        switch (o.action) {
            case Action::New: ++s.created; break;
            case Action::Changed: ++s.changed; break;
            case Action::Unchanged: ++s.unchanged; break;
            case Action::Conflict: ++s.conflicts; break;
            case Action::Rejected: ++s.rejected; break;
            case Action::Failed: ++(interrupted(o) ? s.interrupted : s.failed); break;
        }
        for (const auto& a : o.artifacts)
            ++(a.action == referrers::ArtifactAction::Copied ? s.artifacts_copied : s.artifacts_present);
        s.stats += o.stats;
    }
    for (const auto& p : result.pruned)
        ++(p.action == PruneAction::Pruned || p.action == PruneAction::WouldPrune ? s.pruned : s.prune_skipped);
    return s;
}

nlohmann::json report_json(const RunResult& result, const std::string& plan_file, bool dry_run) {
    auto s = summarize(result);
    nlohmann::json images = nlohmann::json::array();
    for (const auto& o : result.outcomes) {
        nlohmann::json j = {{"entry", o.task.entry},
                            {"source", o.task.source.str()},
                            {"sourceDigest", digest_or_empty(o.source_digest)},
                            {"sourceUsed", o.source_used},
                            {"target", o.task.target.str()},
                            {"targetDigest", digest_or_empty(o.target_digest)},
                            {"previousDigest", digest_or_empty(o.previous_digest)},
                            {"action", to_string(o.action)},
                            {"builtSubset", o.built_subset},
                            {"seconds", std::chrono::duration<double>(o.duration).count()},
                            {"stats", stats_json(o.stats)},
                            {"artifacts", artifacts_json(o, dry_run)}};
        if (o.error) {
            j["error"] = core::redact(o.error->message);
            j["errorKind"] = core::kind_name(o.error->kind);
        }
        images.push_back(std::move(j));
    }
    nlohmann::json filtered = nlohmann::json::array();
    for (const auto& f : result.filtered)
        filtered.push_back({{"entry", f.entry}, {"repository", f.repository}, {"tag", f.tag}, {"reason", f.reason}});
    nlohmann::json pruned = nlohmann::json::array();
    for (const auto& p : result.pruned)
        pruned.push_back({{"entry", p.entry}, {"target", p.target.str()}, {"action", to_string(p.action)},
                          {"digest", digest_or_empty(p.digest)}, {"message", core::redact(p.message)}});
    nlohmann::json hosts = nlohmann::json::array();
    for (const auto& h : result.hosts) {
        nlohmann::json j = {{"host", h.host}, {"quotaSpent", h.quota_spent}};
        if (h.rate_limit >= 0 || h.rate_remaining >= 0)
            j["rateLimit"] = {{"limit", h.rate_limit}, {"remaining", h.rate_remaining}, {"windowSeconds", h.rate_window_seconds}};
        if (!h.down.empty()) j["down"] = core::redact(h.down);
        hosts.push_back(std::move(j));
    }
    nlohmann::json warnings = nlohmann::json::array();
    for (const auto& w : http::warnings_seen()) warnings.push_back(core::redact(w));
    return {{"plan", plan_file},
            {"hosts", hosts},
            {"warnings", warnings},
            {"dryRun", dry_run},
            {"seconds", std::chrono::duration<double>(result.duration).count()},
            {"summary", {{"images", s.images}, {"new", s.created}, {"changed", s.changed},
                         {"unchanged", s.unchanged}, {"conflicts", s.conflicts}, {"rejected", s.rejected}, {"failed", s.failed},
                         {"interrupted", s.interrupted},
                         {"artifactsCopied", s.artifacts_copied}, {"artifactsPresent", s.artifacts_present},
                         {"filtered", s.filtered}, {"pruned", s.pruned}, {"pruneSkipped", s.prune_skipped},
                         {"stats", stats_json(s.stats)}}},
            {"images", images},
            {"filtered", filtered},
            {"pruned", pruned}};
}

std::string describe_outcome(const TaskOutcome& o) {
    std::string line = fmt::format("{}: {} -> {} {}", o.task.entry, o.task.source.str(), o.task.target.str(),
                                   interrupted(o) ? "interrupted" : to_string(o.action));
    if (interrupted(o)) return line;
    if (!o.target_digest.empty()) line += " " + o.target_digest.short_str();
    if (o.built_subset) line += " (platform subset)";
    if (o.action == Action::New || o.action == Action::Changed)
        line += fmt::format(" [{}; {}]", blob_line(o.stats), core::format_duration(o.duration));
    if (o.error) line += ": " + core::redact(o.error->message);
    return line;
}

void print_plan_text(std::ostream& out, const RunResult& result, bool list_filtered) {
    std::string entry;
    for (const auto& o : result.outcomes) {
        if (o.task.entry != entry) {
            entry = o.task.entry;
            out << entry << ":\n";
        }
        std::string line = fmt::format("  {:<9} {} -> {}", to_string(o.action), o.task.source.str(), o.task.target.str());
        if (o.action == Action::New || o.action == Action::Changed) line += "  " + blob_line(o.stats);
        if (o.built_subset) line += "  (platform subset " + o.target_digest.short_str() + ")";
        if (o.error) line += "  " + core::redact(o.error->message);
        out << line << "\n";
        for (const auto& a : o.artifacts)
            out << fmt::format("    {:<7} {}\n", artifact_action(a, true), a.artifact.describe());
    }
    if (list_filtered) {
        for (const auto& f : result.filtered)
            out << fmt::format("  filtered  {}:{} ({}): {}\n", f.repository, f.tag, f.entry, f.reason);
    } else {
        std::map<std::string, std::size_t> per_entry;  // in entry-name order
        for (const auto& f : result.filtered) ++per_entry[f.entry];
        for (const auto& [name, count] : per_entry)
            out << fmt::format("  filtered  {} {} of entry {} (--verbose lists them)\n", count, count == 1 ? "tag" : "tags", name);
    }
    print_prune_text(out, result);
    print_summary_text(out, result, true);
}

void print_prune_text(std::ostream& out, const RunResult& result) {
    for (const auto& p : result.pruned) {
        std::string line = fmt::format("  {:<12} {} ({})", to_string(p.action), p.target.str(), p.entry);
        if (!p.message.empty()) line += ": " + core::redact(p.message);
        out << line << "\n";
    }
}

void print_summary_text(std::ostream& out, const RunResult& result, bool dry_run) {
    auto s = summarize(result);
    if (!result.pruned.empty())
        out << fmt::format("{}{} tags {}, {} not pruned\n", dry_run ? "plan: " : "sync: ", s.pruned,
                           dry_run ? "to prune" : "pruned", s.prune_skipped);
    out << fmt::format("{}{} {}: {} new, {} changed, {} unchanged, {} conflicts, {} rejected, {} failed, "
                       "{}{} filtered; artifacts: {} {}, {} present; blobs: {}; {}\n",
                       dry_run ? "plan: " : "sync: ", s.images, s.images == 1 ? "image" : "images", s.created, s.changed, s.unchanged,
                       s.conflicts, s.rejected, s.failed,
                       s.interrupted ? fmt::format("{} interrupted (rerun to finish), ", s.interrupted) : "", s.filtered, s.artifacts_copied,
                       dry_run ? "to copy" : "copied", s.artifacts_present, blob_line(s.stats),
                       core::format_duration(result.duration));
    // One line per shared cause (a host down, a spent rate limit) instead of one per image.
    std::map<std::string, std::size_t> causes;
    for (const auto& o : result.outcomes)
        if (o.action == Action::Failed && o.error && !o.error->cause.empty()) ++causes[o.error->cause];
    for (const auto& [cause, count] : causes)
        out << fmt::format("{}; {} image{} not synced\n", core::redact(cause), count, count == 1 ? "" : "s");
}

}  // namespace ferry::sync
