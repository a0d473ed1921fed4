#include "core/redact.hpp"

#include <algorithm>
#include <mutex>
#include <regex>
#include <shared_mutex>
#include <vector>

namespace ferry::core {
namespace {

std::shared_mutex secrets_mutex;
std::vector<std::string>& secrets() {
    static std::vector<std::string> values;
    return values;
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
    if (std::find(list.begin(), list.end(), secret) == list.end()) {
        list.emplace_back(secret);
        // Longest first, so a secret containing another is masked whole.
        std::sort(list.begin(), list.end(),
                  [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
    }
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
