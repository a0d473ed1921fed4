// regsync creds -> registries:. Keys and meanings: regclient config/host.go (read, not
// copied): registry, tls (enabled|insecure|disabled), regcert/clientCert/clientKey (inline
// PEM), hostname, user, pass, token, credHelper, credExpire, credHost, pathPrefix (a
// repository namespace on a mirror, not an API path), mirrors, priority, repoAuth, api,
// apiOpts, blobChunk, blobMax, reqPerSec, reqConcurrent, scheme (deprecated).
#include "convert/regsync_creds.hpp"

#include <fmt/format.h>

#include <regex>

namespace ferry::convert {
namespace {

/// `{{file "/p"}}` -> "/p".
std::optional<std::string> file_template(const std::string& text) {
    static const std::regex file(R"re(^\s*\{\{\s*file\s+"([^"]+)"\s*\}\}\s*$)re");
    std::smatch m;
    if (std::regex_match(text, m, file)) return m[1].str();
    return std::nullopt;
}

std::optional<std::string> env_only(const std::string& text) {
    static const std::regex env(R"re(^\s*\{\{\s*env\s+"([^"]+)"\s*\}\}\s*$)re");
    std::smatch m;
    if (std::regex_match(text, m, env)) return m[1].str();
    return std::nullopt;
}

void convert_password(const std::string& file, PlanWriter& plan, const std::string& host, const YAML::Node& cred,
                      YAML::Node reg) {
    const std::string user = cred["user"].as<std::string>("");
    const std::string pass = cred["pass"].as<std::string>("");
    if (user.empty() && pass.empty()) return;
    if (auto expanded = expand_env_templates(user)) {
        reg["credentials"]["username"] = *expanded;
    } else {
        reg["credentials"]["username"] = user;
        plan.note(fmt::format("{}: user of {}: a template other than {{{{env \"X\"}}}}; written as it is",
                              where(file, cred["user"]), host));
    }
    if (auto var = env_only(pass)) {
        reg["credentials"]["password_env"] = *var;
    } else if (auto path = file_template(pass)) {
        reg["credentials"]["password_file"] = *path;
    } else {
        const std::string var = password_variable(host);
        reg["credentials"]["password_env"] = var;
        plan.note(fmt::format("{}: the password of {} is not written into a ferry plan: export {} before running ferry",
                              where(file, cred["pass"] ? cred["pass"] : cred), host, var));
    }
}

}  // namespace

std::optional<std::string> expand_env_templates(const std::string& text) {
    static const std::regex env(R"re(\{\{\s*env\s+"([A-Za-z_][A-Za-z0-9_]*)"\s*\}\})re");
    std::string out = std::regex_replace(text, env, "$${$1}");
    if (out.find("{{") != std::string::npos) return std::nullopt;
    return out;
}

void convert_regsync_cred(const std::string& file, PlanWriter& plan, const YAML::Node& cred) {
    const std::string host = cred["registry"].as<std::string>("");
    if (host.empty()) {
        plan.note(fmt::format("{}: a creds entry without registry: left out (regsync ignores it)", where(file, cred)));
        return;
    }
    auto reg = plan.registry(host);
    for (const auto& kv : cred) {
        const std::string key = kv.first.as<std::string>();
        const YAML::Node& v = kv.second;
        const std::string at = where(file, kv.first);
        auto left_out = [&](const std::string& why) {
            plan.note(fmt::format("{}: creds.{} of {}: {}; left out", at, key, host, why));
        };
        if (key == "registry" || key == "user" || key == "pass" || key.starts_with("x-")) continue;
        if (key == "tls") {
            const std::string tls = v.as<std::string>();
            // regclient's insecure is https without verification (no plain-http fallback).
            reg["tls"] = tls == "disabled" ? "disabled" : tls == "insecure" ? "skip-verify" : "verify";
        } else if (key == "scheme") {
            if (!reg["tls"]) reg["tls"] = v.as<std::string>() == "http" ? "disabled" : "verify";
        } else if (key == "reqPerSec") {
            if (v.as<double>() > 0) reg["requests_per_second"] = v.as<double>();
        } else if (key == "reqConcurrent") {
            if (v.as<long>() > 0) reg["max_requests"] = v.as<long>();
        } else if (key == "mirrors") {
            for (const auto& m : v) reg["mirrors"].push_back(m.as<std::string>());
        } else if (key == "priority") {
            left_out("ferry tries a host's mirrors in the order its mirrors: list names them");
        } else if (key == "credHelper") {
            const std::string helper = v.as<std::string>();
            reg["credentials"] = "docker-config";
            plan.note(fmt::format("{}: credHelper {}: ferry runs the credential helpers docker config.json names; "
                                  "add \"credHelpers\": {{\"{}\": \"{}\"}} there",
                                  at, helper, host, helper.substr(helper.rfind("docker-credential-") == 0 ? 18 : 0)));
        } else if (key == "credExpire" || key == "credHost") {
            left_out("ferry asks credential helpers again every 10 minutes and on an expired-credential answer, for "
                     "the registry's own name");
        } else if (key == "regcert" || key == "clientCert" || key == "clientKey") {
            left_out(std::string("ferry reads certificates from files: save the PEM and set ") +
                     (key == "regcert" ? "ca_file" : key == "clientCert" ? "client_cert" : "client_key"));
        } else if (key == "hostname") {
            left_out("ferry connects to the registry name itself (a mirrors: entry pulls from another host)");
        } else if (key == "pathPrefix") {
            left_out("a repository namespace on a mirror; ferry's path_prefix is an API path before /v2/, not this");
        } else if (key == "repoAuth") {
            if (!v.as<bool>()) continue;
            plan.note(fmt::format("{}: creds.repoAuth of {}: ferry already asks for one token per repository", at, host));
        } else if (key == "blobChunk") {
            if (cred["blobMax"] && cred["blobMax"].as<long>() < 0) continue;  // chunked uploads disabled
            reg["upload"]["chunk_size"] = v.as<long>();
            plan.note(fmt::format("{}: creds.blobChunk of {}: ferry uploads every blob in chunks of this size (regsync "
                                  "only those above blobMax)", at, host));
        } else if (key == "blobMax") {
            if (v.as<long>() < 0 || cred["blobChunk"]) continue;
            left_out("ferry uploads each blob in one PUT and switches to chunks by itself when a registry refuses it");
        } else if (key == "token") {
            left_out("an experimental regclient setting for specific APIs");
        } else if (key == "api" || key == "apiOpts") {
            left_out("regclient API options (deprecated or regclient-specific)");
        } else {
            left_out("not a regsync creds key (regsync ignores it)");
        }
    }
    convert_password(file, plan, host, cred, reg);
}

}  // namespace ferry::convert
