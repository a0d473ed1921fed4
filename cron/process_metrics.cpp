#include "cron/process_metrics.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

namespace ferry::cron {
namespace {

/// The fields of /proc/self/stat after the command name (which may hold spaces and ')').
std::optional<std::vector<std::string>> stat_fields() {
    std::ifstream in("/proc/self/stat");
    std::string line;
    if (!in || !std::getline(in, line)) return std::nullopt;
    const auto close = line.rfind(')');
    if (close == std::string::npos) return std::nullopt;
    std::istringstream rest(line.substr(close + 1));
    std::vector<std::string> fields;  // fields[0] is field 3 (state)
    for (std::string f; rest >> f;) fields.push_back(f);
    if (fields.size() < 22) return std::nullopt;
    return fields;
}

/// Seconds since the epoch at boot (/proc/stat's btime).
std::optional<double> boot_time() {
    std::ifstream in("/proc/stat");
    for (std::string key; in >> key;) {
        if (key == "btime") {
            double value = 0;
            if (in >> value) return value;
            return std::nullopt;
        }
        in.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
    }
    return std::nullopt;
}

std::uint64_t open_fds() {
    std::error_code ec;
    std::uint64_t n = 0;
    for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end; it.increment(ec)) ++n;
    return n > 0 ? n - 1 : 0;  // the iterator's own descriptor
}

}  // namespace

std::optional<ProcessStats> read_process_stats() {
    auto fields = stat_fields();
    if (!fields) return std::nullopt;
    const auto field = [&](int number) { return std::stod((*fields)[static_cast<std::size_t>(number - 3)]); };
    const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
    const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
    ProcessStats s;
    s.cpu_seconds = (field(14) + field(15)) / ticks;   // utime, stime
    s.threads = static_cast<std::uint64_t>(field(20));  // num_threads
    s.start_time_seconds = boot_time().value_or(0) + field(22) / ticks;  // starttime
    s.virtual_bytes = static_cast<std::uint64_t>(field(23));           // vsize
    s.resident_bytes = static_cast<std::uint64_t>(field(24) * page);   // rss pages
    s.open_fds = open_fds();
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0) s.max_fds = limit.rlim_cur;
    return s;
}

void append_process_metrics(PrometheusText& out) {
    const auto s = read_process_stats();
    if (!s) return;
    const auto add = [&](std::string_view name, MetricType type, std::string_view help, double value) {
        out.add(name, type, help, {}, value);
    };
    add("process_cpu_seconds_total", MetricType::Counter, "Total user and system CPU time spent in seconds.", s->cpu_seconds);
    add("process_start_time_seconds", MetricType::Gauge, "Start time of the process since unix epoch in seconds.",
        s->start_time_seconds);
    add("process_resident_memory_bytes", MetricType::Gauge, "Resident memory size in bytes.",
        static_cast<double>(s->resident_bytes));
    add("process_virtual_memory_bytes", MetricType::Gauge, "Virtual memory size in bytes.",
        static_cast<double>(s->virtual_bytes));
    add("process_open_fds", MetricType::Gauge, "Number of open file descriptors.", static_cast<double>(s->open_fds));
    add("process_max_fds", MetricType::Gauge, "Maximum number of open file descriptors.", static_cast<double>(s->max_fds));
    add("process_threads", MetricType::Gauge, "Number of OS threads in the process.", static_cast<double>(s->threads));
}

}  // namespace ferry::cron
