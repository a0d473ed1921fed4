#include "cron/cron_expr.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <ctime>
#include <vector>

#include "core/parse.hpp"
#include "core/text.hpp"

namespace ferry::cron {
namespace {

using namespace std::chrono;

struct FieldSpec {
    std::string_view name;
    int min;
    int max;
    const std::array<std::string_view, 12>* names = nullptr;  ///< names[i] means min + i
};

constexpr std::array<std::string_view, 12> kMonthNames = {"jan", "feb", "mar", "apr", "may", "jun",
                                                          "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<std::string_view, 12> kWeekdayNames = {"sun", "mon", "tue", "wed",
                                                            "thu", "fri", "sat"};

constexpr FieldSpec kSecond{"second", 0, 59};
constexpr FieldSpec kMinute{"minute", 0, 59};
constexpr FieldSpec kHour{"hour", 0, 23};
constexpr FieldSpec kDayOfMonth{"day-of-month", 1, 31};
constexpr FieldSpec kMonth{"month", 1, 12, &kMonthNames};
constexpr FieldSpec kDayOfWeek{"day-of-week", 0, 7, &kWeekdayNames};

/// A little over 8 years: enough to reach the next Feb 29 across a skipped leap year (2100).
constexpr int kHorizonDays = 8 * 366 + 2;

struct Macro {
    std::string_view name;
    std::string_view expansion;
};
constexpr std::array<Macro, 7> kMacros = {{{"@yearly", "0 0 1 1 *"},
                                           {"@annually", "0 0 1 1 *"},
                                           {"@monthly", "0 0 1 * *"},
                                           {"@weekly", "0 0 * * 0"},
                                           {"@daily", "0 0 * * *"},
                                           {"@midnight", "0 0 * * *"},
                                           {"@hourly", "0 * * * *"}}};

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= s.size(); ++i) {
        if (i == s.size() || s[i] == sep) {
            parts.push_back(s.substr(start, i - start));
            start = i + 1;
        }
    }
    return parts;
}

std::vector<std::string_view> split_whitespace(std::string_view s) {
    std::vector<std::string_view> parts;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
        std::size_t start = i;
        while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i]))) ++i;
        if (i > start) parts.push_back(s.substr(start, i - start));
    }
    return parts;
}

/// Parses a number or (for months and weekdays) a three-letter name; -1 if neither.
int parse_value(const FieldSpec& spec, std::string_view token) {
    if (auto value = core::parse_int<int>(token)) return *value;
    if (spec.names == nullptr) return -1;
    const std::string name = core::ascii_lower(token);
    for (std::size_t i = 0; i < spec.names->size(); ++i) {
        if (!(*spec.names)[i].empty() && (*spec.names)[i] == name) return spec.min + static_cast<int>(i);
    }
    return -1;
}

/// Bit i set = value i selected. Values up to 63 fit.
using FieldBits = std::uint64_t;

core::Result<FieldBits> parse_item(const FieldSpec& spec, std::string_view item) {
    auto bad = [&](std::string_view why) {
        return core::fail(core::ErrorKind::InvalidInput,
                          std::string(spec.name) + " field: bad token \"" + std::string(item) +
                              "\": " + std::string(why));
    };
    const auto slash = item.find('/');
    const std::string_view range = item.substr(0, slash);
    int step = 1;
    if (slash != std::string_view::npos) {
        step = parse_value(FieldSpec{spec.name, 0, 0}, item.substr(slash + 1));
        if (step < 1) return bad("step must be a positive number");
    }
    int first = spec.min;
    int last = spec.max;
    if (range != "*") {
        const auto dash = range.find('-');
        first = parse_value(spec, range.substr(0, dash));
        if (dash != std::string_view::npos) {
            last = parse_value(spec, range.substr(dash + 1));
        } else if (slash == std::string_view::npos) {
            last = first;
        }
        if (first < 0 || last < 0) return bad("not a number or name");
        if (first < spec.min || last > spec.max) {
            return bad("outside " + std::to_string(spec.min) + "-" + std::to_string(spec.max));
        }
        if (first > last) return bad("range runs backwards");
    }
    FieldBits bits = 0;
    // first <= last here; stop before v + step could overflow (steps up to INT_MAX parse).
    for (int v = first;; v += step) {
        bits |= FieldBits{1} << v;
        if (step > last - v) break;
    }
    return bits;
}

core::Result<FieldBits> parse_field(const FieldSpec& spec, std::string_view field) {
    FieldBits bits = 0;
    for (std::string_view item : split(field, ',')) {
        if (item.empty()) {
            return core::fail(core::ErrorKind::InvalidInput,
                              std::string(spec.name) + " field: bad token \"" + std::string(field) +
                                  "\": empty list item");
        }
        auto parsed = parse_item(spec, item);
        if (!parsed) return core::fail(parsed.error());
        bits |= *parsed;
    }
    return bits;
}

std::tm local_tm(std::time_t t) {
    std::tm tm{};
    localtime_r(&t, &tm);
    return tm;
}

long utc_offset_at(std::time_t t) { return local_tm(t).tm_gmtoff; }

/// The local wall time of `t`, written as if it were UTC.
sys_seconds wall_time_of(sys_seconds t) {
    const std::tm tm = local_tm(system_clock::to_time_t(system_clock::time_point(t)));
    const year_month_day day{year{tm.tm_year + 1900}, month{static_cast<unsigned>(tm.tm_mon + 1)},
                             std::chrono::day{static_cast<unsigned>(tm.tm_mday)}};
    return sys_days(day) + hours{tm.tm_hour} + minutes{tm.tm_min} + seconds{tm.tm_sec};
}

/// The instant a local wall time denotes: its first occurrence if it occurs twice, the end of
/// the gap if the clocks skipped it. Assumes offset changes are more than a day apart.
sys_seconds instant_of_wall_time(sys_seconds wall) {
    const std::time_t w = wall.time_since_epoch().count();
    const std::time_t before = w - utc_offset_at(w - 86400);
    const std::time_t after = w - utc_offset_at(w + 86400);
    std::optional<std::time_t> best;
    for (std::time_t candidate : {before, after}) {
        if (w - candidate == utc_offset_at(candidate) && (!best || candidate < *best)) best = candidate;
    }
    if (!best) {  // inside a gap: find the transition instant between the two candidates
        std::time_t lo = std::min(before, after);
        std::time_t hi = std::max(before, after);
        const long offset_lo = utc_offset_at(lo);
        while (hi - lo > 1) {
            const std::time_t mid = lo + (hi - lo) / 2;
            (utc_offset_at(mid) == offset_lo ? lo : hi) = mid;
        }
        best = hi;
    }
    return sys_seconds{seconds{*best}};
}

}  // namespace

core::Result<CronExpr> CronExpr::parse(std::string_view text) {
    const auto context = [&](const core::Error& e) {
        return core::fail(e.with_context("cron expression \"" + std::string(text) + "\""));
    };
    std::vector<std::string_view> fields = split_whitespace(text);
    if (fields.size() == 1 && fields[0].starts_with('@')) {
        const std::string name = core::ascii_lower(fields[0]);
        const auto macro = std::ranges::find(kMacros, name, &Macro::name);
        if (macro == kMacros.end()) {
            return context(core::make_error(core::ErrorKind::InvalidInput,
                                            "unknown macro \"" + std::string(fields[0]) + "\""));
        }
        fields = split_whitespace(macro->expansion);
    }
    if (fields.size() != 5 && fields.size() != 6) {
        return context(core::make_error(core::ErrorKind::InvalidInput,
                                        "expected 5 or 6 fields, got " + std::to_string(fields.size())));
    }
    CronExpr expr;
    expr.text_ = std::string(text);
    expr.has_seconds_ = fields.size() == 6;
    const std::size_t base = expr.has_seconds_ ? 1 : 0;
    FieldBits seconds_bits = 1;  // second 0 for 5-field expressions
    if (expr.has_seconds_) {
        auto s = parse_field(kSecond, fields[0]);
        if (!s) return context(s.error());
        seconds_bits = *s;
    }
    const std::array<const FieldSpec*, 5> specs = {&kMinute, &kHour, &kDayOfMonth, &kMonth, &kDayOfWeek};
    std::array<FieldBits, 5> bits{};
    for (std::size_t i = 0; i < specs.size(); ++i) {
        auto parsed = parse_field(*specs[i], fields[base + i]);
        if (!parsed) return context(parsed.error());
        bits[i] = *parsed;
    }
    if (bits[4] & (FieldBits{1} << 7)) bits[4] |= 1;  // 7 is Sunday too
    expr.seconds_ = std::bitset<60>(seconds_bits);
    expr.minutes_ = std::bitset<60>(bits[0]);
    expr.hours_ = std::bitset<24>(bits[1]);
    expr.days_of_month_ = std::bitset<32>(bits[2]);
    expr.months_ = std::bitset<13>(bits[3]);
    expr.days_of_week_ = std::bitset<7>(bits[4] & 0x7f);
    expr.dom_restricted_ = !fields[base + 2].starts_with('*');
    expr.dow_restricted_ = !fields[base + 4].starts_with('*');
    return expr;
}

bool CronExpr::day_matches(year_month_day day) const {
    if (!months_.test(static_cast<unsigned>(day.month()))) return false;
    const bool dom = days_of_month_.test(static_cast<unsigned>(day.day()));
    const bool dow = days_of_week_.test(weekday(sys_days(day)).c_encoding());
    if (dom_restricted_ && dow_restricted_) return dom || dow;
    return dom && dow;
}

std::optional<seconds> CronExpr::first_time_of_day(seconds from) const {
    const int h0 = static_cast<int>(from.count() / 3600);
    const int m0 = static_cast<int>(from.count() / 60 % 60);
    const int s0 = static_cast<int>(from.count() % 60);
    for (int h = h0; h < 24; ++h) {
        if (!hours_.test(h)) continue;
        for (int m = (h == h0 ? m0 : 0); m < 60; ++m) {
            if (!minutes_.test(m)) continue;
            for (int s = (h == h0 && m == m0 ? s0 : 0); s < 60; ++s) {
                if (seconds_.test(s)) return seconds{h * 3600 + m * 60 + s};
            }
        }
    }
    return std::nullopt;
}

std::optional<sys_seconds> CronExpr::next_wall_time(sys_seconds wall) const {
    sys_days day = floor<days>(wall);
    seconds time_of_day = wall - day;
    for (int i = 0; i <= kHorizonDays; ++i, day += days{1}, time_of_day = seconds{0}) {
        if (!day_matches(year_month_day{day})) continue;
        if (auto t = first_time_of_day(time_of_day)) return day + *t;
    }
    return std::nullopt;
}

std::optional<CronExpr::TimePoint> CronExpr::next_after(TimePoint from, TimeZone zone) const {
    const sys_seconds start = floor<seconds>(from);
    if (zone == TimeZone::Utc) {
        auto next = next_wall_time(start + seconds{1});
        if (!next) return std::nullopt;
        return TimePoint(*next);
    }
    tzset();
    sys_seconds wall = wall_time_of(start) + seconds{1};
    // Wall times of a repeated hour map to instants before `from`; step past them.
    for (int guard = 0; guard < 100000; ++guard) {
        auto next = next_wall_time(wall);
        if (!next) return std::nullopt;
        const sys_seconds instant = instant_of_wall_time(*next);
        if (TimePoint(instant) > from) return TimePoint(instant);
        wall = *next + seconds{1};
    }
    return std::nullopt;
}

}  // namespace ferry::cron
