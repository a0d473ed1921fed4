#pragma once
/// Parsing integers from text: the one way (std::from_chars, no exceptions, no locale).
#include <charconv>
#include <concepts>
#include <optional>
#include <string_view>
#include <system_error>

namespace ferry::core {

/// The integer all of `text` spells in `base`; nullopt for empty text, any character that is
/// not a digit (no spaces, no '+', a '-' only for signed T) or a value outside T's range.
template <std::integral T>
std::optional<T> parse_int(std::string_view text, int base = 10) {
    T value{};
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value, base);
    if (text.empty() || ec != std::errc{} || ptr != end) return std::nullopt;
    return value;
}

}  // namespace ferry::core
