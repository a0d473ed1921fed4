#include "http/warnings.hpp"

#include <mutex>
#include <set>

#include "core/log.hpp"

namespace ferry::http {
namespace {

struct Seen {
    std::mutex mutex;
    std::set<std::string> keys;
    std::vector<std::string> ordered;
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
            if (!s.keys.insert(key).second) continue;
            s.ordered.push_back(key);
        }
        core::log::warn("registry warning from {}", key);
    }
}

std::vector<std::string> warnings_seen() {
    auto& s = seen();
    std::lock_guard lock(s.mutex);
    return s.ordered;
}

}  // namespace ferry::http
