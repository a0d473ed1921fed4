#pragma once
/// An authenticated, rate-limited, retrying HTTP session with one registry host.
/// Thread-safe. Auth follows the host's WWW-Authenticate challenge: Basic sends the
/// credentials; Bearer fetches one token per (host, scope set) from the realm (GET with
/// Basic credentials, or the OAuth refresh-token POST when the credentials hold an identity
/// token), caches it until it expires, and refreshes it on a 401 (also widening the scope
/// set when the registry answers error="insufficient_scope" with a scope).
/// The token is cached under the scope set the request needed (also when the registry's
/// challenge named other scopes, as Artifactory's repository-path method does), so the
/// next request finds it; a token that failed is dropped only if it is still the cached
/// one, so many requests failing at once cause one token fetch, not a storm. Requests that
/// need the same scope set wait for one fetch; tokens of different scope sets (other
/// repositories) are fetched side by side.
/// Credentials from a helper or an auth file are looked up again after `credential_ttl`
/// and on a 401/403 that says the credential expired (ECR: 403 "Your authorization token
/// has expired") or a Basic 401, at most once per request.
/// Retries Network errors, 408, 429 and 5xx with exponential backoff + jitter, honouring
/// Retry-After; only requests whose body can be replayed and whose sink got no bytes. A
/// 429 pauses the whole host; a host that stops answering is declared down (HostHealth).
/// A streaming request answered 401 is not replayed: when fresh credentials are at hand
/// the error carries ErrorHint::RestartUpload, so the caller can start over with a fresh body.
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "core/defaults.hpp"
#include "core/error.hpp"
#include "core/key_locks.hpp"
#include "http/challenge.hpp"
#include "http/credentials.hpp"
#include "http/host_health.hpp"
#include "http/message.hpp"
#include "http/rate_limit.hpp"
#include "http/retry.hpp"
#include "http/token.hpp"
#include "http/transport.hpp"

namespace ferry::http {

/// Produces the host's credentials (nullopt = anonymous). Called at most once, lazily.
using CredentialProvider = std::function<core::Result<std::optional<Credential>>()>;

struct SessionOptions {
    std::string host;  ///< for messages and logs
    TransferOptions transfer;
    RetryPolicy retry;
    int max_requests = core::kDefaultMaxRequestsPerHost;           ///< concurrent requests (<= 0: unlimited)
    double requests_per_second = 0;  ///< 0 = unlimited
    /// Concurrent Request::lookup requests (<= 0: unlimited), apart from max_requests. With
    /// requests_per_second set, lookups share max_requests and the rate (one budget).
    int max_lookups = core::kDefaultMaxLookupsPerHost;
    CredentialProvider credentials;  ///< empty = anonymous
    /// True when `credentials` may answer differently over time (helpers, auth files):
    /// then they are looked up again after credential_ttl and on an expired-credential answer.
    bool credentials_renewable = false;
    std::chrono::seconds credential_ttl{600};
    HostHealth::Options health;
};

class Session {
public:
    Session(std::shared_ptr<Transport> transport, SessionOptions options);

    /// Sends `request` with the Authorization that `scopes` need (once a challenge is
    /// known), retrying as described above, and answering one 401 with fresh credentials
    /// when the body can be replayed. Returns the final response whatever its status.
    /// Errors: transport errors, Auth/Server/Protocol errors from the token server,
    /// Cancelled when the process is being stopped.
    core::Result<Response> send(Request request, const std::vector<std::string>& scopes);

    /// Sends without Authorization (e.g. GET /v2/) and remembers the challenge of a 401.
    core::Result<Response> probe(Request request);

    /// probe() with one attempt: no retries, and the outcome teaches the host's health
    /// nothing (a refused https try of a host that may answer plain http is no outage).
    core::Result<Response> probe_once(Request request);

    /// Sends without Authorization and without learning from a 401: for URLs on another
    /// host (an upload Location or Link elsewhere), which never get this host's credentials.
    core::Result<Response> send_unauthenticated(Request request);

    /// The credentials in use (resolving them if needed).
    core::Result<std::optional<Credential>> credential();

    /// HTTP requests sent so far, retries and token requests included.
    std::uint64_t request_count() const { return requests_.load(); }

    const SessionOptions& options() const { return options_; }
    /// The host's health (down, paused, quota) as seen so far.
    const HostHealth& health() const { return health_; }

private:
    core::Result<Response> send_with_retries(const Request& request, bool limited);
    /// The outcome of a replayable request whose attempts are used up, marked so that no
    /// layer above retries it again (Response::retries_spent, ErrorHint::RetriesSpent).
    core::Result<Response> mark_spent(core::Result<Response> outcome, const Request& request, int attempt) const;
    bool should_retry(const core::Result<Response>& outcome, const Request& request, int attempt,
                      std::chrono::milliseconds& delay);
    void remember_challenge(const Response& response);
    std::optional<Challenge> current_challenge() const;
    /// The Authorization value for `scopes` (nullopt = none to send).
    /// `failed` = the value a 401 refused: dropped from the cache if still there; `extra` =
    /// scopes the challenge named beyond `scopes` (the token is fetched for both, cached
    /// under `scopes`).
    core::Result<std::optional<std::string>> authorization(const std::vector<std::string>& scopes,
                                                           const std::vector<std::string>& extra,
                                                           const std::optional<std::string>& failed);
    core::Result<Token> fetch_token(const Challenge& challenge, const std::vector<std::string>& scopes);
    /// Looks the credentials up again unless another request did since `generation`;
    /// true when they changed. Drops every cached token when they did.
    bool renew_credentials(std::uint64_t generation);
    std::uint64_t credential_generation() const;
    /// After a 401/403 to `request` sent with `sent`: fresh Authorization to try, or nullopt.
    core::Result<std::optional<std::string>> reauthorize(const Response& response, const std::vector<std::string>& scopes,
                                                         const std::optional<std::string>& sent, std::uint64_t generation);

    std::shared_ptr<Transport> transport_;
    SessionOptions options_;
    RequestLimiter limiter_;
    RequestLimiter lookups_;  ///< Request::lookup requests, when the host has no rate limit
    TokenCache tokens_;
    std::atomic<std::uint64_t> requests_{0};
    mutable std::mutex mutex_;  // guards challenge_, credential_, rng_
    std::optional<Challenge> challenge_;
    std::optional<core::Result<std::optional<Credential>>> credential_;
    std::chrono::steady_clock::time_point credential_loaded_{};
    std::uint64_t credential_generation_ = 0;
    std::optional<std::chrono::steady_clock::time_point> credential_renewed_;  // last look-up again
    std::mt19937_64 rng_;
    core::KeyLocks token_fetch_;  // one token fetch at a time per scope key (others in parallel)
    std::mutex learned_mutex_;    // guards learned_scopes_
    std::map<std::string, std::vector<std::string>> learned_scopes_;  // scope key -> challenge extras
    HostHealth health_;
};

/// Scopes named by a challenge's `scope` parameter (space-separated).
std::vector<std::string> challenge_scopes(const Challenge& challenge);

}  // namespace ferry::http
