/// Fuzzes CronExpr::parse. Properties: a parsed expression keeps its text, and the next
/// firing after a fixed instant is strictly later and is itself selected by the fields.
#include <chrono>

#include "cron/cron_expr.hpp"
#include "fuzz_check.hpp"

using ferry::fuzz::check;
using ferry::cron::CronExpr;

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
    if (size > 512) return -1;  // cron lines are short; long inputs only slow the search down
    auto text = ferry::fuzz::as_text(data, size);
    auto expr = CronExpr::parse(text);
    if (!expr) {
        check(!expr.error().message.empty(), "cron error without a message", text);
        return 0;
    }
    using namespace std::chrono;
    const auto from = sys_days{year{2024} / February / 28} + hours{23} + minutes{59} + seconds{30};
    auto next = expr->next_after(from, ferry::cron::TimeZone::Utc);
    if (!next) return 0;
    check(*next > from, "next_after is not after the start", text);
    auto secs = floor<seconds>(*next);
    auto day = floor<days>(secs);
    hh_mm_ss<seconds> tod{secs - day};
    check(expr->day_matches(year_month_day{day}), "next firing on a day the fields reject", text);
    check(expr->hour_matches(static_cast<int>(tod.hours().count())) &&
              expr->minute_matches(static_cast<int>(tod.minutes().count())) &&
              expr->second_matches(static_cast<int>(tod.seconds().count())),
          "next firing at a time the fields reject", text);
    return 0;
}
