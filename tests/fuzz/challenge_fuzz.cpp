/// Fuzzes WWW-Authenticate parsing. Properties: schemes and parameter names come out lower
/// case and non-empty, and param() agrees with params. The vector overload (one header field
/// per line) runs over the input's lines.
#include <cctype>
#include <string>
#include <vector>

#include "fuzz_check.hpp"
#include "http/challenge.hpp"

using ferry::fuzz::check;

namespace {

bool lower_case(std::string_view s) {
    for (char c : s) {
        if (std::isupper(static_cast<unsigned char>(c))) return false;
    }
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
    auto text = ferry::fuzz::as_text(data, size);
    auto challenges = ferry::http::parse_www_authenticate(text);
    for (const auto& c : challenges) {
        check(!c.scheme.empty() && lower_case(c.scheme), "scheme empty or not lower case", text);
        for (const auto& [name, value] : c.params) {
            check(!name.empty() && lower_case(name), "parameter name empty or not lower case", text);
            check(c.param(name) == value, "param() disagrees with params", text);
        }
    }

    std::vector<std::string> lines;
    for (std::size_t start = 0; start <= text.size();) {
        auto end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        lines.emplace_back(text.substr(start, end - start));
        start = end + 1;
    }
    (void)ferry::http::parse_www_authenticate(lines);
    return 0;
}
