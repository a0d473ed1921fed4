#pragma once
/// The plan's `registries:` section: per-host connection settings, keyed by host[:port].
/// Keys per host: tls, ca_file, client_cert/client_key, credentials (docker_config or
/// username with password_env/password_file), mirrors, max_requests, requests_per_second.
/// Passwords are read at load time and registered with core::register_secret.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::plan {

/// Verify: https, certificates checked. Disabled: plain http. SkipVerify: https without
/// certificate checks. Insecure: https without certificate checks, and plain http when the
/// host does not answer /v2/ over https (skopeo's and docker's meaning of an insecure registry).
enum class TlsMode { Verify, Disabled, SkipVerify, Insecure };
std::string_view to_string(TlsMode mode);

struct Credentials {
    enum class Source { None, DockerConfig, Password };
    Source source = Source::None;  ///< None: fall back to the global credential lookup
    std::string username;
    std::string password;  ///< resolved at load time; registered as a secret
};

struct RegistryConfig {
    std::string host;  ///< "host[:port]" as written (docker.io aliases normalised to "docker.io")
    TlsMode tls = TlsMode::Verify;
    std::filesystem::path ca_file;      ///< empty = system trust store
    std::filesystem::path client_cert;  ///< set together with client_key
    std::filesystem::path client_key;
    Credentials credentials;
    std::vector<std::string> mirrors;  ///< hosts to pull from first, in order
    std::optional<int> max_requests;   ///< concurrent requests to this host
    std::optional<int> max_lookups;    ///< concurrent manifest HEADs, tag and catalog pages to this host
    std::optional<double> requests_per_second;
    std::string path_prefix;  ///< path before /v2/ (Artifactory: /artifactory/api/docker/REPO)
    std::uint64_t upload_chunk_size = 0;  ///< `upload: {chunk_size}`: 0 = one streaming PUT per blob
};

namespace detail {

class PlanReader;
struct PlanNode;

/// Reads the secret named by a `*_env` key (an environment variable) or a `*_file` key;
/// registers it as a secret. `what` names it in errors ("password", "token").
/// A file (at most 64 KiB) holds the secret on its first line; the line end ("\n", "\r\n")
/// is dropped, and a further non-empty line is an error naming the file. A file its group or
/// everyone may read is accepted with one warning per file and process (naming the file and
/// its mode, never the content).
std::optional<std::string> read_password(PlanReader& reader, const PlanNode& source, std::string_view path,
                                         std::string_view what = "password");

/// Reads `registries:`; duplicate hosts (after alias normalisation) are errors.
std::map<std::string, RegistryConfig> read_registries(PlanReader& reader, const PlanNode& node);

// Host names and Docker Hub's aliases: core/registry_host.hpp.

}  // namespace detail
}  // namespace ferry::plan
