// HostClient::check_login: what `ferry login` asks before it saves credentials.
#include "registry/client_impl.hpp"
#include "registry/errors.hpp"

namespace ferry::registry {

core::Status HostClient::check_login() {
    const std::string context = "logging in to " + config_.host;
    auto cred = session_->credential();
    if (!cred) return std::unexpected(cred.error().with_context(context));
    http::Request req;
    req.url = config_.base_url + "/v2/";
    req.max_body_bytes = 64 * 1024;
    auto response = send(std::move(req), {}, context);
    if (!response) return std::unexpected(response.error());
    if (response->ok()) return {};
    auto error = response_error(context, *response);
    if (response->status == 401)
        error.message += *cred ? " (the registry rejected these credentials)" : " (no credentials given)";
    return std::unexpected(std::move(error));
}

}  // namespace ferry::registry
