#include "core/log.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <mutex>
#include <nlohmann/json.hpp>

#include "core/redact.hpp"
#include "core/text.hpp"
#include "core/units.hpp"

namespace ferry::core::log {
namespace {

std::atomic<Level> current_level{Level::Info};
std::atomic<Format> current_format{Format::Text};

std::shared_ptr<spdlog::logger> make_logger() {
    auto logger = spdlog::stderr_color_mt("ferry");
    logger->set_level(spdlog::level::trace);
    return logger;
}

spdlog::logger& logger() {
    static std::shared_ptr<spdlog::logger> instance = make_logger();
    return *instance;
}

spdlog::level::level_enum to_spdlog(Level l) {
    switch (l) {
        case Level::Debug: return spdlog::level::debug;
        case Level::Info: return spdlog::level::info;
        case Level::Warn: return spdlog::level::warn;
        case Level::Error: return spdlog::level::err;
        case Level::Off: return spdlog::level::off;
    }
    return spdlog::level::info;
}

void apply_pattern() {
    if (current_format.load() == Format::Json)
        logger().set_pattern("%v");  // the message is a complete JSON object
    else
        logger().set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%-5l%$ %v");
}

}  // namespace

bool json_format() { return current_format.load() == Format::Json; }

std::optional<Level> parse_level(std::string_view text) {
    if (text == "debug" || text == "trace") return Level::Debug;
    if (text == "info") return Level::Info;
    if (text == "warn" || text == "warning") return Level::Warn;
    if (text == "error") return Level::Error;
    if (text == "off" || text == "quiet") return Level::Off;
    return std::nullopt;
}

void init(Level lvl, Format format) {
    current_level = lvl;
    current_format = format;
    apply_pattern();
}

Level level() { return current_level.load(); }

bool enabled(Level lvl) {
    return lvl != Level::Off && static_cast<int>(lvl) >= static_cast<int>(current_level.load());
}

void write(Level lvl, std::string_view message) {
    static std::once_flag pattern_once;
    std::call_once(pattern_once, apply_pattern);
    std::string clean = redact(message);
    if (current_format.load() == Format::Json) {
        nlohmann::json line = {{"time", format_rfc3339(std::chrono::system_clock::now(), true)},
                               {"level", spdlog::level::to_string_view(to_spdlog(lvl)).data()},
                               {"msg", clean}};
        logger().log(to_spdlog(lvl), "{}", line.dump(-1, ' ', false,
                                                     nlohmann::json::error_handler_t::replace));
    } else {
        // One message is one line: a newline or an escape sequence from outside (a registry's
        // error text, a catalog name) is shown escaped, never obeyed.
        logger().log(to_spdlog(lvl), "{}", escape_control(clean));
    }
}

}  // namespace ferry::core::log
