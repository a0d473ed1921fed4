// Limits of plan parsing (YAML alias bombs) and secret files (password_file, token_file).
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include "plan/plan.hpp"

using namespace ferry::plan;
namespace fs = std::filesystem;

namespace {

/// "Billion laughs": nine anchors, each a list of nine aliases of the one before; the last
/// expands to 9^9 = 387,420,489 scalars, in 353 bytes of YAML.
std::string alias_bomb() {
    std::string yaml = "version: 1\na: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n";
    const std::string names = "abcdefghi";
    for (std::size_t i = 1; i < names.size(); ++i) {
        std::string prev = "*" + std::string(1, names[i - 1]);
        yaml += std::string(1, names[i]) + ": &" + names[i] + " [";
        for (int k = 0; k < 9; ++k) yaml += (k ? "," : "") + prev;
        yaml += "]\n";
    }
    return yaml;
}

/// What `action` writes to stderr (fd 2), where the log facade writes.
std::string captured_stderr(const std::function<void()>& action) {
    const fs::path file = fs::temp_directory_path() / ("ferry-plan-stderr-" + std::to_string(::getpid()));
    std::fflush(stderr);
    const int saved = ::dup(2);
    const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    REQUIRE(fd >= 0);
    ::dup2(fd, 2);
    ::close(fd);
    action();
    std::fflush(stderr);
    ::dup2(saved, 2);
    ::close(saved);
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    fs::remove(file);
    return text.str();
}

/// An empty directory of that name under the temporary directory.
fs::path fresh_dir(const std::string& name) {
    const fs::path dir = fs::temp_directory_path() / name;
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

std::size_t count_of(const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
    return n;
}

}  // namespace

TEST_CASE("a YAML alias bomb is refused quickly, at its place, before it is expanded") {
    const std::string bomb = alias_bomb();
    CHECK(bomb.size() < 600);
    const auto started = std::chrono::steady_clock::now();
    auto plan = parse_plan(bomb, "bomb.yaml");
    const auto took = std::chrono::steady_clock::now() - started;
    REQUIRE_FALSE(plan.has_value());
    CHECK(plan.error().kind == ferry::core::ErrorKind::Config);
    INFO(plan.error().message);
    CHECK(plan.error().message.starts_with("bomb.yaml:"));
    CHECK(plan.error().message.find("expands to more than 100000 nodes (YAML aliases expanded)") != std::string::npos);
    CHECK(took < std::chrono::seconds(1));
}

TEST_CASE("aliases of an ordinary plan are still expanded") {
    auto plan = parse_plan(R"(version: 1
defaults:
  platforms: &p [linux/amd64, linux/arm64]
sync:
  - {name: a, source: h.io/x, target: t.io/x, platforms: *p}
  - {name: b, source: h.io/y, target: t.io/y, platforms: *p}
)", "p.yaml");
    REQUIRE(plan);
    CHECK(plan->sync[1].platforms.platforms.size() == 2);
}

TEST_CASE("password_file - the first line is the password, a second non-empty line is an error") {
    const fs::path dir = fresh_dir("ferry-plan-limits-test");
    std::ofstream(dir / "crlf") << "crlf-secret-771\r\n";
    std::ofstream(dir / "blank-after") << "blank-secret-772\n\n\r\n";
    std::ofstream(dir / "two") << "first-line-secret-773\nsecond-line-secret-774\n";
    for (const char* f : {"crlf", "blank-after", "two"}) fs::permissions(dir / f, fs::perms::owner_read | fs::perms::owner_write);
    const std::string head = "version: 1\nsync:\n  - {name: a, source: h.io/x, target: t.io/x}\nregistries:\n";
    auto plan = parse_plan(head + "  a.io: {credentials: {username: u, password_file: crlf}}\n"
                                  "  b.io: {credentials: {username: u, password_file: blank-after}}\n",
                           (dir / "plan.yaml").string());
    REQUIRE(plan);
    CHECK(plan->registry("a.io")->credentials.password == "crlf-secret-771");
    CHECK(plan->registry("b.io")->credentials.password == "blank-secret-772");

    auto bad = parse_plan(head + "  c.io: {credentials: {username: u, password_file: two}}\n", (dir / "plan.yaml").string());
    REQUIRE_FALSE(bad);
    INFO(bad.error().message);
    CHECK(bad.error().message == (dir / "plan.yaml").string() + ":5:52: registries[\"c.io\"].credentials.password_file: '" +
                                     (dir / "two").string() +
                                     "' has more than one line: a password file holds the password on its first line only");
    CHECK(bad.error().message.find("secret-77") == std::string::npos);
    fs::remove_all(dir);
}

TEST_CASE("password_file readable by group or everyone - one warning naming the file, never its content") {
    const fs::path dir = fresh_dir("ferry-plan-limits-perm-test");
    std::ofstream(dir / "open") << "world-readable-secret-881\n";
    std::ofstream(dir / "closed") << "private-secret-882\n";
    ::chmod((dir / "open").c_str(), 0644);
    ::chmod((dir / "closed").c_str(), 0600);
    const std::string yaml = "version: 1\nsync:\n  - {name: a, source: h.io/x, target: t.io/x}\nregistries:\n"
                             "  a.io: {credentials: {username: u, password_file: open}}\n"
                             "  b.io: {credentials: {username: u, password_file: open}}\n"
                             "  c.io: {credentials: {username: u, password_file: closed}}\n";
    std::string log = captured_stderr([&] {
        for (int i = 0; i < 2; ++i) REQUIRE(parse_plan(yaml, (dir / "plan.yaml").string()));
    });
    INFO(log);
    CHECK(count_of(log, "password file '" + (dir / "open").string() + "' is readable by everyone (mode 0644)") == 1);
    CHECK(log.find("closed") == std::string::npos);
    CHECK(log.find("secret-88") == std::string::npos);
    fs::remove_all(dir);
}
