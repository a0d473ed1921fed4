// ferry login [-u USER] [-p PASS | --password-stdin] HOST     ferry logout HOST
// The credentials are checked against the registry, then saved in docker config.json (or
// the credential helper it names): the file every other verb reads.
#include <unistd.h>

#include <iostream>

#include "cli/access_flags.hpp"
#include "cli/runtime.hpp"
#include "core/redact.hpp"
#include "http/credential_writer.hpp"

namespace ferry::cli {
namespace {

struct LoginArgs {
    std::string host;
    std::string username;
    std::string password;
    bool password_stdin = false;
};

/// "docker://h:5000/", "https://h:5000" -> "h:5000".
core::Result<std::string> registry_host(const std::string& typed) {
    std::string host = typed;
    if (auto scheme = host.find("://"); scheme != std::string::npos) host = host.substr(scheme + 3);
    while (host.ends_with('/')) host.pop_back();
    if (host.empty() || host.find('/') != std::string::npos)
        return core::fail(core::ErrorKind::Config, "login wants a registry HOST[:PORT], got \"" + typed + "\"");
    return host;
}

core::Result<std::string> read_username(const LoginArgs& a) {
    if (!a.username.empty()) return a.username;
    if (::isatty(STDIN_FILENO) != 1)
        return core::fail(core::ErrorKind::Config, "login: give the user with --username (no terminal to ask on)");
    std::cerr << "Username: " << std::flush;
    std::string user;
    std::getline(std::cin, user);
    if (user.empty()) return core::fail(core::ErrorKind::Config, "login: no username given");
    return user;
}

core::Result<std::string> read_password(const LoginArgs& a) {
    if (a.password_stdin) {
        std::string password;
        std::getline(std::cin, password);
        if (!password.empty() && password.back() == '\r') password.pop_back();
        if (password.empty()) return core::fail(core::ErrorKind::Config, "login: --password-stdin read an empty password");
        core::register_secret(password);
        return password;
    }
    if (!a.password.empty()) {
        core::register_secret(a.password);
        std::cerr << "ferry: warning: --password shows the password in the process list; prefer --password-stdin\n";
        return a.password;
    }
    return prompt_password("Password: ");
}

ExitCode run_login(Runtime& rt, const LoginArgs& a) {
    auto host = registry_host(a.host);
    if (!host) return report_error(host.error());
    auto user = read_username(a);
    if (!user) return report_error(user.error());
    auto password = read_password(a);
    if (!password) return report_error(password.error());
    auto options = side_client_options(SideAccess{*user + ":" + *password, ""}, "login", rt.client_options());
    if (!options) return report_error(options.error());
    registry::ClientPool pool(std::move(*options));
    auto client = pool.get(*host);
    if (!client) return report_error(client.error());
    if (auto st = (*client)->check_login(); !st) return report_error(st.error());
    auto file = http::auth_file_for_writing(rt.options.authfile);
    if (!file) return report_error(file.error());
    auto place = http::store_credential(*file, *host, http::Credential{*user, *password, {}});
    if (!place) return report_error(place.error().with_context("saving the credentials for " + *host));
    if (!rt.options.quiet)
        std::cout << "Login Succeeded: " << *host << " as " << *user << " (saved "
                  << (place->helper.empty() ? "in " + place->file : "through " + place->helper) << ")\n";
    return ExitCode::Ok;
}

ExitCode run_logout(Runtime& rt, const std::string& typed) {
    auto host = registry_host(typed);
    if (!host) return report_error(host.error());
    auto file = http::auth_file_for_writing(rt.options.authfile);
    if (!file) return report_error(file.error());
    auto erased = http::erase_credential(*file, *host);
    if (!erased) return report_error(erased.error().with_context("removing the credentials for " + *host));
    if (!*erased) {
        std::cerr << "ferry: not logged in to " << *host << " (nothing in " << *file << ")\n";
        return ExitCode::Ok;
    }
    if (!rt.options.quiet)
        std::cout << "Removed login credentials for " << *host << " ("
                  << ((*erased)->helper.empty() ? "from " + (*erased)->file : "through " + (*erased)->helper) << ")\n";
    return ExitCode::Ok;
}

}  // namespace

void add_login_verbs(CLI::App& app, Runtime& rt, VerbBody& body) {
    auto args = std::make_shared<LoginArgs>();
    auto* login = app.add_subcommand("login", "check credentials against a registry, then save them in docker config.json");
    login->add_option("host", args->host, "registry HOST[:PORT]")->required();
    login->add_option("-u,--username", args->username, "user name (asked for on a terminal when left out)");
    login->add_option("-p,--password", args->password, "password (visible to other users: prefer --password-stdin)");
    login->add_flag("--password-stdin", args->password_stdin, "read the password from standard input");
    login->callback([&rt, &body, args] { body = [&rt, args] { return run_login(rt, *args); }; });

    auto host = std::make_shared<std::string>();
    auto* logout = app.add_subcommand("logout", "remove a registry's saved credentials");
    logout->add_option("host", *host, "registry HOST[:PORT]")->required();
    logout->callback([&rt, &body, host] { body = [&rt, host] { return run_logout(rt, *host); }; });
}

}  // namespace ferry::cli
