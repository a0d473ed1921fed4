#include <chrono>
#include <string>
#include <thread>

#include "core/log.hpp"
#include "core/parse.hpp"
#include "http/host_health.hpp"
#include "manifest/media_type.hpp"
#include "registry/client_impl.hpp"
#include "registry/errors.hpp"
#include "registry/urls.hpp"

namespace ferry::registry {
namespace {

/// "application/json; charset=utf-8" -> "application/json"
std::string bare_media_type(std::string_view value) {
    auto semi = value.find(';');
    auto type = value.substr(0, semi);
    while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
    return std::string(type);
}

/// docker-registry 2.8 can answer a manifest PUT that races a PUT of a manifest sharing
/// children or blobs with 400 DIGEST_INVALID or MANIFEST_BLOB_UNKNOWN although nothing is
/// wrong; one retry after a pause gets the real answer.
bool spurious_manifest_rejection(const http::Response& response) {
    if (response.status != 400) return false;
    const auto error = response_error("", response);
    return error.registry_code == "DIGEST_INVALID" || error.registry_code == "MANIFEST_BLOB_UNKNOWN";
}

/// Integrity error unless `header` (a Docker-Content-Digest value, if any) names `actual`.
core::Status check_digest_header(const std::optional<std::string>& header, const manifest::Digest& actual,
                                 std::string_view context) {
    if (!header || header->empty()) return {};
    auto claimed = manifest::Digest::parse(*header);
    if (!claimed) return core::fail(core::ErrorKind::Protocol, std::string(context) + ": invalid Docker-Content-Digest \"" + *header + "\"");
    if (claimed->algorithm() != actual.algorithm()) return {};  // cannot compare other algorithms
    if (*claimed != actual)
        return core::fail(core::ErrorKind::Integrity, std::string(context) + ": the registry says the digest is " +
                                                          claimed->str() + " but the content hashes to " + actual.str());
    return {};
}

/// The transport reports an over-long body as a Protocol error "... exceeds N bytes"; for a
/// manifest, say which limit was hit and how to raise it.
core::Error over_limit_error(core::Error error, std::size_t limit, std::string_view context) {
    if (error.kind != core::ErrorKind::Protocol || error.message.find("exceeds") == std::string::npos) return error;
    error.message = std::string(context) + ": the manifest is larger than the size limit of " + std::to_string(limit) +
                    " bytes (--max-manifest-size)";
    return error;
}

http::Request manifest_request(std::string method, std::string url) {
    http::Request req;
    req.method = std::move(method);
    req.url = std::move(url);
    req.headers.set("Accept", std::string(manifest::media::kAcceptManifests));
    return req;
}

}  // namespace

core::Result<std::optional<manifest::Descriptor>> HostClient::head_manifest(const std::string& repo,
                                                                            const std::string& ref) {
    const std::string context = "HEAD manifest " + display_ref(config_.host, repo, ref);
    http::Request head = manifest_request("HEAD", object_url(config_.base_url, repo, "manifests", ref));
    head.lookup = true;
    auto response = send(std::move(head), pull_scope(repo), context);
    if (!response) return std::unexpected(response.error());
    if (response->status == 404) return std::nullopt;
    if (!response->ok()) return std::unexpected(response_error(context, *response));
    auto digest_header = response->headers.get("Docker-Content-Digest");
    auto type_header = response->headers.get("Content-Type");
    auto length_header = response->headers.get("Content-Length");
    if (!digest_header || digest_header->empty() || !type_header || !length_header) {
        auto fetched = get_manifest(repo, ref);  // the registry did not say: fetch and hash
        if (!fetched) return std::unexpected(fetched.error());
        return manifest::Descriptor{.media_type = fetched->media_type,
                                    .digest = fetched->digest,
                                    .size = static_cast<std::int64_t>(fetched->raw.size())};
    }
    auto digest = manifest::Digest::parse(*digest_header);
    if (!digest) return core::fail(core::ErrorKind::Protocol, context + ": invalid Docker-Content-Digest \"" + *digest_header + "\"");
    const auto size = core::parse_int<std::int64_t>(*length_header);
    if (!size) return core::fail(core::ErrorKind::Protocol, context + ": invalid Content-Length \"" + *length_header + "\"");
    return manifest::Descriptor{.media_type = bare_media_type(*type_header), .digest = *digest, .size = *size};
}

core::Result<manifest::ParsedManifest> HostClient::get_manifest(const std::string& repo, const std::string& ref) {
    auto fetched = fetch_manifest(repo, ref);
    // Bytes that do not parse or hash right may be a transfer cut short on a reused connection
    // (a body shorter than its Content-Length): ask once more before calling the content bad.
    if (fetched || (fetched.error().kind != core::ErrorKind::Protocol && fetched.error().kind != core::ErrorKind::Integrity))
        return fetched;
    core::log::debug("{}; fetching once more", fetched.error().message);
    return fetch_manifest(repo, ref);
}

core::Result<manifest::ParsedManifest> HostClient::fetch_manifest(const std::string& repo, const std::string& ref) {
    const std::string context = "GET manifest " + display_ref(config_.host, repo, ref);
    auto req = manifest_request("GET", object_url(config_.base_url, repo, "manifests", ref));
    req.max_body_bytes = config_.max_manifest_bytes;
    req.metered = true;  // Docker Hub counts manifest GETs (not HEADs) against its pull limit
    auto response = send(std::move(req), pull_scope(repo), context);
    if (!response) return std::unexpected(over_limit_error(response.error(), config_.max_manifest_bytes, context));
    if (auto quota = http::parse_rate_quota(response->headers))
        core::log::debug("{}: {}", context, quota->describe());
    if (!response->ok()) return std::unexpected(response_error(context, *response));
    auto parsed = manifest::parse_manifest(std::move(response->body),
                                           bare_media_type(response->headers.get("Content-Type").value_or("")));
    if (!parsed) return std::unexpected(parsed.error().with_context(context));
    if (is_digest_ref(ref)) {
        auto wanted = manifest::Digest::parse(ref);
        if (!wanted) return std::unexpected(wanted.error().with_context(context));
        if (wanted->algorithm() == parsed->digest.algorithm() && *wanted != parsed->digest)
            return core::fail(core::ErrorKind::Integrity, context + ": the content hashes to " + parsed->digest.str());
    }
    if (auto st = check_digest_header(response->headers.get("Docker-Content-Digest"), parsed->digest, context); !st)
        return std::unexpected(st.error());
    return parsed;
}

core::Status HostClient::put_manifest(const std::string& repo, const std::string& ref,
                                      const manifest::ParsedManifest& m) {
    const std::string context = "PUT manifest " + display_ref(config_.host, repo, ref);
    http::Request req;
    req.method = "PUT";
    req.url = object_url(config_.base_url, repo, "manifests", ref);
    req.headers.set("Content-Type", m.media_type);
    req.body = m.raw;
    const auto digest = m.digest.empty() ? manifest::Digest::of(m.raw) : m.digest;
    req.final_answer = says_missing;
    const auto serialised = manifest_puts_.lock(repo);  // registry 2.8 races on parallel PUTs
    auto response = send(req, push_scope(repo), context);
    if (response && spurious_manifest_rejection(*response)) {
        core::log::debug("{}: retrying after a {} answer", context, response->status);
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        response = send(std::move(req), push_scope(repo), context);
    }
    if (!response) return std::unexpected(response.error());
    if (!response->ok()) return std::unexpected(write_error(context, *response, display_ref(config_.host, repo, "")));
    return check_digest_header(response->headers.get("Docker-Content-Digest"), digest, context);
}

}  // namespace ferry::registry
