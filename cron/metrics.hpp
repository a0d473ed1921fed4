#pragma once
/// Prometheus text exposition format (version 0.0.4): pure formatting, no knowledge of what
/// is measured. Also an atomic file writer for node_exporter's textfile collector.
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace ferry::cron {

enum class MetricType { Counter, Gauge, Untyped };

using Labels = std::vector<std::pair<std::string, std::string>>;

struct Sample {
    Labels labels;
    double value = 0;
};

/// One metric name with its HELP, TYPE and samples.
struct MetricFamily {
    std::string name;
    MetricType type = MetricType::Untyped;
    std::string help;
    std::vector<Sample> samples;
};

/// Collects families in insertion order and renders them. Not thread-safe.
class PrometheusText {
public:
    /// The family called `name`, created with `type` and `help` on first use.
    MetricFamily& family(std::string_view name, MetricType type, std::string_view help);
    /// Adds one sample to family `name` (created on first use).
    void add(std::string_view name, MetricType type, std::string_view help, Labels labels,
             double value);
    /// The exposition text; fails (InvalidInput) on an invalid metric or label name.
    core::Result<std::string> render() const;

private:
    std::vector<MetricFamily> families_;
};

/// `\` -> `\\`, `"` -> `\"`, newline -> `\n`.
std::string escape_label_value(std::string_view value);
/// `\` -> `\\`, newline -> `\n` (HELP text).
std::string escape_help(std::string_view text);
/// Prometheus number syntax: integers without a fraction, `NaN`, `+Inf`, `-Inf`.
std::string format_sample_value(double value);

// Textfiles are written with core::fileio::write_file_atomic: its temporary file beside the
// target does not end in .prom, so node_exporter never reads a half-written file.

}  // namespace ferry::cron
