#include "http/warnings.hpp"

#include <mutex>
#include <cstdint>
#include <map>
#include <set>

#include "core/log.hpp"

namespace ferry::http {
namespace {

/// The most distinct warnings remembered; the oldest-seen is forgotten beyond it.
constexpr std::size_t kMaxWarnings = 256;

struct Seen {
    std::mutex mutex;
    std::set<std::string> keys;          ///< every warning logged so far (logged once)
    std::vector<std::string> ordered;    ///< in first-seen order, at most kMaxWarnings
    std::map<std::string, std::uint64_t> last_seen;  ///< warning -> sequence number
    std::uint64_t sequence = 0;
};

Seen& seen() {
    static Seen instance;
    return instance;
}

}  // namespace

std::vector<std::string> parse_warnings(const std::vector<std::string>& fields) {
    std::vector<std::string> out;
    for (std::string_view field : fields) {
        // warn-code SP warn-agent SP "warn-text" [SP warn-date]; several may share a field.
        std::size_t pos = 0;
        while (pos < field.size()) {
            while (pos < field.size() && (field[pos] == ' ' || field[pos] == ',')) ++pos;
            const bool is_299 = field.substr(pos, 4) == "299 ";
            const auto open = field.find('"', pos);
            if (open == std::string_view::npos) break;
            std::string text;
            std::size_t i = open + 1;
            for (; i < field.size() && field[i] != '"'; ++i) {
                if (field[i] == '\\' && i + 1 < field.size()) ++i;
                text.push_back(field[i]);
            }
            if (is_299 && !text.empty()) out.push_back(std::move(text));
            pos = field.find(',', i);
            if (pos == std::string_view::npos) break;
        }
    }
    return out;
}

void note_warnings(std::string_view host, const Headers& headers) {
    auto fields = headers.get_all("Warning");
    if (fields.empty()) return;
    for (auto& text : parse_warnings(fields)) {
        std::string key = std::string(host) + ": " + text;
        auto& s = seen();
        {
            std::lock_guard lock(s.mutex);
            s.last_seen[key] = ++s.sequence;
            if (!s.keys.insert(key).second) continue;
            s.ordered.push_back(key);
            if (s.ordered.size() > kMaxWarnings) {  // keys stay: a forgotten warning is not logged again
                s.last_seen.erase(s.ordered.front());
                s.ordered.erase(s.ordered.begin());
            }
        }
        core::log::warn("registry warning from {}", key);
    }
}

std::vector<std::string> warnings_seen() {
    auto& s = seen();
    std::lock_guard lock(s.mutex);
    return s.ordered;
}

std::uint64_t warnings_mark() {
    auto& s = seen();
    std::lock_guard lock(s.mutex);
    return s.sequence;
}

std::vector<std::string> warnings_since(std::uint64_t mark) {
    auto& s = seen();
    std::lock_guard lock(s.mutex);
    std::vector<std::string> out;
    for (const auto& key : s.ordered)
        if (auto it = s.last_seen.find(key); it != s.last_seen.end() && it->second > mark) out.push_back(key);
    return out;
}

}  // namespace ferry::http
