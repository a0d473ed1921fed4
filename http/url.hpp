#pragma once
/// URL helpers: resolution of relative references (Location, Link), query building.
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace ferry::http {

/// Resolves `reference` (absolute, scheme-relative "//h/p", absolute-path "/p", or
/// relative "p?q") against `base` (an absolute URL), per RFC 3986. Errors: Protocol.
core::Result<std::string> resolve_url(const std::string& base, const std::string& reference);

/// Percent-encodes everything but RFC 3986 unreserved characters.
std::string url_encode(std::string_view text);

/// Appends "key=value" (value percent-encoded) with '?' or '&' as the URL requires.
std::string append_query(std::string url, std::string_view key, std::string_view value);

/// "scheme://host[:port]" of an absolute URL ("" when it has none).
std::string url_origin(std::string_view url);

}  // namespace ferry::http
