#pragma once
/// The daemon's status page (GET /): one self-contained HTML document (inline CSS, no script,
/// no external asset: it works in an air gap) rendered from the /status JSON document, so the
/// page and /status always show the same data. It reloads itself every `refresh_seconds`.
/// Every value from the document is HTML-escaped.
///
/// Sections read from the document (each optional):
///   "plan": string; "generated": RFC 3339 string;
///   "jobs": [{name, schedule, time_zone, running, next_fire, last_start, last_end, last_success,
///             last_error, runs_succeeded, runs_failed, skipped_overlaps}];
///   "runs": [{job, trigger, started, outcome, seconds, images:{new, changed, unchanged, failed,
///             rejected, conflicts, pruned}, bytes:{copied, mounted}, errors:[{image, error}]}];
///   "webhooks": {path, received, refused, events:[{time, format, event, result, triggered:[…],
///                notes:[…]}]}.
#include <string>

#include <nlohmann/json.hpp>

namespace ferry::cron {

std::string render_status_page(const nlohmann::json& status, int refresh_seconds = 5);

/// `text` with &, <, >, " and ' replaced by entities.
std::string html_escape(std::string_view text);

}  // namespace ferry::cron
