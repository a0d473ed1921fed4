#pragma once
/// Secret redaction. Every string that reaches a log line, a report or an error message
/// passes through redact(). Two mechanisms together:
///  1. patterns: URL userinfo (https://user:pw@host), Authorization/Proxy-Authorization header
///     values, `token`/`access_token`/`refresh_token`/`password` JSON fields and query params;
///  2. a process-wide registry of known secret values (passwords, tokens, identity tokens)
///     that the credential and token code registers the moment it learns them.
/// Thread-safe.
#include <cstddef>
#include <string>
#include <string_view>

namespace ferry::core {

/// The text that replaces a secret.
inline constexpr std::string_view kRedacted = "<redacted>";

/// Remembers `secret` so that redact() masks it wherever it appears. Values shorter than
/// 4 characters are ignored (they would mask ordinary text).
void register_secret(std::string_view secret);

/// Undoes one register_secret(`secret`) (a bearer token that expired or was replaced), so a
/// long-running process does not mask, and scan for, every token it ever held. Registrations
/// are counted: the value is masked until every registration of it has been undone.
void forget_secret(std::string_view secret);

/// How many secret values are registered (for the daemon's metrics).
std::size_t secret_count();

/// Returns `text` with every known secret and every secret-looking pattern masked.
std::string redact(std::string_view text);

}  // namespace ferry::core
