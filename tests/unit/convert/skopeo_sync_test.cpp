#include <catch2/catch.hpp>
#include <yaml-cpp/yaml.h>

#include "convert/convert.hpp"
#include "plan/plan.hpp"

using namespace ferry::convert;

namespace {

SkopeoSyncOptions options(std::string dest) {
    SkopeoSyncOptions o;
    o.destination = std::move(dest);
    o.all = true;
    return o;
}

bool noted(const Conversion& c, const std::string& text) {
    for (const auto& n : c.notes)
        if (n.find(text) != std::string::npos) return true;
    return false;
}

}  // namespace

TEST_CASE("skopeo sync: tls-verify false is tls insecure and the destination gets its own entry") {
    auto o = options("127.0.0.1:5002/mirror");
    o.dest_tls_verify = false;
    auto c = convert_skopeo_sync("127.0.0.1:5001:\n  tls-verify: false\n  images: {a: []}\nq.io:\n  tls-verify: true\n"
                                 "  images: {b: []}\n",
                                 "s.yml", o);
    REQUIRE(c);
    auto doc = YAML::Load(c->plan_yaml);
    CHECK(doc["registries"]["127.0.0.1:5001"]["tls"].as<std::string>() == "insecure");
    CHECK(doc["registries"]["q.io"]["tls"].as<std::string>() == "verify");
    CHECK(doc["registries"]["127.0.0.1:5002"]["tls"].as<std::string>() == "insecure");
    auto plan = ferry::plan::parse_plan(c->plan_yaml, "converted.yaml");  // ferry reads its new mode
    REQUIRE(plan);
    CHECK(plan->registry("127.0.0.1:5001")->tls == ferry::plan::TlsMode::Insecure);
    auto verified = convert_skopeo_sync("q.io: {images: {b: []}}\n", "s.yml", options("d.io/x"));
    REQUIRE(verified);
    CHECK(YAML::Load(verified->plan_yaml)["registries"]["d.io"]["tls"].as<std::string>() == "verify");
}

TEST_CASE("skopeo sync: a repository's tags and tag regexes are one entry, semver constraints their own") {
    auto c = convert_skopeo_sync(R"(r.io:
  images:
    team/app: ["1.0", "sha256:0000000000000000000000000000000011111111111111111111111111111111"]
    every: []
  images-by-tag-regex:
    team/app: ^2\.
    every: ^x
  images-by-semver:
    team/app: ">=3, <4"
    other: "!=1.0.0"
)",
                                 "s.yml", options("d.io/m/"));
    REQUIRE(c);
    auto sync = YAML::Load(c->plan_yaml)["sync"];
    REQUIRE(sync.size() == 4);
    CHECK(sync[0]["source"].as<std::string>() ==
          "r.io/team/app@sha256:0000000000000000000000000000000011111111111111111111111111111111");
    CHECK(sync[0]["target"].as<std::string>() == "d.io/m/app");
    CHECK(sync[1]["name"].as<std::string>() == "app");
    CHECK(sync[1]["tags"]["allow"].size() == 2);
    CHECK(sync[1]["tags"]["allow"][0].as<std::string>() == R"(^(?:1\.0)$)");
    CHECK(sync[1]["tags"]["allow"][1].as<std::string>() == R"(^2\.)");
    CHECK(sync[2]["name"].as<std::string>() == "app-2");
    CHECK(sync[2]["tags"]["semver"].as<std::string>() == ">=3 <4");
    CHECK(sync[3]["name"].as<std::string>() == "every");  // every tag: the regex adds nothing
    CHECK_FALSE(sync[3]["tags"]);
    CHECK(noted(*c, "s.yml:10:12: semver constraint '!=1.0.0'"));  // left out, never widened
    CHECK(noted(*c, "two entries"));
    auto plan = ferry::plan::parse_plan(c->plan_yaml, "converted.yaml");
    if (!plan) FAIL(plan.error().message);
    REQUIRE(plan->sync.size() == 4);
    CHECK(plan->sync[2].tags.semver->text() == ">=3 <4");
}

TEST_CASE("skopeo sync: what cannot be carried is named, never dropped or widened silently") {
    auto c = convert_skopeo_sync(R"(r.io:
  images:
    a/app: ["1.0", "not a tag!"]
    Upper/Case: []
    b/app: ["1.0"]
  images-by-tag-regex:
    c: (?i)^v1
  credentials: {username: u, password: p, identitytoken: t}
  retries: 3
empty.io:
  tls-verify: true
)",
                                 "s.yml", options("d.io"));
    REQUIRE(c);
    CHECK(noted(*c, "'not a tag!' is neither a tag nor a digest"));
    CHECK(noted(*c, "'Upper/Case' is not a valid repository name"));
    CHECK(noted(*c, "r.io/a/app and r.io/b/app both land at d.io/app"));
    CHECK(noted(*c, "(?i)^v1"));
    CHECK(noted(*c, "credentials.identitytoken"));
    CHECK(noted(*c, "r.io.retries: not a skopeo sync key"));
    CHECK(noted(*c, "empty.io names no images"));
    auto sync = YAML::Load(c->plan_yaml)["sync"];
    for (const auto& e : sync) CHECK(e["source"].as<std::string>() != "r.io/c");
}

TEST_CASE("skopeo sync: without --all the running platform, and cert-dir files become ca_file and a client pair") {
    SkopeoSyncOptions o;
    o.destination = "d.io";
    o.system_platform = "linux/arm64";
    o.working_directory = "/home/u";
    o.list_directory = [](const std::string& dir) -> std::optional<std::vector<std::string>> {
        if (dir == "certs") return std::vector<std::string>{"ca.crt", "client.cert", "client.key"};
        if (dir == "/two") return std::vector<std::string>{"a.crt", "b.crt"};
        return std::nullopt;
    };
    auto c = convert_skopeo_sync("r.io: {cert-dir: certs, images: {a: []}}\nt.io: {cert-dir: /two, images: {b: []}}\n"
                                 "m.io: {cert-dir: /missing, images: {c: []}}\n",
                                 "s.yml", o);
    REQUIRE(c);
    auto doc = YAML::Load(c->plan_yaml);
    CHECK(doc["defaults"]["platforms"][0].as<std::string>() == "linux/arm64");
    CHECK(noted(*c, "one-entry index"));
    CHECK(doc["registries"]["r.io"]["ca_file"].as<std::string>() == "/home/u/certs/ca.crt");
    CHECK(doc["registries"]["r.io"]["client_cert"].as<std::string>() == "/home/u/certs/client.cert");
    CHECK(doc["registries"]["r.io"]["client_key"].as<std::string>() == "/home/u/certs/client.key");
    CHECK_FALSE(doc["registries"]["t.io"]["ca_file"]);
    CHECK(noted(*c, "holds 2 CA files"));
    CHECK(noted(*c, "cert-dir /missing does not exist"));
}
