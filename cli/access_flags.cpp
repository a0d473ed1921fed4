#include "cli/access_flags.hpp"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <filesystem>

#include "core/redact.hpp"

namespace ferry::cli {

void add_side_access_flags(CLI::App& verb, const std::string& side, SideAccess& access) {
    const std::string where = side == "src" ? "source" : "destination";
    verb.add_option("--" + side + "-creds", access.creds, "USER[:PASSWORD] for the " + where + " registry (asks on a terminal when :PASSWORD is left out)");
    verb.add_option("--" + side + "-authfile", access.authfile, "docker config.json for the " + where + " registry");
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
            return core::fail(core::ErrorKind::Config, "--" + side + "-authfile " + access.authfile + ": no such file");
        options.authfile = access.authfile;
    }
    if (access.creds.empty()) return options;
    const auto colon = access.creds.find(':');
    std::string user = access.creds.substr(0, colon);
    std::string password;
    if (user.empty()) return core::fail(core::ErrorKind::Config, "--" + side + "-creds wants USER[:PASSWORD]");
    if (colon != std::string::npos) {
        password = access.creds.substr(colon + 1);
        core::register_secret(password);
    } else {
        auto typed = prompt_password("Password for " + user + " (" + side + "): ");
        if (!typed) return std::unexpected(typed.error().with_context("--" + side + "-creds " + user));
        password = std::move(*typed);
    }
    auto inherited = base.host_options;
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

}  // namespace ferry::cli
