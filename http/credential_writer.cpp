#include "http/credential_writer.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/file_io.hpp"
#include "http/base64.hpp"

namespace ferry::http {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

core::Result<json> read_or_empty(const std::string& file) {
    std::error_code ec;
    if (!fs::exists(file, ec)) return json::object();
    std::ifstream in(file);
    if (!in) return core::fail(core::ErrorKind::Config, "cannot read auth file " + file);
    std::stringstream text;
    text << in.rdbuf();
    auto parsed = json::parse(text.str(), nullptr, false);
    if (parsed.is_discarded() || !parsed.is_object())
        return core::fail(core::ErrorKind::Config, "auth file " + file + " is not a JSON object; not touching it");
    return parsed;
}

core::Status fail_io(const std::string& what) {
    return core::fail(core::ErrorKind::Io, what + ": " + std::strerror(errno));
}

/// Writes `config` to `file` through a 0600 temporary file in the same directory.
core::Status write_atomically(const std::string& file, const json& config) {
    const fs::path target(file);
    std::error_code ec;
    if (target.has_parent_path() && !fs::exists(target.parent_path(), ec)) {
        fs::create_directories(target.parent_path(), ec);
        if (ec) return core::fail(core::ErrorKind::Io, "creating " + target.parent_path().string() + ": " + ec.message());
        fs::permissions(target.parent_path(), fs::perms::owner_all, ec);
    }
    auto tmp = core::fileio::TempFile::create(target.has_parent_path() ? target.parent_path() : fs::path("."),
                                              "." + target.filename().string() + ".tmp-");
    if (!tmp) return std::unexpected(tmp.error());
    if (::fchmod(tmp->fd(), 0600) != 0) return fail_io("restricting " + tmp->path().string() + " to its owner");
    if (auto written = core::fileio::write_all(tmp->fd(), config.dump(1, '\t') + "\n", tmp->path()); !written)
        return written;
    return tmp->publish(target);
}

/// The helper that keeps `host`'s credentials per `config`: credHelpers first, then credsStore.
std::string helper_for(const json& config, std::string_view host) {
    if (auto helpers = config.find("credHelpers"); helpers != config.end() && helpers->is_object())
        for (const auto& [key, value] : helpers->items())
            if (credential_host(key) == credential_host(host) && value.is_string()) return value.get<std::string>();
    if (auto store = config.find("credsStore"); store != config.end() && store->is_string()) return store->get<std::string>();
    return "";
}

/// Removes every auths key naming `host`; true when one was there.
bool drop_auths_entries(json& config, std::string_view host) {
    auto auths = config.find("auths");
    if (auths == config.end() || !auths->is_object()) return false;
    std::vector<std::string> keys;
    for (const auto& [key, value] : auths->items())
        if (credential_host(key) == credential_host(host)) keys.push_back(key);
    for (const auto& key : keys) auths->erase(key);
    return !keys.empty();
}

}  // namespace

core::Result<std::string> auth_file_for_writing(const std::string& authfile) {
    auto candidates = auth_file_candidates(authfile);
    if (candidates.empty())
        return core::fail(core::ErrorKind::Config, "no place for credentials: set HOME, DOCKER_CONFIG or --authfile");
    return candidates.front();
}

core::Result<CredentialPlace> store_credential(const std::string& file, std::string_view host, const Credential& credential) {
    auto config = read_or_empty(file);
    if (!config) return std::unexpected(config.error());
    const std::string helper = helper_for(*config, host);
    if (!helper.empty()) {
        json request = {{"ServerURL", helper_server_url(credential_host(host))},
                        {"Username", credential.username},
                        {"Secret", credential.password}};
        if (auto st = run_credential_helper_action(helper, "store", request.dump()); !st) return std::unexpected(st.error());
        // An older entry in the file would shadow nothing (helpers win) but would keep a stale secret.
        if (drop_auths_entries(*config, host))
            if (auto st = write_atomically(file, *config); !st) return std::unexpected(st.error());
        return CredentialPlace{file, "docker-credential-" + helper};
    }
    drop_auths_entries(*config, host);
    const std::string key = credential_host(host) == "docker.io" ? std::string(kDockerHubConfigKey) : std::string(host);
    (*config)["auths"][key] = {{"auth", base64_encode(credential.username + ":" + credential.password)}};
    if (auto st = write_atomically(file, *config); !st) return std::unexpected(st.error());
    return CredentialPlace{file, ""};
}

core::Result<std::optional<CredentialPlace>> erase_credential(const std::string& file, std::string_view host) {
    std::error_code ec;
    if (!fs::exists(file, ec)) return std::optional<CredentialPlace>();
    auto config = read_or_empty(file);
    if (!config) return std::unexpected(config.error());
    std::optional<CredentialPlace> erased;
    const std::string helper = helper_for(*config, host);
    if (!helper.empty()) {
        auto st = run_credential_helper_action(helper, "erase", helper_server_url(credential_host(host)));
        if (st) erased = CredentialPlace{file, "docker-credential-" + helper};
        else if (st.error().message.find("not found") == std::string::npos) return std::unexpected(st.error());
    }
    if (drop_auths_entries(*config, host)) {
        if (auto st = write_atomically(file, *config); !st) return std::unexpected(st.error());
        if (!erased) erased = CredentialPlace{file, ""};
    }
    return erased;
}

}  // namespace ferry::http
