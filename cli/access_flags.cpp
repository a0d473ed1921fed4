#include "cli/access_flags.hpp"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <filesystem>

#include "cli/auth_note.hpp"
#include "core/redact.hpp"

namespace ferry::cli {

namespace {

/// "--src-creds" for side "src", "--creds" for side "".
std::string side_flag(const std::string& side, const std::string& name) {
    return side.empty() ? "--" + name : "--" + side + "-" + name;
}

}  // namespace

void add_side_access_flags(CLI::App& verb, const std::string& side, SideAccess& access) {
    const std::string where = side == "src" ? "source" : "destination";
    verb.add_option(side_flag(side, "creds"), access.creds, "USER[:PASSWORD] for the " + where + " registry (asks on a terminal when :PASSWORD is left out)");
    verb.add_option(side_flag(side, "authfile"), access.authfile, "docker config.json for the " + where + " registry");
    verb.add_flag(side_flag(side, "tls-verify"), access.tls_verify,
                  "=false: https to the " + where +
                      " registry without certificate verification (as skopeo; plain HTTP is --insecure-registry HOST)");
}

void add_creds_flag(CLI::App& verb, SideAccess& access) {
    verb.add_option("--creds", access.creds, "USER[:PASSWORD] for the registry (asks on a terminal when :PASSWORD is left out)");
}

void skip_tls_verification(registry::ClientOptions& options) {
    auto inherited = options.host_options;
    options.host_options = [inherited](std::string_view host) -> std::optional<registry::HostOptions> {
        registry::HostOptions o;
        if (inherited)
            if (auto custom = inherited(host)) o = *custom;
        o.tls_verify = false;
        return o;
    };
}

core::Result<std::string> prompt_password(const std::string& prompt) {
    const int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
    if (fd < 0) return core::fail(core::ErrorKind::Config, "no terminal to ask for the password on; give it with --password-stdin or USER:PASSWORD");
    (void)!::write(fd, prompt.data(), prompt.size());
    termios saved{};
    const bool is_tty = ::tcgetattr(fd, &saved) == 0;
    if (is_tty) {
        termios quiet = saved;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        ::tcsetattr(fd, TCSAFLUSH, &quiet);
    }
    std::string password;
    char c;
    while (::read(fd, &c, 1) == 1 && c != '\n' && c != '\r') password.push_back(c);
    if (is_tty) ::tcsetattr(fd, TCSAFLUSH, &saved);
    (void)!::write(fd, "\n", 1);
    ::close(fd);
    core::register_secret(password);
    return password;
}

core::Result<registry::ClientOptions> side_client_options(const SideAccess& access, const std::string& side,
                                                          const registry::ClientOptions& base) {
    registry::ClientOptions options = base;
    if (!access.authfile.empty()) {
        std::error_code ec;
        if (!std::filesystem::exists(access.authfile, ec))
            return core::fail(core::ErrorKind::Config, side_flag(side, "authfile") + " " + access.authfile + ": no such file");
        options.authfile = access.authfile;
    }
    if (!access.tls_verify) skip_tls_verification(options);
    if (access.creds.empty()) return options;
    const auto colon = access.creds.find(':');
    std::string user = access.creds.substr(0, colon);
    std::string password;
    if (user.empty()) return core::fail(core::ErrorKind::Config, side_flag(side, "creds") + " wants USER[:PASSWORD]");
    if (colon != std::string::npos) {
        password = access.creds.substr(colon + 1);
        core::register_secret(password);
    } else {
        auto typed = prompt_password("Password for " + user + (side.empty() ? "" : " (" + side + ")") + ": ");
        if (!typed) return std::unexpected(typed.error().with_context(side_flag(side, "creds") + " " + user));
        password = std::move(*typed);
    }
    auto inherited = options.host_options;  // the side's TLS setting included
    options.host_options = [inherited, user, password](std::string_view host) -> std::optional<registry::HostOptions> {
        registry::HostOptions o;
        if (inherited)
            if (auto custom = inherited(host)) o = *custom;
        o.username = user;
        o.password = password;
        return o;
    };
    return options;
}

core::Error SideClients::explain(core::Error error, const std::string& location) const {
    return explain_auth_failure(std::move(error), options, location, creds_flag);
}

core::Result<SideClients> side_pool(Runtime& rt, const SideAccess& access, const std::string& side) {
    if (!access.given()) return SideClients{rt.pool(), rt.client_options(), side_flag(side, "creds")};
    auto options = side_client_options(access, side, rt.client_options());
    if (!options) return std::unexpected(options.error());
    auto pool = std::make_shared<registry::ClientPool>(*options);
    return SideClients{std::move(pool), std::move(*options), side_flag(side, "creds")};
}

}  // namespace ferry::cli
