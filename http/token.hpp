#pragma once
/// Bearer tokens: parsing token-server replies, and a cache keyed by scope set.
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace ferry::http {

struct Token {
    std::string value;
    std::chrono::steady_clock::time_point expires_at;  ///< already includes a safety margin
};

/// Parses a token-server reply: `token` or `access_token` (token wins), `expires_in`
/// (default 60 s), `issued_at` (RFC 3339; shortens the lifetime by the token's age when
/// that age is plausible). The token is registered as a secret. Errors: Protocol.
core::Result<Token> parse_token_response(std::string_view body,
                                         std::chrono::steady_clock::time_point received,
                                         std::chrono::system_clock::time_point wall_now);

/// Parses "2024-05-01T12:00:00Z" / "...00.123+02:00"; nullopt when malformed.
std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view text);

/// A canonical scope set: sorted, without duplicates or empty entries.
std::vector<std::string> normalize_scopes(std::vector<std::string> scopes);
/// The cache key of a scope set: normalize_scopes() joined by spaces.
std::string scope_key(const std::vector<std::string>& scopes);

/// Thread-safe cache of tokens by scope key (one cache per host). A token leaving the cache
/// (replaced, dropped, expired and pruned by the next put, or with the cache) is forgotten
/// by the redaction list (core::forget_secret undoes parse_token_response's registration),
/// so a long-lived cache holds, and registers, at most one token per scope set.
class TokenCache {
public:
    TokenCache() = default;
    ~TokenCache();
    TokenCache(const TokenCache&) = delete;
    TokenCache& operator=(const TokenCache&) = delete;
    std::optional<std::string> get(const std::string& key, std::chrono::steady_clock::time_point now) const;
    void put(const std::string& key, Token token);
    void drop(const std::string& key);
    /// Drops the token under `key` only if it is still `value` (a newer one stays).
    void drop_if(const std::string& key, std::string_view value);
    void clear();

private:
    mutable std::mutex mutex_;
    std::map<std::string, Token> tokens_;
};

}  // namespace ferry::http
