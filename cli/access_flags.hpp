#pragma once
/// Per-side credentials and TLS for verbs that read one place and write another, typed as
/// skopeo users type them: --src-creds/--dest-creds USER[:PASSWORD], --src-authfile/
/// --dest-authfile, --src-tls-verify=false/--dest-tls-verify=false; `--creds` for the verbs
/// that only read (inspect, tags, catalog). Also the password prompt shared with `ferry login`.
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/runtime.hpp"
#include "core/error.hpp"
#include "registry/client.hpp"

namespace ferry::cli {

struct SideAccess {
    std::string creds;     ///< USER[:PASSWORD]; "" = none given
    std::string authfile;  ///< docker config.json for this side; "" = the global one
    bool tls_verify = true;  ///< false: https to this side's hosts without certificate verification
    bool given() const { return !creds.empty() || !authfile.empty() || !tls_verify; }
};

/// Adds --<side>-creds, --<side>-authfile and --<side>-tls-verify (side: "src" or "dest").
void add_side_access_flags(CLI::App& verb, const std::string& side, SideAccess& access);

/// Adds `--creds USER[:PASSWORD]` (skopeo's flag of inspect and list-tags) to a read-only verb.
void add_creds_flag(CLI::App& verb, SideAccess& access);

/// Makes every host of `options` skip certificate verification on https (skopeo's
/// --tls-verify=false for https; plain HTTP stays --insecure-registry's).
void skip_tls_verification(registry::ClientOptions& options);

/// Client options for one side: `base` with that side's authfile, TLS and, when creds were
/// given, its user and password for every host of the side (`side` names the flag in
/// messages: "src" -> --src-creds, "" -> --creds). A password left out is asked for on the
/// terminal. Errors (Config): a named authfile that does not exist, no terminal to ask on.
core::Result<registry::ClientOptions> side_client_options(const SideAccess& access, const std::string& side,
                                                          const registry::ClientOptions& base);

/// The clients of one side and the options they were made from.
struct SideClients {
    std::shared_ptr<registry::ClientPool> pool;
    registry::ClientOptions options;
    std::string creds_flag;  ///< "--creds", "--src-creds": where explicit credentials came from
    /// `error`, with what a 401 means for this side's credentials when `location` is at a
    /// registry (cli/auth_note.hpp).
    core::Error explain(core::Error error, const std::string& location) const;
};

/// The clients of one side: the runtime's shared pool unless the side has flags of its own
/// (then a pool of its own, from side_client_options).
core::Result<SideClients> side_pool(Runtime& rt, const SideAccess& access, const std::string& side);

/// Reads a password from the terminal without echo, after printing `prompt` there.
/// Config error when there is no terminal.
core::Result<std::string> prompt_password(const std::string& prompt);

}  // namespace ferry::cli
