#pragma once
/// What a 401 means for the credentials that were sent: the registry refused *those*
/// credentials (and where they came from: a flag, the plan, docker config.json, a credential
/// helper), or there were none (then: `ferry login HOST`).
#include <string>

#include "core/error.hpp"
#include "registry/client.hpp"

namespace ferry::cli {

/// One clause for `host` under `options`: "the registry refused the credentials from
/// <origin>…" when the options give credentials for it (`explicit_origin` names where explicit
/// user/password came from: "--creds", "--src-creds", "the plan's registries: entry"), else
/// "no credentials found for it: run `ferry login HOST` …". Never contains a secret.
std::string credentials_note(const registry::ClientOptions& options, const std::string& host,
                             const std::string& explicit_origin);

/// `error` with credentials_note appended when it is an authentication failure (ErrorKind::Auth)
/// and `location` is a registry location; otherwise `error` unchanged.
core::Error explain_auth_failure(core::Error error, const registry::ClientOptions& options,
                                 const std::string& location, const std::string& explicit_origin);

}  // namespace ferry::cli
