#include "http/url.hpp"

#include <curl/curl.h>

#include <memory>

namespace ferry::http {
namespace {

struct UrlDeleter {
    void operator()(CURLU* u) const { curl_url_cleanup(u); }
};

}  // namespace

core::Result<std::string> resolve_url(const std::string& base, const std::string& reference) {
    std::unique_ptr<CURLU, UrlDeleter> url(curl_url());
    if (!url) return core::fail(core::ErrorKind::Internal, "curl_url failed");
    if (curl_url_set(url.get(), CURLUPART_URL, base.c_str(), 0) != CURLUE_OK)
        return core::fail(core::ErrorKind::Protocol, "invalid base URL \"" + base + "\"");
    if (curl_url_set(url.get(), CURLUPART_URL, reference.c_str(), 0) != CURLUE_OK)
        return core::fail(core::ErrorKind::Protocol, "invalid URL reference \"" + reference + "\"");
    char* out = nullptr;
    if (curl_url_get(url.get(), CURLUPART_URL, &out, 0) != CURLUE_OK || !out)
        return core::fail(core::ErrorKind::Protocol, "cannot resolve \"" + reference + "\"");
    std::string result(out);
    curl_free(out);
    return result;
}

std::string url_encode(std::string_view text) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            out.push_back(static_cast<char>(c));
        } else {
            out.push_back('%');
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 0xf]);
        }
    }
    return out;
}

std::string append_query(std::string url, std::string_view key, std::string_view value) {
    const auto fragment = url.find('#');
    std::string tail;
    if (fragment != std::string::npos) {
        tail = url.substr(fragment);
        url.resize(fragment);
    }
    if (url.find('?') == std::string::npos) url += '?';
    else if (url.back() != '?' && url.back() != '&') url += '&';
    url += std::string(key) + "=" + url_encode(value);
    return url + tail;
}

std::string url_origin(std::string_view url) {
    const auto scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos) return {};
    const auto path = url.find_first_of("/?#", scheme_end + 3);
    return std::string(url.substr(0, path));
}

}  // namespace ferry::http
