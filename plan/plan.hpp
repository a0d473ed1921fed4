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
/// Two entries (sync or `manifests:`) that the plan alone shows writing one target tag are an
/// error at the later one, naming the earlier one's file:line:col (plan/target_writers.hpp).
/// Defaults are applied during loading: every SyncEntry holds its effective settings.
/// Relative file paths are resolved against the plan file's directory.
/// One file per section, named after its YAML key: defaults_section, registries_section,
/// sync_section, manifests_section, schedule_section, webhooks_section (entry_settings: what defaults and sync
/// entries share). This header is the module's front door and includes them all.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "plan/defaults_section.hpp"
#include "plan/entry_settings.hpp"
#include "plan/manifests_section.hpp"
#include "plan/registries_section.hpp"
#include "plan/schedule_section.hpp"
#include "plan/sync_section.hpp"
#include "plan/webhooks_section.hpp"

namespace ferry::plan {

struct Plan {
    std::filesystem::path file;  ///< where it was loaded from (for messages)
    Defaults defaults;
    std::map<std::string, RegistryConfig> registries;  ///< by host[:port]
    std::vector<SyncEntry> sync;
    std::vector<ManifestEntry> manifests;
    std::vector<ScheduleEntry> schedule;
    std::optional<WebhookSettings> webhooks;

    /// The configuration for `host` (as in Reference::registry), or nullptr if none.
    const RegistryConfig* registry(std::string_view host) const;
    /// The sync entry called `name`, or nullptr.
    const SyncEntry* entry(std::string_view name) const;
};

/// Reads and validates a plan file. Errors: Io (unreadable), Config (everything else).
core::Result<Plan> load_plan(const std::filesystem::path& path);
/// Validates plan text; `file_name_for_messages` prefixes every error and is the base for
/// relative paths. A plan needs `version: 1` and at least one `sync` or `manifests` entry.
core::Result<Plan> parse_plan(std::string_view yaml, std::string_view file_name_for_messages);

}  // namespace ferry::plan
