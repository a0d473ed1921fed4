#include <nlohmann/json.hpp>
#include <set>

#include "http/url.hpp"
#include "manifest/media_type.hpp"
#include "registry/client_impl.hpp"
#include "registry/errors.hpp"
#include "registry/urls.hpp"

namespace ferry::registry {
namespace {

constexpr std::size_t kReferrersPageCap = 4u << 20;
constexpr int kMaxReferrerPages = 1000;

/// The `manifests` of a referrers reply (an OCI image index). Errors: Protocol.
core::Status append_referrers(std::string_view body, std::vector<manifest::Descriptor>& out,
                              std::set<manifest::Digest>& seen, std::string_view context) {
    try {
        const auto doc = nlohmann::json::parse(body);
        auto it = doc.is_object() ? doc.find("manifests") : doc.end();
        if (it == doc.end() || !it->is_array())
            return core::fail(core::ErrorKind::Protocol, std::string(context) + ": reply is not an image index");
        for (const auto& entry : *it) {
            auto descriptor = manifest::Descriptor::from_json(entry);
            if (!descriptor) return std::unexpected(descriptor.error().with_context(context));
            if (seen.insert(descriptor->digest).second) out.push_back(std::move(*descriptor));
        }
        return {};
    } catch (const nlohmann::json::exception& e) {
        return core::fail(core::ErrorKind::Protocol, std::string(context) + ": malformed reply: " + e.what());
    }
}

}  // namespace

core::Result<std::optional<std::vector<manifest::Descriptor>>> HostClient::list_referrers(
    const std::string& repo, const manifest::Digest& subject) {
    if (referrers_api_ == ReferrersApi::Unknown) {
        std::lock_guard probing(referrers_probe_mutex_);  // the first answer decides for all threads
        if (referrers_api_ == ReferrersApi::Unknown) {
            auto first = fetch_referrers(repo, subject);
            if (first) referrers_api_ = *first ? ReferrersApi::Present : ReferrersApi::Absent;
            return first;
        }
    }
    if (referrers_api_ == ReferrersApi::Absent) return std::optional<std::vector<manifest::Descriptor>>{};
    return fetch_referrers(repo, subject);
}

core::Result<std::optional<std::vector<manifest::Descriptor>>> HostClient::fetch_referrers(
    const std::string& repo, const manifest::Digest& subject) {
    const std::string context = "listing referrers of " + display_ref(config_.host, repo, subject.str());
    std::string url = config_.base_url + "/v2/" + repo + "/referrers/" + subject.str();
    std::vector<manifest::Descriptor> found;
    std::set<manifest::Digest> seen;
    std::set<std::string> visited;
    for (int page = 0; page < kMaxReferrerPages; ++page) {
        if (!visited.insert(url).second)
            return core::fail(core::ErrorKind::Protocol, context + ": pagination loops back to " + url);
        http::Request req;
        req.url = url;
        req.max_body_bytes = kReferrersPageCap;
        req.headers.set("Accept", std::string(manifest::media::kOciIndex));
        auto response = send(std::move(req), pull_scope(repo), context);
        if (!response) return std::unexpected(response.error());
        if (response->status == 404 && page == 0) return std::optional<std::vector<manifest::Descriptor>>{};
        if (!response->ok()) return std::unexpected(response_error(context, *response));
        if (auto st = append_referrers(response->body, found, seen, context); !st) return std::unexpected(st.error());
        auto next = next_link(response->headers.get_all("Link"));
        if (!next) return std::optional(std::move(found));
        auto resolved = http::resolve_url(response->effective_url.empty() ? url : response->effective_url, *next);
        if (!resolved) return std::unexpected(resolved.error().with_context(context));
        url = std::move(*resolved);
    }
    return core::fail(core::ErrorKind::Protocol, context + ": more than " + std::to_string(kMaxReferrerPages) + " pages");
}

}  // namespace ferry::registry
