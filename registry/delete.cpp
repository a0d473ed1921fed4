#include "registry/client_impl.hpp"
#include "registry/errors.hpp"
#include "registry/urls.hpp"

namespace ferry::registry {

core::Status HostClient::delete_manifest(const std::string& repo, const std::string& ref) {
    const std::string context = "DELETE manifest " + display_ref(config_.host, repo, ref);
    http::Request req;
    req.method = "DELETE";
    req.url = object_url(config_.base_url, repo, "manifests", ref);
    // Token servers grant deletes under the "*" action (distribution's token auth docs).
    auto response = send(std::move(req), {"repository:" + repo + ":*"}, context);
    if (!response) return std::unexpected(response.error());
    if (response->status == 202 || response->status == 200 || response->status == 204) return {};
    return std::unexpected(response_error(context, *response));
}

}  // namespace ferry::registry
