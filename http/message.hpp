#pragma once
/// The HTTP request/response model used by every ferry HTTP call. No libcurl types here.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace ferry::http {

/// Header fields in arrival order; names compare case-insensitively.
class Headers {
public:
    /// Appends a field (keeps earlier fields of the same name).
    void add(std::string name, std::string value);
    /// Replaces every field named `name` by one field.
    void set(std::string name, std::string value);
    void remove(std::string_view name);
    /// The first value of `name`, if present.
    std::optional<std::string> get(std::string_view name) const;
    /// Every value of `name`, in order.
    std::vector<std::string> get_all(std::string_view name) const;
    bool contains(std::string_view name) const { return get(name).has_value(); }
    void clear() { fields_.clear(); }
    const std::vector<std::pair<std::string, std::string>>& fields() const { return fields_; }

private:
    std::vector<std::pair<std::string, std::string>> fields_;
};

/// ASCII case-insensitive equality.
bool iequals(std::string_view a, std::string_view b);

/// Pulls request body bytes: fills `buffer`, returns the count, 0 at the end.
using BodySource = std::function<core::Result<std::size_t>(char* buffer, std::size_t size)>;
/// Receives response body bytes of a successful (2xx) response as they arrive.
using BodySink = std::function<core::Status(std::string_view chunk)>;

struct Response;

struct Request {
    std::string method = "GET";
    std::string url;
    Headers headers;
    /// In-memory body (replayable). Ignored when `body_source` is set.
    std::string body;
    /// Streaming body of exactly `body_length` bytes; such a request cannot be replayed.
    BodySource body_source;
    std::uint64_t body_length = 0;
    /// When set, a 2xx body streams here instead of into Response::body.
    BodySink sink;
    /// Called once with the status and headers of a 2xx response, before its first body
    /// byte reaches `sink` (e.g. to learn whether a Range request got 206 or 200).
    std::function<core::Status(const Response& head)> on_response_start;
    /// Cap for an in-memory response body; exceeding it fails the request (Protocol).
    std::size_t max_body_bytes = 4u << 20;
    bool follow_redirects = true;
    /// Counts against the host's rate limit (Docker Hub: manifest GETs): once the host's
    /// quota is spent, such a request fails at once instead of being sent.
    bool metered = false;
    /// A cheap lookup (manifest HEAD, tag list or catalog page): counted against the host's
    /// max_lookups instead of max_requests (see SessionOptions).
    bool lookup = false;
    /// A response for which this returns true is final: not retried even if its status
    /// usually is (e.g. a 500 whose body says the repository does not exist).
    std::function<bool(const Response&)> final_answer;

    /// True when the body can be sent again (retries, auth refresh).
    bool replayable() const { return !body_source; }
    bool has_body() const { return body_source ? true : !body.empty(); }
};

struct Response {
    int status = 0;
    Headers headers;
    /// The body (or, when a sink took a 2xx body, nothing; an error body is kept here,
    /// truncated to 64 KiB).
    std::string body;
    std::uint64_t body_bytes = 0;  ///< bytes received, including those given to a sink
    std::uint64_t sink_bytes = 0;  ///< bytes handed to Request::sink
    std::string effective_url;     ///< URL after redirects
    /// Set by the session when it retried this (replayable) request as often as allowed and
    /// this is the last answer: an error made of it is not to be retried again above.
    bool retries_spent = false;

    bool ok() const { return status >= 200 && status < 300; }
};

}  // namespace ferry::http
