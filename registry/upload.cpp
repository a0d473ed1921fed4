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

bool resumable(const core::Result<http::Response>& outcome) {
    if (!outcome) return outcome.error().retryable();
    const int s = outcome->status;
    return s == 416 || s == 408 || s == 429 || s >= 500;
}

}  // namespace

core::Result<std::string> HostClient::start_upload(const std::string& repo, std::string_view context) {
    http::Request req;
    req.method = "POST";
    req.url = config_.base_url + "/v2/" + repo + "/blobs/uploads/";
    const std::string url = req.url;
    auto response = send(std::move(req), push_scope(repo), context);
    if (!response) return std::unexpected(response.error());
    if (response->status != 202) return std::unexpected(response_error(context, *response));
    return upload_location(*response, url, context);
}

core::Status HostClient::put_blob(const std::string& repo, const manifest::Digest& digest, std::uint64_t size,
                                  const ByteSource& source) {
    const BlobUpload job{repo, digest, size, source, "uploading blob " + display_ref(config_.host, repo, digest.str())};
    auto location = start_upload(repo, job.context);
    if (!location) return std::unexpected(location.error());
    if (size < config_.chunked_threshold) return upload_monolithic(job, *location);
    return upload_chunked(job, *location);
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
    auto response = send(std::move(req), push_scope(job.repo), job.context);
    if (!response) return std::unexpected(response.error());
    if (!response->ok()) return std::unexpected(response_error(job.context, *response));
    return {};
}

core::Status HostClient::upload_chunked(const BlobUpload& job, std::string location) {
    std::string chunk;
    for (std::uint64_t offset = 0; offset < job.size;) {
        chunk.resize(static_cast<std::size_t>(std::min<std::uint64_t>(config_.chunk_size, job.size - offset)));
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
    if (!response->ok()) return std::unexpected(response_error(job.context, *response));
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
        if (outcome && outcome->ok()) return upload_location(*outcome, location, context);
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
        core::log::warn("{}; resuming the chunk at byte {}", failure.message, *received);
        from = *received;
    }
}

}  // namespace ferry::registry
