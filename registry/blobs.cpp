#include <string>

#include "core/parse.hpp"
#include "http/url.hpp"
#include "registry/client_impl.hpp"
#include "registry/errors.hpp"
#include "registry/urls.hpp"

namespace ferry::registry {

core::Result<std::optional<std::int64_t>> HostClient::head_blob(const std::string& repo,
                                                                const manifest::Digest& digest) {
    const std::string context = "HEAD blob " + display_ref(config_.host, repo, digest.str());
    http::Request req;
    req.method = "HEAD";
    req.url = object_url(config_.base_url, repo, "blobs", digest.str());
    auto response = send(std::move(req), pull_scope(repo), context);
    if (!response) return std::unexpected(response.error());
    if (response->status == 404) return std::nullopt;
    if (!response->ok()) return std::unexpected(response_error(context, *response));
    auto length = response->headers.get("Content-Length");
    if (!length) return std::int64_t{-1};
    const auto size = core::parse_int<std::int64_t>(*length);
    if (!size) return core::fail(core::ErrorKind::Protocol, context + ": invalid Content-Length \"" + *length + "\"");
    return *size;
}

core::Status HostClient::get_blob(const std::string& repo, const manifest::Digest& digest, std::uint64_t offset,
                                  const http::BodySink& sink) {
    const std::string context = "GET blob " + display_ref(config_.host, repo, digest.str());
    // A server that ignores Range answers 200 with the whole blob: skip what the caller has.
    auto skip = std::make_shared<std::uint64_t>(0);
    http::Request req;
    req.url = object_url(config_.base_url, repo, "blobs", digest.str());
    if (offset > 0) req.headers.set("Range", "bytes=" + std::to_string(offset) + "-");
    req.on_response_start = [offset, skip](const http::Response& head) -> core::Status {
        *skip = (offset > 0 && head.status == 200) ? offset : 0;
        return {};
    };
    req.sink = [skip, &sink](std::string_view chunk) -> core::Status {
        if (*skip > 0) {
            const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(*skip, chunk.size()));
            *skip -= n;
            chunk.remove_prefix(n);
            if (chunk.empty()) return {};
        }
        return sink(chunk);
    };
    auto response = send(std::move(req), pull_scope(repo), context);
    if (!response) return std::unexpected(response.error());
    if (!response->ok()) return std::unexpected(response_error(context, *response));
    if (*skip > 0)
        return core::fail(core::ErrorKind::Network, context + ": the blob ended before offset " + std::to_string(offset));
    return {};
}

core::Result<bool> HostClient::mount_blob(const std::string& repo, const manifest::Digest& digest,
                                          const std::string& from_repo) {
    const std::string context = "mounting blob " + digest.short_str() + " from " + from_repo + " into " +
                                display_ref(config_.host, repo, "");
    http::Request req;
    req.method = "POST";
    req.url = http::append_query(http::append_query(config_.base_url + "/v2/" + repo + "/blobs/uploads/", "mount",
                                                    digest.str()),
                                 "from", from_repo);
    auto scopes = push_scope(repo);
    if (from_repo != repo) scopes.push_back(pull_scope(from_repo).front());
    const std::string url = req.url;
    auto response = send(std::move(req), scopes, context);
    if (!response) return std::unexpected(response.error());
    if (response->status == 201) return true;
    if (response->status == 202) {  // an upload session was opened instead: abandon it
        if (auto location = upload_location(*response, url, context)) {
            http::Request cancel;
            cancel.method = "DELETE";
            cancel.url = *location;
            (void)session_->send(std::move(cancel), push_scope(repo));
        }
        return false;
    }
    if (response->status >= 400 && response->status < 500) return false;
    return std::unexpected(response_error(context, *response));
}

}  // namespace ferry::registry
