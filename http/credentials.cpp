#include "http/credentials.hpp"

#include <csignal>
#include <pthread.h>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/redact.hpp"
#include "core/registry_host.hpp"
#include "core/text.hpp"
#include "http/base64.hpp"

extern char** environ;

namespace ferry::http {
namespace {

using nlohmann::json;

std::optional<Credential> remember(Credential c) {
    core::register_secret(c.password);
    core::register_secret(c.identity_token);
    return c;
}

/// The value under a key of `object` whose credential_host() is `host`, or nullptr.
const json* find_host_entry(const json& object, std::string_view host) {
    if (!object.is_object()) return nullptr;
    for (const auto& [key, value] : object.items())
        if (credential_host(key) == host) return &value;
    return nullptr;
}

core::Result<std::optional<Credential>> from_auths_entry(const json& entry, std::string_view source) {
    Credential c;
    if (auto a = entry.find("auth"); a != entry.end() && a->is_string() && !a->get<std::string>().empty()) {
        auto decoded = base64_decode(a->get<std::string>());
        auto colon = decoded ? decoded->find(':') : std::string::npos;
        if (colon == std::string::npos)
            return core::fail(core::ErrorKind::Config, std::string(source) + ": an `auth` value is not base64 of user:password");
        c.username = decoded->substr(0, colon);
        c.password = decoded->substr(colon + 1);
    }
    if (c.username.empty()) c.username = entry.value("username", "");
    if (c.password.empty()) c.password = entry.value("password", "");
    c.identity_token = entry.value("identitytoken", "");
    if (c.username.empty() && c.password.empty() && c.identity_token.empty()) return std::nullopt;
    return remember(std::move(c));
}

/// Writes `data` to `fd` without letting a reader that already exited kill the process with
/// SIGPIPE: the signal is blocked for this thread during the write and any pending one is
/// consumed (EPIPE is harmless here: the helper did not want its stdin).
void write_ignoring_sigpipe(int fd, std::string_view data) {
    sigset_t pipe_set, old_set;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);
    (void)!write(fd, data.data(), data.size());
    const timespec no_wait{0, 0};
    while (sigtimedwait(&pipe_set, nullptr, &no_wait) > 0) {
    }
    pthread_sigmask(SIG_SETMASK, &old_set, nullptr);
}

struct HelperOutput {
    int exit_code = -1;
    std::string out;
};

core::Result<HelperOutput> run_with_stdin(const std::string& program, const char* action, const std::string& input) {
    int in_pipe[2], out_pipe[2];
    if (pipe2(in_pipe, O_CLOEXEC) != 0) return core::fail(core::ErrorKind::Io, "pipe: " + std::string(std::strerror(errno)));
    if (pipe2(out_pipe, O_CLOEXEC) != 0) {
        close(in_pipe[0]);
        close(in_pipe[1]);
        return core::fail(core::ErrorKind::Io, "pipe: " + std::string(std::strerror(errno)));
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in_pipe[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
    char* argv[] = {const_cast<char*>(program.c_str()), const_cast<char*>(action), nullptr};
    pid_t pid = 0;
    const int rc = posix_spawnp(&pid, program.c_str(), &actions, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    close(in_pipe[0]);
    close(out_pipe[1]);
    if (rc != 0) {
        close(in_pipe[1]);
        close(out_pipe[0]);
        return core::fail(core::ErrorKind::Config, "cannot run credential helper " + program + ": " + std::strerror(rc));
    }
    write_ignoring_sigpipe(in_pipe[1], input);  // a helper may exit without reading stdin
    close(in_pipe[1]);
    HelperOutput result;
    char buf[4096];
    for (ssize_t n; (n = read(out_pipe[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR);)
        if (n > 0) result.out.append(buf, static_cast<std::size_t>(n));
    close(out_pipe[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

core::Result<json> read_config_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) return core::fail(core::ErrorKind::Config, "cannot read auth file " + path);
    std::stringstream text;
    text << in.rdbuf();
    try {
        return json::parse(text.str());
    } catch (const json::exception& e) {
        return core::fail(core::ErrorKind::Config, "auth file " + path + " is not valid JSON: " + e.what());
    }
}

}  // namespace

std::string credential_host(std::string_view key) {
    if (auto scheme = key.find("://"); scheme != std::string_view::npos) key.remove_prefix(scheme + 3);
    if (auto slash = key.find('/'); slash != std::string_view::npos) key = key.substr(0, slash);
    return core::canonical_registry_host(core::ascii_lower(key));
}

std::string helper_server_url(std::string_view host) {
    return core::is_docker_hub(host) ? std::string(kDockerHubConfigKey) : std::string(host);
}

core::Status run_credential_helper_action(const std::string& helper, const char* action, const std::string& input) {
    const std::string program = "docker-credential-" + helper;
    auto ran = run_with_stdin(program, action, input);
    if (!ran) return std::unexpected(ran.error());
    if (ran->exit_code == 0) return {};
    std::string said = ran->out.substr(0, ran->out.find('\n')).substr(0, 200);
    return core::fail(core::ErrorKind::Config, program + " " + action + " failed (exit " + std::to_string(ran->exit_code) +
                                                   ")" + (said.empty() ? "" : ": " + core::redact(said)));
}

std::vector<std::string> auth_file_candidates(const std::string& authfile) {
    if (!authfile.empty()) return {authfile};
    std::vector<std::string> files;
    if (const char* env = std::getenv("REGISTRY_AUTH_FILE"); env && *env) files.emplace_back(env);
    if (const char* dir = std::getenv("DOCKER_CONFIG"); dir && *dir)
        files.push_back((std::filesystem::path(dir) / "config.json").string());
    else if (const char* home = std::getenv("HOME"); home && *home)
        files.push_back((std::filesystem::path(home) / ".docker" / "config.json").string());
    return files;
}

core::Result<std::optional<Credential>> credentials_from_config(const json& config, std::string_view host,
                                                                std::string_view source) {
    if (!config.is_object()) return core::fail(core::ErrorKind::Config, std::string(source) + ": not a JSON object");
    const std::string wanted = credential_host(host);
    auto from = [](core::Result<std::optional<Credential>> found, std::string origin) {
        if (found && *found) (*found)->origin = std::move(origin);
        return found;
    };
    if (auto helpers = config.find("credHelpers"); helpers != config.end()) {
        if (const json* name = find_host_entry(*helpers, wanted); name && name->is_string())
            return from(run_credential_helper(name->get<std::string>(), helper_server_url(wanted)),
                        "credential helper docker-credential-" + name->get<std::string>() + " (credHelpers in " +
                            std::string(source) + ")");
    }
    if (auto auths = config.find("auths"); auths != config.end()) {
        if (const json* entry = find_host_entry(*auths, wanted); entry && entry->is_object()) {
            auto found = from(from_auths_entry(*entry, source), std::string(source));
            if (!found || *found) return found;
        }
    }
    if (auto store = config.find("credsStore"); store != config.end() && store->is_string() &&
                                                !store->get<std::string>().empty())
        return from(run_credential_helper(store->get<std::string>(), helper_server_url(wanted)),
                    "credential helper docker-credential-" + store->get<std::string>() + " (credsStore in " +
                        std::string(source) + ")");
    return std::nullopt;
}

core::Result<std::optional<Credential>> lookup_credentials(std::string_view host, const std::string& authfile) {
    for (const auto& path : auth_file_candidates(authfile)) {
        std::error_code ec;
        if (!std::filesystem::exists(path, ec)) continue;
        auto config = read_config_file(path);
        if (!config) return core::fail(config.error());
        auto found = credentials_from_config(*config, host, path);
        if (!found || *found) return found;
    }
    return std::nullopt;
}

core::Result<std::optional<Credential>> run_credential_helper(const std::string& helper,
                                                              const std::string& server_url) {
    const std::string program = "docker-credential-" + helper;
    auto ran = run_with_stdin(program, "get", server_url + "\n");
    if (!ran) return core::fail(ran.error());
    if (ran->exit_code != 0) {
        if (ran->out.find("credentials not found") != std::string::npos) return std::nullopt;
        return core::fail(core::ErrorKind::Auth, program + " get " + server_url + " failed (exit " +
                                                     std::to_string(ran->exit_code) + ")");
    }
    try {
        const json reply = json::parse(ran->out);
        Credential c;
        const std::string user = reply.value("Username", "");
        const std::string secret = reply.value("Secret", "");
        if (user == "<token>") c.identity_token = secret;
        else c.username = user, c.password = secret;
        if (secret.empty()) return std::nullopt;
        return remember(std::move(c));
    } catch (const json::exception&) {
        return core::fail(core::ErrorKind::Auth, program + " get " + server_url + " printed no valid JSON");
    }
}

}  // namespace ferry::http
