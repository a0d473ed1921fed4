#pragma once
/// WWW-Authenticate parsing (RFC 7235 challenges), pure.
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::http {

struct Challenge {
    std::string scheme;                         ///< lower case: "bearer", "basic"
    std::map<std::string, std::string> params;  ///< names lower case, values unquoted
    std::string token68;                        ///< a bare token after the scheme, if any

    /// The value of `name` (lower case), "" when absent.
    std::string param(const std::string& name) const;
};

/// Parses every challenge in a WWW-Authenticate value: several challenges separated by
/// commas, quoted strings with commas and backslash escapes, case-insensitive scheme and
/// parameter names, odd spacing around '=' and ','. Garbage is skipped, never an error; a
/// challenge whose quoted value is never closed, or has text glued to its closing quote, is
/// dropped together with the rest of the field (its parameters are unreliable).
std::vector<Challenge> parse_www_authenticate(std::string_view header);

/// Parses every WWW-Authenticate field of a response (each may hold several challenges).
std::vector<Challenge> parse_www_authenticate(const std::vector<std::string>& headers);

}  // namespace ferry::http
