#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "core/file_io.hpp"
#include "cron/metrics.hpp"

using namespace ferry::cron;

TEST_CASE("label values and help text are escaped") {
    CHECK(escape_label_value(R"(a\b"c)" "\nd") == R"(a\\b\"c\nd)");
    CHECK(escape_label_value("plain") == "plain");
    CHECK(escape_help("line1\nback\\slash \"quoted\"") == R"(line1\nback\\slash "quoted")");
}

TEST_CASE("sample values use Prometheus number syntax") {
    CHECK(format_sample_value(42) == "42");
    CHECK(format_sample_value(-3) == "-3");
    CHECK(format_sample_value(0.25) == "0.25");
    CHECK(format_sample_value(std::numeric_limits<double>::quiet_NaN()) == "NaN");
    CHECK(format_sample_value(std::numeric_limits<double>::infinity()) == "+Inf");
    CHECK(format_sample_value(-std::numeric_limits<double>::infinity()) == "-Inf");
    CHECK(std::stod(format_sample_value(1.5e20)) == 1.5e20);
}

TEST_CASE("families render HELP and TYPE once, samples grouped") {
    PrometheusText text;
    text.add("ferry_job_runs_total", MetricType::Counter, "Runs started.", {{"job", "nightly"}}, 3);
    text.add("ferry_up", MetricType::Gauge, "1 while alive.", {}, 1);
    text.add("ferry_job_runs_total", MetricType::Counter, "ignored", {{"job", "we\"ird\\"}}, 1);
    auto out = text.render();
    REQUIRE(out.has_value());
    CHECK(*out ==
          "# HELP ferry_job_runs_total Runs started.\n"
          "# TYPE ferry_job_runs_total counter\n"
          "ferry_job_runs_total{job=\"nightly\"} 3\n"
          "ferry_job_runs_total{job=\"we\\\"ird\\\\\"} 1\n"
          "# HELP ferry_up 1 while alive.\n"
          "# TYPE ferry_up gauge\n"
          "ferry_up 1\n");
}

TEST_CASE("multiple labels are comma separated") {
    PrometheusText text;
    text.add("x", MetricType::Untyped, "h", {{"a", "1"}, {"b", "2"}}, 0.5);
    CHECK(text.render().value() == "# HELP x h\n# TYPE x untyped\nx{a=\"1\",b=\"2\"} 0.5\n");
}

TEST_CASE("invalid names are rejected") {
    PrometheusText bad_metric;
    bad_metric.add("9lives", MetricType::Gauge, "h", {}, 1);
    CHECK_FALSE(bad_metric.render().has_value());

    PrometheusText bad_label;
    bad_label.add("ok:name", MetricType::Gauge, "h", {{"bad-label", "v"}}, 1);
    auto out = bad_label.render();
    REQUIRE_FALSE(out.has_value());
    CHECK_THAT(out.error().message, Catch::Contains("bad-label"));

    PrometheusText reserved;
    reserved.add("ok", MetricType::Gauge, "h", {{"__name__", "v"}}, 1);
    CHECK_FALSE(reserved.render().has_value());
}

TEST_CASE("textfile is replaced atomically") {
    namespace fs = std::filesystem;
    const fs::path dir = fs::temp_directory_path() / ("ferry-cron-metrics-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    const fs::path file = dir / "ferry.prom";
    REQUIRE(ferry::core::fileio::write_file_atomic(file, "first 1\n").has_value());
    // A collector that opened the file before the replacement goes on reading the whole old
    // file: the new content arrives as a new inode renamed into place, never by rewriting the
    // bytes under a reader (a plain overwrite would truncate what this reader sees).
    std::ifstream reading_before(file);
    struct ::stat before{};
    REQUIRE(::stat(file.c_str(), &before) == 0);
    REQUIRE(ferry::core::fileio::write_file_atomic(file, "second 2\n").has_value());
    struct ::stat after{};
    REQUIRE(::stat(file.c_str(), &after) == 0);
    CHECK(after.st_ino != before.st_ino);
    std::stringstream old_content;
    old_content << reading_before.rdbuf();
    CHECK(old_content.str() == "first 1\n");
    std::ifstream in(file);
    std::stringstream content;
    content << in.rdbuf();
    CHECK(content.str() == "second 2\n");
    CHECK(std::distance(fs::directory_iterator(dir), fs::directory_iterator()) == 1);  // no temp left
    CHECK_FALSE(ferry::core::fileio::write_file_atomic(dir / "missing" / "x.prom", "x").has_value());
    fs::remove_all(dir);
}
