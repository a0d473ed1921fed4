#include <catch2/catch.hpp>

#include <cstdlib>
#include <ctime>
#include <optional>
#include <sstream>
#include <string>

#include "cron/cron_expr.hpp"

using namespace ferry::cron;
using namespace std::chrono;

namespace {

/// "2024-01-02 03:04:05" (UTC) -> time point.
system_clock::time_point utc(const std::string& text) {
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
    char sep = 0;
    std::istringstream in(text);
    in >> y >> sep >> mo >> sep >> d >> h >> sep >> mi >> sep >> s;
    REQUIRE(in);
    return sys_days(year{y} / mo / d) + hours{h} + minutes{mi} + seconds{s};
}

std::string show(std::optional<system_clock::time_point> t) {
    if (!t) return "none";
    const auto day = floor<days>(*t);
    const year_month_day ymd{day};
    const hh_mm_ss tod{floor<seconds>(*t - day)};
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u %02ld:%02ld:%02ld", int(ymd.year()),
                  unsigned(ymd.month()), unsigned(ymd.day()), long(tod.hours().count()),
                  long(tod.minutes().count()), long(tod.seconds().count()));
    return buf;
}

std::string next(const std::string& expr, system_clock::time_point from, TimeZone zone) {
    auto parsed = CronExpr::parse(expr);
    REQUIRE(parsed.has_value());
    return show(parsed->next_after(from, zone));
}

/// Sets TZ for the test's duration.
class ScopedTimeZone {
public:
    explicit ScopedTimeZone(const char* tz) {
        if (const char* old = std::getenv("TZ")) old_ = old;
        setenv("TZ", tz, 1);
        tzset();
    }
    ~ScopedTimeZone() {
        if (old_) setenv("TZ", old_->c_str(), 1); else unsetenv("TZ");
        tzset();
    }

private:
    std::optional<std::string> old_;
};

struct Case {
    const char* expr;
    const char* from;
    const char* expected;
};

}  // namespace

TEST_CASE("next_after in UTC") {
    const Case cases[] = {
        {"*/15 * * * *", "2024-01-01 10:07:30", "2024-01-01 10:15:00"},
        {"0 */6 * * *", "2024-01-01 18:00:00", "2024-01-02 00:00:00"},  // strictly after
        {"5,10-12 8 * * *", "2024-03-10 08:10:00", "2024-03-10 08:11:00"},
        {"5,10-12 8 * * *", "2024-03-10 08:12:00", "2024-03-11 08:05:00"},
        {"10/20 * * * *", "2024-01-01 10:10:00", "2024-01-01 10:30:00"},
        {"10/20 * * * *", "2024-01-01 10:50:00", "2024-01-01 11:10:00"},
        {"0 9-17/4 * * *", "2024-01-01 13:00:00", "2024-01-01 17:00:00"},
        {"0 9-17/4 * * *", "2024-01-01 17:00:00", "2024-01-02 09:00:00"},
        {"30 9 * JAN,jul MON-fri", "2024-02-01 00:00:00", "2024-07-01 09:30:00"},
        {"0 12 * * 7", "2024-01-01 00:00:00", "2024-01-07 12:00:00"},
        {"0 12 * * sun", "2024-01-01 00:00:00", "2024-01-07 12:00:00"},
        // dom and dow both restricted: either matches
        {"0 0 13 * FRI", "2024-10-05 00:00:00", "2024-10-11 00:00:00"},
        {"0 0 13 * FRI", "2024-10-12 00:00:00", "2024-10-13 00:00:00"},
        {"0 0 13 * *", "2024-10-05 00:00:00", "2024-10-13 00:00:00"},
        // dow starting with '*' counts as unrestricted: both must match
        {"0 0 1 * */2", "2024-01-01 00:00:00", "2024-02-01 00:00:00"},
        {"0 0 29 2 *", "2025-01-01 00:00:00", "2028-02-29 00:00:00"},
        {"0 0 29 2 *", "2096-03-01 00:00:00", "2104-02-29 00:00:00"},
        {"0 0 31 * *", "2024-04-01 00:00:00", "2024-05-31 00:00:00"},
        {"0 0 28-31 2 *", "2023-02-28 00:00:00", "2024-02-28 00:00:00"},
        {"59 23 31 12 *", "2024-12-31 23:59:00", "2025-12-31 23:59:00"},
        {"0 0 1 1 *", "2024-12-31 23:59:59", "2025-01-01 00:00:00"},
        {"@hourly", "2024-01-01 10:30:00", "2024-01-01 11:00:00"},
        {"@daily", "2024-01-01 10:30:00", "2024-01-02 00:00:00"},
        {"@midnight", "2024-01-01 10:30:00", "2024-01-02 00:00:00"},
        {"@weekly", "2024-01-01 10:30:00", "2024-01-07 00:00:00"},
        {"@monthly", "2024-01-31 10:30:00", "2024-02-01 00:00:00"},
        {"@YEARLY", "2024-01-01 00:00:00", "2025-01-01 00:00:00"},
        {"@annually", "2024-06-01 00:00:00", "2025-01-01 00:00:00"},
        {"*/10 * * * * *", "2024-01-01 10:00:05", "2024-01-01 10:00:10"},
        {"30 0 12 * * *", "2024-01-01 12:00:30", "2024-01-02 12:00:30"},
        {"0 0 30 2 *", "2024-01-01 00:00:00", "none"},
    };
    for (const Case& c : cases) {
        INFO(c.expr << " after " << c.from);
        CHECK(next(c.expr, utc(c.from), TimeZone::Utc) == c.expected);
    }
}

TEST_CASE("fractional seconds still move strictly forward") {
    const auto from = utc("2024-01-01 10:00:09") + milliseconds{999};
    CHECK(next("*/10 * * * * *", from, TimeZone::Utc) == "2024-01-01 10:00:10");
    CHECK(next("*/10 * * * * *", utc("2024-01-01 10:00:10") + milliseconds{1}, TimeZone::Utc) ==
          "2024-01-01 10:00:20");
}

TEST_CASE("Local time across Europe/Berlin daylight saving changes") {
    ScopedTimeZone tz("Europe/Berlin");
    // 2024-03-31: 02:00 CET jumps to 03:00 CEST (01:00Z). Skipped wall times fire at the jump.
    CHECK(next("30 2 * * *", utc("2024-03-30 11:00:00"), TimeZone::Local) == "2024-03-31 01:00:00");
    CHECK(next("30 2 * * *", utc("2024-03-31 01:00:00"), TimeZone::Local) == "2024-04-01 00:30:00");
    CHECK(next("0 3 * * *", utc("2024-03-30 11:00:00"), TimeZone::Local) == "2024-03-31 01:00:00");
    CHECK(next("*/15 * * * *", utc("2024-03-31 00:50:00"), TimeZone::Local) == "2024-03-31 01:00:00");
    CHECK(next("*/15 * * * *", utc("2024-03-31 01:00:00"), TimeZone::Local) == "2024-03-31 01:15:00");
    // 2024-10-27: 03:00 CEST falls back to 02:00 CET (01:00Z). Repeated wall times fire once.
    CHECK(next("30 2 * * *", utc("2024-10-26 12:00:00"), TimeZone::Local) == "2024-10-27 00:30:00");
    CHECK(next("30 2 * * *", utc("2024-10-27 00:30:00"), TimeZone::Local) == "2024-10-28 01:30:00");
    CHECK(next("0 * * * *", utc("2024-10-27 00:30:00"), TimeZone::Local) == "2024-10-27 02:00:00");
    CHECK(next("45 2 * * *", utc("2024-10-27 01:30:00"), TimeZone::Local) == "2024-10-28 01:45:00");
    // ordinary days: CET is UTC+1, CEST UTC+2
    CHECK(next("0 9 * * *", utc("2024-01-15 00:00:00"), TimeZone::Local) == "2024-01-15 08:00:00");
    CHECK(next("0 9 * * *", utc("2024-07-15 00:00:00"), TimeZone::Local) == "2024-07-15 07:00:00");
}

TEST_CASE("Local time in America/New_York spring forward") {
    ScopedTimeZone tz("America/New_York");
    // 2024-03-10: 02:00 EST (07:00Z) jumps to 03:00 EDT.
    CHECK(next("30 2 * * *", utc("2024-03-09 12:00:00"), TimeZone::Local) == "2024-03-10 07:00:00");
    CHECK(next("30 2 * * *", utc("2024-03-10 07:00:00"), TimeZone::Local) == "2024-03-11 06:30:00");
    // 2024-11-03: 02:00 EDT falls back to 01:00 EST; 01:30 fires at its EDT occurrence.
    CHECK(next("30 1 * * *", utc("2024-11-02 12:00:00"), TimeZone::Local) == "2024-11-03 05:30:00");
}

TEST_CASE("parse errors name the field and the token") {
    const struct {
        const char* expr;
        const char* field;
        const char* token;
    } cases[] = {
        {"61 * * * *", "minute field", "\"61\""},
        {"* 24 * * *", "hour field", "\"24\""},
        {"* * 0 * *", "day-of-month field", "\"0\""},
        {"* * * 13 *", "month field", "\"13\""},
        {"* * * FOO *", "month field", "\"FOO\""},
        {"* * * * 8", "day-of-week field", "\"8\""},
        {"* * * * MON-FUN", "day-of-week field", "\"MON-FUN\""},
        {"*/0 * * * *", "minute field", "\"*/0\""},
        {"5-1 * * * *", "minute field", "\"5-1\""},
        {"1,,2 * * * *", "minute field", "\"1,,2\""},
        {"1-2-3 * * * *", "minute field", "\"1-2-3\""},
        {"60 * * * * *", "second field", "\"60\""},
        {"* * * *", "expected 5 or 6 fields", "got 4"},
        {"* * * * * * *", "expected 5 or 6 fields", "got 7"},
        {"@fortnightly", "unknown macro", "\"@fortnightly\""},
    };
    for (const auto& c : cases) {
        INFO(c.expr);
        auto parsed = CronExpr::parse(c.expr);
        REQUIRE_FALSE(parsed.has_value());
        CHECK(parsed.error().kind == ferry::core::ErrorKind::InvalidInput);
        CHECK_THAT(parsed.error().message, Catch::Contains(c.field) && Catch::Contains(c.token) &&
                                               Catch::Contains(std::string("\"") + c.expr + "\""));
    }
}

TEST_CASE("parsed fields") {
    auto e = CronExpr::parse("  0,30   8-10/2 * * mon  ");
    REQUIRE(e.has_value());
    CHECK_FALSE(e->has_seconds());
    CHECK(e->minute_matches(30));
    CHECK_FALSE(e->minute_matches(15));
    CHECK(e->hour_matches(8));
    CHECK_FALSE(e->hour_matches(9));
    CHECK(e->hour_matches(10));
    CHECK(e->second_matches(0));
    CHECK_FALSE(e->second_matches(1));
    CHECK(e->day_matches(year{2024} / 1 / 1));   // a Monday
    CHECK_FALSE(e->day_matches(year{2024} / 1 / 2));
    CHECK(CronExpr::parse("*/5 * * * * *")->has_seconds());
}
