#include "sync/host_options.hpp"

#include "http/credentials.hpp"

namespace ferry::sync {

namespace {

registry::HostOptions to_host_options(const plan::RegistryConfig& cfg, int retries) {
    registry::HostOptions h;
    h.plain_http = cfg.tls == plan::TlsMode::Disabled;
    h.tls_verify = cfg.tls != plan::TlsMode::SkipVerify && cfg.tls != plan::TlsMode::Insecure;
    h.http_fallback = cfg.tls == plan::TlsMode::Insecure;
    h.ca_file = cfg.ca_file.string();
    h.client_cert = cfg.client_cert.string();
    h.client_key = cfg.client_key.string();
    if (cfg.credentials.source == plan::Credentials::Source::Password) {
        h.username = cfg.credentials.username;
        h.password = cfg.credentials.password;
    }
    if (cfg.max_requests) h.max_requests = *cfg.max_requests;
    if (cfg.max_lookups) h.max_lookups = *cfg.max_lookups;
    if (cfg.requests_per_second) h.requests_per_second = *cfg.requests_per_second;
    h.retries = retries;
    h.path_prefix = cfg.path_prefix;
    h.chunk_size = cfg.upload_chunk_size;
    return h;
}

}  // namespace

registry::ClientOptions client_options_for(const plan::Plan& plan, registry::ClientOptions base) {
    std::map<std::string, registry::HostOptions, std::less<>> hosts;
    for (const auto& [host, cfg] : plan.registries) hosts[host] = to_host_options(cfg, plan.defaults.retries);
    auto fallback = base.host_options;
    base.host_options = [hosts = std::move(hosts), fallback](std::string_view host) -> std::optional<registry::HostOptions> {
        if (auto it = hosts.find(host); it != hosts.end()) return it->second;
        if (fallback) return fallback(host);
        return std::nullopt;
    };
    return base;
}

std::vector<std::pair<std::string, std::string>> missing_docker_config_credentials(const plan::Plan& plan,
                                                                                   const std::string& authfile) {
    std::vector<std::pair<std::string, std::string>> missing;
    for (const auto& [host, cfg] : plan.registries) {
        if (cfg.credentials.source != plan::Credentials::Source::DockerConfig) continue;
        auto found = http::lookup_credentials(host, authfile);
        if (found && *found) continue;  // an unreadable file is reported when it is used
        std::string looked;
        for (const auto& file : http::auth_file_candidates(authfile)) looked += (looked.empty() ? "" : ", ") + file;
        missing.emplace_back(host, looked.empty() ? std::string("no docker config file") : looked);
    }
    return missing;
}

}  // namespace ferry::sync
