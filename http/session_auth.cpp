#include "http/session.hpp"

#include "core/redact.hpp"
#include "http/base64.hpp"
#include "http/url.hpp"

namespace ferry::http {
namespace {

constexpr std::size_t kTokenReplyCap = 1u << 20;

std::string basic_value(const Credential& c) {
    std::string value = "Basic " + base64_encode(c.username + ":" + c.password);
    core::register_secret(value.substr(6));
    return value;
}

std::string join_scopes(const std::vector<std::string>& scopes) {
    std::string out;
    for (const auto& s : scopes) out += (out.empty() ? "" : " ") + s;
    return out;
}

Request token_request(const Challenge& challenge, const std::vector<std::string>& scopes,
                      const std::optional<Credential>& cred) {
    const std::string realm = challenge.param("realm");
    const std::string service = challenge.param("service");
    Request req;
    req.max_body_bytes = kTokenReplyCap;
    if (cred && !cred->identity_token.empty()) {  // OAuth2 refresh-token grant
        req.method = "POST";
        req.url = realm;
        req.headers.set("Content-Type", "application/x-www-form-urlencoded");
        req.body = "grant_type=refresh_token&client_id=ferry&refresh_token=" + url_encode(cred->identity_token);
        if (!service.empty()) req.body += "&service=" + url_encode(service);
        if (!scopes.empty()) req.body += "&scope=" + url_encode(join_scopes(scopes));
        return req;
    }
    req.url = realm;
    if (!service.empty()) req.url = append_query(req.url, "service", service);
    for (const auto& s : scopes) req.url = append_query(req.url, "scope", s);
    if (cred && !cred->username.empty()) {
        req.url = append_query(req.url, "account", cred->username);
        req.headers.set("Authorization", basic_value(*cred));
    }
    return req;
}

core::ErrorKind kind_for_token_status(int status) {
    if (status == 401) return core::ErrorKind::Auth;
    if (status == 403) return core::ErrorKind::Denied;
    if (status == 429 || status >= 500) return core::ErrorKind::Server;
    return core::ErrorKind::Protocol;
}

}  // namespace

core::Result<std::optional<Credential>> Session::credential() {
    std::lock_guard lock(mutex_);
    if (!credential_) {
        credential_ = options_.credentials ? options_.credentials()
                                           : core::Result<std::optional<Credential>>(std::nullopt);
    }
    return *credential_;
}

core::Result<Token> Session::fetch_token(const Challenge& challenge, const std::vector<std::string>& scopes) {
    const std::string realm = challenge.param("realm");
    const std::string context = "fetching a token for " + options_.host + " from " + core::redact(realm);
    if (realm.empty()) return core::fail(core::ErrorKind::Protocol, context + ": the Bearer challenge has no realm");
    auto cred = credential();
    if (!cred) return std::unexpected(cred.error());
    auto response = send_with_retries(token_request(challenge, scopes, *cred), false);
    if (!response) return std::unexpected(response.error().with_context(context));
    if (!response->ok()) {
        std::string detail = core::redact(response->body.substr(0, 200));
        return std::unexpected(core::make_error(kind_for_token_status(response->status),
                                                context + ": HTTP " + std::to_string(response->status) +
                                                    (detail.empty() ? "" : ": " + detail),
                                                response->status));
    }
    auto token = parse_token_response(response->body, std::chrono::steady_clock::now(), std::chrono::system_clock::now());
    if (!token) return std::unexpected(token.error().with_context(context));
    return token;
}

core::Result<std::optional<std::string>> Session::authorization(const std::vector<std::string>& scopes, bool refresh) {
    auto challenge = current_challenge();
    if (!challenge) return std::nullopt;
    if (challenge->scheme == "basic") {
        auto cred = credential();
        if (!cred) return std::unexpected(cred.error());
        if (!*cred || (*cred)->username.empty()) return std::nullopt;
        return basic_value(**cred);
    }
    if (challenge->scheme != "bearer") return std::nullopt;
    const auto wanted = normalize_scopes(scopes);
    const std::string key = scope_key(wanted);
    std::lock_guard fetch_lock(token_fetch_);
    if (refresh) tokens_.drop(key);
    if (auto cached = tokens_.get(key, std::chrono::steady_clock::now())) return "Bearer " + *cached;
    auto token = fetch_token(*challenge, wanted);
    if (!token) return std::unexpected(token.error());
    std::string value = "Bearer " + token->value;
    tokens_.put(key, std::move(*token));
    return value;
}

}  // namespace ferry::http
