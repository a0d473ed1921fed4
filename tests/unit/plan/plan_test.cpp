#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "core/redact.hpp"
#include "plan/plan.hpp"

using namespace ferry::plan;
namespace fs = std::filesystem;

namespace {

/// The message of the Config error for `yaml`; fails the test if the plan is accepted.
std::string errors_of(const std::string& yaml) {
    auto plan = parse_plan(yaml, "p.yaml");
    INFO(yaml);
    REQUIRE_FALSE(plan.has_value());
    CHECK(plan.error().kind == ferry::core::ErrorKind::Config);
    return plan.error().message;
}

Plan parsed(const std::string& yaml, std::string_view file = "p.yaml") {
    auto plan = parse_plan(yaml, file);
    if (!plan) FAIL(plan.error().message);
    return *plan;
}

const std::string kHead = "version: 1\n";
const std::string kOneEntry = "sync:\n  - {name: a, source: h.io/x, target: t.io/x}\n";

}  // namespace

TEST_CASE("a good plan parses into typed entries with defaults applied") {
    Plan plan = parsed(kHead + R"(defaults:
  jobs: 3
  platforms: [linux/amd64]
  policy: missing
  referrers: none
registries:
  "127.0.0.1:5101": {tls: disabled, max_requests: 4, max_lookups: 8, requests_per_second: 2.5, mirrors: ["m.example.com:5000"]}
  index.docker.io: {tls: skip-verify, credentials: docker-config}
  "old.example:5000": {tls: insecure}
sync:
  - name: repo
    source: 127.0.0.1:5101/corpus/app
    target: 127.0.0.1:5102/mirror/app
    tags: {allow: ['^v?1'], deny: [rc], semver: "^1.0", newest: 2, include_prerelease: true}
  - name: image
    source: 127.0.0.1:5101/corpus/single:1.0
    target: 127.0.0.1:5102/mirror/single:stable
    platforms: all
    policy: immutable
    referrers: [signature, sbom, application/vnd.example+json]
    jobs: 9
  - name: ns
    source: 127.0.0.1:5101/corpus/*
    target: 127.0.0.1:5102/
    repos: {deny: ['^many-tags$']}
  - name: everything
    source: 127.0.0.1:5101/*
    target: 127.0.0.1:5102/all/
manifests:
  - target: 127.0.0.1:5102/app:1.0
    format: docker
    annotations: {a.b: c}
    images: [127.0.0.1:5101/app:1.0-amd64, {image: 127.0.0.1:5101/app:1.0-arm64, platform: linux/arm64}]
schedule:
  - {cron: "0 2 * * *", jobs: [repo, ns], jitter: 1m30s, run_at_start: yes, timezone: local}
  - {name: all, cron: "@hourly"}
)");
    CHECK(plan.defaults.jobs == 3);
    CHECK(plan.defaults.policy == CopyPolicy::Missing);
    CHECK(plan.defaults.referrers.none());
    CHECK(plan.defaults.retries == 5);

    const RegistryConfig* local = plan.registry("127.0.0.1:5101");
    REQUIRE(local != nullptr);
    CHECK(local->tls == TlsMode::Disabled);
    CHECK(local->max_requests == 4);
    CHECK(local->max_lookups == 8);
    CHECK(local->requests_per_second == 2.5);
    CHECK(local->mirrors == std::vector<std::string>{"m.example.com:5000"});
    REQUIRE(plan.registry("docker.io") != nullptr);
    CHECK(plan.registry("registry-1.docker.io")->credentials.source == Credentials::Source::DockerConfig);
    CHECK(plan.registry("docker.io")->tls == TlsMode::SkipVerify);
    CHECK(plan.registry("old.example:5000")->tls == TlsMode::Insecure);  // https unverified, else plain http
    CHECK(plan.registry("127.0.0.1:5102") == nullptr);

    REQUIRE(plan.sync.size() == 4);
    const SyncEntry& repo = plan.sync[0];
    CHECK(repo.source_kind == SourceKind::Repository);
    CHECK(repo.source.registry == "127.0.0.1:5101");
    CHECK(repo.source.repository == "corpus/app");
    CHECK_FALSE(repo.target_is_prefix);
    CHECK(repo.target.repository == "mirror/app");
    CHECK(repo.jobs == 3);
    CHECK(repo.policy == CopyPolicy::Missing);
    REQUIRE(repo.platforms.platforms.size() == 1);
    CHECK(repo.platforms.platforms[0].architecture == "amd64");
    REQUIRE(repo.tags.allow.size() == 1);
    CHECK(repo.tags.allow[0].text() == "^v?1");
    REQUIRE(repo.tags.semver.has_value());
    CHECK(repo.tags.semver->text() == "^1.0");
    CHECK(repo.tags.newest == 2);
    CHECK(repo.tags.include_prerelease);
    CHECK(select_tags({"1.0", "v1.1.0-rc1", "1.2.0", "2.0.0"}, repo.tags).selected ==
          (std::vector<std::string>{"1.0", "1.2.0"}));

    const SyncEntry& image = plan.sync[1];
    CHECK(image.source_kind == SourceKind::Image);
    CHECK(image.source.tag == "1.0");
    CHECK(image.target.tag == "stable");
    CHECK(image.platforms.all());
    CHECK(image.policy == CopyPolicy::Immutable);
    CHECK(image.referrers.signatures);
    CHECK(image.referrers.sboms);
    CHECK_FALSE(image.referrers.attestations);
    CHECK(image.referrers.artifact_types == std::vector<std::string>{"application/vnd.example+json"});
    CHECK(image.jobs == 9);

    const SyncEntry& ns = plan.sync[2];
    CHECK(ns.source_kind == SourceKind::Namespace);
    CHECK(ns.source.repository == "corpus");
    CHECK(ns.target_is_prefix);
    CHECK(ns.target.registry == "127.0.0.1:5102");
    CHECK(ns.target.repository.empty());
    REQUIRE(ns.repos.deny.size() == 1);
    CHECK(ns.repos.deny[0].matches("many-tags"));
    CHECK(plan.sync[3].source_kind == SourceKind::Registry);
    CHECK(plan.sync[3].source.registry == "127.0.0.1:5101");
    CHECK(plan.sync[3].target.repository == "all");
    CHECK(plan.entry("ns") == &plan.sync[2]);

    REQUIRE(plan.manifests.size() == 1);
    const ManifestEntry& m = plan.manifests[0];
    CHECK(m.target.tag == "1.0");
    CHECK(m.format == ManifestFormat::Docker);
    CHECK(m.annotations.at("a.b") == "c");
    REQUIRE(m.images.size() == 2);
    CHECK_FALSE(m.images[0].platform.has_value());
    REQUIRE(m.images[1].platform.has_value());
    CHECK(m.images[1].platform->str() == "linux/arm64/v8");
    CHECK_FALSE(m.ignore_missing);

    REQUIRE(plan.schedule.size() == 2);
    CHECK(plan.schedule[0].name == "schedule[0]");
    CHECK(plan.schedule[0].cron == "0 2 * * *");
    CHECK(plan.schedule[0].jobs == std::vector<std::string>{"repo", "ns"});
    CHECK(plan.schedule[0].jitter == std::chrono::seconds(90));
    CHECK(plan.schedule[0].run_at_start);
    CHECK(plan.schedule[0].timezone == ScheduleTimezone::Local);
    CHECK(plan.schedule[1].name == "all");
    CHECK(plan.schedule[1].jobs.size() == 4);
    CHECK(plan.schedule[1].timezone == ScheduleTimezone::Utc);
}

TEST_CASE("each problem is reported at its exact file:line:col") {
    struct Case {
        std::string yaml;
        std::string expected;
    };
    const Case cases[] = {
        {"version: 2\n" + kOneEntry, "p.yaml:1:10: version: unsupported plan version 2 (this ferry reads version 1)"},
        {kOneEntry, "p.yaml:1:1: missing required key 'version'"},
        {kHead + "defaults: {jobs: 0}\n" + kOneEntry, "p.yaml:2:18: defaults.jobs: must be at least 1, got 0"},
        {kHead + "defaults:\n  jobs: many\n" + kOneEntry, "p.yaml:3:9: defaults.jobs: expected an integer, got 'many'"},
        {kHead + "defaults:\n  jobs: [1]\n" + kOneEntry, "p.yaml:3:9: defaults.jobs: expected a string, got a list"},
        {kHead + "defaults: {policy: sometimes}\n" + kOneEntry,
         "p.yaml:2:20: defaults.policy: expected changed|missing|immutable, got 'sometimes'"},
        {kHead + "defaults: {platforms: [linux]}\n" + kOneEntry,
         "p.yaml:2:24: defaults.platforms[0]: "},
        {kHead + "defaults: {referrers: [signatures]}\n" + kOneEntry,
         "p.yaml:2:24: defaults.referrers[0]: expected signature, attestation, sbom or an artifact media type, got 'signatures'"},
        {kHead + "registries:\n  \"bad host!\": {tls: disabled}\n" + kOneEntry,
         "p.yaml:3:3: registries.bad host!: 'bad host!' is not a host[:port]"},
        {kHead + "registries:\n  h.io:\n    tls: off\n" + kOneEntry,
         "p.yaml:4:10: registries[\"h.io\"].tls: expected verify|disabled|skip-verify|insecure, got 'off'"},
        {kHead + "sync:\n  - name: a\n    source: h.io/x\n", "p.yaml:3:5: sync[0]: missing required key 'target'"},
        {kHead + "sync:\n  - {name: a, source: h.io/x, target: t.io/x, tags: {allow: ['([a-']}}\n",
         "p.yaml:3:62: sync[0].tags.allow[0]: invalid regular expression '([a-': "},
        {kHead + "sync:\n  - name: a\n    source: h.io/x\n    target: t.io/x\n    tags:\n      semver: '>=1 <x.y'\n",
         "p.yaml:7:15: sync[0].tags.semver: invalid semver range '>=1 <x.y': 'x.y' is not a version"},
        {kHead + "sync:\n  - {name: a, source: h.io/x, target: t.io/x, tags: {newest: 0}}\n",
         "p.yaml:3:62: sync[0].tags.newest: must be at least 1, got 0"},
        {kHead + "sync:\n  - {name: a, source: h.io/x, target: t.io/x, jobs: 0}\n",
         "p.yaml:3:53: sync[0].jobs: must be at least 1, got 0"},
        {kHead + "sync:\n  - {name: a, source: h.io/x, target: t.io/x, jobs: 65}\n",
         "p.yaml:3:53: sync[0].jobs: must be at most 64, got 65"},
        {kHead + "defaults: {jobs: 100}\n" + kOneEntry, "p.yaml:2:18: defaults.jobs: must be at most 64, got 100"},
        {kHead + "sync:\n  - {name: a, source: h.io/x, target: t.io/x}\n  - {name: a, source: h.io/y, target: t.io/y}\n",
         "p.yaml:4:12: sync[1].name: duplicate entry name 'a' (first used on line 3)"},
        {kHead + "sync:\n  - {name: a, source: h.io/ns/*, target: t.io/ns}\n",
         "p.yaml:3:42: sync[0].target: the target of a namespace source must be a prefix ending in '/'"},
        {kHead + "sync:\n  - {name: a, source: h.io/x, target: t.io/x:1.0}\n",
         "p.yaml:3:39: sync[0].target: a target tag is only allowed for an image source"},
        {kHead + "sync:\n  - {name: a, source: h.io/x:1, target: t.io/x, tags: {newest: 1}}\n",
         "p.yaml:3:49: sync[0].tags: tags apply to repository and namespace sources, not to one image"},
        {kHead + "sync:\n  - {name: a, source: h.io/x, target: t.io/x, repos: {deny: [y]}}\n",
         "p.yaml:3:47: sync[0].repos: repos apply only to namespace sources ('host/ns/*')"},
        {kHead + "sync:\n  - {name: a, source: h.io/*/x, target: t.io/}\n",
         "p.yaml:3:23: sync[0].source: '*' is only allowed as the last path component ('host/ns/*')"},
        {kHead + "sync:\n  - {name: 'a b', source: h.io/x, target: t.io/x}\n",
         "p.yaml:3:12: sync[0].name: 'a b' is not a valid name (letters, digits, '.', '_', '-')"},
        {kHead + "sync: {name: a}\n", "p.yaml:2:7: sync: expected a list, got a map"},
        {kHead + kOneEntry + "manifests:\n  - {target: t.io/m, images: [t.io/a:1]}\n",
         "p.yaml:5:14: manifests[0].target: the target of a manifest list must name a tag (and no digest)"},
        {kHead + kOneEntry + "manifests:\n  - {target: t.io/m:1, images: []}\n",
         "p.yaml:5:32: manifests[0].images: expected a non-empty list of images"},
        {kHead + kOneEntry + "manifests:\n  - target: t.io/m:1\n    images:\n      - {image: t.io/a:1, platform: linux}\n",
         "p.yaml:7:37: manifests[0].images[0].platform: invalid platform"},
        {kHead + kOneEntry + "schedule:\n  - {cron: '* * * * *', jobs: [a, b]}\n",
         "p.yaml:5:35: schedule[0].jobs[1]: no sync entry is named 'b'"},
        {kHead + kOneEntry + "schedule:\n  - {jobs: [a]}\n", "p.yaml:5:5: schedule[0]: missing required key 'cron'"},
        {kHead + kOneEntry + "schedule:\n  - {cron: '@daily', jitter: 5 minutes}\n",
         "p.yaml:5:30: schedule[0].jitter: expected a duration such as 30s, 5m or 1h30m, got '5 minutes'"},
        {kHead + kOneEntry + "schedule:\n  - {cron: '@daily', timezone: Europe/Paris}\n",
         "p.yaml:5:32: schedule[0].timezone: expected UTC|local, got 'Europe/Paris'"},
        {kHead + "sync:\n  - {name: a, source: h.io/x, target: [t.io/x]}\n",
         "p.yaml:3:39: sync[0].target: expected a string, got a list"},
        {kHead, "p.yaml:1:1: the plan has no 'sync' or 'manifests' entries: nothing to do"},
        {"version: 1\nsync: [\n", "p.yaml:3:1: YAML syntax error: "},
        {"- just\n- a list\n", "p.yaml:1:1: expected a map with 'version: 1' at the top of the plan"},
    };
    for (const Case& c : cases) {
        std::string message = errors_of(c.yaml);
        INFO("expected: " << c.expected);
        INFO("actual:   " << message);
        CHECK(message.rfind(c.expected, 0) == 0);
        CHECK(message.find('\n') == std::string::npos);  // exactly one problem
    }
}

TEST_CASE("unknown keys are rejected at every level, with a suggestion") {
    std::string message = errors_of(kHead + R"(defualts: {jobs: 2}
registries:
  h.io: {tls: disabled, insecure: true}
sync:
  - name: a
    source: h.io/x
    target: t.io/x
    tags: {allow: [x], fastCopy: true}
manifests:
  - {target: t.io/m:1, images: [{image: t.io/a:1, arch: arm64}]}
schedule:
  - {cron: '@daily', jobz: [a]}
)");
    CHECK(message ==
          "p.yaml:2:1: defualts: unknown key 'defualts' (did you mean 'defaults'?)\n"
          "p.yaml:4:25: registries[\"h.io\"].insecure: unknown key 'insecure' (expected one of: tls, ca_file, "
          "client_cert, client_key, credentials, mirrors, max_requests, max_lookups, requests_per_second, path_prefix, upload)\n"
          "p.yaml:9:24: sync[0].tags.fastCopy: unknown key 'fastCopy' (expected one of: allow, deny, semver, "
          "newest, include_prerelease)\n"
          "p.yaml:11:51: manifests[0].images[0].arch: unknown key 'arch' (expected one of: image, platform)\n"
          "p.yaml:13:22: schedule[0].jobz: unknown key 'jobz' (did you mean 'jobs'?)");
}

TEST_CASE("duplicate keys are errors") {
    std::string message = errors_of(kHead + "sync:\n  - name: a\n    name: b\n    source: h.io/x\n    target: t.io/x\n");
    CHECK(message == "p.yaml:4:5: sync[0].name: duplicate key 'name'");
}

TEST_CASE("all problems are collected, sorted by position") {
    std::string message = errors_of(kHead + R"(sync:
  - {name: a, source: h.io/x, target: t.io/x, jobs: -1}
  - {name: b, source: 'H.io/Bad', target: t.io/y, policy: never}
defaults: {retries: x}
)");
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start <= message.size()) {
        std::size_t end = message.find('\n', start);
        lines.push_back(message.substr(start, end - start));
        if (end == std::string::npos) break;
        start = end + 1;
    }
    REQUIRE(lines.size() == 4);
    CHECK(lines[0].rfind("p.yaml:3:53: sync[0].jobs:", 0) == 0);
    CHECK(lines[1].rfind("p.yaml:4:23: sync[1].source:", 0) == 0);
    CHECK(lines[2].rfind("p.yaml:4:59: sync[1].policy:", 0) == 0);
    CHECK(lines[3].rfind("p.yaml:5:21: defaults.retries:", 0) == 0);
}

TEST_CASE("environment variables are expanded in string values") {
    setenv("FERRY_PLAN_TEST_HOST", "127.0.0.1:5101", 1);
    setenv("FERRY_PLAN_TEST_JOBS", "6", 1);
    setenv("FERRY_PLAN_TEST_EMPTY", "", 1);
    unsetenv("FERRY_PLAN_TEST_UNSET");
    Plan plan = parsed(kHead + R"(defaults:
  jobs: ${FERRY_PLAN_TEST_JOBS}
sync:
  - name: a
    source: ${FERRY_PLAN_TEST_HOST}/corpus/${FERRY_PLAN_TEST_UNSET:-alpine}
    target: "${FERRY_PLAN_TEST_TARGET:-127.0.0.1:5102}/m/${FERRY_PLAN_TEST_EMPTY:-x}${FERRY_PLAN_TEST_EMPTY}y"
)");
    CHECK(plan.defaults.jobs == 6);
    CHECK(plan.sync[0].source.registry == "127.0.0.1:5101");
    CHECK(plan.sync[0].source.repository == "corpus/alpine");
    CHECK(plan.sync[0].target.repository == "m/xy");

    CHECK(errors_of(kHead + "sync:\n  - {name: a, source: 'h.io/${FERRY_PLAN_TEST_UNSET}', target: t.io/x}\n") ==
          "p.yaml:3:23: sync[0].source: environment variable FERRY_PLAN_TEST_UNSET is not set "
          "(use ${FERRY_PLAN_TEST_UNSET:-default} to give a default)");
    CHECK(errors_of(kHead + "sync:\n  - {name: a, source: 'h.io/${OOPS', target: t.io/x}\n") ==
          "p.yaml:3:23: sync[0].source: unterminated '${' in value");
    CHECK(errors_of(kHead + "sync:\n  - {name: a, source: 'h.io/${1X}', target: t.io/x}\n") ==
          "p.yaml:3:23: sync[0].source: invalid environment variable name '1X' in '${1X}'");
}

TEST_CASE("passwords are resolved at load time and never shown") {
    setenv("FERRY_PLAN_TEST_PASSWORD", "env-secret-value-123", 1);
    fs::path dir = fs::temp_directory_path() / "ferry-plan-test";
    fs::create_directories(dir);
    std::ofstream(dir / "pw") << "file-secret-value-456\n";
    std::ofstream(dir / "huge") << std::string(65 * 1024, 'x');
    Plan plan = parsed(kHead + kOneEntry + R"(registries:
  a.io: {credentials: {username: alice, password_env: FERRY_PLAN_TEST_PASSWORD}}
  b.io:
    credentials: {username: bob, password_file: pw}
)", (dir / "plan.yaml").string());
    CHECK(plan.registry("a.io")->credentials.source == Credentials::Source::Password);
    CHECK(plan.registry("a.io")->credentials.username == "alice");
    CHECK(plan.registry("a.io")->credentials.password == "env-secret-value-123");
    CHECK(plan.registry("b.io")->credentials.password == "file-secret-value-456");
    CHECK(ferry::core::redact("x env-secret-value-123 file-secret-value-456") == "x <redacted> <redacted>");

    unsetenv("FERRY_PLAN_TEST_NOPE");
    std::string message = errors_of(kHead + kOneEntry + R"(registries:
  a.io: {credentials: {username: a, password_env: FERRY_PLAN_TEST_NOPE}}
  b.io: {credentials: {username: b, password: hunter2-inline-pw}}
  c.io: {credentials: {username: c, password_file: /nonexistent/pw}}
  d.io: {credentials: {username: d, password_env: X, password_file: y}}
  e.io: {credentials: {username: e, password_file: )" + (dir / "huge").string() + R"(}}
)");
    INFO(message);
    CHECK(message.find("registries[\"e.io\"].credentials.password_file: '" + (dir / "huge").string() +
                       "' is larger than 64 KiB") != std::string::npos);
    CHECK(message.find("hunter2-inline-pw") == std::string::npos);
    CHECK(message.find("p.yaml:5:51: registries[\"a.io\"].credentials.password_env: environment variable "
                       "FERRY_PLAN_TEST_NOPE is not set or empty") != std::string::npos);
    CHECK(message.find("p.yaml:6:37: registries[\"b.io\"].credentials.password: passwords are not written into the plan")
          != std::string::npos);
    CHECK(message.find("p.yaml:7:52: registries[\"c.io\"].credentials.password_file: file '/nonexistent/pw' does not exist")
          != std::string::npos);
    CHECK(message.find("p.yaml:8:23: registries[\"d.io\"].credentials: give either password_env or password_file, not both")
          != std::string::npos);
    fs::remove_all(dir);
}

TEST_CASE("load_plan reads files and reports unreadable ones") {
    auto missing = load_plan("/nonexistent/plan.yaml");
    REQUIRE_FALSE(missing.has_value());
    CHECK(missing.error().kind == ferry::core::ErrorKind::Io);
    CHECK(missing.error().message.find("/nonexistent/plan.yaml") != std::string::npos);
}

TEST_CASE("config.example.yaml is a valid plan for the demo corpus") {
    fs::path example = fs::path(__FILE__).parent_path().parent_path().parent_path().parent_path() / "config.example.yaml";
    auto plan = load_plan(example);
    if (!plan) FAIL(plan.error().message);
    CHECK(plan->registry("127.0.0.1:5101")->tls == TlsMode::Disabled);
    CHECK(plan->registry("127.0.0.1:5102")->tls == TlsMode::Disabled);
    std::vector<SourceKind> kinds;
    for (const SyncEntry& e : plan->sync) kinds.push_back(e.source_kind);
    CHECK(std::count(kinds.begin(), kinds.end(), SourceKind::Image) == 1);
    CHECK(std::count(kinds.begin(), kinds.end(), SourceKind::Namespace) == 1);
    const SyncEntry* app = plan->entry("app-1.x");
    REQUIRE(app != nullptr);
    std::vector<std::string> app_tags = {"1.0.0", "1.1.0", "1.2.0-rc1", "2.0.0", "v2.1.0", "latest"};
    CHECK(select_tags(app_tags, app->tags).selected == std::vector<std::string>{"1.0.0", "1.1.0"});
    CHECK(select_tags(app_tags, plan->entry("app-newest")->tags).selected == std::vector<std::string>{"2.0.0", "v2.1.0"});
    const SyncEntry* corpus = plan->entry("corpus");
    REQUIRE(corpus != nullptr);
    REQUIRE(corpus->repos.deny.size() == 1);
    CHECK(corpus->repos.deny[0].matches("many-tags"));
    CHECK_FALSE(plan->manifests.empty());
    CHECK_FALSE(plan->schedule.empty());
}
