#pragma once
/// Registry error replies -> core::Error. Pure.
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "http/message.hpp"

namespace ferry::registry {

struct RegistryErrorEntry {
    std::string code;     ///< "MANIFEST_UNKNOWN", ...
    std::string message;  ///< "manifest unknown"
};

/// Parses {"errors":[{"code","message","detail"}]}; empty when the body is something else.
std::vector<RegistryErrorEntry> parse_error_body(std::string_view body);

/// A non-JSON body for a message: tags stripped, whitespace collapsed, control characters
/// dropped, at most 200 characters, redacted.
std::string sanitize_body(std::string_view body);

/// The kind for a failed response: 401 Auth, 403 Denied, 404 NotFound, 408/429/5xx
/// Server, DIGEST_INVALID/SIZE_INVALID Integrity, other 4xx InvalidInput or Protocol.
core::ErrorKind kind_for_status(int status, std::string_view registry_code);

/// "<context>: <status> <CODE>: <message>[; <CODE>: <message>]" (or the sanitised body),
/// with http_status and registry_code (the first code) set.
core::Error response_error(std::string_view context, const http::Response& response);

}  // namespace ferry::registry
