#pragma once
/// A scripted HTTP/1.1 server on 127.0.0.1 (a free port) for in-process unit tests of HTTP
/// clients, in the manner of go-containerregistry's httptest tests and regclient's reqresp.
///
/// Contract:
/// - The server listens from construction to destruction, on one thread of its own, and
///   serves any number of connections at once (poll), with keep-alive. Request bodies may
///   come with Content-Length or chunked Transfer-Encoding; both are decoded.
/// - A test scripts the exchange with expect(): each Exchange names a method and a target
///   (the request line's target, path and query; a trailing '*' matches any rest), an
///   optional check of the request, and the canned Reply. A request takes the FIRST
///   unused matching exchange in script order; an exchange serves `times` requests
///   (0 = any number). Order between exchanges is not enforced: assert it with received().
/// - A request no exchange matches is answered 418 with the body "scripted_http: unexpected
///   request" and recorded in problems(); a failed check is recorded there too (the reply
///   is still sent). Tests assert `problems().empty()` (its text names each request).
/// - A Reply with `delay` is sent that long after the request arrived, without holding
///   up other connections. `close` closes the connection after the reply; `hang_up` closes
///   it without any reply. For a HEAD request the Content-Length is the body's size (unless
///   the reply sets one) and no body is sent.
/// - received() is every request in arrival order (method, target, headers, decoded body,
///   arrival time); max_in_flight() the most requests received and not yet answered at once.
/// Knows nothing about registries. Thread-safe.
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ferry::testing {

struct RecordedRequest {
    std::string method;
    std::string target;  ///< "/v2/app/tags/list?n=2" as on the request line
    std::vector<std::pair<std::string, std::string>> headers;  ///< in order, names as sent
    std::string body;
    std::chrono::steady_clock::time_point received_at;

    /// The first header named `name` (case-insensitive), if any.
    std::optional<std::string> header(std::string_view name) const;
    /// The target without its query.
    std::string path() const;
    /// Every value of query parameter `name`, percent-decoded ('+' = space), in order.
    std::vector<std::string> query(std::string_view name) const;
    /// "GET /v2/" (for messages).
    std::string line() const { return method + " " + target; }
};

struct Reply {
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    std::chrono::milliseconds delay{0};
    bool close = false;    ///< close the connection after this reply
    bool hang_up = false;  ///< close the connection instead of replying
};

struct Exchange {
    std::string method;  ///< "GET", "HEAD", ...
    std::string target;  ///< exact, or a prefix when it ends with '*'
    Reply reply;
    int times = 1;  ///< requests this exchange serves (0 = unlimited)
    /// Returns "" when the request is as expected, else what is wrong (goes to problems()).
    std::function<std::string(const RecordedRequest&)> check;
};

class ScriptedHttp {
public:
    ScriptedHttp();
    ~ScriptedHttp();
    ScriptedHttp(const ScriptedHttp&) = delete;
    ScriptedHttp& operator=(const ScriptedHttp&) = delete;

    /// "127.0.0.1:PORT"
    std::string host() const;
    /// "http://127.0.0.1:PORT"
    std::string url() const;

    /// Appends one exchange to the script.
    ScriptedHttp& expect(Exchange exchange);
    ScriptedHttp& expect(std::string method, std::string target, Reply reply, int times = 1) {
        return expect(Exchange{std::move(method), std::move(target), std::move(reply), times, {}});
    }

    std::vector<RecordedRequest> received() const;
    /// Received requests whose method is `method` and whose target starts with `prefix`.
    std::vector<RecordedRequest> received(std::string_view method, std::string_view prefix) const;
    /// Unexpected requests and failed checks, one line each ("" = none).
    std::string problems() const;
    /// Exchanges with a finite `times` not used up, one line each ("" = none).
    std::string unused() const;
    int max_in_flight() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace ferry::testing
