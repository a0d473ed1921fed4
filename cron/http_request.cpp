#include "cron/http_request.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "core/text.hpp"

namespace ferry::cron {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

}  // namespace

std::string_view RequestHead::header(std::string_view name) const {
    for (const auto& [key, value] : headers)
        if (key == name) return value;
    return {};
}

core::Result<std::uint64_t> RequestHead::content_length(bool required) const {
    if (!header("transfer-encoding").empty())
        return core::fail(core::ErrorKind::Unsupported, "Transfer-Encoding is not supported: send Content-Length");
    const bool declared = std::any_of(headers.begin(), headers.end(), [](const auto& h) { return h.first == "content-length"; });
    if (required && !declared) return core::fail(core::ErrorKind::Unsupported, "Content-Length is required");
    std::optional<std::uint64_t> length;
    for (const auto& [key, value] : headers) {
        if (key != "content-length") continue;
        std::uint64_t n = 0;
        auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
        if (ec != std::errc() || end != value.data() + value.size() || value.empty())
            return core::fail(core::ErrorKind::InvalidInput, "malformed Content-Length");
        if (length && *length != n) return core::fail(core::ErrorKind::InvalidInput, "conflicting Content-Length headers");
        length = n;
    }
    return length.value_or(0);
}

core::Result<RequestHead> parse_request_head(std::string_view head) {
    const auto bad = [](std::string_view what) { return core::fail(core::ErrorKind::InvalidInput, std::string(what)); };
    const auto line_end = head.find("\r\n");
    const std::string_view line = head.substr(0, line_end);
    const auto sp1 = line.find(' ');
    const auto sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
    if (sp1 == std::string_view::npos || sp2 == std::string_view::npos || !line.substr(sp2 + 1).starts_with("HTTP/1."))
        return bad("malformed request line");
    RequestHead out;
    out.method = std::string(line.substr(0, sp1));
    const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    out.path = std::string(target.substr(0, target.find('?')));
    std::string_view rest = line_end == std::string_view::npos ? std::string_view{} : head.substr(line_end + 2);
    while (!rest.empty()) {
        const auto end = rest.find("\r\n");
        const std::string_view field = rest.substr(0, end);
        rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 2);
        if (field.empty()) break;
        const auto colon = field.find(':');
        if (colon == std::string_view::npos || colon == 0) return bad("malformed header field");
        out.headers.emplace_back(core::ascii_lower(trim(field.substr(0, colon))), std::string(trim(field.substr(colon + 1))));
    }
    return out;
}

}  // namespace ferry::cron
