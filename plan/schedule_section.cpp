#include "plan/schedule_section.hpp"

#include <algorithm>
#include <charconv>
#include <set>

#include "plan/plan_reader.hpp"

namespace ferry::plan::detail {
namespace {

void read_schedule_jobs(PlanReader& reader, const PlanNode& node, std::string_view path,
                        const std::vector<SyncEntry>& entries, ScheduleEntry& out) {
    if (!reader.sequence(node, path)) return;
    if (node.children.empty()) {
        reader.error(node.mark, path, "expected at least one sync entry name (leave the key out for all entries)");
    }
    for (std::size_t i = 0; i < node.children.size(); ++i) {
        std::string where = item_path(path, i);
        auto name = reader.text(node.children[i], where);
        if (!name) continue;
        bool known = std::any_of(entries.begin(), entries.end(), [&](const SyncEntry& e) { return e.name == *name; });
        if (!known) {
            reader.error(node.children[i].mark, where, "no sync entry is named '" + *name + "'");
        } else {
            out.jobs.push_back(*name);
        }
    }
}

void read_schedule_setting(PlanReader& reader, const PlanNode& child, std::string_view where, ScheduleEntry& out) {
    if (child.key == "name") {
        out.name = reader.text(child, where).value_or(out.name);
    } else if (child.key == "cron") {
        out.cron = reader.text(child, where).value_or("");
        if (out.cron.find_first_not_of(" \t") == std::string::npos && child.kind == PlanNode::Kind::Scalar) {
            reader.error(child.mark, where, "the cron expression is empty");
        }
    } else if (child.key == "jitter") {
        auto text = reader.text(child, where);
        if (!text) return;
        if (auto duration = parse_duration(*text)) {
            out.jitter = *duration;
        } else {
            reader.error(child.mark, where, "expected a duration such as 30s, 5m or 1h30m, got '" + *text + "'");
        }
    } else if (child.key == "run_at_start") {
        out.run_at_start = reader.boolean(child, where).value_or(false);
    } else if (child.key == "timezone") {
        if (auto which = reader.choice(child, where, {"UTC", "local"})) {
            out.timezone = *which == 0 ? ScheduleTimezone::Utc : ScheduleTimezone::Local;
        }
    }
}

}  // namespace

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
    if (text.empty()) return std::nullopt;
    if (text == "0") return std::chrono::milliseconds{0};
    static constexpr std::pair<std::string_view, long long> kUnits[] = {
        {"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}};
    long long total = 0;
    while (!text.empty()) {
        long long n = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
        if (ec != std::errc{} || n < 0) return std::nullopt;
        text.remove_prefix(static_cast<std::size_t>(end - text.data()));
        auto unit = std::find_if(std::begin(kUnits), std::end(kUnits),
                                 [&](const auto& u) { return text.starts_with(u.first); });
        if (unit == std::end(kUnits)) return std::nullopt;
        total += n * unit->second;
        text.remove_prefix(unit->first.size());
    }
    return std::chrono::milliseconds{total};
}

std::vector<ScheduleEntry> read_schedule(PlanReader& reader, const PlanNode& node, const std::vector<SyncEntry>& entries) {
    std::vector<ScheduleEntry> out;
    if (!reader.sequence(node, "schedule")) return out;
    std::set<std::string> names;
    for (std::size_t i = 0; i < node.children.size(); ++i) {
        const PlanNode& item = node.children[i];
        std::string path = item_path("schedule", i);
        ScheduleEntry entry;
        entry.name = path;
        if (!reader.map(item, path, {"name", "cron", "jobs", "jitter", "run_at_start", "timezone"})) continue;
        reader.require(item, path, "cron");
        for (const PlanNode& child : item.children) read_schedule_setting(reader, child, child_path(path, child.key), entry);
        if (const PlanNode* jobs = find(item, "jobs")) {
            read_schedule_jobs(reader, *jobs, child_path(path, "jobs"), entries, entry);
        } else {
            for (const SyncEntry& e : entries) entry.jobs.push_back(e.name);
        }
        if (!names.insert(entry.name).second) {
            reader.error(item.mark, child_path(path, "name"), "duplicate schedule name '" + entry.name + "'");
        }
        out.push_back(std::move(entry));
    }
    return out;
}

}  // namespace ferry::plan::detail
