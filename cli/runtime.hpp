#pragma once
/// What every verb shares: the global flags, the registry client pool built from them, and
/// opening stores by location ("docker://…", bare reference, "oci:DIR[:ref]",
/// "oci-archive:FILE[:ref]").
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json_fwd.hpp>

#include "core/defaults.hpp"
#include "cli/exit_codes.hpp"
#include "core/error.hpp"
#include "registry/client.hpp"
#include "store/open.hpp"
#include "run/plan_manifests.hpp"

namespace ferry::cli {

struct GlobalOptions {
    std::string authfile;
    std::string ca_file;
    std::vector<std::string> insecure_registries;
    std::vector<std::string> path_prefixes;  ///< --path-prefix HOST=PREFIX (repeatable)
    std::string log_level = "info";
    std::string log_format = "text";
    std::size_t max_manifest_bytes = manifest::kDefaultMaxManifestBytes;  ///< --max-manifest-size
    bool quiet = false;  ///< --quiet: no progress, no info logs, no summary lines
    bool tls_verify = true;  ///< --tls-verify=false: https to every host without certificate verification
};

class Runtime {
public:
    GlobalOptions options;

    /// The shared pool (created on first use from `options`). `set_client_options` lets a plan add
    /// per-host settings before first use.
    std::shared_ptr<registry::ClientPool> pool();
    void set_client_options(registry::ClientOptions opts);
    registry::ClientOptions client_options() const;

    enum class Access { Read, Write };
    /// Opens the store a location names. A registry location without tag or digest gets
    /// "latest" only when `default_latest`. An oci-archive opened for Write is replaced
    /// (atomically, at commit); for Read it must exist.
    core::Result<store::OpenedStore> open(const std::string& location, bool default_latest = true,
                              Access access = Access::Read);
    /// The same through another client pool (per-side credentials of `copy`).
    core::Result<store::OpenedStore> open_in(const std::shared_ptr<registry::ClientPool>& clients, const std::string& location,
                                 bool default_latest, Access access);

private:
    registry::ClientOptions global_client_options() const;  ///< from the global flags alone
    std::shared_ptr<registry::ClientPool> pool_;
    std::optional<registry::ClientOptions> custom_;
};

/// A verb's body, chosen by the parser and run after parsing.
using VerbBody = std::function<ExitCode()>;

/// Prints "ferry: <message>" (redacted) to stderr and returns the matching exit code.
ExitCode report_error(const core::Error& error);

/// Output format flag shared by verbs: "text" or "json".
void add_output_flag(CLI::App& verb, std::string& output);

/// A flag that may be given several times, taking exactly one value each time (so it never
/// swallows the positionals after it).
CLI::Option* add_repeatable(CLI::App& app, const std::string& name, std::vector<std::string>& values,
                            const std::string& description);

/// "ferry 0.1.0 (<git commit>)": what --version prints.
std::string version_line();

/// The whole command line: global flags and every verb (used by run(), completion, man page).
void build_command_line(CLI::App& app, Runtime& rt, VerbBody& body);

/// Prints the results of a plan's `manifests:` run: each failure as "ferry: <message>" on
/// stderr; results as text, as one JSON array (output "json"), or not at all (output "").
/// Returns the first failure's exit code, or Ok.
ExitCode print_manifest_pushes(const std::vector<run::ManifestPush>& pushes, const std::string& output);

/// `ferry plan`'s `manifests:` section: per entry new / changed (was …) / unchanged with the
/// index digest and each entry's platform and source, "pending" when a source is not there
/// yet (the sync would bring it), "failed" otherwise (its exit code is returned; else Ok).
/// Output "json" fills `json` with one object per entry instead of printing; "text" prints
/// the section after the plan's text (nothing when the plan has no manifests:).
ExitCode manifest_plan(const std::vector<run::ManifestPush>& pushes, const std::string& output, nlohmann::json& json);

// Verb registration, one per cmd_*.cpp.
void add_inspect_verb(CLI::App& app, Runtime& rt, VerbBody& body);
void add_tags_verbs(CLI::App& app, Runtime& rt, VerbBody& body);
void add_copy_verb(CLI::App& app, Runtime& rt, VerbBody& body);
void add_manifest_verbs(CLI::App& app, Runtime& rt, VerbBody& body);
void add_manifest_edit_verbs(CLI::App& manifest_group, Runtime& rt, VerbBody& body);
void add_sync_verbs(CLI::App& app, Runtime& rt, VerbBody& body);
void add_bundle_verbs(CLI::App& app, Runtime& rt, VerbBody& body);
void add_cron_verb(CLI::App& app, Runtime& rt, VerbBody& body);
void add_verify_verb(CLI::App& app, Runtime& rt, VerbBody& body);
void add_version_verb(CLI::App& app, Runtime& rt, VerbBody& body);
void add_login_verbs(CLI::App& app, Runtime& rt, VerbBody& body);
void add_completion_verb(CLI::App& app, Runtime& rt, VerbBody& body);
void add_bundle_ls_verb(CLI::App& app, VerbBody& body);
void add_plan_convert_verb(CLI::App& app, VerbBody& body);

}  // namespace ferry::cli
