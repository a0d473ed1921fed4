#include "cron/metrics.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>


namespace ferry::cron {
namespace {

bool valid_name(std::string_view name, bool allow_colon) {
    if (name.empty()) return false;
    for (std::size_t i = 0; i < name.size(); ++i) {
        const char c = name[i];
        const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                            (allow_colon && c == ':');
        if (!letter && !(i > 0 && c >= '0' && c <= '9')) return false;
    }
    return true;
}

std::string_view type_name(MetricType type) {
    switch (type) {
        case MetricType::Counter: return "counter";
        case MetricType::Gauge: return "gauge";
        case MetricType::Untyped: break;
    }
    return "untyped";
}

core::Result<std::string> render_family(const MetricFamily& family) {
    if (!valid_name(family.name, true)) {
        return core::fail(core::ErrorKind::InvalidInput, "invalid metric name \"" + family.name + "\"");
    }
    std::string out = fmt::format("# HELP {} {}\n# TYPE {} {}\n", family.name, escape_help(family.help),
                                  family.name, type_name(family.type));
    for (const Sample& sample : family.samples) {
        out += family.name;
        if (!sample.labels.empty()) {
            out += '{';
            for (std::size_t i = 0; i < sample.labels.size(); ++i) {
                const auto& [name, value] = sample.labels[i];
                if (!valid_name(name, false) || name.starts_with("__")) {
                    return core::fail(core::ErrorKind::InvalidInput,
                                      "metric " + family.name + ": invalid label name \"" + name + "\"");
                }
                out += fmt::format("{}{}=\"{}\"", i ? "," : "", name, escape_label_value(value));
            }
            out += '}';
        }
        out += ' ' + format_sample_value(sample.value) + '\n';
    }
    return out;
}

}  // namespace

MetricFamily& PrometheusText::family(std::string_view name, MetricType type, std::string_view help) {
    auto it = std::ranges::find(families_, name, &MetricFamily::name);
    if (it != families_.end()) return *it;
    return families_.emplace_back(MetricFamily{std::string(name), type, std::string(help), {}});
}

void PrometheusText::add(std::string_view name, MetricType type, std::string_view help, Labels labels,
                         double value) {
    family(name, type, help).samples.push_back(Sample{std::move(labels), value});
}

core::Result<std::string> PrometheusText::render() const {
    std::string out;
    for (const MetricFamily& family : families_) {
        auto text = render_family(family);
        if (!text) return text;
        out += *text;
    }
    return out;
}

std::string escape_label_value(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (char c : value) {
        if (c == '\\') out += "\\\\";
        else if (c == '"') out += "\\\"";
        else if (c == '\n') out += "\\n";
        else out += c;
    }
    return out;
}

std::string escape_help(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        if (c == '\\') out += "\\\\";
        else if (c == '\n') out += "\\n";
        else out += c;
    }
    return out;
}

std::string format_sample_value(double value) {
    if (std::isnan(value)) return "NaN";
    if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
    if (value == std::trunc(value) && std::fabs(value) < 1e15) {
        return fmt::format("{}", static_cast<long long>(value));
    }
    return fmt::format("{}", value);
}

}  // namespace ferry::cron
