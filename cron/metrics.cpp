#include "cron/metrics.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>

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

core::Status errno_error(std::string_view what, const std::filesystem::path& path) {
    return core::fail(core::ErrorKind::Io,
                      fmt::format("{} {}: {}", what, path.string(), std::strerror(errno)));
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

core::Status write_file_atomically(const std::filesystem::path& path, std::string_view content) {
    const std::filesystem::path temp =
        path.parent_path() / fmt::format(".{}.{}.tmp", path.filename().string(), ::getpid());
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return errno_error("creating", temp);
    std::size_t written = 0;
    while (written < content.size()) {
        const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            auto status = errno_error("writing", temp);
            ::close(fd);
            ::unlink(temp.c_str());
            return status;
        }
        written += static_cast<std::size_t>(n);
    }
    const bool synced = ::fsync(fd) == 0;
    if (::close(fd) != 0 || !synced) {
        auto status = errno_error("flushing", temp);
        ::unlink(temp.c_str());
        return status;
    }
    if (::rename(temp.c_str(), path.c_str()) != 0) {
        auto status = errno_error("renaming to", path);
        ::unlink(temp.c_str());
        return status;
    }
    return {};
}

}  // namespace ferry::cron
