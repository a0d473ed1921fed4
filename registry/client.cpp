#include "registry/client.hpp"

#include <algorithm>
#include <map>
#include <mutex>

#include "core/log.hpp"
#include "core/redact.hpp"
#include "core/registry_host.hpp"
#include "http/credentials.hpp"
#include "http/url.hpp"
#include "registry/client_impl.hpp"
#include "registry/errors.hpp"
#include "registry/urls.hpp"

namespace ferry::registry {

std::vector<std::string> pull_scope(const std::string& repo) { return {"repository:" + repo + ":pull"}; }
std::vector<std::string> push_scope(const std::string& repo) { return {"repository:" + repo + ":pull,push"}; }

HostClient::HostClient(HostClientConfig config, std::shared_ptr<http::Session> session)
    : config_(std::move(config)), session_(std::move(session)), effective_base_(config_.base_url) {}

bool HostClient::answers_at(const std::string& base) {
    http::Request req;
    req.url = base + "/v2/";
    req.max_body_bytes = 64 * 1024;
    auto response = session_->probe_once(std::move(req));
    return response && (response->ok() || response->status == 401);
}

core::Status HostClient::ping() {
    std::lock_guard lock(ping_mutex_);
    if (pinged_) return {};
    const std::string context = "pinging " + config_.host;
    // An insecure host (skopeo's tls-verify=false, containers/image docker_client.go
    // detectPropertiesHelper): https without verification first; when no registry answers
    // there, plain http. One attempt each; when neither answers, the ordinary https ping
    // below (with retries) gives the error.
    if (config_.http_fallback && config_.base_url.starts_with("https://") && !answers_at(config_.base_url)) {
        const std::string plain = "http://" + config_.base_url.substr(std::string_view("https://").size());
        if (answers_at(plain)) {
            core::log::info("{}: no registry answer over https; using plain http (tls: insecure)", config_.host);
            effective_base_ = plain;
            pinged_ = true;
            return {};
        }
    }
    http::Request req;
    req.url = config_.base_url + "/v2/";
    req.max_body_bytes = 64 * 1024;
    auto response = session_->probe(std::move(req));
    if (!response) return std::unexpected(with_tls_hint(response.error().with_context(context), config_.host));
    if (response->status == 404)
        return core::fail(core::ErrorKind::Protocol, context + ": GET /v2/ answered 404: not a registry API endpoint");
    if (!response->ok() && response->status != 401) return std::unexpected(response_error(context, *response));
    pinged_ = true;
    return {};
}

core::Result<http::Response> HostClient::send(http::Request request, const std::vector<std::string>& scopes,
                                              std::string_view context) {
    if (auto st = ping(); !st) return std::unexpected(st.error());
    if (effective_base_ != config_.base_url && request.url.starts_with(config_.base_url + "/"))
        request.url = effective_base_ + request.url.substr(config_.base_url.size());
    // A URL the registry handed out on another host (upload Location, Link) never gets
    // this host's credentials.
    const bool foreign = !same_origin(request.url, effective_base_);
    auto response = foreign ? session_->send_unauthenticated(std::move(request))
                            : session_->send(std::move(request), scopes);
    if (!response) return std::unexpected(response.error().with_context(context));
    return response;
}

core::Result<std::string> HostClient::upload_location(const http::Response& response, const std::string& request_url,
                                                      std::string_view context) const {
    auto location = response.headers.get("Location");
    if (!location || location->empty())
        return core::fail(core::ErrorKind::Protocol, std::string(context) + ": the registry sent no upload Location");
    auto resolved = http::resolve_url(response.effective_url.empty() ? request_url : response.effective_url, *location);
    if (!resolved) return std::unexpected(resolved.error().with_context(context));
    if (!resolved->starts_with("http://") && !resolved->starts_with("https://"))
        return core::fail(core::ErrorKind::Protocol, std::string(context) + ": the registry sent an upload Location that is not an http(s) URL: " +
                                                         core::redact(*resolved));
    return resolved;
}

std::string normalize_path_prefix(std::string_view prefix) {
    std::string out(prefix);
    while (!out.empty() && out.back() == '/') out.pop_back();
    if (!out.empty() && out.front() != '/') out.insert(out.begin(), '/');
    if (out.ends_with("/v2")) out.resize(out.size() - 3);
    return out;
}

HostReport HostClient::report() const {
    HostReport r{config_.host};
    const auto& health = session_->health();
    if (auto quota = health.quota()) {
        r.rate_limit = quota->limit;
        r.rate_remaining = quota->remaining;
        r.rate_window_seconds = quota->window_seconds;
    }
    r.quota_spent = health.quota_spent();
    r.down = health.down_cause();
    return r;
}

struct ClientPool::Impl {
    ClientOptions options;
    std::shared_ptr<http::Transport> transport = std::make_shared<http::Transport>();
    mutable std::mutex mutex;
    std::map<std::string, std::shared_ptr<Client>> clients;

    HostOptions host_options(const std::string& host) const {
        HostOptions o;
        if (options.host_options)
            if (auto custom = options.host_options(host)) o = *custom;
        const auto& insecure = options.insecure_hosts;
        if (std::find(insecure.begin(), insecure.end(), host) != insecure.end()) o.plain_http = true;
        return o;
    }

    http::SessionOptions session_options(const std::string& host, const HostOptions& o) const {
        http::SessionOptions s;
        s.host = host;
        s.transfer.tls = {o.tls_verify, o.ca_file.empty() ? options.ca_file : o.ca_file, o.client_cert, o.client_key};
        s.transfer.cancel = options.cancel;
        s.retry.retries = std::max(0, o.retries);
        s.max_requests = o.max_requests;
        s.max_lookups = o.max_lookups;
        s.requests_per_second = o.requests_per_second;
        if (!o.username.empty()) {
            core::register_secret(o.password);
            http::Credential explicit_cred{o.username, o.password, {}};
            s.credentials = [explicit_cred] { return core::Result<std::optional<http::Credential>>(explicit_cred); };
        } else {
            // Helpers and auth files can change under a long-running process (ECR tokens last
            // 12 h, gcloud's 1 h): the session looks them up again when they expire.
            s.credentials = [host, authfile = options.authfile] { return http::lookup_credentials(host, authfile); };
            s.credentials_renewable = true;
        }
        return s;
    }

    std::shared_ptr<Client> create(const std::string& host) const {
        const HostOptions o = host_options(host);
        std::string prefix = o.path_prefix;
        if (auto it = options.path_prefixes.find(host); it != options.path_prefixes.end()) prefix = it->second;
        HostClientConfig config{host, base_url(host, o.plain_http) + normalize_path_prefix(prefix),
                                options.max_manifest_bytes, o.chunk_size,
                                std::max<std::uint64_t>(options.fallback_chunk_size, 1), o.http_fallback && !o.plain_http};
        return std::make_shared<HostClient>(std::move(config),
                                            std::make_shared<http::Session>(transport, session_options(host, o)));
    }
};

ClientPool::ClientPool(ClientOptions options) : impl_(std::make_unique<Impl>()) {
    impl_->options = std::move(options);
}

ClientPool::~ClientPool() = default;

std::vector<HostReport> ClientPool::reports() const {
    std::lock_guard lock(impl_->mutex);
    std::vector<HostReport> out;
    for (const auto& [host, client] : impl_->clients) out.push_back(client->report());
    return out;
}

core::Result<std::shared_ptr<Client>> ClientPool::get(const std::string& host) {
    if (host.empty() || host.find_first_of("/ \t") != std::string::npos)
        return core::fail(core::ErrorKind::InvalidInput, "invalid registry host \"" + host + "\"");
    const std::string key = core::canonical_registry_host(host);
    std::lock_guard lock(impl_->mutex);
    auto& slot = impl_->clients[key];
    if (!slot) slot = impl_->create(key);
    return slot;
}

}  // namespace ferry::registry
