#include "events/webhook.hpp"

#include <algorithm>
#include <cctype>

namespace ferry::events {

bool bearer_matches(std::string_view authorization, std::string_view expected) {
    constexpr std::string_view scheme = "bearer ";
    if (expected.empty() || authorization.size() < scheme.size()) return false;
    for (std::size_t i = 0; i < scheme.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(authorization[i])) != scheme[i]) return false;
    const std::string_view given = authorization.substr(scheme.size());
    // Constant time in the token's content: every byte of the longer side is looked at.
    unsigned difference = given.size() != expected.size();
    const std::size_t n = std::max(given.size(), expected.size());
    for (std::size_t i = 0; i < n; ++i) {
        const unsigned char a = i < given.size() ? given[i] : 0;
        const unsigned char b = i < expected.size() ? expected[i] : 0;
        difference |= a ^ b;
    }
    return difference == 0;
}

WebhookVerdict judge_webhook(std::string_view authorization, std::string_view expected_token,
                             std::string_view body) {
    WebhookVerdict verdict;
    if (!bearer_matches(authorization, expected_token)) {
        verdict.status = 401;
        verdict.message = authorization.empty() ? "missing bearer token" : "wrong bearer token";
        return verdict;
    }
    auto payload = parse_payload(body);
    if (!payload) {
        verdict.status = 400;
        verdict.message = payload.error().message;
        return verdict;
    }
    verdict.message = std::to_string(payload->pushes.size()) + " push event(s), " +
                      std::to_string(payload->ignored) + " ignored";
    verdict.payload = std::move(*payload);
    return verdict;
}

}  // namespace ferry::events
