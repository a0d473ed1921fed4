#pragma once
/// Saving and removing registry credentials for `ferry login` / `ferry logout`, in the same
/// docker config.json the other verbs read (http/credentials.hpp): through credHelpers[host]
/// or credsStore when the file names one (docker-credential-<name> store/erase), otherwise
/// in auths[host] as base64 "user:password". The file is written 0600 and atomically (a
/// temporary file in the same directory, renamed over the old one); its other keys are kept.
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "http/credentials.hpp"

namespace ferry::http {

/// Where login writes: `authfile` if given, else the first of auth_file_candidates("").
core::Result<std::string> auth_file_for_writing(const std::string& authfile);

/// Where a credential went: the file, and the helper program when a helper keeps it.
struct CredentialPlace {
    std::string file;
    std::string helper;  ///< "docker-credential-<name>", or "" when stored in the file
};

/// Saves `credential` for `host` (as typed: "host:port"; Docker Hub under its config key).
core::Result<CredentialPlace> store_credential(const std::string& file, std::string_view host,
                                               const Credential& credential);

/// Removes what `file` holds for `host` (every auths key naming that host, and the helper's
/// entry). nullopt when there was nothing to remove.
core::Result<std::optional<CredentialPlace>> erase_credential(const std::string& file, std::string_view host);

}  // namespace ferry::http
