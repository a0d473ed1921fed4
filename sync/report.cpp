#include "sync/report.hpp"

#include <fmt/format.h>

#include <map>
#include <ostream>

#include "core/redact.hpp"
#include "core/text.hpp"
#include "core/units.hpp"

namespace ferry::sync {
namespace {


/// The one way a line of text output is written: control characters that came from outside
/// (a registry's message, a name) are shown escaped, never obeyed.
void put_line(std::ostream& out, std::string_view line) { out << core::escape_control(line) << '\n'; }

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

nlohmann::json image_json(const TaskOutcome& o, bool dry_run) {
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
                        {"stats", copy::to_json(o.stats)},
                        {"artifacts", artifacts_json(o, dry_run)}};
    if (o.error) {
        j["error"] = core::redact(o.error->message);
        j["errorKind"] = core::kind_name(o.error->kind);
    }
    return j;
}

nlohmann::json filtered_json(const FilteredImage& f) {
    return {{"entry", f.entry}, {"repository", f.repository}, {"tag", f.tag}, {"reason", f.reason}};
}

nlohmann::json pruned_json(const PruneOutcome& p) {
    return {{"entry", p.entry}, {"target", p.target.str()}, {"action", to_string(p.action)},
            {"digest", digest_or_empty(p.digest)}, {"message", core::redact(p.message)}};
}

nlohmann::json host_json(const registry::HostReport& h) {
    nlohmann::json j = {{"host", h.host}, {"quotaSpent", h.quota_spent}};
    if (h.rate_limit >= 0 || h.rate_remaining >= 0)
        j["rateLimit"] = {{"limit", h.rate_limit}, {"remaining", h.rate_remaining}, {"windowSeconds", h.rate_window_seconds}};
    if (!h.down.empty()) j["down"] = core::redact(h.down);
    return j;
}

}  // namespace

Summary summarize(const RunResult& result) { return result.summary; }

ReportWriter::ReportWriter(std::ostream& out, bool dry_run) : out_(out), dry_run_(dry_run) {
    out_ << "{\n  \"images\": [";
}

void ReportWriter::add(const TaskOutcome& outcome) {
    out_ << (first_ ? "\n    " : ",\n    ") << image_json(outcome, dry_run_).dump();
    first_ = false;
}

void ReportWriter::finish(const RunResult& result, const std::string& plan_file, const nlohmann::json& extra) {
    out_ << (first_ ? "],\n" : "\n  ],\n");  // the images, then the rest
    auto filtered = nlohmann::json::array();
    for (const auto& f : result.filtered) filtered.push_back(filtered_json(f));
    auto pruned = nlohmann::json::array();
    for (const auto& p : result.pruned) pruned.push_back(pruned_json(p));
    auto hosts = nlohmann::json::array();
    for (const auto& h : result.hosts) hosts.push_back(host_json(h));
    auto warnings = nlohmann::json::array();
    for (const auto& w : result.warnings) warnings.push_back(core::redact(w));
    const auto& s = result.summary;
    const nlohmann::json tail = {
        {"plan", plan_file},
        {"dryRun", dry_run_},
        {"seconds", std::chrono::duration<double>(result.duration).count()},
        {"summary", {{"images", s.images}, {"new", s.created}, {"changed", s.changed},
                     {"unchanged", s.unchanged}, {"conflicts", s.conflicts}, {"rejected", s.rejected}, {"failed", s.failed},
                     {"interrupted", s.interrupted}, {"artifactsCopied", s.artifacts_copied}, {"artifactsPresent", s.artifacts_present},
                     {"filtered", s.filtered}, {"pruned", s.pruned}, {"pruneSkipped", s.prune_skipped},
                     {"stats", copy::to_json(s.stats)}}},
        {"filtered", filtered},
        {"pruned", pruned},
        {"hosts", hosts},
        {"warnings", warnings}};
    const char* separator = "";
    for (const auto* part : {&tail, &extra}) {
        if (!part->is_object()) continue;
        for (const auto& [key, value] : part->items()) {
            out_ << separator << "  " << nlohmann::json(key).dump() << ": " << value.dump();
            separator = ",\n";
        }
    }
    out_ << "\n}\n";
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

void PlanTextWriter::add(const TaskOutcome& o) {
    if (o.task.entry != entry_) {
        entry_ = o.task.entry;
        put_line(out_, entry_ + ":");
    }
    std::string line = fmt::format("  {:<9} {} -> {}", to_string(o.action), o.task.source.str(), o.task.target.str());
    if (o.action == Action::New || o.action == Action::Changed) line += "  " + blob_line(o.stats);
    if (o.built_subset) line += "  (platform subset " + o.target_digest.short_str() + ")";
    if (o.error) line += "  " + core::redact(o.error->message);
    put_line(out_, line);
    for (const auto& a : o.artifacts) put_line(out_, fmt::format("    {:<7} {}", artifact_action(a, true), a.artifact.describe()));
}

void PlanTextWriter::finish(const RunResult& result) {
    if (list_filtered_) {
        for (const auto& f : result.filtered)
            put_line(out_, fmt::format("  filtered  {}:{} ({}): {}", f.repository, f.tag, f.entry, f.reason));
    } else {
        std::map<std::string, std::size_t> per_entry;  // in entry-name order
        for (const auto& f : result.filtered) ++per_entry[f.entry];
        for (const auto& [name, count] : per_entry)
            put_line(out_, fmt::format("  filtered  {} {} of entry {} (--verbose lists them)", count, count == 1 ? "tag" : "tags", name));
    }
    print_prune_text(out_, result);
    print_summary_text(out_, result, true);
}

void print_prune_text(std::ostream& out, const RunResult& result) {
    for (const auto& p : result.pruned) {
        std::string line = fmt::format("  {:<12} {} ({})", to_string(p.action), p.target.str(), p.entry);
        if (!p.message.empty()) line += ": " + core::redact(p.message);
        put_line(out, line);
    }
}

void print_summary_text(std::ostream& out, const RunResult& result, bool dry_run) {
    auto s = summarize(result);
    if (!result.pruned.empty())
        put_line(out, fmt::format("{}{} tags {}, {} not pruned", dry_run ? "plan: " : "sync: ", s.pruned,
                           dry_run ? "to prune" : "pruned", s.prune_skipped));
    put_line(out, fmt::format("{}{} {}: {} new, {} changed, {} unchanged, {} conflicts, {} rejected, {} failed, "
                       "{}{} filtered; artifacts: {} {}, {} present; blobs: {}; {}",
                       dry_run ? "plan: " : "sync: ", s.images, s.images == 1 ? "image" : "images", s.created, s.changed,
                       s.unchanged, s.conflicts, s.rejected, s.failed,
                       s.interrupted ? fmt::format("{} interrupted (rerun to finish), ", s.interrupted) : "", s.filtered,
                       s.artifacts_copied,
                       dry_run ? "to copy" : "copied", s.artifacts_present, blob_line(s.stats),
                       core::format_duration(result.duration)));
    // One line per shared cause (a host down, a spent rate limit) instead of one per image.
    for (const auto& [cause, count] : s.failure_causes)
        put_line(out, fmt::format("{}; {} image{} not synced", core::redact(cause), count, count == 1 ? "" : "s"));
}

}  // namespace ferry::sync
