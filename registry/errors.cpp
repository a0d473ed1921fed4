#include "registry/errors.hpp"

#include <nlohmann/json.hpp>

#include "core/redact.hpp"
#include "core/text.hpp"
#include "http/challenge.hpp"
#include "http/host_health.hpp"

#include <algorithm>

namespace ferry::registry {

std::vector<RegistryErrorEntry> parse_error_body(std::string_view body) {
    std::vector<RegistryErrorEntry> out;
    try {
        const auto doc = nlohmann::json::parse(body);
        const auto errors = doc.is_object() ? doc.find("errors") : doc.end();
        if (errors == doc.end() || !errors->is_array()) return out;
        for (const auto& e : *errors) {
            if (!e.is_object()) continue;
            RegistryErrorEntry entry;
            if (auto c = e.find("code"); c != e.end() && c->is_string()) entry.code = c->get<std::string>();
            if (auto m = e.find("message"); m != e.end() && m->is_string()) entry.message = m->get<std::string>();
            if (!entry.code.empty() || !entry.message.empty()) out.push_back(std::move(entry));
        }
    } catch (const nlohmann::json::exception&) {
        out.clear();
    }
    return out;
}

std::string sanitize_body(std::string_view body) {
    std::string out;
    bool in_tag = false;
    for (char c : body) {
        if (c == '<') in_tag = true;
        else if (c == '>' && in_tag) { in_tag = false; c = ' '; }
        if (in_tag) continue;
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f) c = ' ';
        if (c == ' ' && (out.empty() || out.back() == ' ')) continue;
        out.push_back(c);
        if (out.size() >= 200) break;
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return core::redact(out);
}

core::ErrorKind kind_for_status(int status, std::string_view code) {
    using core::ErrorKind;
    if (status == 401) return ErrorKind::Auth;
    if (status == 403) return ErrorKind::Denied;
    if (status == 404) return ErrorKind::NotFound;
    if (status == 408 || status == 429 || status >= 500) return ErrorKind::Server;
    if (code == "DIGEST_INVALID" || code == "SIZE_INVALID") return ErrorKind::Integrity;
    if (status == 405 || code == "UNSUPPORTED") return ErrorKind::Unsupported;
    if (code == "MANIFEST_INVALID" || code == "NAME_INVALID" || code == "TAG_INVALID" ||
        code == "MANIFEST_BLOB_UNKNOWN" || code == "BLOB_UNKNOWN")
        return ErrorKind::InvalidInput;
    return ErrorKind::Protocol;
}

namespace {

/// For a 401: why no credentials were offered when the challenge was the reason.
std::string challenge_note(const http::Response& response) {
    if (response.status != 401) return {};
    const auto fields = response.headers.get_all("WWW-Authenticate");
    if (fields.empty()) return " (no WWW-Authenticate challenge)";
    for (const auto& c : http::parse_www_authenticate(fields))
        if (c.scheme == "basic" || c.scheme == "bearer") return {};
    return " (the WWW-Authenticate challenge is malformed or of an unknown scheme)";
}

}  // namespace

core::Error response_error(std::string_view context, const http::Response& response) {
    const auto entries = parse_error_body(response.body);
    std::string detail;
    for (const auto& e : entries) {
        if (!detail.empty()) detail += "; ";
        detail += e.code.empty() ? e.message : (e.message.empty() ? e.code : e.code + ": " + e.message);
    }
    if (entries.empty()) detail = sanitize_body(response.body);
    std::string message = std::string(context) + ": " + std::to_string(response.status);
    // The registry's own words are text from outside: shown with their control characters
    // escaped, so that a message cannot forge a line or colour a terminal.
    if (!detail.empty()) message += " " + core::escape_control(core::redact(detail));
    message += challenge_note(response);
    if (response.status == 429)
        if (auto quota = http::parse_rate_quota(response.headers)) message += " (" + quota->describe() + ")";
    const std::string code = entries.empty() ? std::string() : entries.front().code;
    core::Error error = core::make_error(kind_for_status(response.status, code), std::move(message), response.status, code);
    if (response.retries_spent && error.retryable()) error.hint = core::ErrorHint::RetriesSpent;
    return error;
}

core::Error with_tls_hint(core::Error error, std::string_view host) {
    if (error.kind != core::ErrorKind::Tls) return error;
    const auto& m = error.message;
    if (m.find("issuer certificate") != std::string::npos || m.find("self-signed") != std::string::npos ||
        m.find("self signed") != std::string::npos || m.find("is issued by") != std::string::npos) {
        error.message += "; " + std::string(host) +
                         ": trust its CA with --ca-file CA.pem (or ca_file: under registries: in a plan), or skip "
                         "verification with --tls-verify=false (tls: skip-verify in a plan)";
        return error;
    }
    if (m.find("wrong version number") == std::string::npos && m.find("packet length too long") == std::string::npos &&
        m.find("record layer failure") == std::string::npos)
        return error;
    error.message += "; the registry answered plain HTTP, not TLS: allow it with --insecure-registry " +
                     std::string(host) + " (or `tls: disabled` under registries: in a plan)";
    return error;
}

namespace {

bool contains_folded(std::string_view text, std::string_view needle) {
    return core::ascii_lower(text).find(needle) != std::string::npos;
}

bool names_missing(std::string_view text) {
    return contains_folded(text, "does not exist") || contains_folded(text, "not found");
}

}  // namespace

bool says_missing(const http::Response& response) {
    if (response.status < 500) return false;
    for (const auto& e : parse_error_body(response.body))
        if (e.code == "NAME_UNKNOWN" || names_missing(e.message)) return true;
    return false;
}

core::Error missing_repository_error(std::string_view context, const http::Response& response,
                                     std::string_view repository) {
    core::Error error = response_error(context, response);
    error.kind = core::ErrorKind::NotFound;
    error.message += ": repository " + std::string(repository) +
                     " does not exist at the registry: create it first (this registry does not create repositories on push)";
    return error;
}

core::Error write_error(std::string_view context, const http::Response& response, std::string_view repository) {
    core::Error error = response_error(context, response);
    const auto entries = parse_error_body(response.body);
    const bool missing = says_missing(response) ||
                         (response.status == 404 &&
                          (error.registry_code == "NAME_UNKNOWN" || entries.empty() ||
                           std::any_of(entries.begin(), entries.end(), [](const auto& e) { return names_missing(e.message); })));
    if (missing) return missing_repository_error(context, response, repository);
    const bool immutable = std::any_of(entries.begin(), entries.end(), [](const auto& e) {
        return contains_folded(e.message, "immutable");
    });
    if (immutable && (response.status == 400 || response.status == 403 || response.status == 409 || response.status == 412)) {
        error.kind = core::ErrorKind::Conflict;
        error.message += ": the registry keeps this tag immutable: not overwritten";
    }
    return error;
}

}  // namespace ferry::registry
