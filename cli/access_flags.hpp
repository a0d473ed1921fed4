#pragma once
/// Per-side credentials for verbs that read one place and write another, typed as skopeo
/// users type them: --src-creds/--dest-creds USER[:PASSWORD], --src-authfile/--dest-authfile.
/// Also the password prompt shared with `ferry login`.
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "core/error.hpp"
#include "registry/client.hpp"

namespace ferry::cli {

struct SideAccess {
    std::string creds;     ///< USER[:PASSWORD]; "" = none given
    std::string authfile;  ///< docker config.json for this side; "" = the global one
    bool given() const { return !creds.empty() || !authfile.empty(); }
};

/// Adds --<side>-creds and --<side>-authfile (side: "src" or "dest").
void add_side_access_flags(CLI::App& verb, const std::string& side, SideAccess& access);

/// Client options for one side: `base` with that side's authfile and, when --creds was given,
/// its user and password for every host of the side. A password left out is asked for on the
/// terminal. Errors (Config): a named authfile that does not exist, no terminal to ask on.
core::Result<registry::ClientOptions> side_client_options(const SideAccess& access, const std::string& side,
                                                          const registry::ClientOptions& base);

/// Reads a password from the terminal without echo, after printing `prompt` there.
/// Config error when there is no terminal.
core::Result<std::string> prompt_password(const std::string& prompt);

}  // namespace ferry::cli
