#include "http/challenge.hpp"

#include <cctype>

#include "core/text.hpp"

namespace ferry::http {
namespace {

bool is_tchar(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("!#$%&'*+-.^_`|~/").find(c) != std::string_view::npos;
}

class Scanner {
public:
    explicit Scanner(std::string_view text) : s_(text) {}
    bool done() const { return i_ >= s_.size(); }
    char peek() const { return done() ? '\0' : s_[i_]; }
    void skip_spaces() {
        while (!done() && (s_[i_] == ' ' || s_[i_] == '\t')) ++i_;
    }
    /// Skips spaces and commas; true when at least one comma was passed.
    bool skip_separators() {
        bool comma = false;
        while (!done() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == ',')) comma |= s_[i_++] == ',';
        return comma;
    }
    std::string_view token() {
        auto start = i_;
        while (!done() && is_tchar(s_[i_])) ++i_;
        return s_.substr(start, i_ - start);
    }
    /// After a token: spaces, '=' and a value start ahead (an auth-param, not token68).
    bool param_ahead() const {
        auto j = i_;
        while (j < s_.size() && (s_[j] == ' ' || s_[j] == '\t')) ++j;
        if (j >= s_.size() || s_[j] != '=') return false;
        ++j;
        while (j < s_.size() && (s_[j] == ' ' || s_[j] == '\t')) ++j;
        return j < s_.size() && s_[j] != ',' && s_[j] != '=';
    }
    std::string value() {
        skip_spaces();
        if (peek() == '=') ++i_;
        skip_spaces();
        if (peek() != '"') {
            auto start = i_;
            while (!done() && s_[i_] != ',' && s_[i_] != ' ' && s_[i_] != '\t') ++i_;
            return std::string(s_.substr(start, i_ - start));
        }
        ++i_;
        std::string out;
        while (!done() && s_[i_] != '"') {
            if (s_[i_] == '\\' && i_ + 1 < s_.size()) ++i_;
            out.push_back(s_[i_++]);
        }
        if (done()) broken_ = true;  // the quoted string never ends
        else ++i_;                     // closing quote
        // Text glued to the closing quote ('"a"b') means the quotes do not pair up.
        if (!done() && s_[i_] != ',' && s_[i_] != ' ' && s_[i_] != '\t') broken_ = true;
        return out;
    }
    std::size_t take_equals() {
        std::size_t n = 0;
        for (; !done() && s_[i_] == '='; ++i_) ++n;
        return n;
    }
    void skip_one() { ++i_; }
    /// True once a quoted value was never closed, or had text glued to its closing quote.
    bool broken() const { return broken_; }

private:
    std::string_view s_;
    bool broken_ = false;
    std::size_t i_ = 0;
};

}  // namespace

std::string Challenge::param(const std::string& name) const {
    auto it = params.find(name);
    return it == params.end() ? std::string() : it->second;
}

std::vector<Challenge> parse_www_authenticate(std::string_view header) {
    std::vector<Challenge> out;
    Scanner sc(header);
    bool after_scheme = false;  // only spaces since the scheme name
    while (true) {
        bool comma = sc.skip_separators();
        if (comma) after_scheme = false;
        if (sc.done()) break;
        auto name = sc.token();
        if (name.empty()) {
            sc.skip_one();  // stray character
            continue;
        }
        if (!out.empty() && sc.param_ahead()) {
            out.back().params[core::ascii_lower(name)] = sc.value();
            after_scheme = false;
            // Quotes that do not pair up leave the parameters (and the realm credentials
            // would be sent to) untrustworthy: the challenge and the rest are dropped.
            if (sc.broken()) {
                out.pop_back();
                break;
            }
        } else if (!out.empty() && after_scheme) {
            out.back().token68 = std::string(name) + std::string(sc.take_equals(), '=');
            after_scheme = false;
        } else {
            out.push_back(Challenge{core::ascii_lower(name), {}, {}});
            after_scheme = true;
        }
    }
    return out;
}

std::vector<Challenge> parse_www_authenticate(const std::vector<std::string>& headers) {
    std::vector<Challenge> out;
    for (const auto& h : headers) {
        auto part = parse_www_authenticate(h);
        out.insert(out.end(), part.begin(), part.end());
    }
    return out;
}

}  // namespace ferry::http
