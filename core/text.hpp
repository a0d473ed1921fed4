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

/// `text` with every control character written as an escape, so that text from outside
/// (a registry's error message, a catalog name, a webhook field) cannot start a new line,
/// move the cursor or change colours on a terminal or in a text log: `\n`, `\r`, `\t`, other
/// C0 bytes and DEL as `\xHH`, and the C1 controls U+0080..U+009F (UTF-8 `C2 80`..`C2 9F`) as
/// `\u00HH`. Everything else (printable ASCII, other UTF-8, a backslash) is kept as it is.
/// The one escaping of ferry's text output: the log facade, the plan/sync text writers and
/// the CLI's error line call it.
std::string escape_control(std::string_view text);

/// `text` escaped as by escape_control, except that '\n' is kept: for multi-line messages
/// ferry composes itself (a plan's list of errors) whose parts were escaped where they came in.
std::string escape_control_keep_lines(std::string_view text);

}  // namespace ferry::core
