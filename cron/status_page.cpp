#include "cron/status_page.hpp"

#include <fmt/format.h>

namespace ferry::cron {
namespace {

using nlohmann::json;

constexpr std::string_view kStyle = R"(
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#1b1f23;background:#fafbfc}
h1{font-size:1.4em;margin:0 0 .2em} h2{font-size:1.1em;margin:1.6em 0 .4em}
.meta{color:#586069} table{border-collapse:collapse;width:100%;background:#fff}
th,td{border:1px solid #e1e4e8;padding:.3em .6em;text-align:left;vertical-align:top}
th{background:#f1f3f5} td.n{text-align:right;font-variant-numeric:tabular-nums}
.ok{color:#22863a;font-weight:600} .failed{color:#cb2431;font-weight:600}
.cancelled,.running{color:#b08800;font-weight:600} .err{color:#cb2431;font-family:monospace;white-space:pre-wrap}
code{font-size:.95em} .empty{color:#6a737d;font-style:italic}
)";

/// The value of `key` as display text: strings as they are, numbers, "" for null/absent.
std::string text_of(const json& node, std::string_view key) {
    const auto it = node.find(key);
    if (it == node.end() || it->is_null()) return {};
    if (it->is_string()) return it->get<std::string>();
    if (it->is_boolean()) return it->get<bool>() ? "yes" : "no";
    if (it->is_number_float()) return fmt::format("{:.1f}", it->get<double>());
    return it->dump();
}

std::string cell(std::string_view text, std::string_view css_class = {}) {
    if (css_class.empty()) return "<td>" + html_escape(text) + "</td>";
    return fmt::format("<td class=\"{}\">{}</td>", css_class, html_escape(text));
}

std::string number_cell(const json& node, std::string_view key) { return cell(text_of(node, key), "n"); }

std::string bytes_text(const json& node, std::string_view key) {
    const auto it = node.find(key);
    if (it == node.end() || !it->is_number()) return {};
    double v = it->get<double>();
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    while (v >= 1024 && u < 4) v /= 1024, ++u;
    return u == 0 ? fmt::format("{:.0f} B", v) : fmt::format("{:.1f} {}", v, units[u]);
}

std::string outcome_class(std::string_view outcome) {
    if (outcome == "succeeded") return "ok";
    if (outcome == "failed") return "failed";
    return std::string(outcome);
}

std::string jobs_section(const json& status) {
    std::string out = "<h2>Jobs</h2>";
    const auto jobs = status.value("jobs", json::array());
    if (jobs.empty()) return out + "<p class=\"empty\">no scheduled jobs</p>";
    out += "<table id=\"jobs\"><tr><th>job</th><th>schedule</th><th>next run</th><th>state</th><th>last run</th>"
           "<th>succeeded</th><th>failed</th><th>skipped overlaps</th><th>last error</th></tr>";
    for (const auto& job : jobs) {
        const bool running = job.value("running", false);
        const auto last = job.find("last_success");
        std::string last_text = "never ran", last_class;
        if (last != job.end() && last->is_boolean()) {
            last_text = last->get<bool>() ? "succeeded" : "failed";
            last_class = outcome_class(last_text);
        }
        out += "<tr class=\"job\">" + cell(text_of(job, "name")) + "<td><code>" + html_escape(text_of(job, "schedule")) +
               "</code> " + html_escape(text_of(job, "time_zone")) + "</td>" + cell(text_of(job, "next_fire")) +
               cell(running ? "running" : "idle", running ? "running" : "") +
               cell(last_text + (job.contains("last_end") && !job["last_end"].is_null() ? " at " + text_of(job, "last_end") : ""),
                    last_class) +
               number_cell(job, "runs_succeeded") + number_cell(job, "runs_failed") +
               number_cell(job, "skipped_overlaps") + cell(text_of(job, "last_error"), "err") + "</tr>";
    }
    return out + "</table>";
}

std::string runs_section(const json& status) {
    std::string out = "<h2>Recent runs</h2>";
    const auto runs = status.value("runs", json::array());
    if (runs.empty()) return out + "<p class=\"empty\">no run has finished yet</p>";
    out += "<table id=\"runs\"><tr><th>job</th><th>trigger</th><th>started</th><th>outcome</th><th>duration</th>"
           "<th>new</th><th>changed</th><th>unchanged</th><th>failed</th><th>rejected</th><th>pruned</th>"
           "<th>copied</th><th>mounted</th></tr>";
    std::string errors;
    for (const auto& run : runs) {
        const auto images = run.value("images", json::object());
        const auto bytes = run.value("bytes", json::object());
        const std::string outcome = text_of(run, "outcome");
        out += "<tr class=\"run\">" + cell(text_of(run, "job")) + cell(text_of(run, "trigger")) +
               cell(text_of(run, "started")) + cell(outcome, outcome_class(outcome)) +
               cell(text_of(run, "seconds") + " s", "n") + number_cell(images, "new") +
               number_cell(images, "changed") + number_cell(images, "unchanged") + number_cell(images, "failed") +
               number_cell(images, "rejected") + number_cell(images, "pruned") + cell(bytes_text(bytes, "copied"), "n") +
               cell(bytes_text(bytes, "mounted"), "n") + "</tr>";
        for (const auto& e : run.value("errors", json::array()))
            errors += "<tr class=\"image-error\">" + cell(text_of(run, "job")) + cell(text_of(run, "started")) +
                      cell(text_of(e, "image")) + cell(text_of(e, "error"), "err") + "</tr>";
    }
    out += "</table><h2>Failed images</h2>";
    if (errors.empty()) return out + "<p class=\"empty\">none in the recent runs</p>";
    return out + "<table id=\"errors\"><tr><th>job</th><th>run started</th><th>image</th><th>error</th></tr>" + errors +
           "</table>";
}

std::string list_text(const json& node, std::string_view key) {
    std::string out;
    for (const auto& item : node.value(key, json::array()))
        if (item.is_string()) out += (out.empty() ? "" : "\n") + item.get<std::string>();
    return out;
}

std::string webhooks_section(const json& status) {
    const auto it = status.find("webhooks");
    if (it == status.end() || !it->is_object()) return "<h2>Webhook events</h2><p class=\"empty\">webhooks are not configured</p>";
    const json& hooks = *it;
    std::string out = fmt::format("<h2>Webhook events</h2><p class=\"meta\">POST <code>{}</code>: {} accepted, {} refused</p>",
                                  html_escape(text_of(hooks, "path")), html_escape(text_of(hooks, "received")),
                                  html_escape(text_of(hooks, "refused")));
    const auto events = hooks.value("events", json::array());
    if (events.empty()) return out + "<p class=\"empty\">no event received yet</p>";
    out += "<table id=\"events\"><tr><th>time</th><th>from</th><th>event</th><th>result</th><th>triggered</th>"
           "<th>notes</th></tr>";
    for (const auto& e : events)
        out += "<tr class=\"event\">" + cell(text_of(e, "time")) + cell(text_of(e, "format")) + cell(text_of(e, "event")) +
               cell(text_of(e, "result")) + "<td style=\"white-space:pre-wrap\">" + html_escape(list_text(e, "triggered")) +
               "</td><td style=\"white-space:pre-wrap\">" + html_escape(list_text(e, "notes")) + "</td></tr>";
    return out + "</table>";
}

}  // namespace

std::string html_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default: out += c;
        }
    }
    return out;
}

std::string render_status_page(const json& status, int refresh_seconds) {
    std::string out = fmt::format(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta http-equiv=\"refresh\" content=\"{}\"><title>ferry daemon</title><style>{}</style></head><body>"
        "<h1>ferry daemon</h1><p class=\"meta\">plan <code>{}</code> · generated {} · refreshes every {} s · "
        "<a href=\"/status\">/status</a> (JSON) · <a href=\"/metrics\">/metrics</a></p>",
        refresh_seconds, kStyle, html_escape(text_of(status, "plan")), html_escape(text_of(status, "generated")),
        refresh_seconds);
    out += jobs_section(status) + runs_section(status) + webhooks_section(status);
    return out + "</body></html>\n";
}

}  // namespace ferry::cron
