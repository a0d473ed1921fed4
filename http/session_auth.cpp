#include "http/session.hpp"

#include "core/log.hpp"
#include "core/redact.hpp"
#include "core/text.hpp"
#include "http/base64.hpp"
#include "http/url.hpp"

namespace ferry::http {
namespace {

constexpr std::chrono::seconds kRenewInterval{5};

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
    const auto now = std::chrono::steady_clock::now();
    const bool stale = options_.credentials_renewable && credential_ && options_.credential_ttl.count() > 0 &&
                       now - credential_loaded_ >= options_.credential_ttl;
    if (!credential_ || stale) {
        credential_ = options_.credentials ? options_.credentials()
                                           : core::Result<std::optional<Credential>>(std::nullopt);
        credential_loaded_ = now;
        ++credential_generation_;
    }
    return *credential_;
}

std::uint64_t Session::credential_generation() const {
    std::lock_guard lock(mutex_);
    return credential_generation_;
}

bool Session::renew_credentials(std::uint64_t generation) {
    if (!options_.credentials_renewable || !options_.credentials) return false;
    {
        std::lock_guard lock(mutex_);
        if (credential_generation_ != generation) return true;  // another request renewed them
        // A helper is not re-run more than once per kRenewInterval, however many requests fail.
        const auto now = std::chrono::steady_clock::now();
        if (credential_renewed_ && now - *credential_renewed_ < kRenewInterval) return false;
        credential_renewed_ = now;
        auto before = credential_;
        credential_ = options_.credentials();
        credential_loaded_ = std::chrono::steady_clock::now();
        const auto same = [](const auto& a, const auto& b) {
            if (!a || !b || !*a || !*b) return false;
            const auto& x = **a;
            const auto& y = **b;
            if (x.has_value() != y.has_value()) return false;
            return !x || (x->username == y->username && x->password == y->password && x->identity_token == y->identity_token);
        };
        if (same(before, credential_)) return false;
        ++credential_generation_;
    }
    core::log::info("{}: credentials looked up again (the registry said they expired or refused them)", options_.host);
    tokens_.clear();
    return true;
}

namespace {

/// A 401/403 whose body or challenge says the credential or token expired (ECR: 403 "Your
/// authorization token has expired"; token servers: error="invalid_token" ... "expired").
bool says_expired(const Response& response) {
    auto has = [](std::string_view text) {
        return core::ascii_lower(text).find("expired") != std::string::npos;
    };
    if (has(response.body)) return true;
    for (const auto& field : response.headers.get_all("WWW-Authenticate"))
        if (has(field)) return true;
    return false;
}

}  // namespace

core::Result<std::optional<std::string>> Session::reauthorize(const Response& response,
                                                              const std::vector<std::string>& scopes,
                                                              const std::optional<std::string>& sent,
                                                              std::uint64_t generation) {
    if (response.status == 401) remember_challenge(response);
    // The answer may say "expired" (a HEAD cannot: it has no body), or refuse what was sent:
    // a Basic 401 or any 403 to sent credentials is worth one more look (rate-limited).
    const bool refused = sent && (response.status == 403 || sent->starts_with("Basic "));
    const bool renewed = (says_expired(response) || refused) && renew_credentials(generation);
    if (response.status == 403 && !renewed) return std::nullopt;
    auto challenge = current_challenge();
    if (!challenge) return std::nullopt;
    std::vector<std::string> extra;
    if (challenge->scheme == "bearer") extra = challenge_scopes(*challenge);
    auto fresh = authorization(scopes, extra, sent);
    if (!fresh) return std::unexpected(fresh.error());
    if (!*fresh || (sent && **fresh == *sent)) return std::nullopt;
    return fresh;
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

core::Result<std::optional<std::string>> Session::authorization(const std::vector<std::string>& scopes,
                                                                const std::vector<std::string>& extra,
                                                                const std::optional<std::string>& failed) {
    auto challenge = current_challenge();
    if (!challenge) return std::nullopt;
    if (challenge->scheme == "basic") {
        auto cred = credential();
        if (!cred) return std::unexpected(cred.error());
        if (!*cred || (*cred)->username.empty()) return std::nullopt;
        return basic_value(**cred);
    }
    if (challenge->scheme != "bearer") return std::nullopt;
    const std::string key = scope_key(scopes);
    // Requests that need the same scopes wait for one fetch; other scopes are fetched meanwhile
    // (a run touching many repositories asks for their tokens side by side).
    auto fetch_lock = token_fetch_.lock(key);
    const auto now = std::chrono::steady_clock::now();
    if (failed && failed->starts_with("Bearer ")) tokens_.drop_if(key, failed->substr(7));
    if (auto cached = tokens_.get(key, now)) return "Bearer " + *cached;
    std::vector<std::string> wanted = scopes;
    {
        // The scopes a challenge added for this scope set stay part of its token requests.
        std::lock_guard learned_lock(learned_mutex_);
        auto& learned = learned_scopes_[key];
        learned.insert(learned.end(), extra.begin(), extra.end());
        learned = normalize_scopes(learned);
        wanted.insert(wanted.end(), learned.begin(), learned.end());
    }
    const std::uint64_t generation = credential_generation();
    auto token = fetch_token(*challenge, normalize_scopes(wanted));
    // The token server refused the credentials (a helper's token from an hour ago): look
    // them up again, once.
    if (!token && (token.error().kind == core::ErrorKind::Auth || token.error().kind == core::ErrorKind::Denied) &&
        renew_credentials(generation))
        token = fetch_token(*challenge, normalize_scopes(wanted));
    if (!token) return std::unexpected(token.error());
    std::string value = "Bearer " + token->value;
    tokens_.put(key, std::move(*token));
    return value;
}

}  // namespace ferry::http
