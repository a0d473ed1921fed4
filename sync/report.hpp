#pragma once
/// What a sync or plan run did, for people (text) and machines (JSON report).
/// Contains references and digests only: never credentials. Every text line is written with
/// its control characters escaped (core::escape_control): a registry's message or a name
/// cannot forge a line or colour the terminal.
#include <cstdint>
#include <iosfwd>
#include <nlohmann/json.hpp>
#include <string>

#include "sync/runner.hpp"

namespace ferry::sync {

/// The run's counts (RunResult::summary).
Summary summarize(const RunResult& result);

/// The JSON report {"images": [...], "plan", "dryRun", "seconds", "summary", "filtered": [...],
/// "pruned": [{entry, target, action, digest, message}], "hosts": [...], "warnings": [...]},
/// written while the run goes on: add() writes one image (one line, in the order given),
/// finish() the rest. Nothing of it is held, so 100,000 images cost no more than ten.
class ReportWriter {
public:
    ReportWriter(std::ostream& out, bool dry_run);
    void add(const TaskOutcome& outcome);
    /// Closes the document; the keys of `extra` (an object, or null) follow the run's own
    /// (`ferry plan` adds its "manifests").
    void finish(const RunResult& result, const std::string& plan_file, const nlohmann::json& extra = nullptr);

private:
    std::ostream& out_;
    bool dry_run_;
    bool first_ = true;
};

/// One line for an image ("alpine: 127.0.0.1:5101/corpus/alpine:3.19 -> … new sha256:… (…)").
std::string describe_outcome(const TaskOutcome& outcome);

/// `ferry plan` text, written while the run goes on: add() prints an image's line (after its
/// entry's heading when the entry changes), finish() the filtered tags (each one with
/// `list_filtered`, else a count per entry) and the totals.
class PlanTextWriter {
public:
    explicit PlanTextWriter(std::ostream& out, bool list_filtered = false) : out_(out), list_filtered_(list_filtered) {}
    void add(const TaskOutcome& outcome);
    void finish(const RunResult& result);

private:
    std::ostream& out_;
    bool list_filtered_;
    std::string entry_;
};

/// One line per prune outcome ("  would prune  host/repo:tag (entry)", with the reason).
void print_prune_text(std::ostream& out, const RunResult& result);
/// The closing summary line(s) of a sync.
void print_summary_text(std::ostream& out, const RunResult& result, bool dry_run);

}  // namespace ferry::sync
