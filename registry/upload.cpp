#include <string>

#include "core/log.hpp"
#include "core/parse.hpp"
#include "http/url.hpp"
#include "registry/client_impl.hpp"
#include "registry/errors.hpp"
#include "registry/urls.hpp"

namespace ferry::registry {
namespace {

constexpr int kMaxChunkResumes = 3;
constexpr std::string_view kOctetStream = "application/octet-stream";

/// Reads exactly `buffer.size()` bytes from `source`.
core::Status fill(const ByteSource& source, std::string& buffer, std::uint64_t offset, std::uint64_t size) {
    std::size_t have = 0;
    while (have < buffer.size()) {
        auto got = source(buffer.data() + have, buffer.size() - have);
        if (!got) return std::unexpected(got.error());
        if (*got == 0)
            return core::fail(core::ErrorKind::Io, "the blob source ended after " + std::to_string(offset + have) +
                                                       " of " + std::to_string(size) + " bytes");
        have += *got;
    }
    return {};
}

/// The offset after the last byte in "0-END" (an upload status Range header).
std::optional<std::uint64_t> received_bytes(const http::Response& status) {
    auto range = status.headers.get("Range");
    if (!range) return std::nullopt;
    auto dash = range->find('-');
    if (dash == std::string::npos) return std::nullopt;
    const auto end = core::parse_int<std::uint64_t>(std::string_view(*range).substr(dash + 1));
    if (!end) return std::nullopt;
    return *end == 0 ? 0 : *end + 1;  // "0-0" is what distribution answers for an empty upload
}

/// A write refused in a way that another upload mode may avoid: body too large (413), the
/// method or range refused (405, 416, 501), or a 400 that names no content problem (GAR
/// refuses chunked uploads with a bare 400).
bool refuses_mode(const core::Error& error) {
    const int s = error.http_status;
    if (s == 405 || s == 411 || s == 413 || s == 416 || s == 501) return true;
    if (s != 400) return false;
    const auto& code = error.registry_code;
    return code.empty() || code == "UNSUPPORTED" || code == "BLOB_UPLOAD_INVALID" || code == "RANGE_INVALID";
}

/// The error that tells the copy engine to start the upload again with a fresh source.
core::Status restart_in_other_mode(const core::Error& refused, std::string_view tried, std::string_view next) {
    core::log::warn("{}; the registry refused {}: uploading with {} from now on", refused.message, tried, next);
    core::Error e = refused;
    e.message += " (refused " + std::string(tried) + "; the upload starts again with " + std::string(next) + ")";
    e.hint = core::ErrorHint::RestartUpload;
    return std::unexpected(std::move(e));
}

bool resumable(const core::Result<http::Response>& outcome) {
    if (!outcome) return outcome.error().retryable();
    const int s = outcome->status;
    return s == 416 || s == 408 || s == 429 || s >= 500;
}

}  // namespace

core::Result<HostClient::UploadSession> HostClient::start_upload(const std::string& repo, std::string_view context) {
    // A bare 5xx (no registry error body) is ours to judge: Harbor answers a push into a
    // missing project so (goharbor/harbor-helm#849), and five retries of that only delay
    // the real cause. When the repository has no tag list either, one more try, then
    // not-found; otherwise it is an ordinary server error (the copy engine retries).
    const auto bare_5xx = [](const http::Response& r) { return r.status >= 500 && parse_error_body(r.body).empty(); };
    for (int attempt = 0;; ++attempt) {
        http::Request req;
        req.method = "POST";
        req.url = config_.base_url + "/v2/" + repo + "/blobs/uploads/";
        req.final_answer = [&](const http::Response& r) { return says_missing(r) || bare_5xx(r); };
        const std::string url = req.url;
        auto response = send(std::move(req), push_scope(repo), context);
        if (!response) return std::unexpected(response.error());
        if (bare_5xx(*response) && !repository_listed(repo)) {
            if (attempt == 0) continue;
            return std::unexpected(missing_repository_error(context, *response, display_ref(config_.host, repo, "")));
        }
        // 202 is the spec's answer; some registries answer 201 with the session's Location
        // (the spec allowed both for a while: opencontainers/distribution-spec#171).
        if (response->status != 202 && response->status != 201)
            return std::unexpected(write_error(context, *response, display_ref(config_.host, repo, "")));
        auto location = upload_location(*response, url, context);
        if (!location) return std::unexpected(location.error());
        UploadSession session{std::move(*location), 0};
        if (auto min = response->headers.get("OCI-Chunk-Min-Length")) {
            try {
                session.min_chunk = std::stoull(*min);
            } catch (const std::exception&) {
                core::log::debug("{}: ignoring OCI-Chunk-Min-Length \"{}\"", context, *min);
            }
        }
        return session;
    }
}

bool HostClient::repository_listed(const std::string& repo) {
    http::Request req;
    req.url = config_.base_url + "/v2/" + repo + "/tags/list?n=1";
    auto response = send(std::move(req), pull_scope(repo), "listing tags of " + display_ref(config_.host, repo, ""));
    return !response || response->status != 404;
}

core::Status HostClient::put_blob(const std::string& repo, const manifest::Digest& digest, std::uint64_t size,
                                  const ByteSource& source) {
    const BlobUpload job{repo, digest, size, source, "uploading blob " + display_ref(config_.host, repo, digest.str())};
    auto session = start_upload(repo, job.context);
    if (!session) return std::unexpected(session.error());
    const bool chunked = (config_.chunk_size > 0 || monolithic_refused_) && !chunks_refused_;
    if (!chunked) {
        auto st = upload_monolithic(job, session->location);
        if (st || !refuses_mode(st.error()) || chunks_refused_) return st;
        monolithic_refused_ = true;
        return restart_in_other_mode(st.error(), "a single PUT", "chunks");
    }
    const std::uint64_t chunk = std::max({config_.chunk_size > 0 ? config_.chunk_size : config_.fallback_chunk_size,
                                          session->min_chunk, std::uint64_t{1}});
    auto st = upload_chunked(job, session->location, chunk);
    if (st || !refuses_mode(st.error()) || monolithic_refused_) return st;
    chunks_refused_ = true;
    return restart_in_other_mode(st.error(), "chunks", "a single PUT");
}

core::Status HostClient::upload_monolithic(const BlobUpload& job, const std::string& location) {
    const auto size = job.size;
    const auto& source = job.source;
    auto sent = std::make_shared<std::uint64_t>(0);
    http::Request req;
    req.method = "PUT";
    req.url = http::append_query(location, "digest", job.digest.str());
    req.headers.set("Content-Type", std::string(kOctetStream));
    req.body_length = size;
    req.body_source = [&source, size, sent](char* buffer, std::size_t room) -> core::Result<std::size_t> {
        const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(room, size - *sent));
        if (want == 0) return 0;
        auto got = source(buffer, want);
        if (!got) return got;
        if (*got == 0)
            return core::fail(core::ErrorKind::Io, "the blob source ended after " + std::to_string(*sent) + " of " +
                                                       std::to_string(size) + " bytes");
        *sent += *got;
        return got;
    };
    req.final_answer = says_missing;
    auto response = send(std::move(req), push_scope(job.repo), job.context);
    if (!response) return std::unexpected(response.error());
    if (!response->ok()) return std::unexpected(write_error(job.context, *response, display_ref(config_.host, job.repo, "")));
    return {};
}

core::Status HostClient::upload_chunked(const BlobUpload& job, std::string location, std::uint64_t chunk_size) {
    std::string chunk;
    for (std::uint64_t offset = 0; offset < job.size;) {
        chunk.resize(static_cast<std::size_t>(std::min<std::uint64_t>(chunk_size, job.size - offset)));
        if (auto st = fill(job.source, chunk, offset, job.size); !st)
            return std::unexpected(st.error().with_context(job.context));
        auto next = patch_chunk(job, location, chunk, offset);
        if (!next) return std::unexpected(next.error());
        location = std::move(*next);
        offset += chunk.size();
    }
    http::Request finish;
    finish.method = "PUT";
    finish.url = http::append_query(location, "digest", job.digest.str());
    finish.headers.set("Content-Type", std::string(kOctetStream));
    auto response = send(std::move(finish), push_scope(job.repo), job.context);
    if (!response) return std::unexpected(response.error());
    if (!response->ok()) return std::unexpected(write_error(job.context, *response, display_ref(config_.host, job.repo, "")));
    return {};
}

core::Result<std::string> HostClient::patch_chunk(const BlobUpload& job, std::string location,
                                                  const std::string& chunk, std::uint64_t start) {
    const std::string& context = job.context;
    const auto scopes = push_scope(job.repo);
    const std::uint64_t end = start + chunk.size();
    std::uint64_t from = start;  // first byte the registry still lacks
    for (int resumes = 0;; ++resumes) {
        http::Request req;
        req.method = "PATCH";
        req.url = location;
        req.headers.set("Content-Type", std::string(kOctetStream));
        req.headers.set("Content-Range", std::to_string(from) + "-" + std::to_string(end - 1));
        req.body = chunk.substr(static_cast<std::size_t>(from - start));
        auto outcome = session_->send(std::move(req), scopes);
        // 202 (spec) or 201 (ECR); without a Location the session keeps its URL. The Range
        // such an answer carries is not trusted (ECR's stops advancing): we know what we sent.
        if (outcome && outcome->ok())
            return outcome->headers.contains("Location") ? upload_location(*outcome, location, context) : location;
        core::Error failure = outcome ? response_error(context, *outcome) : outcome.error().with_context(context);
        if (!resumable(outcome) || resumes >= kMaxChunkResumes) return std::unexpected(failure);

        http::Request probe;
        probe.url = location;
        auto status = session_->send(std::move(probe), scopes);
        if (!status || status->status != 204) return std::unexpected(failure);
        auto received = received_bytes(*status);
        if (!received || *received < start || *received > end)
            return core::fail(core::ErrorKind::Protocol,
                              std::string(context) + ": cannot resume: the registry holds " +
                                  (received ? std::to_string(*received) : "an unknown number of") +
                                  " bytes, the current chunk covers " + std::to_string(start) + "-" + std::to_string(end));
        if (status->headers.contains("Location")) {
            if (auto newer = upload_location(*status, location, context)) location = *newer;
        }
        if (*received == end) return location;
        // The registry holds every byte before this chunk yet refused it: not a wrong offset
        // but a refusal of the chunk (GHCR: "exceeds the maximum permissible limit").
        if (outcome && outcome->status == 416 && *received == from) return std::unexpected(failure);
        core::log::warn("{}; resuming the chunk at byte {}", failure.message, *received);
        from = *received;
    }
}

}  // namespace ferry::registry
