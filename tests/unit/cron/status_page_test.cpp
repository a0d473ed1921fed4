#include <catch2/catch.hpp>

#include "cron/status_page.hpp"

using namespace ferry::cron;
using nlohmann::json;

TEST_CASE("the status page shows jobs, runs, failed images and webhook events, escaped") {
    const json status = json::parse(R"({
      "plan": "/etc/ferry/plan.yaml", "generated": "2026-11-29T10:00:00Z",
      "jobs": [{"name": "nightly<script>", "schedule": "0 3 * * *", "time_zone": "utc", "running": false,
                "next_fire": "2026-11-30T03:00:00Z", "last_success": false, "last_end": "2026-11-29T03:00:09Z",
                "last_error": "1 of 3 images failed", "runs_succeeded": 4, "runs_failed": 1, "skipped_overlaps": 0}],
      "runs": [{"job": "nightly<script>", "trigger": "schedule", "started": "2026-11-29T03:00:00Z",
                "outcome": "failed", "seconds": 9.25,
                "images": {"new": 1, "changed": 0, "unchanged": 1, "failed": 1, "rejected": 0, "pruned": 2},
                "bytes": {"copied": 3145728, "mounted": 512},
                "errors": [{"image": "src/app:1 -> dst/app:1", "error": "GET blob: 500 <oops>"}]}],
      "webhooks": {"path": "/hooks/registry", "received": 3, "refused": 1,
                   "events": [{"time": "2026-11-29T09:59:58Z", "format": "distribution",
                               "event": "127.0.0.1:5106/app:2", "result": "queued",
                               "triggered": ["app: src/app:2 -> dst/app:2"], "notes": []}]}})");
    const std::string page = render_status_page(status, 7);
    CHECK_THAT(page, Catch::StartsWith("<!DOCTYPE html>"));
    CHECK_THAT(page, Catch::Contains("<meta http-equiv=\"refresh\" content=\"7\">"));
    CHECK_THAT(page, Catch::Contains("nightly&lt;script&gt;"));
    CHECK_THAT(page, !Catch::Contains("nightly<script>"));
    CHECK_THAT(page, Catch::Contains("GET blob: 500 &lt;oops&gt;"));
    CHECK_THAT(page, Catch::Contains("3.0 MiB"));
    CHECK_THAT(page, Catch::Contains("app: src/app:2 -&gt; dst/app:2"));
    CHECK_THAT(page, Catch::Contains("9.2 s"));
    // Self-contained: nothing is loaded from anywhere.
    CHECK_THAT(page, !Catch::Contains("src=") && !Catch::Contains("<link") && !Catch::Contains("@import"));
}

TEST_CASE("an empty document renders a page that says so") {
    const std::string page = render_status_page(json::object());
    CHECK_THAT(page, Catch::Contains("no scheduled jobs"));
    CHECK_THAT(page, Catch::Contains("no run has finished yet"));
    CHECK_THAT(page, Catch::Contains("webhooks are not configured"));
}
