#pragma once
/// The checks a webhook request passes before its events are believed: the bearer token
/// (compared in constant time; the token never appears in any message) and the payload.
/// The size limit is the HTTP server's (it refuses a body before reading it).
#include <optional>
#include <string>
#include <string_view>

#include "events/push_event.hpp"

namespace ferry::events {

/// True when `authorization` is "Bearer <expected>" (scheme case-insensitive). An empty
/// `expected` token admits nothing.
bool bearer_matches(std::string_view authorization, std::string_view expected);

/// What to answer a webhook POST, and the events it carried when it is accepted.
struct WebhookVerdict {
    int status = 202;      ///< 202 accepted, 400 malformed, 401 bad token
    std::string message;   ///< one line for the response body and the log (no secrets)
    std::optional<ParsedPayload> payload;  ///< set when accepted
};

/// Refuses without `expected_token` (401), then parses `body` (400 with the reason).
WebhookVerdict judge_webhook(std::string_view authorization, std::string_view expected_token,
                             std::string_view body);

}  // namespace ferry::events
