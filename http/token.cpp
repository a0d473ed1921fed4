#include "http/token.hpp"

#include <algorithm>
#include <charconv>
#include <ctime>
#include <nlohmann/json.hpp>

#include "core/redact.hpp"

namespace ferry::http {
namespace {

bool read_int(std::string_view text, std::size_t pos, std::size_t len, int& out) {
    if (pos + len > text.size()) return false;
    auto [p, ec] = std::from_chars(text.data() + pos, text.data() + pos + len, out);
    return ec == std::errc() && p == text.data() + pos + len;
}

long long json_seconds(const nlohmann::json& reply, const char* key, long long fallback) {
    auto it = reply.find(key);
    if (it == reply.end() || !it->is_number()) return fallback;
    return static_cast<long long>(it->get<double>());
}

}  // namespace

std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view t) {
    std::tm tm{};
    if (t.size() < 20 || t[4] != '-' || t[7] != '-' || (t[10] != 'T' && t[10] != 't' && t[10] != ' ') ||
        t[13] != ':' || t[16] != ':')
        return std::nullopt;
    if (!read_int(t, 0, 4, tm.tm_year) || !read_int(t, 5, 2, tm.tm_mon) || !read_int(t, 8, 2, tm.tm_mday) ||
        !read_int(t, 11, 2, tm.tm_hour) || !read_int(t, 14, 2, tm.tm_min) || !read_int(t, 17, 2, tm.tm_sec))
        return std::nullopt;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    std::size_t i = 19;
    if (i < t.size() && t[i] == '.')
        for (++i; i < t.size() && std::isdigit(static_cast<unsigned char>(t[i])); ++i) {}
    long offset = 0;
    if (i < t.size() && (t[i] == 'Z' || t[i] == 'z')) {
        ++i;
    } else if (i + 6 == t.size() && (t[i] == '+' || t[i] == '-') && t[i + 3] == ':') {
        int hh = 0, mm = 0;
        if (!read_int(t, i + 1, 2, hh) || !read_int(t, i + 4, 2, mm)) return std::nullopt;
        offset = (t[i] == '-' ? -1 : 1) * (hh * 3600L + mm * 60L);
        i += 6;
    }
    if (i != t.size()) return std::nullopt;
    return std::chrono::system_clock::from_time_t(timegm(&tm) - offset);
}

core::Result<Token> parse_token_response(std::string_view body, std::chrono::steady_clock::time_point received,
                                         std::chrono::system_clock::time_point wall_now) {
    nlohmann::json reply;
    try {
        reply = nlohmann::json::parse(body);
    } catch (const nlohmann::json::exception&) {
        return core::fail(core::ErrorKind::Protocol, "token reply is not JSON");
    }
    if (!reply.is_object()) return core::fail(core::ErrorKind::Protocol, "token reply is not a JSON object");
    Token token;
    for (const char* key : {"token", "access_token"}) {
        if (auto it = reply.find(key); it != reply.end() && it->is_string() && !it->get<std::string>().empty()) {
            token.value = it->get<std::string>();
            break;
        }
    }
    if (token.value.empty()) return core::fail(core::ErrorKind::Protocol, "token reply has neither token nor access_token");
    core::register_secret(token.value);
    long long lifetime = json_seconds(reply, "expires_in", 60);
    if (lifetime <= 0) lifetime = 60;
    if (auto it = reply.find("issued_at"); it != reply.end() && it->is_string()) {
        if (auto issued = parse_rfc3339(it->get<std::string>())) {
            const auto age = std::chrono::duration_cast<std::chrono::seconds>(wall_now - *issued).count();
            if (age > 0 && age < lifetime) lifetime -= age;
        }
    }
    const long long margin = std::min<long long>(lifetime / 5, 30);
    token.expires_at = received + std::chrono::seconds(lifetime - margin);
    return token;
}

std::vector<std::string> normalize_scopes(std::vector<std::string> scopes) {
    std::erase_if(scopes, [](const std::string& s) { return s.empty(); });
    std::sort(scopes.begin(), scopes.end());
    scopes.erase(std::unique(scopes.begin(), scopes.end()), scopes.end());
    return scopes;
}

std::string scope_key(const std::vector<std::string>& scopes) {
    std::string key;
    for (const auto& s : normalize_scopes(scopes)) key += (key.empty() ? "" : " ") + s;
    return key;
}

std::optional<std::string> TokenCache::get(const std::string& key, std::chrono::steady_clock::time_point now) const {
    std::lock_guard lock(mutex_);
    auto it = tokens_.find(key);
    if (it == tokens_.end() || it->second.expires_at <= now) return std::nullopt;
    return it->second.value;
}

TokenCache::~TokenCache() { clear(); }

void TokenCache::put(const std::string& key, Token token) {
    std::lock_guard lock(mutex_);
    const auto now = std::chrono::steady_clock::now();
    std::erase_if(tokens_, [&](const auto& entry) {
        if (entry.first == key || entry.second.expires_at > now) return false;
        core::forget_secret(entry.second.value);
        return true;
    });
    auto [it, inserted] = tokens_.try_emplace(key, token);
    if (!inserted) {
        if (it->second.value != token.value) core::forget_secret(it->second.value);
        else core::forget_secret(token.value);  // the same value, registered twice
        it->second = std::move(token);
    }
}

void TokenCache::drop(const std::string& key) {
    std::lock_guard lock(mutex_);
    if (auto it = tokens_.find(key); it != tokens_.end()) {
        core::forget_secret(it->second.value);
        tokens_.erase(it);
    }
}

void TokenCache::drop_if(const std::string& key, std::string_view value) {
    std::lock_guard lock(mutex_);
    if (auto it = tokens_.find(key); it != tokens_.end() && it->second.value == value) {
        core::forget_secret(it->second.value);
        tokens_.erase(it);
    }
}

void TokenCache::clear() {
    std::lock_guard lock(mutex_);
    for (const auto& [key, token] : tokens_) core::forget_secret(token.value);
    tokens_.clear();
}

}  // namespace ferry::http
