#include "sync/report.hpp"

#include <fmt/format.h>

#include <ostream>

#include "core/redact.hpp"
#include "core/units.hpp"

namespace ferry::sync {
namespace {

nlohmann::json stats_json(const copy::CopyStats& s) {
    return {{"blobsCopied", s.blobs_copied},   {"blobsMounted", s.blobs_mounted},
            {"blobsSkipped", s.blobs_skipped}, {"bytesCopied", s.bytes_copied},
            {"bytesMounted", s.bytes_mounted}, {"bytesSkipped", s.bytes_skipped},
            {"manifestsPushed", s.manifests_pushed}, {"manifestsSkipped", s.manifests_skipped}};
}

std::string digest_or_empty(const manifest::Digest& d) { return d.empty() ? "" : d.str(); }

std::string blob_line(const copy::CopyStats& s) {
    return fmt::format("copy {} ({}), mount {} ({}), skip {} ({})", s.blobs_copied,
                       core::format_bytes(s.bytes_copied), s.blobs_mounted,
                       core::format_bytes(s.bytes_mounted), s.blobs_skipped,
                       core::format_bytes(s.bytes_skipped));
}

}  // namespace

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
            case Action::Failed: ++s.failed; break;
        }
        s.stats += o.stats;
    }
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
                            {"stats", stats_json(o.stats)}};
        if (o.error) {
            j["error"] = core::redact(o.error->message);
            j["errorKind"] = core::kind_name(o.error->kind);
        }
        images.push_back(std::move(j));
    }
    nlohmann::json filtered = nlohmann::json::array();
    for (const auto& f : result.filtered)
        filtered.push_back({{"entry", f.entry}, {"repository", f.repository}, {"tag", f.tag}, {"reason", f.reason}});
    return {{"plan", plan_file},
            {"dryRun", dry_run},
            {"seconds", std::chrono::duration<double>(result.duration).count()},
            {"summary", {{"images", s.images}, {"new", s.created}, {"changed", s.changed},
                         {"unchanged", s.unchanged}, {"conflicts", s.conflicts}, {"failed", s.failed},
                         {"filtered", s.filtered}, {"stats", stats_json(s.stats)}}},
            {"images", images},
            {"filtered", filtered}};
}

std::string describe_outcome(const TaskOutcome& o) {
    std::string line = fmt::format("{}: {} -> {} {}", o.task.entry, o.task.source.str(),
                                   o.task.target.str(), to_string(o.action));
    if (!o.target_digest.empty()) line += " " + o.target_digest.short_str();
    if (o.built_subset) line += " (platform subset)";
    if (o.action == Action::New || o.action == Action::Changed)
        line += fmt::format(" [{}; {}]", blob_line(o.stats), core::format_duration(o.duration));
    if (o.error) line += ": " + core::redact(o.error->message);
    return line;
}

void print_plan_text(std::ostream& out, const RunResult& result) {
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
    }
    for (const auto& f : result.filtered)
        out << fmt::format("  filtered  {}:{} ({}): {}\n", f.repository, f.tag, f.entry, f.reason);
    print_summary_text(out, result, true);
}

void print_summary_text(std::ostream& out, const RunResult& result, bool dry_run) {
    auto s = summarize(result);
    out << fmt::format("{}{} images: {} new, {} changed, {} unchanged, {} conflicts, {} failed, {} filtered; "
                       "blobs: {}; {}\n",
                       dry_run ? "plan: " : "sync: ", s.images, s.created, s.changed, s.unchanged,
                       s.conflicts, s.failed, s.filtered, blob_line(s.stats),
                       core::format_duration(result.duration));
}

}  // namespace ferry::sync
