#pragma once
/// Migration: another tool's sync configuration rewritten as a ferry plan (YAML text), with
/// everything that has no ferry equivalent named precisely. Pure: reads text, makes no request.
///
/// Every key of the input is either written into the plan or named in `notes` (which the plan's
/// header comment repeats) with the reason; a converted plan runs unedited against the
/// registries the original ran against (passwords come from the environment variables the
/// notes name).
///
/// skopeo sync (`skopeo sync --src yaml FILE DEST`): the YAML source format of skopeo-sync(1):
/// registries as top-level keys with images / images-by-tag-regex / images-by-semver,
/// credentials, tls-verify (false -> `tls: insecure`), cert-dir. skopeo puts each repository at
/// DEST/<last path component> (DEST/<registry>/<path> with --scoped, a host:port written
/// host_port); the destination gets a `registries:` entry with the TLS skopeo was told.
/// regsync (regclient cmd/regsync/config.go and its docs): version, creds[] (config.Host),
/// defaults (applied per step as regsync does), sync[] of type image, repository or registry
/// with tags/tagSets (allow/deny regexes anchored as "^" + re + "$", semverRange), repos,
/// platform(s), referrers, digestTags, schedule/interval and the rest, each carried or noted.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace ferry::convert {

struct Conversion {
    std::string plan_yaml;           ///< a complete ferry plan, comments included
    std::vector<std::string> notes;  ///< what could not be expressed, or changes meaning; "" none
};

struct SkopeoSyncOptions {
    std::string destination;  ///< REGISTRY[/PREFIX], as given to skopeo sync --dest docker
    bool scoped = false;      ///< skopeo sync --scoped
    bool all = false;         ///< skopeo sync --all: every platform (else only system_platform)
    std::optional<bool> dest_tls_verify;  ///< skopeo sync --dest-tls-verify (unset: verify)
    std::string system_platform = "linux/amd64";  ///< the platform skopeo copies without --all
    /// The file names in a cert-dir (nullopt: it does not exist). Unset: cert-dirs are only noted.
    std::function<std::optional<std::vector<std::string>>(const std::string& dir)> list_directory;
    /// Where skopeo ran: a relative cert-dir is written into the plan under it ("": as it is).
    std::string working_directory;
};

/// Converts a skopeo sync YAML source file. `file` names it in errors (file:line:col).
/// Errors: Config for malformed input or a missing destination.
core::Result<Conversion> convert_skopeo_sync(const std::string& text, const std::string& file,
                                             const SkopeoSyncOptions& options);

/// Converts a regsync configuration file.
core::Result<Conversion> convert_regsync(const std::string& text, const std::string& file);

}  // namespace ferry::convert
