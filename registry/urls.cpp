#include "registry/urls.hpp"

#include <cctype>

#include "core/registry_host.hpp"
#include "core/text.hpp"
#include "http/message.hpp"

namespace ferry::registry {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

/// True when the link parameters (after '>') contain rel=next (quoted or not, maybe among
/// several space-separated relation types).
bool has_rel_next(std::string_view params) {
    std::size_t pos = 0;
    while (pos < params.size()) {
        auto semi = params.find(';', pos);
        auto param = trim(params.substr(pos, semi == std::string_view::npos ? std::string_view::npos : semi - pos));
        pos = semi == std::string_view::npos ? params.size() : semi + 1;
        auto eq = param.find('=');
        if (eq == std::string_view::npos || !http::iequals(trim(param.substr(0, eq)), "rel")) continue;
        auto value = trim(param.substr(eq + 1));
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
        std::size_t start = 0;
        while (start <= value.size()) {
            auto sp = value.find(' ', start);
            auto word = value.substr(start, sp == std::string_view::npos ? std::string_view::npos : sp - start);
            if (http::iequals(word, "next")) return true;
            if (sp == std::string_view::npos) break;
            start = sp + 1;
        }
    }
    return false;
}

}  // namespace

std::string api_host(std::string_view host) { return core::registry_api_host(host); }

std::string base_url(std::string_view host, bool plain_http) {
    return (plain_http ? "http://" : "https://") + api_host(host);
}

std::string object_url(std::string_view base, std::string_view repo, std::string_view kind, std::string_view ref) {
    return std::string(base) + "/v2/" + std::string(repo) + "/" + std::string(kind) + "/" + std::string(ref);
}

std::optional<std::string> next_link(const std::vector<std::string>& link_headers) {
    for (std::string_view header : link_headers) {
        std::size_t pos = 0;
        while ((pos = header.find('<', pos)) != std::string_view::npos) {
            auto close = header.find('>', pos);
            if (close == std::string_view::npos) break;
            auto target = header.substr(pos + 1, close - pos - 1);
            auto next_link_start = header.find('<', close);
            auto params = header.substr(close + 1, next_link_start == std::string_view::npos
                                                       ? std::string_view::npos : next_link_start - close - 1);
            params = trim(params);
            while (!params.empty() && params.back() == ',') params = trim(params.substr(0, params.size() - 1));
            if (has_rel_next(params)) return std::string(trim(target));
            pos = close + 1;
        }
    }
    return std::nullopt;
}

std::string display_ref(std::string_view host, std::string_view repo, std::string_view ref) {
    std::string out = std::string(host) + "/" + std::string(repo);
    if (ref.empty()) return out;
    return out + (is_digest_ref(ref) ? "@" : ":") + std::string(ref);
}

bool is_digest_ref(std::string_view ref) { return ref.find(':') != std::string_view::npos; }

namespace {

/// "scheme://host:port" in lower case with the default port written out; "" when not absolute.
std::string canonical_origin(std::string_view url) {
    const auto scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos) return {};
    std::string scheme(url.substr(0, scheme_end));
    auto rest = url.substr(scheme_end + 3);
    std::string authority(rest.substr(0, rest.find_first_of("/?#")));
    if (auto at = authority.rfind('@'); at != std::string::npos) authority.erase(0, at + 1);
    scheme = core::ascii_lower(scheme);
    authority = core::ascii_lower(authority);
    const auto colon = authority.rfind(':');
    const bool has_port = colon != std::string::npos && authority.find(']', colon) == std::string::npos;
    if (!has_port) authority += scheme == "https" ? ":443" : scheme == "http" ? ":80" : "";
    return scheme + "://" + authority;
}

}  // namespace

bool same_origin(std::string_view a, std::string_view b) {
    const auto left = canonical_origin(a);
    return !left.empty() && left == canonical_origin(b);
}

}  // namespace ferry::registry
