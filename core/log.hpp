#pragma once
/// The one logging facade. Everything ferry logs goes through here, and every message is
/// passed through core::redact() before it is written (to stderr). In the text format every
/// control character of a message (newline included) is written escaped (core::escape_control):
/// a message is one line, whatever text from outside it quotes; JSON lines escape by JSON.
/// Levels: debug = one line per HTTP request, info = one line per image, warn = retries.
#include <fmt/format.h>

#include <optional>
#include <string>
#include <string_view>

namespace ferry::core::log {

enum class Level { Debug, Info, Warn, Error, Off };
enum class Format { Text, Json };

/// Parses "debug|info|warn|error|off" (and "trace", "warning", "quiet"); nullopt otherwise.
std::optional<Level> parse_level(std::string_view text);

/// Configures the process-wide logger (stderr). Safe to call more than once.
void init(Level level, Format format);
Level level();
bool enabled(Level level);

/// True when lines are written as JSON (--log-format json).
bool json_format();

/// Writes one already-formatted line (redacted here).
void write(Level level, std::string_view message);

template <class... Args>
void debug(fmt::format_string<Args...> f, Args&&... args) {
    if (enabled(Level::Debug)) write(Level::Debug, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void info(fmt::format_string<Args...> f, Args&&... args) {
    if (enabled(Level::Info)) write(Level::Info, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void warn(fmt::format_string<Args...> f, Args&&... args) {
    if (enabled(Level::Warn)) write(Level::Warn, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void error(fmt::format_string<Args...> f, Args&&... args) {
    if (enabled(Level::Error)) write(Level::Error, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace ferry::core::log
