#pragma once
/// Registry host names: Docker Hub's aliases and the host[:port] grammar, in one place for
/// references, credentials, request URLs, client pooling and plan validation.
#include <string>
#include <string_view>

namespace ferry::core {

/// The name references and credentials use for Docker Hub.
inline constexpr std::string_view kDockerHub = "docker.io";
/// Docker Hub's legacy name (docker login's config.json key).
inline constexpr std::string_view kDockerHubLegacy = "index.docker.io";
/// The host Docker Hub's registry API answers on.
inline constexpr std::string_view kDockerHubApi = "registry-1.docker.io";

/// Whether `host` is one of Docker Hub's three names.
bool is_docker_hub(std::string_view host);
/// "docker.io" for any of Docker Hub's names, `host` otherwise.
std::string canonical_registry_host(std::string_view host);
/// The host HTTP requests go to: "registry-1.docker.io" for "docker.io", "index.docker.io"
/// or an empty host, `host` otherwise.
std::string registry_api_host(std::string_view host);

/// Whether the first '/'-separated component of an image name is a registry host rather
/// than a repository component: it contains '.' or ':' or is "localhost" (Docker's rule).
bool names_registry_host(std::string_view component);
/// Why `host` is not `hostname[:port]` or `[ipv6][:port]`, or "" when it is valid. A
/// hostname is dot-separated labels of letters, digits and '-' (1-63 characters, not
/// starting or ending with '-'), at most 253 characters; a port is 1-65535 in decimal.
/// Messages quote the host: "registry 'a..b' is not a valid host name".
std::string registry_host_problem(std::string_view host);
inline bool is_valid_registry_host(std::string_view host) { return registry_host_problem(host).empty(); }

}  // namespace ferry::core
