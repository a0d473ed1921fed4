#pragma once
/// Registry credentials from docker config.json files and docker credential helpers.
/// Every secret found is registered with core::register_secret() before it is returned.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/error.hpp"

namespace ferry::http {

struct Credential {
    std::string username;
    std::string password;
    std::string identity_token;  ///< OAuth refresh token (config.json `identitytoken`)
    /// Where it was found, for messages (never secret): "/home/u/.docker/config.json",
    /// "credential helper docker-credential-pass (credHelpers in /home/u/.docker/config.json)".
    std::string origin;
};

/// The config key Docker uses for Docker Hub.
inline constexpr std::string_view kDockerHubConfigKey = "https://index.docker.io/v1/";

/// The host a config.json key names: scheme and path dropped ("https://h:5000/v1/" ->
/// "h:5000"); Docker Hub's aliases (index.docker.io, registry-1.docker.io) -> "docker.io".
std::string credential_host(std::string_view key_or_host);

/// The server URL a credential helper knows `host` by (Docker Hub's config key for it).
std::string helper_server_url(std::string_view host);

/// Runs `docker-credential-<helper> <action>` ("store", "erase") with `input` on stdin.
/// Config error when it cannot run or fails (its first output line, redacted, in the message).
core::Status run_credential_helper_action(const std::string& helper, const char* action, const std::string& input);

/// The files consulted, in order: `authfile` if given; else $REGISTRY_AUTH_FILE if set,
/// then $DOCKER_CONFIG/config.json or ~/.docker/config.json.
std::vector<std::string> auth_file_candidates(const std::string& authfile);

/// Looks `host` up in one parsed config.json: credHelpers[host] first, then auths[host]
/// (`auth` = base64 "user:password", or `username`/`password`, and `identitytoken`), then
/// credsStore. `source` names the file in error messages. nullopt = anonymous.
core::Result<std::optional<Credential>> credentials_from_config(const nlohmann::json& config,
                                                                std::string_view host,
                                                                std::string_view source);

/// Looks `host` up in the auth_file_candidates(authfile); the first file that knows the
/// host wins. Missing files mean anonymous; unreadable or malformed ones are Config errors.
core::Result<std::optional<Credential>> lookup_credentials(std::string_view host,
                                                           const std::string& authfile);

/// Runs `docker-credential-<helper> get` with `server_url` on stdin and parses
/// {"Username","Secret"}; Username "<token>" makes Secret an identity token.
/// "credentials not found" -> nullopt; other failures -> Auth or Config errors.
core::Result<std::optional<Credential>> run_credential_helper(const std::string& helper,
                                                              const std::string& server_url);

}  // namespace ferry::http
