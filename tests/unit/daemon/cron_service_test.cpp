// daemon/: the cron service end to end on in-memory registries (a schedule's firings become
// runs, SIGHUP's reload, a failed reload kept out), and the webhook service's coalescing.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "daemon/cron_service.hpp"
#include "daemon/webhook_service.hpp"
#include "unit/sync/memory_registries.hpp"

using namespace ferry;
using namespace std::chrono_literals;
using ferry::testing::MemoryRegistries;
using ferry::testing::put_image;

namespace {

std::filesystem::path temp_dir() {
    auto dir = std::filesystem::temp_directory_path() / ("ferry-daemon-test-" + std::to_string(::getpid()) + "-" +
                                                         std::to_string(std::rand()));
    std::filesystem::create_directories(dir);
    return dir;
}

void write(const std::filesystem::path& file, const std::string& text) { std::ofstream(file) << text; }

std::string plan_text(const std::string& job_name, const std::string& cron) {
    return "version: 1\ndefaults: {referrers: none, jobs: 1}\nsync:\n"
           "  - {name: app, source: src.test/app, target: dst.test/app}\n"
           "schedule:\n  - {name: " + job_name + ", cron: \"" + cron + "\", jobs: [app]}\n";
}

/// Polls `predicate` for up to `timeout`.
template <class F>
bool eventually(F predicate, std::chrono::milliseconds timeout = 20s) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
        if (predicate()) return true;
        std::this_thread::sleep_for(50ms);
    }
    return predicate();
}

/// A CronService over `registries`, running on its own thread until the test ends.
struct Daemon {
    std::filesystem::path dir = temp_dir();
    std::filesystem::path plan_file = dir / "plan.yaml";
    std::unique_ptr<daemon::CronService> service;
    std::thread thread;
    core::Status result;

    Daemon(MemoryRegistries& registries, const std::string& plan) {
        write(plan_file, plan);
        auto loaded = daemon::load_cron_plan(plan_file.string(), {});
        REQUIRE(loaded);
        daemon::DaemonOptions options;
        options.plan_file = plan_file.string();
        options.registries = &registries;
        service = std::make_unique<daemon::CronService>(options, registry::ClientOptions{}, *loaded);
        thread = std::thread([this] { result = service->run(); });
    }
    ~Daemon() {
        service->request_stop();
        thread.join();
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }
    nlohmann::json runs() const { return service->status()["runs"]; }
};


/// A WebhookService over a plan with two images and the given debounce window, whose runs are
/// recorded (the images of each run) and take `run_time`.
struct Hooked {
    std::shared_ptr<plan::Plan> plan;
    daemon::RunHistory history;
    std::mutex mutex;
    std::vector<std::vector<std::string>> runs;  ///< the source refs of each run
    std::unique_ptr<daemon::WebhookService> service;
    cron::PostRoute route;

    explicit Hooked(std::chrono::milliseconds run_time, const std::string& debounce = "300ms") {
        ::setenv("FERRY_TEST_HOOK_TOKEN", "hook-token-for-the-unit-test", 1);
        plan = std::make_shared<plan::Plan>(ferry::testing::plan_of("webhooks: {token_env: FERRY_TEST_HOOK_TOKEN, debounce: " +
                                                                    debounce + "}\n" + R"(sync:
  - {name: app, source: src.test/app, target: dst.test/app}
  - {name: web, source: src.test/web, target: dst.test/web}
)"));
        daemon::WebhookService::Hooks hooks;
        hooks.plan = [p = plan] { return std::shared_ptr<const plan::Plan>(p); };
        hooks.list_tags = [](const std::string&, const std::string&) -> core::Result<std::vector<std::string>> {
            return std::vector<std::string>{"1"};
        };
        hooks.run = [this, run_time](std::vector<sync::ImageTask> tasks, core::CancellationToken&) {
            std::vector<std::string> refs;
            for (const auto& t : tasks) refs.push_back(t.source.str());
            {
                std::lock_guard lock(mutex);
                runs.push_back(std::move(refs));
            }
            std::this_thread::sleep_for(run_time);
        };
        service = std::make_unique<daemon::WebhookService>(std::move(hooks), history);
        route = service->route(*plan->webhooks);
    }
    ~Hooked() { service->stop(); }

    int post(const std::string& repository, const std::string& token = "hook-token-for-the-unit-test") {
        const std::string body = R"({"events":[{"id":"1","action":"push","target":{
            "mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:aaa","repository":")" +
                                 repository + R"(","tag":"1","url":"http://src.test/v2/x/manifests/sha256:aaa"},
            "request":{"host":"src.test"}}]})";
        cron::RequestHead head;
        head.method = "POST";
        head.path = plan->webhooks->path;
        head.headers = {{"authorization", "Bearer " + token}};
        if (route.admit)
            if (auto refused = route.admit(head)) return refused->status;
        return route.handle(head, body).status;
    }
    std::vector<std::vector<std::string>> runs_so_far() {
        std::lock_guard lock(mutex);
        return runs;
    }
};

}  // namespace

TEST_CASE("cron service: each firing of a schedule entry is a run of its sync entries") {
    MemoryRegistries registries;
    put_image(registries.repo("src.test", "app"), "app 1", "amd64", "1");
    put_image(registries.repo("src.test", "app"), "app 2", "amd64", "2");
    Daemon d(registries, plan_text("every-second", "* * * * * *"));
    REQUIRE(eventually([&] { return d.runs().size() >= 2; }));
    const auto runs = d.runs();
    const auto& first = runs.back();  // newest first
    CHECK(first["job"] == "every-second");
    CHECK(first["trigger"] == "schedule");
    CHECK(first["outcome"] == "succeeded");
    CHECK(first["images"]["new"] == 2);
    CHECK(runs.front()["images"]["unchanged"] == 2);
    CHECK(registries.repo("dst.test", "app").tags.size() == 2);
    const auto jobs = d.service->status()["jobs"];
    REQUIRE(jobs.size() == 1);
    CHECK(jobs[0]["runs_started"].get<int>() >= 2);
}

TEST_CASE("cron service: a reload applies a new schedule, and a broken plan is kept out and shown") {
    MemoryRegistries registries;
    put_image(registries.repo("src.test", "app"), "app 1", "amd64", "1");
    Daemon d(registries, plan_text("yearly", "0 0 1 1 *"));
    REQUIRE(eventually([&] { return d.service->status()["jobs"].size() == 1; }));
    CHECK(d.runs().empty());

    write(d.plan_file, plan_text("every-second", "* * * * * *"));
    d.service->request_reload();
    REQUIRE(eventually([&] { return !d.runs().empty(); }));
    CHECK(d.runs()[0]["job"] == "every-second");
    auto reload = d.service->status()["reload"];
    CHECK(reload["reloads"] == 1);
    CHECK(reload["failures"] == 0);
    CHECK(reload["error"].is_null());

    write(d.plan_file, plan_text("broken", "61 * * * *"));
    d.service->request_reload();
    REQUIRE(eventually([&] { return d.service->status()["reload"]["failures"] == 1; }));
    reload = d.service->status()["reload"];
    CHECK(reload["reloads"] == 1);
    CHECK_THAT(reload["error"].get<std::string>(), Catch::Contains("plan.yaml"));
    const auto before = d.runs().size();
    REQUIRE(eventually([&] { return d.runs().size() > before; }));  // the old schedule goes on
    CHECK(d.runs()[0]["job"] == "every-second");
}

TEST_CASE("webhook service: events for one image within the debounce window become one run") {
    // A window of 2 s (the default) holds the whole burst even on a slow, loaded machine (with
    // 300 ms, 500 posts under ASan once outlasted window and run, and a third run was right).
    Hooked h(200ms, "2s");
    for (int i = 0; i < 500; ++i) REQUIRE(h.post("app") == 202);
    REQUIRE(eventually([&] { return h.service->counts().coalesced + h.service->counts().runs_started == 500; }));
    std::this_thread::sleep_for(800ms);  // a run still to come would have started by now
    const auto counts = h.service->counts();
    CHECK(counts.received == 500);
    CHECK(counts.runs_started >= 1);
    CHECK(counts.runs_started <= 2);  // one for the burst, at most one more for events during it
    const auto runs = h.runs_so_far();
    CHECK(runs.size() == counts.runs_started);
    for (const auto& run : runs) CHECK(run == std::vector<std::string>{"src.test/app:1"});
}

TEST_CASE("webhook service: an event while its image runs makes one more run afterwards, never more") {
    Hooked h(600ms);
    REQUIRE(h.post("app") == 202);
    REQUIRE(eventually([&] { return h.runs_so_far().size() == 1; }));
    for (int i = 0; i < 50; ++i) REQUIRE(h.post("app") == 202);  // all while the first run lasts
    REQUIRE(eventually([&] { return h.runs_so_far().size() == 2; }));
    std::this_thread::sleep_for(1500ms);  // a third run would have started by now
    const auto runs = h.runs_so_far();
    CHECK(runs.size() == 2);
    for (const auto& run : runs) CHECK(run == std::vector<std::string>{"src.test/app:1"});
}

TEST_CASE("webhook service: events for two images are not coalesced into each other") {
    Hooked h(50ms);
    REQUIRE(h.post("app") == 202);
    REQUIRE(h.post("web") == 202);
    REQUIRE(eventually([&] {
        std::set<std::string> seen;
        for (const auto& run : h.runs_so_far()) seen.insert(run.begin(), run.end());
        return seen == std::set<std::string>{"src.test/app:1", "src.test/web:1"};
    }));
    CHECK(h.service->counts().received == 2);
    CHECK(h.service->counts().coalesced == 0);
}

TEST_CASE("webhook service: a wrong token is refused and runs nothing") {
    Hooked h(50ms);
    CHECK(h.post("app", "not-the-token") == 401);
    std::this_thread::sleep_for(600ms);  // past the debounce window
    CHECK(h.runs_so_far().empty());
    CHECK(h.service->counts().received == 0);
}

TEST_CASE("webhook service: an event for an image no entry covers runs nothing") {
    Hooked h(50ms);
    CHECK(h.post("other") == 202);
    std::this_thread::sleep_for(600ms);
    CHECK(h.runs_so_far().empty());
}
