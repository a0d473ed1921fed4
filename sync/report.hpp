#pragma once
/// What a sync or plan run did, for people (text) and machines (JSON report).
/// Contains references and digests only: never credentials.
#include <cstdint>
#include <iosfwd>
#include <nlohmann/json.hpp>
#include <string>

#include "sync/runner.hpp"

namespace ferry::sync {

struct Summary {
    std::size_t images = 0, created = 0, changed = 0, unchanged = 0, conflicts = 0, rejected = 0, failed = 0, filtered = 0;
    std::size_t interrupted = 0;  ///< stopped by SIGINT/SIGTERM before completion (not counted as failed)
    std::size_t artifacts_copied = 0, artifacts_present = 0;  ///< copied = would copy in a plan
    std::size_t pruned = 0;         ///< tags deleted (in a plan: that would be deleted)
    std::size_t prune_skipped = 0;  ///< prune candidates not deleted (refused, cannot untag, unsupported, failed)
    copy::CopyStats stats;
};

Summary summarize(const RunResult& result);

/// True for an image a stop signal cancelled: reported as interrupted, not failed.
bool interrupted(const TaskOutcome& outcome);

/// The JSON report: {"plan", "dryRun", "seconds", "summary", "images": [...], "filtered": [...],
/// "pruned": [{entry, target, action, digest, message}]}.
nlohmann::json report_json(const RunResult& result, const std::string& plan_file, bool dry_run);

/// One line for an image ("alpine: 127.0.0.1:5101/corpus/alpine:3.19 -> … new sha256:… (…)").
std::string describe_outcome(const TaskOutcome& outcome);

/// `ferry plan` text: per entry and tag, the action and the blobs it would move, then totals.
void print_plan_text(std::ostream& out, const RunResult& result, bool list_filtered = false);
/// One line per prune outcome ("  would prune  host/repo:tag (entry)", with the reason).
void print_prune_text(std::ostream& out, const RunResult& result);
/// The closing summary line(s) of a sync.
void print_summary_text(std::ostream& out, const RunResult& result, bool dry_run);

}  // namespace ferry::sync
