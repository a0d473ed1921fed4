#include "http/session.hpp"

#include <sstream>
#include <thread>

#include "core/cancel.hpp"
#include "core/log.hpp"
#include "core/redact.hpp"
#include "http/warnings.hpp"

namespace ferry::http {
namespace {

std::string describe_outcome(const core::Result<Response>& outcome) {
    if (!outcome) return outcome.error().message;
    return "HTTP " + std::to_string(outcome->status);
}

/// Sleeps `delay`, waking early when a stop is requested (the process, or `cancel`) or the
/// host went down.
bool sleep_unless_cancelled(std::chrono::milliseconds delay, const HostHealth& health,
                            const core::CancellationToken* cancel) {
    const auto until = std::chrono::steady_clock::now() + delay;
    while (std::chrono::steady_clock::now() < until) {
        if (core::stop_requested(cancel)) return false;
        if (health.down()) return true;
        std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
            std::chrono::milliseconds(100), until - std::chrono::steady_clock::now()));
    }
    return !core::stop_requested(cancel);
}

core::Error cancelled_error(const Request& request) {
    return core::make_error(core::ErrorKind::Cancelled, request.method + " " + core::redact(request.url) + ": cancelled");
}

}  // namespace

std::vector<std::string> challenge_scopes(const Challenge& challenge) {
    std::vector<std::string> scopes;
    std::istringstream in(challenge.param("scope"));
    for (std::string s; in >> s;) scopes.push_back(s);
    return scopes;
}

Session::Session(std::shared_ptr<Transport> transport, SessionOptions options)
    : transport_(std::move(transport)),
      options_(std::move(options)),
      limiter_(options_.max_requests, options_.requests_per_second),
      lookups_(options_.max_lookups, 0),
      rng_(std::random_device{}()),
      health_(options_.host, options_.health) {}

bool Session::should_retry(const core::Result<Response>& outcome, const Request& request, int attempt,
                           std::chrono::milliseconds& delay) {
    if (attempt > options_.retry.retries || !request.replayable()) return false;
    std::optional<std::chrono::seconds> retry_after;
    if (outcome) {
        if (!retryable_status(outcome->status) || outcome->sink_bytes > 0) return false;
        if (request.final_answer && request.final_answer(*outcome)) return false;
        if (outcome->status == 429) {  // HostHealth paused the whole host (or gave up on it)
            delay = std::chrono::milliseconds(0);
            return !health_.quota_spent();
        }
        if (auto value = outcome->headers.get("Retry-After"))
            retry_after = parse_retry_after(*value, std::chrono::system_clock::now());
    } else if (!outcome.error().retryable() || outcome.error().kind == core::ErrorKind::Cancelled) {
        return false;
    }
    std::lock_guard lock(mutex_);
    delay = retry_delay(options_.retry, attempt, retry_after, rng_);
    return true;
}

core::Result<Response> Session::mark_spent(core::Result<Response> outcome, const Request& request, int attempt) const {
    // One layer decides per kind of failure: a replayable request is retried here, and once
    // its attempts are used up no caller retries it again (the copy engine retries only what
    // this layer could not: a streamed upload, a transfer cut after its first bytes).
    if (attempt <= options_.retry.retries || !request.replayable()) return outcome;
    if (outcome) {
        outcome->retries_spent = true;
    } else if (outcome.error().hint == core::ErrorHint::None && outcome.error().retryable()) {
        outcome.error().hint = core::ErrorHint::RetriesSpent;
    }
    return outcome;
}

core::Result<Response> Session::send_with_retries(const Request& request, bool limited) {
    // A sink that took bytes before the transfer broke cannot take them again: its caller
    // resumes or restarts (a replay here would hand it the blob's first bytes twice).
    bool delivered = false;
    std::optional<Request> watched;  // a copy only for requests with a sink
    if (request.sink) {
        watched.emplace(request);
        watched->sink = [&delivered, &request](std::string_view chunk) {
            delivered = delivered || !chunk.empty();
            return request.sink(chunk);
        };
    }
    const Request& sent = watched ? *watched : request;
    for (int attempt = 1;; ++attempt) {
        if (core::stop_requested(options_.transfer.cancel)) return std::unexpected(cancelled_error(request));
        if (limited)  // token requests (limited == false) may go to another host
            if (auto refused = health_.admit(request.metered, options_.transfer.cancel))
                return std::unexpected(refused->with_context(request.method + " " + core::redact(request.url)));
        core::Result<Response> outcome = [&] {
            std::optional<RequestLimiter::Permit> permit;
            const bool lookup = request.lookup && options_.requests_per_second <= 0;
            if (limited) permit.emplace((lookup ? lookups_ : limiter_).acquire());
            ++requests_;
            return transport_->perform(sent, options_.transfer);
        }();
        if (limited) health_.record(outcome);
        if (outcome) note_warnings(options_.host, outcome->headers);
        std::chrono::milliseconds delay{0};
        if (delivered || !should_retry(outcome, request, attempt, delay)) return mark_spent(std::move(outcome), request, attempt);
        if (delay.count() > 0) core::log::warn("{} {}: {}; retry {}/{} in {}ms", request.method, core::redact(request.url),
                        describe_outcome(outcome), attempt, options_.retry.retries, delay.count());
        if (!sleep_unless_cancelled(delay, health_, options_.transfer.cancel)) return std::unexpected(cancelled_error(request));
    }
}

void Session::remember_challenge(const Response& response) {
    auto challenges = parse_www_authenticate(response.headers.get_all("WWW-Authenticate"));
    const Challenge* chosen = nullptr;
    for (const auto& c : challenges) {
        if (c.scheme == "bearer") {
            chosen = &c;
            break;
        }
        if (c.scheme == "basic" && !chosen) chosen = &c;
    }
    if (!chosen) return;
    std::lock_guard lock(mutex_);
    challenge_ = *chosen;
}

std::optional<Challenge> Session::current_challenge() const {
    std::lock_guard lock(mutex_);
    return challenge_;
}

core::Result<Response> Session::probe(Request request) {
    auto response = send_with_retries(request, true);
    if (response && response->status == 401) remember_challenge(*response);
    return response;
}

core::Result<Response> Session::probe_once(Request request) {
    if (core::process_cancellation().cancelled()) return std::unexpected(cancelled_error(request));
    core::Result<Response> response = [&] {
        RequestLimiter::Permit permit = limiter_.acquire();
        ++requests_;
        return transport_->perform(request, options_.transfer);
    }();
    if (response && response->status == 401) remember_challenge(*response);
    return response;
}

core::Result<Response> Session::send_unauthenticated(Request request) {
    request.headers.remove("Authorization");
    return send_with_retries(request, true);
}

core::Result<Response> Session::send(Request request, const std::vector<std::string>& scopes) {
    const std::uint64_t generation = credential_generation();
    auto auth = authorization(scopes, {}, std::nullopt);
    if (!auth) return std::unexpected(auth.error());
    if (*auth) request.headers.set("Authorization", **auth);
    auto response = send_with_retries(request, true);
    if (!response || (response->status != 401 && response->status != 403)) return response;
    auto fresh = reauthorize(*response, scopes, *auth, generation);
    if (!fresh) return std::unexpected(fresh.error());
    if (!*fresh) return response;  // nothing new to offer
    if (!request.replayable()) {  // the body is gone: the caller starts over with a fresh one
        core::Error e = core::make_error(core::ErrorKind::Auth,
                                         request.method + " " + core::redact(request.url) + ": " +
                                             std::to_string(response->status) +
                                             " (credentials renewed: the upload starts again)",
                                         response->status);
        e.hint = core::ErrorHint::RestartUpload;
        return std::unexpected(std::move(e));
    }
    request.headers.set("Authorization", **fresh);
    return send_with_retries(request, true);
}

}  // namespace ferry::http
