#pragma once
/// Cron expressions: parse once, then ask for the next firing instant.
///
/// Syntax (Vixie cron, plus an optional leading seconds field):
///   [second] minute hour day-of-month month day-of-week
/// Each field is a comma list of `*`, `N`, `A-B`, `*/S`, `A-B/S` or `A/S` (= A-max/S).
/// Months accept JAN..DEC, weekdays SUN..SAT (case-insensitive); weekday 7 is Sunday.
/// Macros: @yearly @annually @monthly @weekly @daily @midnight @hourly.
/// Day rule (Vixie): when both day-of-month and day-of-week are restricted (neither field
/// starts with `*`), a day matches if EITHER matches; otherwise both must match.
///
/// Time zones and daylight saving (TimeZone::Local, the process's TZ as tzset() reads it):
///  - spring forward: a wall time inside the skipped hour fires at the first instant after the
///    jump (all skipped firings of that gap collapse into that one instant);
///  - fall back: a wall time that occurs twice fires once, at its first occurrence; the
///    repeated hour produces no firings.
/// The search looks a little over 8 years ahead (the longest gap between two Feb 29ths);
/// a schedule that never matches (`0 0 30 2 *`) yields std::nullopt.
#include <bitset>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace ferry::cron {

/// Which wall clock a schedule is written in.
enum class TimeZone { Utc, Local };

class CronExpr {
public:
    using TimePoint = std::chrono::system_clock::time_point;

    /// Parses an expression; errors name the field and the offending token.
    static core::Result<CronExpr> parse(std::string_view text);

    /// The first instant strictly after `from` that the schedule selects, in `zone`.
    /// Thread-safe; Local reads the TZ environment once per call (tzset()).
    std::optional<TimePoint> next_after(TimePoint from, TimeZone zone) const;

    /// True if the expression has its own seconds field (6 fields).
    bool has_seconds() const { return has_seconds_; }
    /// The text the expression was parsed from.
    const std::string& text() const { return text_; }

    /// Field matchers, exposed for tests and diagnostics.
    bool second_matches(int s) const { return seconds_.test(s); }
    bool minute_matches(int m) const { return minutes_.test(m); }
    bool hour_matches(int h) const { return hours_.test(h); }
    /// Applies the day-of-month / day-of-week rule to a calendar day.
    bool day_matches(std::chrono::year_month_day day) const;

private:
    std::bitset<60> seconds_;
    std::bitset<60> minutes_;
    std::bitset<24> hours_;
    std::bitset<32> days_of_month_;  ///< bits 1..31
    std::bitset<13> months_;         ///< bits 1..12
    std::bitset<7> days_of_week_;    ///< 0 = Sunday
    bool dom_restricted_ = false;
    bool dow_restricted_ = false;
    bool has_seconds_ = false;
    std::string text_;

    /// The earliest matching wall time at or after `wall` (a local time written as if UTC),
    /// within the search horizon.
    std::optional<std::chrono::sys_seconds> next_wall_time(std::chrono::sys_seconds wall) const;
    std::optional<std::chrono::seconds> first_time_of_day(std::chrono::seconds from) const;
};

}  // namespace ferry::cron
