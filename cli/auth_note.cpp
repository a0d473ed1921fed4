#include "cli/auth_note.hpp"

#include "http/credentials.hpp"
#include "store/open.hpp"

namespace ferry::cli {

std::string credentials_note(const registry::ClientOptions& options, const std::string& host,
                             const std::string& explicit_origin) {
    if (options.host_options)
        if (auto o = options.host_options(host); o && !o->username.empty())
            return "the registry refused the credentials from " + explicit_origin + " (user " + o->username +
                   "): check them";
    auto found = http::lookup_credentials(host, options.authfile);
    if (found && *found)
        return "the registry refused the credentials from " + (*found)->origin + ": check them, or run `ferry login " +
               host + "` again";
    return "no credentials found for it: run `ferry login " + host + "`, or give them with --creds USER[:PASSWORD] " +
           "(copy: --src-creds/--dest-creds; a plan: credentials under registries:)";
}

core::Error explain_auth_failure(core::Error error, const registry::ClientOptions& options, const std::string& location,
                                 const std::string& explicit_origin) {
    if (error.kind != core::ErrorKind::Auth) return error;
    auto parsed = store::parse_location(location);
    if (!parsed || parsed->kind != store::Location::Kind::Registry) return error;
    const std::string host = parsed->reference.registry;
    error.message += "; " + host + ": " + credentials_note(options, host, explicit_origin);
    return error;
}

}  // namespace ferry::cli
