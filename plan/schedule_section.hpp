#pragma once
/// The plan's `schedule:` section, run by `ferry cron`: when to run which sync entries.
/// Keys per entry: name, cron (the expression; parsed by the cron module), jobs (sync entry
/// names; all entries when absent), jitter (a duration), run_at_start, timezone (UTC|local).
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plan/sync_section.hpp"

namespace ferry::plan {

enum class ScheduleTimezone { Utc, Local };

struct ScheduleEntry {
    std::string name;  ///< as written, or "schedule[<index>]"; unique
    std::string cron;  ///< raw expression; parsed by the cron module
    std::vector<std::string> jobs;  ///< sync entry names (all entries when the key is absent)
    std::chrono::milliseconds jitter{0};
    bool run_at_start = false;
    ScheduleTimezone timezone = ScheduleTimezone::Utc;
};

namespace detail {

class PlanReader;
struct PlanNode;

/// Reads `schedule:`; every name in `jobs` must be one of `entries`.
std::vector<ScheduleEntry> read_schedule(PlanReader& reader, const PlanNode& node,
                                         const std::vector<SyncEntry>& entries);

/// "30s", "5m", "1h30m", "250ms", "0"; nullopt for anything else.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

}  // namespace detail
}  // namespace ferry::plan
