#include <catch2/catch.hpp>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "core/file_io.hpp"
#include "core/key_locks.hpp"
#include "core/parallel.hpp"
#include "core/parse.hpp"
#include "core/registry_host.hpp"

using namespace ferry::core;
namespace fs = std::filesystem;

namespace {

struct TempDir {
    fs::path path;
    TempDir() {
        std::string pattern = (fs::temp_directory_path() / "ferry-core-XXXXXX").string();
        path = ::mkdtemp(pattern.data());
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

std::size_t entries_in(const fs::path& dir) {
    return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

}  // namespace

TEST_CASE("parse_int takes whole decimal text only") {
    CHECK(parse_int<int>("42") == 42);
    CHECK(parse_int<std::int64_t>("-7") == -7);
    CHECK(parse_int<std::uint64_t>("18446744073709551615") == UINT64_MAX);
    CHECK_FALSE(parse_int<int>(""));
    CHECK_FALSE(parse_int<int>(" 1"));
    CHECK_FALSE(parse_int<int>("+1"));
    CHECK_FALSE(parse_int<int>("12abc"));
    CHECK_FALSE(parse_int<unsigned>("-1"));
    CHECK_FALSE(parse_int<std::int64_t>("9223372036854775808"));
    CHECK(parse_int<unsigned>("17", 8) == 15u);
}

TEST_CASE("Docker Hub's three names are one registry") {
    for (const char* host : {"docker.io", "index.docker.io", "registry-1.docker.io"}) {
        CHECK(is_docker_hub(host));
        CHECK(canonical_registry_host(host) == "docker.io");
    }
    CHECK(canonical_registry_host("quay.io") == "quay.io");
    CHECK(registry_api_host("docker.io") == "registry-1.docker.io");
    CHECK(registry_api_host("index.docker.io") == "registry-1.docker.io");
    CHECK(registry_api_host("") == "registry-1.docker.io");
    CHECK(registry_api_host("127.0.0.1:5000") == "127.0.0.1:5000");
}

TEST_CASE("registry host grammar: hostname[:port] and [ipv6][:port]") {
    for (const char* ok : {"localhost", "localhost:5000", "reg.example.com", "a-b.c", "127.0.0.1:65535", "[::1]",
                           "[fe80::1]:443"})
        CHECK(is_valid_registry_host(ok));
    CHECK(registry_host_problem("a..b") == "registry 'a..b' is not a valid host name");
    CHECK(registry_host_problem("-a.com") == "registry '-a.com' is not a valid host name");
    CHECK(registry_host_problem("reg:0") == "registry 'reg:0' has an invalid port '0' (expected 1-65535)");
    CHECK(registry_host_problem("reg:65536") == "registry 'reg:65536' has an invalid port '65536' (expected 1-65535)");
    CHECK(registry_host_problem("reg:") == "registry 'reg:' has an invalid port '' (expected 1-65535)");
    CHECK(registry_host_problem("[zz]") == "registry '[zz]' is not a valid [IPv6] address");
    CHECK(registry_host_problem("[::1]x") == "registry '[::1]x' has text after ']'");
    CHECK_FALSE(is_valid_registry_host(std::string(64, 'a') + ".com"));
    CHECK(names_registry_host("localhost"));
    CHECK(names_registry_host("reg.example"));
    CHECK(names_registry_host("reg:5000"));
    CHECK_FALSE(names_registry_host("library"));
}

TEST_CASE("write_file_atomic replaces the whole file and leaves no temp file") {
    TempDir tmp;
    const fs::path file = tmp.path / "metrics.prom";
    REQUIRE(fileio::write_file_atomic(file, "first\n"));
    REQUIRE(fileio::write_file_atomic(file, "second\n"));
    CHECK(slurp(file) == "second\n");
    CHECK(entries_in(tmp.path) == 1);
    auto failed = fileio::write_file_atomic(tmp.path / "missing" / "x", "x");
    REQUIRE_FALSE(failed);
    CHECK(failed.error().message.find("missing") != std::string::npos);
}

TEST_CASE("TempFile disappears unless published, rename_durably moves a staged directory") {
    TempDir tmp;
    {
        auto abandoned = fileio::TempFile::create(tmp.path, ".tmp-");
        REQUIRE(abandoned);
        CHECK(entries_in(tmp.path) == 1);
    }
    CHECK(entries_in(tmp.path) == 0);
    fs::create_directory(tmp.path / "out.partial");
    std::ofstream(tmp.path / "out.partial" / "f") << "x";
    REQUIRE(fileio::rename_durably(tmp.path / "out.partial", tmp.path / "out"));
    CHECK(slurp(tmp.path / "out" / "f") == "x");
    auto missing = fileio::rename_durably(tmp.path / "nothing", tmp.path / "else");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().kind == ErrorKind::NotFound);
}

TEST_CASE("run_parallel runs every task once and reports the first error in index order") {
    std::vector<std::atomic<int>> runs(50);
    auto status = run_parallel(runs.size(), 4, [&](std::size_t i) -> Status {
        ++runs[i];
        if (i == 7 || i == 30) return fail(ErrorKind::Io, "task " + std::to_string(i));
        return {};
    });
    REQUIRE_FALSE(status);
    CHECK(status.error().message == "task 7");
    for (const auto& r : runs) CHECK(r == 1);
}

TEST_CASE("KeyLocks hands out one lock per key") {
    KeyLocks locks;
    auto a = locks.lock("repo@sha256:a");
    auto b = locks.lock("repo@sha256:b");  // another key does not wait
    CHECK(a.owns_lock());
    CHECK(b.owns_lock());
}

TEST_CASE("KeyLocks lets one holder of a key in at a time") {
    KeyLocks locks;
    std::atomic<int> inside{0};
    std::atomic<int> most{0};
    std::atomic<int> entries{0};
    {
        std::vector<std::jthread> workers;
        for (int t = 0; t < 8; ++t)
            workers.emplace_back([&] {
                for (int round = 0; round < 50; ++round) {
                    auto held = locks.lock("repo@sha256:same");
                    const int now = ++inside;
                    int seen = most.load();
                    while (now > seen && !most.compare_exchange_weak(seen, now)) {}
                    ++entries;
                    std::this_thread::sleep_for(std::chrono::microseconds(100));
                    --inside;
                }
            });
    }
    CHECK(most.load() == 1);
    CHECK(entries.load() == 8 * 50);
}

TEST_CASE("replace_directory_durably swaps a staged directory in whole") {
    TempDir tmp;
    fs::create_directories(tmp.path / "out" / "old-only");
    std::ofstream(tmp.path / "out" / "shared") << "old";
    fs::create_directory(tmp.path / "out.partial");
    std::ofstream(tmp.path / "out.partial" / "shared") << "new";
    REQUIRE(fileio::replace_directory_durably(tmp.path / "out.partial", tmp.path / "out"));
    CHECK(slurp(tmp.path / "out" / "shared") == "new");
    CHECK_FALSE(fs::exists(tmp.path / "out" / "old-only"));
    CHECK_FALSE(fs::exists(tmp.path / "out.partial"));
    // No directory there yet: a plain rename.
    fs::create_directory(tmp.path / "next.partial");
    REQUIRE(fileio::replace_directory_durably(tmp.path / "next.partial", tmp.path / "next"));
    CHECK(fs::is_directory(tmp.path / "next"));
    // A failed swap leaves the target as it was.
    auto missing = fileio::replace_directory_durably(tmp.path / "absent", tmp.path / "out");
    REQUIRE_FALSE(missing);
    CHECK(slurp(tmp.path / "out" / "shared") == "new");
}
