#pragma once
/// The Client implementation for one host (private to registry/). See client.hpp for the
/// contract. Every request goes through one http::Session (auth, retries, limits, counting).
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>

#include "core/key_locks.hpp"
#include "http/session.hpp"
#include "registry/client.hpp"

namespace ferry::registry {

struct HostClientConfig {
    std::string host;      ///< as written in references
    std::string base_url;  ///< "https://registry-1.docker.io", "http://127.0.0.1:5101"
    std::size_t max_manifest_bytes = manifest::kDefaultMaxManifestBytes;
    /// Chunk size a host opted into (plan `upload: {chunk_size}`); 0 = one streaming PUT.
    std::uint64_t chunk_size = 0;
    /// Chunk size when falling back to chunks after a refused single PUT.
    std::uint64_t fallback_chunk_size = 16ull << 20;
    /// An https base_url may turn into http at the first ping (HostOptions::http_fallback).
    bool http_fallback = false;
};

class HostClient final : public Client {
public:
    HostClient(HostClientConfig config, std::shared_ptr<http::Session> session);

    const std::string& host() const override { return config_.host; }
    core::Status ping() override;
    core::Result<std::optional<manifest::Descriptor>> head_manifest(const std::string& repo,
                                                                    const std::string& ref) override;
    core::Result<manifest::ParsedManifest> get_manifest(const std::string& repo, const std::string& ref) override;
    core::Status put_manifest(const std::string& repo, const std::string& ref,
                              const manifest::ParsedManifest& m) override;
    core::Result<std::optional<std::int64_t>> head_blob(const std::string& repo,
                                                        const manifest::Digest& digest) override;
    core::Status get_blob(const std::string& repo, const manifest::Digest& digest, std::uint64_t offset,
                          const http::BodySink& sink) override;
    core::Result<bool> mount_blob(const std::string& repo, const manifest::Digest& digest,
                                  const std::string& from_repo) override;
    core::Status put_blob(const std::string& repo, const manifest::Digest& digest, std::uint64_t size,
                          const ByteSource& source) override;
    core::Result<std::vector<std::string>> list_tags(const std::string& repo) override;
    core::Result<std::vector<std::string>> catalog() override;
    core::Result<std::optional<std::vector<manifest::Descriptor>>> list_referrers(
        const std::string& repo, const manifest::Digest& subject) override;
    core::Status check_login() override;
    core::Status delete_manifest(const std::string& repo, const std::string& ref) override;
    std::uint64_t request_count() const override { return session_->request_count(); }
    HostReport report() const override;

private:
    /// Pings first (once), then sends through the session with `scopes`. A URL on the
    /// configured base is moved onto the base the ping settled on (see http_fallback).
    core::Result<http::Response> send(http::Request request, const std::vector<std::string>& scopes,
                                      std::string_view context);
    /// One GET of a manifest with every check of get_manifest (which retries it once).
    core::Result<manifest::ParsedManifest> fetch_manifest(const std::string& repo, const std::string& ref);
    /// One blob upload in progress (see upload.cpp).
    struct BlobUpload {
        const std::string& repo;
        const manifest::Digest& digest;
        std::uint64_t size;
        const ByteSource& source;
        std::string context;
    };
    /// An upload session: where to send the bytes and the smallest chunk the registry takes.
    struct UploadSession {
        std::string location;
        std::uint64_t min_chunk = 0;  ///< OCI-Chunk-Min-Length
    };
    core::Result<UploadSession> start_upload(const std::string& repo, std::string_view context);
    /// False only when the repository's tag list answers 404 (it does not exist there).
    bool repository_listed(const std::string& repo);
    core::Status upload_monolithic(const BlobUpload& job, const std::string& location);
    core::Status upload_chunked(const BlobUpload& job, std::string location, std::uint64_t chunk_size);
    core::Result<std::string> patch_chunk(const BlobUpload& job, std::string location, const std::string& chunk,
                                          std::uint64_t start);
    /// One paginated listing: where it starts and how its pages are fetched.
    struct PageWalk {
        std::string url;
        std::vector<std::string> scopes;
        std::string context;
        std::size_t max_page_bytes = 0;
        std::string accept;  ///< Accept header; "" = none
        /// For the first page: true when this answer means "no such listing" (empty = none does).
        std::function<bool(const http::Response&)> absent;
    };
    /// Reads one page body; returns how many entries it added that were not seen before.
    using PageReader = std::function<core::Result<std::size_t>(std::string_view body)>;
    /// Follows Link rel="next" (relative or absolute) until the last page. Refuses a chain
    /// that revisits a URL, brings nothing new for several pages in a row, or never ends.
    /// false only when `absent` says so of the first page's answer.
    core::Result<bool> walk_pages(const PageWalk& walk, const PageReader& read_page);
    core::Result<std::vector<std::string>> paginate(std::string url, const std::vector<std::string>& scopes,
                                                    const std::string& field, std::string_view context);
    /// paginate() from `path` with n=1000, then n=100, then no n, while the first page
    /// answers 400 (a registry's cap on n).
    core::Result<std::vector<std::string>> paginate_capped(const std::string& path, const std::vector<std::string>& scopes,
                                                           const std::string& field, std::string_view context);
    /// The response's Location resolved against the URL it answered.
    core::Result<std::string> upload_location(const http::Response& response, const std::string& request_url,
                                              std::string_view context) const;

    HostClientConfig config_;
    std::shared_ptr<http::Session> session_;
    std::mutex ping_mutex_;
    bool pinged_ = false;
    /// The base URL requests go to: config_.base_url, or its http:// form once a ping fell
    /// back to plain http. Written under ping_mutex_ before pinged_; read after ping().
    std::string effective_base_;
    /// GET /v2/ at `base` (one attempt, no retries): true when a registry answers (200/401).
    bool answers_at(const std::string& base);
    /// Whether the host has the referrers API: unknown until the first answer, which one
    /// request at a time establishes (see referrers.cpp).
    enum class ReferrersApi { Unknown, Present, Absent };
    std::atomic<ReferrersApi> referrers_api_{ReferrersApi::Unknown};
    std::mutex referrers_probe_mutex_;
    /// One referrers query: what it found (nullopt = use the fallback tag) and whether the
    /// answer says something about the whole host (a NAME_UNKNOWN 404 does not).
    struct ReferrersAnswer {
        std::optional<std::vector<manifest::Descriptor>> found;
        bool decides = true;
    };
    core::Result<ReferrersAnswer> fetch_referrers(const std::string& repo, const manifest::Digest& subject);
    /// What the host refused so far: a refused mode is not tried again on this host.
    std::atomic<bool> monolithic_refused_{false};
    std::atomic<bool> chunks_refused_{false};
    /// Manifest PUTs into one repository run one at a time (docker-registry 2.8 races).
    core::KeyLocks manifest_puts_;
};

/// Scopes for repository access.
std::vector<std::string> pull_scope(const std::string& repo);
std::vector<std::string> push_scope(const std::string& repo);

}  // namespace ferry::registry
