#pragma once
/// The head of one HTTP/1.1 request as the status server reads it: request line and header
/// fields (names lower-cased), and the body length it declares.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace ferry::cron {

struct RequestHead {
    std::string method;
    std::string path;  ///< without the query string
    std::vector<std::pair<std::string, std::string>> headers;  ///< names lower case, values trimmed

    /// The first value of header `name` (lower case), "" when absent.
    std::string_view header(std::string_view name) const;
    /// The body length: 0 without Content-Length unless `required`. Errors (InvalidInput): a
    /// malformed or conflicting Content-Length; Unsupported (answered 411): a Transfer-Encoding
    /// (chunked bodies are not read), or no Content-Length when `required`.
    core::Result<std::uint64_t> content_length(bool required = false) const;
};

/// Parses "METHOD TARGET HTTP/1.x\r\nName: value\r\n…\r\n\r\n" (the terminating blank line
/// may be missing). Errors (InvalidInput) name the broken part.
core::Result<RequestHead> parse_request_head(std::string_view head);

}  // namespace ferry::cron
