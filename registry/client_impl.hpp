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
    std::uint64_t chunked_threshold = 64ull << 20;
    std::uint64_t chunk_size = 16ull << 20;
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
    std::uint64_t request_count() const override { return session_->request_count(); }

private:
    /// Pings first (once), then sends through the session with `scopes`.
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
    core::Result<std::string> start_upload(const std::string& repo, std::string_view context);
    core::Status upload_monolithic(const BlobUpload& job, const std::string& location);
    core::Status upload_chunked(const BlobUpload& job, std::string location);
    core::Result<std::string> patch_chunk(const BlobUpload& job, std::string location, const std::string& chunk,
                                          std::uint64_t start);
    /// One paginated listing: where it starts and how its pages are fetched.
    struct PageWalk {
        std::string url;
        std::vector<std::string> scopes;
        std::string context;
        std::size_t max_page_bytes = 0;
        std::string accept;          ///< Accept header; "" = none
        bool absent_on_404 = false;  ///< a 404 on the first page means "no such listing"
    };
    /// Reads one page body; returns how many entries it added that were not seen before.
    using PageReader = std::function<core::Result<std::size_t>(std::string_view body)>;
    /// Follows Link rel="next" (relative or absolute) until the last page. Refuses a chain
    /// that revisits a URL, brings nothing new for several pages in a row, or never ends.
    /// false only when absent_on_404 and the first page answered 404.
    core::Result<bool> walk_pages(const PageWalk& walk, const PageReader& read_page);
    core::Result<std::vector<std::string>> paginate(std::string url, const std::vector<std::string>& scopes,
                                                    const std::string& field, std::string_view context);
    /// The response's Location resolved against the URL it answered.
    core::Result<std::string> upload_location(const http::Response& response, const std::string& request_url,
                                              std::string_view context) const;

    HostClientConfig config_;
    std::shared_ptr<http::Session> session_;
    std::mutex ping_mutex_;
    bool pinged_ = false;
    /// Whether the host has the referrers API: unknown until the first answer, which one
    /// request at a time establishes (see referrers.cpp).
    enum class ReferrersApi { Unknown, Present, Absent };
    std::atomic<ReferrersApi> referrers_api_{ReferrersApi::Unknown};
    std::mutex referrers_probe_mutex_;
    core::Result<std::optional<std::vector<manifest::Descriptor>>> fetch_referrers(
        const std::string& repo, const manifest::Digest& subject);
    /// Manifest PUTs into one repository run one at a time (docker-registry 2.8 races).
    core::KeyLocks manifest_puts_;
};

/// Scopes for repository access.
std::vector<std::string> pull_scope(const std::string& repo);
std::vector<std::string> push_scope(const std::string& repo);

}  // namespace ferry::registry
