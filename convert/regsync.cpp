// regsync config -> ferry plan. Format: regclient docs/regsync.md: version, creds[] (registry,
// user, pass, tls enabled|insecure|disabled, credHelper, regcert, reqPerSec, reqConcurrent, …),
// defaults (parallel, interval, schedule, ratelimit, backup, …), sync[] (source, target,
// type image|repository|registry, tags.allow/deny regexes anchored at both ends, platform,
// interval, schedule, referrers, backup, …); keys starting with x- are user extensions.
#include <fmt/format.h>

#include <regex>

#include "convert/convert.hpp"
#include "convert/plan_writer.hpp"

namespace ferry::convert {
namespace {

struct RegsyncContext {
    const std::string& file;
    PlanWriter& plan;
};

std::string at(const RegsyncContext& c, const YAML::Node& node) { return where(c.file, node); }

/// `{{env "X"}}` -> password_env X; `{{file "/p"}}` -> password_file /p; else nullopt.
std::optional<std::pair<std::string, std::string>> password_source(const std::string& pass) {
    static const std::regex env(R"re(^\s*\{\{\s*env\s+"([^"]+)"\s*\}\}\s*$)re");
    static const std::regex file(R"re(^\s*\{\{\s*file\s+"([^"]+)"\s*\}\}\s*$)re");
    std::smatch m;
    if (std::regex_match(pass, m, env)) return std::make_pair(std::string("password_env"), m[1].str());
    if (std::regex_match(pass, m, file)) return std::make_pair(std::string("password_file"), m[1].str());
    return std::nullopt;
}

void convert_credentials(const RegsyncContext& c, const std::string& host, const YAML::Node& cred, YAML::Node reg) {
    const std::string user = cred["user"].as<std::string>("");
    const std::string pass = cred["pass"].as<std::string>("");
    if (user.empty() && pass.empty()) return;
    reg["credentials"]["username"] = user;
    if (auto source = password_source(pass)) {
        reg["credentials"][source->first] = source->second;
        return;
    }
    std::string var = "FERRY_PASSWORD_";
    for (char ch : host) var += std::isalnum(static_cast<unsigned char>(ch)) ? static_cast<char>(std::toupper(ch)) : '_';
    reg["credentials"]["password_env"] = var;
    c.plan.note(fmt::format("{}: the password of {} is not written into a ferry plan: export {} before running ferry",
                            at(c, cred["pass"]), host, var));
}

void convert_cred(const RegsyncContext& c, const YAML::Node& cred) {
    const std::string host = cred["registry"].as<std::string>("");
    if (host.empty()) {
        c.plan.note(fmt::format("{}: a creds entry without registry: left out", at(c, cred)));
        return;
    }
    auto reg = c.plan.registry(host);
    for (const auto& kv : cred) {
        const std::string key = kv.first.as<std::string>();
        const YAML::Node& v = kv.second;
        if (key == "registry" || key == "user" || key == "pass") continue;
        if (key == "tls") {
            const std::string tls = v.as<std::string>();
            reg["tls"] = tls == "disabled" ? "disabled" : tls == "insecure" ? "skip-verify" : "verify";
        } else if (key == "reqPerSec") {
            reg["requests_per_second"] = v.as<double>();
        } else if (key == "reqConcurrent") {
            reg["max_requests"] = v.as<int>();
        } else if (key == "credHelper") {
            reg["credentials"] = "docker-config";
            c.plan.note(fmt::format("{}: credHelper {}: ferry runs credential helpers named in docker config.json; add "
                                    "\"credHelpers\": {{\"{}\": \"{}\"}} there",
                                    at(c, v), v.as<std::string>(), host, v.as<std::string>().substr(v.as<std::string>().rfind('-') + 1)));
        } else if (key == "regcert") {
            c.plan.note(fmt::format("{}: regcert (inline PEM): save it to a file and set ca_file for {}", at(c, v), host));
        } else {
            c.plan.note(fmt::format("{}: creds.{} of {}: no ferry equivalent; left out", at(c, kv.first), key, host));
        }
    }
    convert_credentials(c, host, cred, reg);
}

/// regsync anchors tag regexes at both ends; ferry matches anywhere: anchor them explicitly.
YAML::Node anchored(const YAML::Node& list) {
    YAML::Node out(YAML::NodeType::Sequence);
    for (const auto& r : list) out.push_back("^(?:" + r.as<std::string>() + ")$");
    return out;
}

/// Keys handled per entry; everything else becomes a note.
void convert_step_option(const RegsyncContext& c, const std::string& key, const YAML::Node& v, YAML::Node& entry,
                         std::string& schedule) {
    if (key == "tags") {
        if (v["allow"]) entry["tags"]["allow"] = anchored(v["allow"]);
        if (v["deny"]) entry["tags"]["deny"] = anchored(v["deny"]);
    } else if (key == "platform") {
        entry["platforms"].push_back(v.as<std::string>());
        c.plan.note(fmt::format("{}: platform {}: regsync copies that platform's image manifest; ferry writes a "
                                "one-entry index of it (digest differs from the source index)",
                                at(c, v), v.as<std::string>()));
    } else if (key == "referrers") {
        entry["referrers"] = v.as<bool>() ? "all" : "none";
    } else if (key == "schedule") {
        schedule = v.as<std::string>();
    } else if (key == "interval") {
        if (auto cron = interval_as_cron(v.as<std::string>())) schedule = *cron;
        else c.plan.note(fmt::format("{}: interval {}: not an even division of a minute, hour or day; no schedule written",
                                     at(c, v), v.as<std::string>()));
    } else if (key == "digestTags") {
        if (!v.as<bool>()) entry["referrers"] = "none";
    } else {
        c.plan.note(fmt::format("{}: {}: no ferry equivalent; left out", at(c, v), key));
    }
}

core::Status convert_step(const RegsyncContext& c, const YAML::Node& step, const YAML::Node& defaults,
                          std::map<std::string, std::vector<std::string>>& schedules) {
    const std::string type = step["type"].as<std::string>("");
    std::string source = step["source"].as<std::string>(""), target = step["target"].as<std::string>("");
    if (source.find("{{") != std::string::npos || target.find("{{") != std::string::npos) {
        c.plan.note(fmt::format("{}: templates in source/target are not expanded; step left out", at(c, step)));
        return {};
    }
    YAML::Node entry;
    if (type == "registry") {
        source += "/*";
        if (!target.ends_with('/')) target += "/";
    } else if (type != "image" && type != "repository") {
        return core::fail(core::ErrorKind::Config, at(c, step) + ": sync type must be image, repository or registry");
    }
    entry["source"] = source;
    entry["target"] = target;
    std::string schedule;
    for (const auto& kv : defaults)
        if (const auto key = kv.first.as<std::string>(); key == "schedule" || key == "interval") convert_step_option(c, key, kv.second, entry, schedule);
    for (const auto& kv : step) {
        const std::string key = kv.first.as<std::string>();
        if (key != "source" && key != "target" && key != "type" && !key.starts_with("x-"))
            convert_step_option(c, key, kv.second, entry, schedule);
    }
    std::string hint = source.substr(source.find('/') == std::string::npos ? 0 : source.find('/') + 1);
    if (type == "registry") hint = source.substr(0, source.find('/'));
    const std::string name = c.plan.add_entry(base_name(hint.substr(0, hint.find_first_of(":@"))), entry);
    if (!schedule.empty()) schedules[schedule].push_back(name);
    return {};
}

void convert_defaults(const RegsyncContext& c, const YAML::Node& defaults) {
    for (const auto& kv : defaults) {
        const std::string key = kv.first.as<std::string>();
        if (key == "schedule" || key == "interval") continue;  // applied per entry
        if (key == "parallel") {
            c.plan.defaults()["jobs"] = std::max(1, kv.second.as<int>());
            c.plan.note(fmt::format("{}: parallel {}: regsync counts images copied at once, ferry's jobs counts blob "
                                    "transfers; adjust jobs to taste", at(c, kv.second), kv.second.as<int>()));
        } else if (key == "referrers") {
            c.plan.defaults()["referrers"] = kv.second.as<bool>() ? "all" : "none";
        } else {
            c.plan.note(fmt::format("{}: defaults.{}: no ferry equivalent; left out", at(c, kv.first), key));
        }
    }
}

}  // namespace

core::Result<Conversion> convert_regsync(const std::string& text, const std::string& file) {
    try {
        const YAML::Node root = YAML::Load(text);
        if (!root.IsMap() || !root["sync"] || !root["sync"].IsSequence())
            return core::fail(core::ErrorKind::Config, file + ": not a regsync configuration (no sync: list)");
        if (root["version"] && root["version"].as<int>() != 1)
            return core::fail(core::ErrorKind::Config, where(file, root["version"]) + ": regsync version 1 expected");
        PlanWriter plan("regsync configuration " + file);
        RegsyncContext c{file, plan};
        for (const auto& cred : root["creds"]) convert_cred(c, cred);
        const YAML::Node defaults = root["defaults"] ? root["defaults"] : YAML::Node(YAML::NodeType::Map);
        convert_defaults(c, defaults);
        std::map<std::string, std::vector<std::string>> schedules;
        for (const auto& step : root["sync"])
            if (auto st = convert_step(c, step, defaults, schedules); !st) return std::unexpected(st.error());
        int n = 0;
        for (const auto& [cron, jobs] : schedules) plan.add_schedule(schedules.size() == 1 ? "regsync" : "regsync-" + std::to_string(++n), cron, jobs);
        return plan.finish();
    } catch (const YAML::Exception& e) {
        return core::fail(core::ErrorKind::Config, fmt::format("{}:{}:{}: {}", file, e.mark.line + 1, e.mark.column + 1, e.msg));
    }
}

}  // namespace ferry::convert
