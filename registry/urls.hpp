#pragma once
/// Registry URLs and names. Pure.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::registry {

/// The host to send requests to: Docker Hub's aliases map to "registry-1.docker.io".
std::string api_host(std::string_view host);

/// "https://<api host>" or "http://<api host>" for plain-HTTP hosts.
std::string base_url(std::string_view host, bool plain_http);

/// "<base>/v2/<repo>/<kind>/<ref>" for kind "manifests" or "blobs".
std::string object_url(std::string_view base, std::string_view repo, std::string_view kind, std::string_view ref);

/// The target of the first `rel="next"` link among Link header values (as written: the
/// caller resolves it against the request URL), or nullopt.
std::optional<std::string> next_link(const std::vector<std::string>& link_headers);

/// "host/repo:tag" or "host/repo@sha256:..." for messages.
std::string display_ref(std::string_view host, std::string_view repo, std::string_view ref);

/// True when both absolute URLs name the same origin: scheme and host compared without
/// case, a default port (:80 for http, :443 for https) equal to none. Credentials for one
/// origin never go to another.
bool same_origin(std::string_view a, std::string_view b);

/// True when `ref` is a digest ("algo:hex") rather than a tag.
bool is_digest_ref(std::string_view ref);

}  // namespace ferry::registry
