#include "core/units.hpp"

#include <fmt/format.h>

namespace ferry::core {

std::string format_bytes(std::uint64_t bytes) {
    static constexpr const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double value = static_cast<double>(bytes);
    int unit = 0;
    while (value >= 1024.0 && unit < 4) {
        value /= 1024.0;
        ++unit;
    }
    if (unit == 0) return fmt::format("{} B", bytes);
    return fmt::format("{:.1f} {}", value, units[unit]);
}

std::string format_duration(std::chrono::nanoseconds d) {
    double seconds = std::chrono::duration<double>(d).count();
    if (seconds < 60.0) return fmt::format("{:.2f}s", seconds);
    auto whole = static_cast<long long>(seconds);
    if (whole < 3600) return fmt::format("{}m{:02}s", whole / 60, whole % 60);
    return fmt::format("{}h{:02}m{:02}s", whole / 3600, (whole % 3600) / 60, whole % 60);
}

std::string format_rfc3339(std::chrono::system_clock::time_point t, bool milliseconds) {
    const auto day = std::chrono::floor<std::chrono::days>(t);
    const std::chrono::year_month_day date{day};
    const std::chrono::hh_mm_ss time{std::chrono::floor<std::chrono::milliseconds>(t - day)};
    const std::string fraction = milliseconds ? fmt::format(".{:03}", time.subseconds().count()) : "";
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{}Z", int(date.year()), unsigned(date.month()),
                       unsigned(date.day()), time.hours().count(), time.minutes().count(), time.seconds().count(),
                       fraction);
}

}  // namespace ferry::core
