#pragma once
/// The distribution API (OCI distribution-spec + Docker conventions) for one registry host.
/// Knows manifests and blobs by digest; knows nothing about plans or stores.
/// Thread-safe: one Client serves all repositories of its host from many threads, sharing
/// connections (keep-alive), one ping and one token per (host, scope set).
/// Every error message starts with what was being done and names the reference, then the
/// HTTP status and the registry's error code: "pushing manifest 127.0.0.1:5002/app:1.0:
/// 400 MANIFEST_INVALID: ...". No secret ever appears in messages or logs.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/cancel.hpp"
#include "core/defaults.hpp"
#include "core/error.hpp"
#include "http/message.hpp"
#include "manifest/descriptor.hpp"
#include "manifest/manifest.hpp"

namespace ferry::registry {

/// Per-host connection and auth settings (from CLI flags and the plan's `registries:`).
struct HostOptions {
    bool plain_http = false;       ///< talk http:// (only for hosts marked insecure)
    bool tls_verify = true;        ///< false = skip certificate verification (https)
    /// When GET /v2/ gets no registry answer (200 or 401) over https, try plain http and use
    /// it from then on if it answers (the plan's `tls: insecure`, skopeo's tls-verify=false).
    bool http_fallback = false;
    std::string ca_file;           ///< extra CA bundle for this host ("" = system CAs)
    std::string client_cert;       ///< PEM client certificate for mTLS
    std::string client_key;
    std::string username;          ///< explicit credentials override config.json when set
    std::string password;
    int max_requests = core::kDefaultMaxRequestsPerHost;         ///< concurrent requests to this host
    int max_lookups = core::kDefaultMaxLookupsPerHost;           ///< concurrent manifest HEADs, tag and catalog pages (http::SessionOptions)
    double requests_per_second = 0;  ///< 0 = unlimited
    int retries = core::kDefaultRetries;               ///< attempts after the first, for retryable failures
    /// Path before /v2/ on this host (Artifactory's "/artifactory/api/docker/REPO"); "" = none.
    std::string path_prefix;
    /// Upload blobs in chunks of this size (opt-in; 0 = one streaming PUT per blob).
    std::uint64_t chunk_size = 0;
};

/// Process-wide settings shared by all hosts.
struct ClientOptions {
    std::string authfile;          ///< docker config.json; "" = $DOCKER_CONFIG or ~/.docker
    std::string ca_file;           ///< --ca-file: extra CA for every host
    std::vector<std::string> insecure_hosts;  ///< --insecure-registry: plain http
    std::size_t max_manifest_bytes = manifest::kDefaultMaxManifestBytes;
    /// Chunk size after a host refused a single-PUT upload (and for hosts without their
    /// own HostOptions::chunk_size, none: a blob goes up in one streaming PUT).
    std::uint64_t fallback_chunk_size = 16ull << 20;
    /// Per-host path prefixes given on the command line ("host" -> "/prefix").
    std::map<std::string, std::string, std::less<>> path_prefixes;
    /// Stops every wait of this pool's requests (back-offs, 429 pauses, token fetches,
    /// stalled transfers) besides SIGINT/SIGTERM's process token; null = only that one.
    /// Must outlive the pool (the cron daemon's stop token).
    const core::CancellationToken* cancel = nullptr;
    /// Per-host overrides; a host not listed uses defaults (+ insecure_hosts).
    std::function<std::optional<HostOptions>(std::string_view host)> host_options;
};

/// What a run learned about one host, for reports.
struct HostReport {
    std::string host;
    long rate_limit = -1;      ///< RateLimit-Limit the host last sent (-1 = none)
    long rate_remaining = -1;  ///< RateLimit-Remaining the host last sent (-1 = none)
    long rate_window_seconds = 0;
    bool quota_spent = false;  ///< a 429 said the limit is used up
    std::string down;          ///< the cause when the host was declared down ("" = it was not)
};

/// Blob bytes stream to the consumer as an http::BodySink (an error aborts the transfer).

/// Pulls blob bytes for an upload: fills `buffer`, returns bytes written, 0 at the end.
using ByteSource = std::function<core::Result<std::size_t>(char* buffer, std::size_t size)>;

class Client {
public:
    virtual ~Client() = default;
    virtual const std::string& host() const = 0;  ///< as written in references

    /// GET /v2/ (once, cached): reachability, TLS and auth scheme discovery.
    virtual core::Status ping() = 0;

    /// HEAD /v2/<repo>/manifests/<ref>; nullopt on 404. Falls back to GET + hash when the
    /// registry omits Docker-Content-Digest.
    virtual core::Result<std::optional<manifest::Descriptor>> head_manifest(
        const std::string& repo, const std::string& ref) = 0;
    /// GET with the full Accept list; verifies the digest when `ref` is a digest and the
    /// Docker-Content-Digest header when present; enforces max_manifest_bytes.
    virtual core::Result<manifest::ParsedManifest> get_manifest(const std::string& repo,
                                                                const std::string& ref) = 0;
    /// PUT raw bytes with Content-Type = media type to /manifests/<ref> (tag or digest);
    /// checks the returned Docker-Content-Digest equals the manifest's digest.
    virtual core::Status put_manifest(const std::string& repo, const std::string& ref,
                                      const manifest::ParsedManifest& m) = 0;

    /// HEAD /v2/<repo>/blobs/<digest>: size if present, nullopt on 404.
    virtual core::Result<std::optional<std::int64_t>> head_blob(
        const std::string& repo, const manifest::Digest& digest) = 0;
    /// Streaming GET from `offset` (Range request when > 0, expects 206). Follows redirects
    /// without forwarding Authorization to another host.
    virtual core::Status get_blob(const std::string& repo, const manifest::Digest& digest,
                                  std::uint64_t offset, const http::BodySink& sink) = 0;
    /// POST ?mount=<digest>&from=<from_repo>. true = mounted (201). false = not mounted; any
    /// upload session the registry opened instead (202) is cancelled or reused internally.
    virtual core::Result<bool> mount_blob(const std::string& repo, const manifest::Digest& digest,
                                          const std::string& from_repo) = 0;
    /// Uploads `size` bytes from `source` as blob `digest`: one streaming PUT (as regclient
    /// and oras-go do), or chunks where the host opted in (PATCH with Content-Range, at least
    /// OCI-Chunk-Min-Length each, newest Location, resume from the registry's Range after a
    /// failure). When the host refuses one mode (413/405/416/501, a bare 400) the other is used
    /// from then on and the error carries ErrorHint::RestartUpload (the source is spent: the
    /// caller starts over). A missing repository is NotFound naming it. The registry
    /// verifies the digest; a mismatch is Integrity.
    virtual core::Status put_blob(const std::string& repo, const manifest::Digest& digest,
                                  std::uint64_t size, const ByteSource& source) = 0;

    /// Every tag, following Link pagination (relative or absolute), each exactly once. Only
    /// names of the tag grammar (manifest::is_valid_tag) are returned; each other entry is
    /// dropped with a warning naming this tag list.
    virtual core::Result<std::vector<std::string>> list_tags(const std::string& repo) = 0;
    /// Every repository (GET /v2/_catalog, paginated). Only names of the repository grammar
    /// (manifest::is_valid_repository: no "..", ".", "%2e%2e", upper case, over 255
    /// characters) are returned; each other entry is dropped with a warning naming the catalog.
    virtual core::Result<std::vector<std::string>> catalog() = 0;
    /// GET /v2/<repo>/referrers/<subject>, every page (Link): the descriptors of the
    /// manifests whose subject is `subject`. nullopt when the host has no referrers API (it
    /// answers 404); that answer is remembered, so such a host is asked once.
    virtual core::Result<std::optional<std::vector<manifest::Descriptor>>> list_referrers(
        const std::string& repo, const manifest::Digest& subject) {
        (void)repo;
        (void)subject;
        return std::optional<std::vector<manifest::Descriptor>>{};
    }

    /// GET /v2/ with this host's credentials (on a Bearer host: a token for no scope, as
    /// `docker login` asks): Ok when the registry accepts them or needs none; Auth/Denied
    /// with the registry's answer when it refuses them.
    virtual core::Status check_login() {
        return core::fail(core::ErrorKind::Internal, "check_login is not supported by this client");
    }

    /// DELETE /v2/<repo>/manifests/<ref> (a tag, or a digest: which removes every tag
    /// pointing at it). Errors keep the registry's answer: docker-registry 2.8 refuses a tag
    /// with 400 DIGEST_INVALID, deletes disabled are 405 UNSUPPORTED; a 404 is NotFound.
    virtual core::Status delete_manifest(const std::string& repo, const std::string& ref) {
        (void)repo;
        (void)ref;
        return core::fail(core::ErrorKind::Unsupported, "deleting manifests is not implemented for " + host());
    }

    /// Requests sent so far (for reports and tests).
    virtual std::uint64_t request_count() const = 0;
    /// Rate limit and health of the host as seen so far.
    virtual HostReport report() const { return HostReport{host()}; }
};

/// "/artifactory/api/docker/repo" from "artifactory/api/docker/repo/" or ".../v2": one
/// leading slash, no trailing slash or /v2 ("" stays "").
std::string normalize_path_prefix(std::string_view prefix);

/// One Client per host, created on first use and shared. Thread-safe.
class ClientPool {
public:
    explicit ClientPool(ClientOptions options);
    ~ClientPool();
    /// `host` as in references ("docker.io" is mapped to registry-1.docker.io internally).
    core::Result<std::shared_ptr<Client>> get(const std::string& host);
    /// report() of every host used so far, by host name.
    std::vector<HostReport> reports() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace ferry::registry
