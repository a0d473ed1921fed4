#include "core/redact.hpp"

#include <algorithm>
#include <map>
#include <mutex>
#include <regex>
#include <shared_mutex>
#include <vector>

namespace ferry::core {
namespace {

std::shared_mutex secrets_mutex;
std::vector<std::string>& secrets() {  // longest first
    static std::vector<std::string> values;
    return values;
}
std::map<std::string, std::size_t, std::less<>>& registrations() {  // value -> times registered
    static std::map<std::string, std::size_t, std::less<>> counts;
    return counts;
}

void replace_all(std::string& text, std::string_view needle) {
    for (auto pos = text.find(needle); pos != std::string::npos;
         pos = text.find(needle, pos + kRedacted.size())) {
        text.replace(pos, needle.size(), kRedacted);
    }
}

struct Pattern {
    std::regex re;
    std::string replacement;
};

const std::vector<Pattern>& patterns() {
    static const std::vector<Pattern> list = [] {
        const auto icase = std::regex::ECMAScript | std::regex::icase;
        std::vector<Pattern> p;
        // scheme://user:password@host -> scheme://<redacted>@host
        p.push_back({std::regex(R"(([a-z][a-z0-9+.-]*://)[^/\s@]+@)", icase), "$1<redacted>@"});
        // Authorization: Basic xxx / Bearer xxx
        p.push_back({std::regex(R"(((?:proxy-)?authorization\s*:\s*)[^\r\n]*)", icase),
                     "$1<redacted>"});
        // "token": "xxx", "password":"xxx" in JSON
        p.push_back({std::regex(
                         R"re(("(?:token|access_token|refresh_token|password|identitytoken|auth|secret)"\s*:\s*")[^"]*")re",
                         icase),
                     "$1<redacted>\""});
        // token=xxx, password=xxx in query strings or form bodies
        p.push_back({std::regex(R"(((?:^|[?&\s])(?:token|access_token|refresh_token|password)=)[^&\s]*)",
                                icase),
                     "$1<redacted>"});
        return p;
    }();
    return list;
}

}  // namespace

void register_secret(std::string_view secret) {
    if (secret.size() < 4) return;
    std::unique_lock lock(secrets_mutex);
    auto& list = secrets();
    auto& counts = registrations();
    if (auto it = counts.find(secret); it != counts.end()) {
        ++it->second;
        return;
    }
    counts.emplace(std::string(secret), 1);
    {
        // Longest first, so a secret containing another is masked whole.
        const auto at = std::upper_bound(list.begin(), list.end(), secret.size(),
                                         [](std::size_t size, const std::string& s) { return size > s.size(); });
        list.emplace(at, secret);
    }
}

void forget_secret(std::string_view secret) {
    std::unique_lock lock(secrets_mutex);
    auto& counts = registrations();
    auto counted = counts.find(secret);
    if (counted == counts.end() || --counted->second > 0) return;
    counts.erase(counted);
    auto& list = secrets();
    if (auto it = std::find(list.begin(), list.end(), secret); it != list.end()) list.erase(it);
}

std::size_t secret_count() {
    std::shared_lock lock(secrets_mutex);
    return secrets().size();
}

std::string redact(std::string_view text) {
    std::string out(text);
    {
        std::shared_lock lock(secrets_mutex);
        for (const auto& s : secrets()) replace_all(out, s);
    }
    for (const auto& p : patterns()) out = std::regex_replace(out, p.re, p.replacement);
    return out;
}

}  // namespace ferry::core
