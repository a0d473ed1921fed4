#include "core/registry_host.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "core/parse.hpp"

namespace ferry::core {
namespace {

constexpr std::size_t kMaxLabel = 63;
constexpr std::size_t kMaxHostname = 253;

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_ipv6_char(char c) {
    return is_digit(c) || c == ':' || c == '.' || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

std::string port_problem(std::string_view host, std::string_view port) {
    const auto value = parse_int<unsigned>(port);
    if (!value || *value == 0 || *value > 65535)
        return fmt::format("registry '{}' has an invalid port '{}' (expected 1-65535)", host, port);
    return {};
}

bool is_valid_label(std::string_view label) {
    return !label.empty() && label.size() <= kMaxLabel && is_alnum(label.front()) && is_alnum(label.back()) &&
           std::ranges::all_of(label, [](char c) { return is_alnum(c) || c == '-'; });
}

bool is_valid_hostname(std::string_view name) {
    if (name.size() > kMaxHostname) return false;
    for (std::size_t start = 0;;) {
        const auto dot = name.find('.', start);
        if (!is_valid_label(name.substr(start, dot - start))) return false;
        if (dot == std::string_view::npos) return true;
        start = dot + 1;
    }
}

std::string bracketed_host_problem(std::string_view host) {
    const auto close = host.find(']');
    const auto inside = host.substr(1, close == std::string_view::npos ? 0 : close - 1);
    if (close == std::string_view::npos || inside.find(':') == std::string_view::npos ||
        !std::ranges::all_of(inside, is_ipv6_char))
        return fmt::format("registry '{}' is not a valid [IPv6] address", host);
    const auto rest = host.substr(close + 1);
    if (rest.empty()) return {};
    if (rest.front() != ':') return fmt::format("registry '{}' has text after ']'", host);
    return port_problem(host, rest.substr(1));
}

}  // namespace

bool is_docker_hub(std::string_view host) {
    return host == kDockerHub || host == kDockerHubLegacy || host == kDockerHubApi;
}

std::string canonical_registry_host(std::string_view host) {
    return std::string(is_docker_hub(host) ? kDockerHub : host);
}

std::string registry_api_host(std::string_view host) {
    if (host.empty() || host == kDockerHub || host == kDockerHubLegacy) return std::string(kDockerHubApi);
    return std::string(host);
}

bool names_registry_host(std::string_view component) {
    return component.find_first_of(".:") != std::string_view::npos || component == "localhost";
}

std::string registry_host_problem(std::string_view host) {
    if (host.starts_with('[')) return bracketed_host_problem(host);
    const auto colon = host.find(':');
    if (!is_valid_hostname(host.substr(0, colon)))
        return fmt::format("registry '{}' is not a valid host name", host);
    return colon == std::string_view::npos ? std::string{} : port_problem(host, host.substr(colon + 1));
}

}  // namespace ferry::core
