#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/redact.hpp"
#include "http/credentials.hpp"

namespace fs = std::filesystem;
using namespace ferry::http;
using nlohmann::json;

namespace {

struct TempDir {
    fs::path path;
    TempDir() {
        std::string tmpl = (fs::temp_directory_path() / "ferry-cred-XXXXXX").string();
        path = mkdtemp(tmpl.data());
    }
    ~TempDir() { fs::remove_all(path); }
    fs::path write(const std::string& name, const std::string& text, bool executable = false) const {
        std::ofstream(path / name) << text;
        if (executable) fs::permissions(path / name, fs::perms::owner_all);
        return path / name;
    }
};

/// Puts `dir` first on PATH for the lifetime of the object.
struct PathPrefix {
    std::string saved;
    explicit PathPrefix(const fs::path& dir) : saved(std::getenv("PATH") ? std::getenv("PATH") : "") {
        setenv("PATH", (dir.string() + ":" + saved).c_str(), 1);
    }
    ~PathPrefix() { setenv("PATH", saved.c_str(), 1); }
};

}  // namespace

TEST_CASE("config keys name hosts in every written form", "[credentials]") {
    CHECK(credential_host("https://index.docker.io/v1/") == "docker.io");
    CHECK(credential_host("registry-1.docker.io") == "docker.io");
    CHECK(credential_host("docker.io") == "docker.io");
    CHECK(credential_host("http://127.0.0.1:5103") == "127.0.0.1:5103");
    CHECK(credential_host("Quay.IO/v1/") == "quay.io");
}

TEST_CASE("auths entries: auth, username/password, identitytoken", "[credentials]") {
    const json config = json::parse(R"({
      "auths": {
        "https://index.docker.io/v1/": {"auth": "aHViLXVzZXI6aHViLXBhc3N3b3Jk"},
        "registry.example.com": {"username": "alice", "password": "alice-pw-123"},
        "http://127.0.0.1:5103/v1/": {"auth": "ZmVycnk6ZmVycnktc2VjcmV0LXB3"},
        "id.example.com": {"auth": "", "identitytoken": "refresh-tok-999"},
        "empty.example.com": {}
      }})");
    auto hub = credentials_from_config(config, "docker.io", "test");
    REQUIRE(hub);
    REQUIRE(hub->has_value());
    CHECK((*hub)->username == "hub-user");
    CHECK((*hub)->password == "hub-password");
    auto hub2 = credentials_from_config(config, "registry-1.docker.io", "test");
    REQUIRE((hub2 && hub2->has_value()));
    CHECK((*hub2)->username == "hub-user");

    auto alice = credentials_from_config(config, "registry.example.com", "test");
    REQUIRE((alice && alice->has_value()));
    CHECK((*alice)->password == "alice-pw-123");
    CHECK(ferry::core::redact("pw alice-pw-123") == "pw <redacted>");

    auto local = credentials_from_config(config, "127.0.0.1:5103", "test");
    REQUIRE((local && local->has_value()));
    CHECK((*local)->username == "ferry");
    CHECK((*local)->password == "ferry-secret-pw");

    auto id = credentials_from_config(config, "id.example.com", "test");
    REQUIRE((id && id->has_value()));
    CHECK((*id)->identity_token == "refresh-tok-999");

    auto none = credentials_from_config(config, "empty.example.com", "test");
    REQUIRE(none);
    CHECK_FALSE(none->has_value());
    auto unknown = credentials_from_config(config, "other.example.com", "test");
    REQUIRE(unknown);
    CHECK_FALSE(unknown->has_value());
}

TEST_CASE("a malformed auth value is a Config error", "[credentials]") {
    const json config = json::parse(R"({"auths": {"h.example": {"auth": "bm9jb2xvbg=="}}})");  // "nocolon"
    auto r = credentials_from_config(config, "h.example", "cfg.json");
    REQUIRE_FALSE(r);
    CHECK(r.error().kind == ferry::core::ErrorKind::Config);
}

TEST_CASE("credential helpers: credHelpers and credsStore", "[credentials]") {
    TempDir dir;
    // The helper echoes which server it was asked about, so the test sees the URL it got.
    dir.write("docker-credential-ferrytest",
              "#!/bin/sh\n[ \"$1\" = get ] || exit 3\nread url\n"
              "case \"$url\" in\n"
              "  https://index.docker.io/v1/) echo '{\"ServerURL\":\"x\",\"Username\":\"hubbie\",\"Secret\":\"hub-secret-1\"}';;\n"
              "  tokenhost.example) echo '{\"Username\":\"<token>\",\"Secret\":\"idtok-4242\"}';;\n"
              "  helper.example) echo \"{\\\"Username\\\":\\\"u-$url\\\",\\\"Secret\\\":\\\"helper-secret-2\\\"}\";;\n"
              "  *) echo 'credentials not found in native keychain'; exit 1;;\n"
              "esac\n",
              true);
    dir.write("docker-credential-broken", "#!/bin/sh\necho 'boom'\nexit 2\n", true);
    PathPrefix path(dir.path);

    const json config = json::parse(R"({
      "auths": {"helper.example": {"auth": "aWdub3JlZDppZ25vcmVk"}},
      "credHelpers": {"https://helper.example": "ferrytest", "tokenhost.example": "ferrytest",
                      "broken.example": "broken", "missing.example": "does-not-exist"},
      "credsStore": "ferrytest"})");

    auto helper = credentials_from_config(config, "helper.example", "t");
    REQUIRE((helper && helper->has_value()));
    CHECK((*helper)->username == "u-helper.example");
    CHECK((*helper)->password == "helper-secret-2");

    auto token = credentials_from_config(config, "tokenhost.example", "t");
    REQUIRE((token && token->has_value()));
    CHECK((*token)->identity_token == "idtok-4242");
    CHECK((*token)->username.empty());

    auto hub = credentials_from_config(config, "docker.io", "t");  // via credsStore
    REQUIRE((hub && hub->has_value()));
    CHECK((*hub)->username == "hubbie");

    auto not_found = credentials_from_config(config, "nobody.example", "t");
    REQUIRE(not_found);
    CHECK_FALSE(not_found->has_value());

    auto broken = credentials_from_config(config, "broken.example", "t");
    REQUIRE_FALSE(broken);
    CHECK(broken.error().kind == ferry::core::ErrorKind::Auth);

    auto missing = credentials_from_config(config, "missing.example", "t");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().message.find("docker-credential-does-not-exist") != std::string::npos);
}

TEST_CASE("auth file sources: --authfile, $DOCKER_CONFIG, missing file", "[credentials]") {
    TempDir dir;
    auto file = dir.write("auth.json", R"({"auths": {"a.example": {"username": "u", "password": "file-pw-1"}}})");
    auto found = lookup_credentials("a.example", file.string());
    REQUIRE((found && found->has_value()));
    CHECK((*found)->password == "file-pw-1");

    auto absent = lookup_credentials("a.example", (dir.path / "nope.json").string());
    REQUIRE(absent);
    CHECK_FALSE(absent->has_value());

    dir.write("bad.json", "{not json");
    auto bad = lookup_credentials("a.example", (dir.path / "bad.json").string());
    REQUIRE_FALSE(bad);
    CHECK(bad.error().kind == ferry::core::ErrorKind::Config);

    fs::create_directories(dir.path / "dc");
    dir.write("dc/config.json", R"({"auths": {"b.example": {"username": "v", "password": "env-pw-2"}}})");
    const char* saved_dc = std::getenv("DOCKER_CONFIG");
    const std::string saved = saved_dc ? saved_dc : "";
    const char* saved_raf = std::getenv("REGISTRY_AUTH_FILE");
    const std::string saved_raf_value = saved_raf ? saved_raf : "";
    unsetenv("REGISTRY_AUTH_FILE");
    setenv("DOCKER_CONFIG", (dir.path / "dc").c_str(), 1);
    auto from_env = lookup_credentials("b.example", "");
    if (saved_dc) setenv("DOCKER_CONFIG", saved.c_str(), 1); else unsetenv("DOCKER_CONFIG");
    if (saved_raf) setenv("REGISTRY_AUTH_FILE", saved_raf_value.c_str(), 1);
    REQUIRE((from_env && from_env->has_value()));
    CHECK((*from_env)->password == "env-pw-2");
}
