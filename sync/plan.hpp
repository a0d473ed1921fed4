#pragma once
/// The declarative plan (YAML, schema version 1; /config.example.yaml documents every key).
/// load_plan()/parse_plan() validate the whole file before anything talks to a registry:
/// unknown keys at any level, wrong types, bad regexes, semver ranges, references and
/// platforms, duplicate names, missing keys and out-of-range numbers are all collected and
/// returned at once as one ErrorKind::Config error, one problem per line:
///   "plan.yaml:12:7: sync[1].tags.semver: invalid semver range '>=x': 'x' is not a version"
/// (line and column 1-based). `${VAR}` and `${VAR:-default}` are expanded in string values.
/// Passwords (password_env / password_file) are read at load time, registered with
/// core::register_secret and never appear in messages.
/// Defaults are applied during loading: every SyncEntry holds its effective settings.
/// Relative file paths are resolved against the plan file's directory.
#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "manifest/platform.hpp"
#include "manifest/reference.hpp"
#include "referrers/selection.hpp"
#include "sync/tag_filter.hpp"

namespace ferry::sync {

enum class TlsMode { Verify, Disabled, SkipVerify };  ///< Disabled = plain HTTP
enum class CopyPolicy { Changed, Missing, Immutable };
enum class ManifestFormat { Oci, Docker };
enum class ScheduleTimezone { Utc, Local };

/// What a sync entry's `source` names.
enum class SourceKind {
    Image,       ///< "host/repo:tag" or "host/repo@sha256:…": one image
    Repository,  ///< "host/repo": all tags, filtered by `tags`
    Namespace,   ///< "host/ns/*": every repository under ns (catalog), filtered by `repos`
    Registry,    ///< "host/*": every repository of the registry (catalog)
};

struct Credentials {
    enum class Source { None, DockerConfig, Password };
    Source source = Source::None;  ///< None: fall back to the global credential lookup
    std::string username;
    std::string password;  ///< resolved at load time; registered as a secret
};

struct RegistryConfig {
    std::string host;  ///< "host[:port]" as written (docker.io aliases normalised to "docker.io")
    TlsMode tls = TlsMode::Verify;
    std::filesystem::path ca_file;      ///< empty = system trust store
    std::filesystem::path client_cert;  ///< set together with client_key
    std::filesystem::path client_key;
    Credentials credentials;
    std::vector<std::string> mirrors;  ///< hosts to pull from first, in order
    std::optional<int> max_requests;   ///< concurrent requests to this host
    std::optional<double> requests_per_second;
    std::string path_prefix;  ///< path before /v2/ (Artifactory: /artifactory/api/docker/REPO)
    std::uint64_t upload_chunk_size = 0;  ///< `upload: {chunk_size}`: 0 = one streaming PUT per blob
};

/// Which referrers (signatures, attestations, SBOMs, other artifacts) travel with an image.
using ReferrerSelection = referrers::Selection;

/// `all` (empty list) or a list of platforms to keep.
struct PlatformSelection {
    std::vector<manifest::Platform> platforms;  ///< empty = all platforms
    bool all() const { return platforms.empty(); }
};

struct VerifySettings {
    std::filesystem::path key;  ///< public key (PEM) that signatures must verify against
};

struct Defaults {
    int jobs = 8;
    PlatformSelection platforms;
    CopyPolicy policy = CopyPolicy::Changed;
    int retries = 5;
    ReferrerSelection referrers{.signatures = true, .attestations = true};
    std::optional<VerifySettings> verify;
    std::filesystem::path state_file;  ///< empty = no state file
};

/// Repository filter for namespace/registry sources: regexes matched against the repository
/// path relative to the namespace ("alpine" for "host/corpus/alpine" under "host/corpus/*").
struct RepoFilter {
    std::vector<TagPattern> allow;  ///< empty = all
    std::vector<TagPattern> deny;
};

struct SyncEntry {
    std::string name;
    std::string source_text;  ///< as written (after ${ENV} expansion)
    SourceKind source_kind = SourceKind::Repository;
    /// Image: the full reference. Repository: registry + repository. Namespace: registry +
    /// the namespace path ("corpus"). Registry: registry only (repository empty).
    manifest::Reference source;
    std::string target_text;
    /// True when the target ends in '/': source paths are kept under target.repository
    /// (which may be empty: the target registry's root).
    bool target_is_prefix = false;
    /// Registry + repository (or prefix without the trailing '/'); a tag only for Image sources.
    manifest::Reference target;
    TagFilter tags;  ///< Repository/Namespace/Registry sources only
    RepoFilter repos;  ///< Namespace/Registry sources only
    PlatformSelection platforms;
    CopyPolicy policy = CopyPolicy::Changed;
    ReferrerSelection referrers;
    std::optional<VerifySettings> verify;
    int jobs = 8;
};

struct ManifestImage {
    manifest::Reference image;
    std::optional<manifest::Platform> platform;  ///< nullopt = read it from the image config
};

struct ManifestEntry {
    manifest::Reference target;  ///< always has a tag
    ManifestFormat format = ManifestFormat::Oci;
    std::map<std::string, std::string> annotations;
    std::vector<ManifestImage> images;
    bool ignore_missing = false;  ///< skip absent images instead of failing
};

struct ScheduleEntry {
    std::string name;  ///< as written, or "schedule[<index>]"
    std::string cron;  ///< raw expression; parsed by the cron module
    std::vector<std::string> jobs;  ///< sync entry names (all entries when the key is absent)
    std::chrono::milliseconds jitter{0};
    bool run_at_start = false;
    ScheduleTimezone timezone = ScheduleTimezone::Utc;
};

struct Plan {
    std::filesystem::path file;  ///< where it was loaded from (for messages)
    Defaults defaults;
    std::map<std::string, RegistryConfig> registries;  ///< by host[:port]
    std::vector<SyncEntry> sync;
    std::vector<ManifestEntry> manifests;
    std::vector<ScheduleEntry> schedule;

    /// The configuration for `host` (as in Reference::registry), or nullptr if none.
    const RegistryConfig* registry(std::string_view host) const;
    /// The sync entry called `name`, or nullptr.
    const SyncEntry* entry(std::string_view name) const;
};

/// Reads and validates a plan file. Errors: Io (unreadable), Config (everything else).
core::Result<Plan> load_plan(const std::filesystem::path& path);
/// Validates plan text; `file_name_for_messages` prefixes every error and is the base for
/// relative paths.
core::Result<Plan> parse_plan(std::string_view yaml, std::string_view file_name_for_messages);

std::string_view to_string(SourceKind kind);
std::string_view to_string(CopyPolicy policy);
std::string_view to_string(TlsMode mode);

}  // namespace ferry::sync
