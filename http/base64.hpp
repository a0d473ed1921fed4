#pragma once
/// Standard base64 (RFC 4648, with padding), for Basic auth and config.json `auth` fields.
#include <optional>
#include <string>
#include <string_view>

namespace ferry::http {

std::string base64_encode(std::string_view bytes);
/// nullopt on characters outside the alphabet; whitespace is skipped, padding optional.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace ferry::http
