#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "cron/job_report.hpp"

using namespace ferry::cron;
using namespace std::chrono;

namespace {

std::vector<JobState> sample_jobs() {
    JobState done;
    done.name = "night\"ly";
    done.schedule = "30 2 * * *";
    done.runs_started = 3;
    done.runs_succeeded = 2;
    done.runs_failed = 1;
    done.skipped_overlaps = 4;
    done.last_start = sys_days(year{2024} / 1 / 2) + hours{2} + minutes{30};
    done.last_end = *done.last_start + seconds{90};
    done.next_fire = sys_days(year{2024} / 1 / 3) + hours{2} + minutes{30};
    done.last_success = false;
    done.last_error = "pushing x: 500\nline2";
    JobState fresh;
    fresh.name = "fresh";
    fresh.schedule = "@hourly";
    fresh.zone = TimeZone::Local;
    fresh.running = true;
    return {done, fresh};
}

}  // namespace

TEST_CASE("job states as Prometheus text") {
    PrometheusText text;
    const auto jobs = sample_jobs();
    append_job_metrics(text, jobs);
    auto out = text.render();
    REQUIRE(out.has_value());
    CHECK_THAT(*out, Catch::Contains("# TYPE ferry_cron_job_runs_started_total counter\n"
                                     "ferry_cron_job_runs_started_total{job=\"night\\\"ly\"} 3\n"
                                     "ferry_cron_job_runs_started_total{job=\"fresh\"} 0\n"));
    CHECK_THAT(*out, Catch::Contains("ferry_cron_job_skipped_overlaps_total{job=\"night\\\"ly\"} 4\n"));
    CHECK_THAT(*out, Catch::Contains("ferry_cron_job_running{job=\"fresh\"} 1\n"));
    CHECK_THAT(*out, Catch::Contains("ferry_cron_job_last_success{job=\"night\\\"ly\"} 0\n"));
    CHECK_THAT(*out, Catch::Contains("ferry_cron_job_next_fire_timestamp_seconds{job=\"night\\\"ly\"} 1704249000\n"));
    CHECK_THAT(*out, !Catch::Contains("ferry_cron_job_last_success{job=\"fresh\"}"));
    CHECK_THAT(*out, !Catch::Contains("ferry_cron_job_last_end_timestamp_seconds{job=\"fresh\"}"));
}

TEST_CASE("job states as JSON") {
    const auto jobs = sample_jobs();
    const std::string json = job_states_json(jobs);
    CHECK_THAT(json, Catch::StartsWith(R"({"jobs":[{"name":"night\"ly","schedule":"30 2 * * *","time_zone":"utc",)"));
    CHECK_THAT(json, Catch::Contains(R"("runs_failed":1,"skipped_overlaps":4,"last_start":"2024-01-02T02:30:00Z",)"
                                     R"("last_end":"2024-01-02T02:31:30Z","next_fire":"2024-01-03T02:30:00Z",)"
                                     R"("last_success":false,"last_error":"pushing x: 500\nline2"})"));
    CHECK_THAT(json, Catch::EndsWith(R"("last_start":null,"last_end":null,"next_fire":null,"last_success":null,"last_error":""}]})"));
    CHECK(job_states_json({}) == R"({"jobs":[]})");
}

TEST_CASE("the example units' schedules parse") {
    const auto examples = std::filesystem::path(__FILE__).parent_path() / "../../../cron/examples";
    std::ifstream crontab(examples / "crontab");
    REQUIRE(crontab);
    int entries = 0;
    for (std::string line; std::getline(crontab, line);) {
        std::istringstream fields(line);
        std::string first;
        if (!(fields >> first) || first.starts_with('#') || first.find('=') != std::string::npos) continue;
        std::string rest[4];
        for (auto& f : rest) fields >> f;
        const std::string expr = first + " " + rest[0] + " " + rest[1] + " " + rest[2] + " " + rest[3];
        INFO(expr);
        CHECK(CronExpr::parse(expr).has_value());
        ++entries;
    }
    CHECK(entries == 1);
    std::ifstream cronjob(examples / "cronjob.yaml");
    std::string line;
    bool found = false;
    while (std::getline(cronjob, line)) {
        const auto key = line.find("schedule: \"");
        if (key == std::string::npos) continue;
        const auto start = key + 11;
        CHECK(CronExpr::parse(line.substr(start, line.find('"', start) - start)).has_value());
        found = true;
    }
    CHECK(found);
}
