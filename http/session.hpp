#pragma once
/// An authenticated, rate-limited, retrying HTTP session with one registry host.
/// Thread-safe. Auth follows the host's WWW-Authenticate challenge: Basic sends the
/// credentials; Bearer fetches one token per (host, scope set) from the realm (GET with
/// Basic credentials, or the OAuth refresh-token POST when the credentials hold an identity
/// token), caches it until it expires, and refreshes it on a 401 (also widening the scope
/// set when the registry answers error="insufficient_scope" with a scope).
/// Retries Network errors, 408, 429 and 5xx with exponential backoff + jitter, honouring
/// Retry-After; only requests whose body can be replayed and whose sink got no bytes.
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "core/defaults.hpp"
#include "core/error.hpp"
#include "http/challenge.hpp"
#include "http/credentials.hpp"
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
    CredentialProvider credentials;  ///< empty = anonymous
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

    /// Sends without Authorization and without learning from a 401: for URLs on another
    /// host (an upload Location or Link elsewhere), which never get this host's credentials.
    core::Result<Response> send_unauthenticated(Request request);

    /// The credentials in use (resolving them if needed).
    core::Result<std::optional<Credential>> credential();

    /// HTTP requests sent so far, retries and token requests included.
    std::uint64_t request_count() const { return requests_.load(); }

    const SessionOptions& options() const { return options_; }

private:
    core::Result<Response> send_with_retries(const Request& request, bool limited);
    bool should_retry(const core::Result<Response>& outcome, const Request& request, int attempt,
                      std::chrono::milliseconds& delay);
    void remember_challenge(const Response& response);
    std::optional<Challenge> current_challenge() const;
    /// The Authorization value for `scopes` (nullopt = none to send).
    core::Result<std::optional<std::string>> authorization(const std::vector<std::string>& scopes, bool refresh);
    core::Result<Token> fetch_token(const Challenge& challenge, const std::vector<std::string>& scopes);

    std::shared_ptr<Transport> transport_;
    SessionOptions options_;
    RequestLimiter limiter_;
    TokenCache tokens_;
    std::atomic<std::uint64_t> requests_{0};
    mutable std::mutex mutex_;  // guards challenge_, credential_, rng_
    std::optional<Challenge> challenge_;
    std::optional<core::Result<std::optional<Credential>>> credential_;
    std::mt19937_64 rng_;
    std::mutex token_fetch_;  // one token fetch at a time per host
};

/// Scopes named by a challenge's `scope` parameter (space-separated).
std::vector<std::string> challenge_scopes(const Challenge& challenge);

}  // namespace ferry::http
