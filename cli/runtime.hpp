#pragma once
/// What every verb shares: the global flags, the registry client pool built from them, and
/// opening stores by location ("docker://…", bare reference, "oci:DIR[:ref]",
/// "oci-archive:FILE[:ref]").
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

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

private:
    std::shared_ptr<registry::ClientPool> pool_;
    std::optional<registry::ClientOptions> custom_;
};

/// A verb's body, chosen by the parser and run after parsing.
using VerbBody = std::function<ExitCode()>;

/// Prints "ferry: <message>" (redacted) to stderr and returns the matching exit code.
ExitCode report_error(const core::Error& error);

/// Output format flag shared by verbs: "text" or "json".
void add_output_flag(CLI::App& verb, std::string& output);

/// Prints the results of a plan's `manifests:` run: each failure as "ferry: <message>" on
/// stderr; results as text, as one JSON array (output "json"), or not at all (output "").
/// Returns the first failure's exit code, or Ok.
ExitCode print_manifest_pushes(const std::vector<run::ManifestPush>& pushes, const std::string& output);

// Verb registration, one per cmd_*.cpp.
void add_inspect_verb(CLI::App& app, Runtime& rt, VerbBody& body);
void add_tags_verbs(CLI::App& app, Runtime& rt, VerbBody& body);
void add_copy_verb(CLI::App& app, Runtime& rt, VerbBody& body);
void add_manifest_verbs(CLI::App& app, Runtime& rt, VerbBody& body);
void add_sync_verbs(CLI::App& app, Runtime& rt, VerbBody& body);
void add_bundle_verbs(CLI::App& app, Runtime& rt, VerbBody& body);
void add_cron_verb(CLI::App& app, Runtime& rt, VerbBody& body);
void add_verify_verb(CLI::App& app, Runtime& rt, VerbBody& body);

}  // namespace ferry::cli
