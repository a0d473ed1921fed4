#include "cron/job_report.hpp"

#include <chrono>
#include <optional>

#include <fmt/format.h>

#include "core/units.hpp"

namespace ferry::cron {
namespace {

using std::chrono::system_clock;

double unix_seconds(system_clock::time_point t) {
    return std::chrono::duration<double>(t.time_since_epoch()).count();
}

std::string json_string(std::string_view text) {
    std::string out = "\"";
    for (unsigned char c : text) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (c < 0x20) out += fmt::format("\\u{:04x}", c);
                else out += static_cast<char>(c);
        }
    }
    return out + '"';
}

std::string json_time(const std::optional<system_clock::time_point>& t) {
    return t ? "\"" + core::format_rfc3339(*t) + "\"" : "null";
}

std::string job_json(const JobState& job) {
    const std::string success = job.last_success ? (*job.last_success ? "true" : "false") : "null";
    return fmt::format(
        R"({{"name":{},"schedule":{},"time_zone":"{}","running":{},"runs_started":{},)"
        R"("runs_succeeded":{},"runs_failed":{},"skipped_overlaps":{},"last_start":{},)"
        R"("last_end":{},"next_fire":{},"last_success":{},"last_error":{}}})",
        json_string(job.name), json_string(job.schedule), job.zone == TimeZone::Utc ? "utc" : "local",
        job.running, job.runs_started, job.runs_succeeded, job.runs_failed, job.skipped_overlaps,
        json_time(job.last_start), json_time(job.last_end), json_time(job.next_fire), success,
        json_string(job.last_error));
}

}  // namespace

void append_job_metrics(PrometheusText& out, std::span<const JobState> jobs) {
    using enum MetricType;
    for (const JobState& job : jobs) {
        const Labels labels{{"job", job.name}};
        auto add = [&](std::string_view name, MetricType type, std::string_view help, double value) {
            out.add(name, type, help, labels, value);
        };
        auto add_time = [&](std::string_view name, std::string_view help,
                            const std::optional<system_clock::time_point>& t) {
            out.family(name, Gauge, help);  // keep family order stable even without samples
            if (t) add(name, Gauge, help, unix_seconds(*t));
        };
        add("ferry_cron_job_runs_started_total", Counter, "Runs started.", double(job.runs_started));
        add("ferry_cron_job_runs_succeeded_total", Counter, "Runs that succeeded.", double(job.runs_succeeded));
        add("ferry_cron_job_runs_failed_total", Counter, "Runs that failed.", double(job.runs_failed));
        add("ferry_cron_job_skipped_overlaps_total", Counter,
            "Firings skipped because the previous run was still going.", double(job.skipped_overlaps));
        add("ferry_cron_job_running", Gauge, "1 while a run is in progress.", job.running ? 1 : 0);
        out.family("ferry_cron_job_last_success", Gauge, "1 if the last run succeeded, 0 if it failed.");
        if (job.last_success) {
            add("ferry_cron_job_last_success", Gauge, "", *job.last_success ? 1 : 0);
        }
        add_time("ferry_cron_job_last_start_timestamp_seconds", "Start of the last run, Unix time.", job.last_start);
        add_time("ferry_cron_job_last_end_timestamp_seconds", "End of the last run, Unix time.", job.last_end);
        add_time("ferry_cron_job_next_fire_timestamp_seconds", "Next scheduled firing, Unix time.", job.next_fire);
    }
}

std::string job_states_json(std::span<const JobState> jobs) {
    std::string out = R"({"jobs":[)";
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        if (i) out += ',';
        out += job_json(jobs[i]);
    }
    return out + "]}";
}

}  // namespace ferry::cron
