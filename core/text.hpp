#pragma once
/// Small text helpers shared across modules.
#include <string>
#include <string_view>

namespace ferry::core {

/// `text` with ASCII letters lowered (header names, hosts, schemes, keywords); other bytes
/// (UTF-8 included) unchanged.
inline std::string ascii_lower(std::string_view text) {
    std::string out(text);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

}  // namespace ferry::core
