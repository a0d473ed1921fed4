#include <catch2/catch.hpp>
#include <yaml-cpp/yaml.h>

#include "convert/convert.hpp"
#include "convert/plan_writer.hpp"

using namespace ferry::convert;

TEST_CASE("regsync intervals become cron expressions only when they divide evenly") {
    CHECK(interval_as_cron("10s") == "*/10 * * * * *");
    CHECK(interval_as_cron("15m") == "0 */15 * * * *");
    CHECK(interval_as_cron("60m") == "0 0 */1 * * *");
    CHECK(interval_as_cron("6h") == "0 0 */6 * * *");
    CHECK(interval_as_cron("24h") == "0 0 0 * * *");
    CHECK_FALSE(interval_as_cron("7m"));
    CHECK_FALSE(interval_as_cron("90m"));
    CHECK_FALSE(interval_as_cron("1d"));
    CHECK_FALSE(interval_as_cron(""));
    auto huge = convert_regsync("sync:\n  - {source: a/b, target: c/d, type: repository, interval: 99999999999999999999h}\n",
                                "r.yml");
    REQUIRE_FALSE(huge);  // an error naming the file, not an uncaught exception
    CHECK(huge.error().message.rfind("r.yml", 0) == 0);
}

TEST_CASE("literal tags become one anchored alternation with metacharacters escaped") {
    CHECK(exact_tags_regex({"1.0", "2.0"}) == R"(^(?:1\.0|2\.0)$)");
    CHECK(exact_tags_regex({"a+b"}) == R"(^(?:a\+b)$)");
}

SkopeoSyncOptions skopeo_options(std::string dest, bool scoped = false, bool all = true) {
    SkopeoSyncOptions o;
    o.destination = std::move(dest);
    o.scoped = scoped;
    o.all = all;
    return o;
}

TEST_CASE("skopeo sync: repositories land at DEST/<last component>, or under the registry with --scoped") {
    const std::string text = "reg.example:5000:\n  images:\n    team/app: []\n    tools: ['1.0']\n";
    auto plain = convert_skopeo_sync(text, "s.yml", skopeo_options("dst.example/mirror/"));
    REQUIRE(plain);
    auto doc = YAML::Load(plain->plan_yaml);
    CHECK(doc["sync"][0]["target"].as<std::string>() == "dst.example/mirror/app");
    CHECK_FALSE(doc["sync"][0]["tags"]);
    CHECK(doc["sync"][1]["tags"]["allow"][0].as<std::string>() == R"(^(?:1\.0)$)");
    // skopeo's scoped reference "dst/reg.example:5000/team/app" is invalid (a ':' in a path
    // component): ferry writes the registry as host_port and says so.
    auto scoped = convert_skopeo_sync(text, "s.yml", skopeo_options("dst.example", true));
    REQUIRE(scoped);
    CHECK(YAML::Load(scoped->plan_yaml)["sync"][0]["target"].as<std::string>() == "dst.example/reg.example_5000/team/app");
    CHECK(scoped->plan_yaml.find("invalid reference format") != std::string::npos);
    auto hub = convert_skopeo_sync("docker.io:\n  images: {busybox: ['1.36']}\n", "s.yml", skopeo_options("d.io/m", true));
    REQUIRE(hub);
    CHECK(YAML::Load(hub->plan_yaml)["sync"][0]["target"].as<std::string>() == "d.io/m/docker.io/library/busybox");
}

TEST_CASE("skopeo sync: passwords never reach the plan, and bad input names file:line:col") {
    auto converted = convert_skopeo_sync("r.io:\n  credentials: {username: u, password: hunter2}\n  images: {a: []}\n",
                                         "s.yml", skopeo_options("d.io"));
    REQUIRE(converted);
    CHECK(converted->plan_yaml.find("hunter2") == std::string::npos);
    CHECK(converted->plan_yaml.find("password_env: FERRY_PASSWORD_R_IO") != std::string::npos);
    auto bad = convert_skopeo_sync("r.io:\n  images: [a, b]\n", "s.yml", skopeo_options("d.io"));
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message.rfind("s.yml:2:11: images", 0) == 0);
    CHECK_FALSE(convert_skopeo_sync("r.io: {images: {a: []}}\n", "s.yml", skopeo_options("")));
}

TEST_CASE("regsync: types, anchored tag filters, templates and unknown keys") {
    auto converted = convert_regsync(R"(version: 1
sync:
  - {source: a.io/x, target: b.io/x, type: repository, tags: {allow: ["v1.*"]}, backup: "old"}
  - {source: a.io, target: b.io, type: registry}
  - {source: "{{ .Sync.Target }}x", target: b.io/y, type: image}
  - {source: "{{env \"SRC\"}}/z", target: b.io/z, type: image}
)",
                                     "r.yml");
    REQUIRE(converted);
    auto doc = YAML::Load(converted->plan_yaml);
    REQUIRE(doc["sync"].size() == 3);
    CHECK(doc["sync"][2]["source"].as<std::string>() == "${SRC}/z:latest");  // regsync's env template, ferry's ${}
    CHECK(doc["sync"][2]["target"].as<std::string>() == "b.io/z:latest");
    CHECK(doc["sync"][0]["tags"]["allow"][0].as<std::string>() == "^v1.*$");
    CHECK(doc["sync"][1]["source"].as<std::string>() == "a.io/*");
    CHECK(doc["sync"][1]["target"].as<std::string>() == "b.io/");
    REQUIRE(converted->notes.size() == 3);
    CHECK(converted->notes[0].find("sha256-<hex>.sig") != std::string::npos);  // referrers: none
    CHECK(converted->notes[1].find("r.yml:3:") == 0);
    CHECK(converted->notes[1].find("backup") != std::string::npos);
    CHECK(converted->notes[2].find("templates") != std::string::npos);
    CHECK_FALSE(convert_regsync("version: 2\nsync: []\n", "r.yml"));
    CHECK_FALSE(convert_regsync("sync:\n  - {source: a, target: b, type: mirror}\n", "r.yml"));
}
