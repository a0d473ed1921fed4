#pragma once
/// Migration: another tool's sync configuration rewritten as a ferry plan (YAML text), with
/// everything that has no ferry equivalent named precisely. Pure: reads text, makes no request.
///
/// skopeo sync (`skopeo sync --src yaml FILE DEST`): the YAML source format of skopeo-sync(1):
/// registries as top-level keys with images / images-by-tag-regex / images-by-semver,
/// credentials, tls-verify, cert-dir. skopeo puts each repository at DEST/<last path
/// component> (DEST/<registry>/<path> with --scoped).
/// regsync (regclient's docs/regsync.md): version, creds[], defaults, sync[] of type image,
/// repository or registry with tags.allow/deny (anchored regexes), platform, schedule/interval.
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
};

/// Converts a skopeo sync YAML source file. `file` names it in errors (file:line:col).
/// Errors: Config for malformed input or a missing destination.
core::Result<Conversion> convert_skopeo_sync(const std::string& text, const std::string& file,
                                             const SkopeoSyncOptions& options);

/// Converts a regsync configuration file.
core::Result<Conversion> convert_regsync(const std::string& text, const std::string& file);

}  // namespace ferry::convert
