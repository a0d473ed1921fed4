#pragma once
/// ferry's default numbers, in one place (a plan, a flag or an option struct overrides them).
namespace ferry::core {

/// Parallel image tasks of a plan, and parallel blob transfers of one copy.
inline constexpr int kDefaultJobs = 8;
/// The most parallel image tasks or blob transfers a flag or a plan may ask for.
inline constexpr int kMaxJobs = 64;
/// Attempts after the first for a retryable HTTP request, and a plan's `retries:` (per blob).
inline constexpr int kDefaultRetries = 5;
/// Extra attempts per blob of the copy engine when no plan sets `retries:` (ferry copy,
/// manifest create, import, artifacts carried outside a plan).
inline constexpr int kDefaultBlobRetries = 3;
/// Parallel artifact copies (signatures, attestations) of one image.
inline constexpr int kDefaultArtifactJobs = 4;
/// Concurrent requests to one registry host (the real bound on parallelism).
inline constexpr int kDefaultMaxRequestsPerHost = 16;
/// Concurrent lookups (manifest HEADs, tag list and catalog pages) to one host, on top of
/// max_requests: cheap for a registry, and across a real distance what a no-op run waits on.
inline constexpr int kDefaultMaxLookupsPerHost = 32;

}  // namespace ferry::core
