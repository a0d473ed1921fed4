#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "plan/plan.hpp"

using namespace ferry::plan;

namespace {
const std::string kHead = "version: 1\nsync:\n  - {name: a, source: h.io/x, target: t.io/x}\n";

std::string errors_of(const std::string& yaml) {
    auto plan = parse_plan(kHead + yaml, "p.yaml");
    INFO(yaml);
    REQUIRE_FALSE(plan.has_value());
    return plan.error().message;
}
}  // namespace

TEST_CASE("webhooks: path and a token from the environment or a file") {
    setenv("FERRY_HOOK_TEST_TOKEN", "hook-secret-4711", 1);
    auto plan = parse_plan(kHead + "webhooks: {token_env: FERRY_HOOK_TEST_TOKEN}\n", "p.yaml");
    REQUIRE(plan);
    REQUIRE(plan->webhooks);
    CHECK(plan->webhooks->path == "/hooks/registry");
    CHECK(plan->webhooks->token == "hook-secret-4711");

    const auto dir = std::filesystem::temp_directory_path() / "ferry-plan-webhooks-test";
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "token") << "file-token-0815\n";
    auto from_file = parse_plan(kHead + "webhooks:\n  path: /hooks/harbor\n  token_file: token\n",
                                (dir / "plan.yaml").string());
    REQUIRE(from_file);
    CHECK(from_file->webhooks->path == "/hooks/harbor");
    CHECK(from_file->webhooks->token == "file-token-0815");
    CHECK_FALSE(parse_plan(kHead, "p.yaml")->webhooks);
}

TEST_CASE("webhooks: a token that cannot be read is no plan error, only the cron's (ferry sync runs without it)") {
    unsetenv("FERRY_HOOK_TEST_UNSET");
    auto plan = parse_plan(kHead + "webhooks: {token_env: FERRY_HOOK_TEST_UNSET}\n", "p.yaml");
    REQUIRE(plan);
    REQUIRE(plan->webhooks);
    CHECK(plan->webhooks->token.empty());
    CHECK(plan->webhooks->token_problem ==
          "p.yaml:4:23: webhooks.token_env: environment variable FERRY_HOOK_TEST_UNSET is not set or empty");
    auto missing_file = parse_plan(kHead + "webhooks: {token_file: /nonexistent/token}\n", "p.yaml");
    REQUIRE(missing_file);
    CHECK_THAT(missing_file->webhooks->token_problem, Catch::Contains("webhooks.token_file"));
}

TEST_CASE("webhooks: every mistake is located and no token is shown") {
    unsetenv("FERRY_HOOK_TEST_UNSET");
    CHECK(errors_of("webhooks: {path: /x}\n") ==
          "p.yaml:4:11: webhooks: missing token_env or token_file: webhooks are never accepted without a token");
    CHECK(errors_of("webhooks:\n  token: plain-text-token\n") ==
          "p.yaml:5:3: webhooks.token: tokens are not written into the plan; use token_env or token_file");
    setenv("FERRY_HOOK_TEST_TOKEN", "hook-secret-4711", 1);
    CHECK(errors_of("webhooks: {path: /status, token_env: FERRY_HOOK_TEST_TOKEN}\n") ==
          "p.yaml:4:18: webhooks.path: '/status' is served by the daemon itself; choose another path");
    CHECK(errors_of("webhooks: {path: 'hooks', token_env: FERRY_HOOK_TEST_TOKEN}\n") ==
          "p.yaml:4:18: webhooks.path: 'hooks' is not a URL path (starts with '/', no spaces, '?' or '#')");
    const auto both = errors_of("webhooks: {token_env: FERRY_HOOK_TEST_TOKEN, token_file: t, sender: x}\n");
    CHECK_THAT(both, Catch::Contains("give either token_env or token_file, not both"));
    CHECK_THAT(both, Catch::Contains("webhooks.sender"));
    CHECK_THAT(both, !Catch::Contains("hook-secret-4711"));
}

TEST_CASE("webhooks: debounce, 2 s by default, a duration up to 10m") {
    setenv("FERRY_HOOK_TEST_TOKEN", "hook-secret-4711", 1);
    auto plan = parse_plan(kHead + "webhooks: {token_env: FERRY_HOOK_TEST_TOKEN}\n", "p.yaml");
    REQUIRE(plan);
    CHECK(plan->webhooks->debounce == std::chrono::milliseconds(2000));
    auto set = parse_plan(kHead + "webhooks: {token_env: FERRY_HOOK_TEST_TOKEN, debounce: 500ms}\n", "p.yaml");
    REQUIRE(set);
    CHECK(set->webhooks->debounce == std::chrono::milliseconds(500));
    CHECK(errors_of("webhooks: {token_env: FERRY_HOOK_TEST_TOKEN, debounce: 11m}\n") ==
          "p.yaml:4:56: webhooks.debounce: expected a duration from 0 to 10m such as 2s or 500ms, got '11m'");
    CHECK_THAT(errors_of("webhooks: {token_env: FERRY_HOOK_TEST_TOKEN, debounce: soon}\n"), Catch::Contains("got 'soon'"));
}
