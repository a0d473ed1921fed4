#include "plan/registries_section.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>

#include "core/log.hpp"
#include "core/redact.hpp"
#include "core/registry_host.hpp"
#include "plan/plan_reader.hpp"

namespace ferry::plan {
namespace detail {
namespace {

const PlanNode* first_key(const PlanNode& map, std::initializer_list<std::string_view> keys) {
    for (std::string_view key : keys) {
        if (const PlanNode* node = find(map, key)) return node;
    }
    return nullptr;
}

Credentials read_credentials(PlanReader& reader, const PlanNode& node, std::string_view path) {
    Credentials out;
    if (node.kind == PlanNode::Kind::Scalar) {
        if (reader.choice(node, path, {"docker-config"})) out.source = Credentials::Source::DockerConfig;
        return out;
    }
    if (node.kind != PlanNode::Kind::Map) {
        reader.error(node.mark, path, "expected docker-config or {username, password_env | password_file}");
        return out;
    }
    reader.map(node, path, {"username", "password_env", "password_file", "password"});
    if (const PlanNode* inline_password = find(node, "password")) {
        reader.error(inline_password->key_mark, child_path(path, "password"),
                     "passwords are not written into the plan; use password_env or password_file");
    }
    const PlanNode* username = reader.require(node, path, "username");
    if (username) out.username = reader.text(*username, child_path(path, "username")).value_or("");
    const PlanNode* source = first_key(node, {"password_env", "password_file"});
    if (find(node, "password_env") && find(node, "password_file")) {
        reader.error(node.mark, path, "give either password_env or password_file, not both");
    } else if (!source) {
        if (!find(node, "password")) reader.error(node.mark, path, "missing password_env or password_file");
    } else if (auto password = read_password(reader, *source, path)) {
        out.source = Credentials::Source::Password;
        out.password = std::move(*password);
    }
    return out;
}

std::vector<std::string> read_hosts(PlanReader& reader, const PlanNode& node, std::string_view path) {
    std::vector<std::string> hosts;
    for (const auto& [host, item] : reader.texts(node, path)) {
        if (core::is_valid_registry_host(host)) {
            hosts.push_back(core::canonical_registry_host(host));
        } else {
            reader.error(item->mark, path, "'" + host + "' is not a host[:port]");
        }
    }
    return hosts;
}

std::optional<std::uint64_t> read_byte_size(PlanReader& reader, const PlanNode& node, std::string_view path) {
    auto text = reader.text(node, path);
    if (!text) return std::nullopt;
    std::size_t used = 0;
    std::uint64_t value = 0;
    try {
        value = std::stoull(*text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    std::string unit = text->substr(used);
    std::erase(unit, ' ');
    const std::uint64_t scale = unit.empty() ? 1 : unit == "KiB" ? 1ull << 10 : unit == "MiB" ? 1ull << 20 : 0;
    if (used == 0 || scale == 0 || value == 0) {
        reader.error(node.mark, path, "expected a size: bytes, or N KiB / N MiB");
        return std::nullopt;
    }
    return value * scale;
}

void read_registry_setting(PlanReader& reader, const PlanNode& child, const std::string& where, RegistryConfig& out) {
    if (child.key == "tls") {
        static constexpr TlsMode kModes[] = {TlsMode::Verify, TlsMode::Disabled, TlsMode::SkipVerify, TlsMode::Insecure};
        if (auto which = reader.choice(child, where, {"verify", "disabled", "skip-verify", "insecure"}))
            out.tls = kModes[*which];
    } else if (child.key == "ca_file") {
        out.ca_file = reader.file_path(child, where, true).value_or(std::filesystem::path{});
    } else if (child.key == "client_cert") {
        out.client_cert = reader.file_path(child, where, true).value_or(std::filesystem::path{});
    } else if (child.key == "client_key") {
        out.client_key = reader.file_path(child, where, true).value_or(std::filesystem::path{});
    } else if (child.key == "credentials") {
        out.credentials = read_credentials(reader, child, where);
    } else if (child.key == "mirrors") {
        out.mirrors = read_hosts(reader, child, where);
    } else if (child.key == "max_requests") {
        out.max_requests = reader.integer(child, where, 1);
    } else if (child.key == "max_lookups") {
        out.max_lookups = reader.integer(child, where, 1);
    } else if (child.key == "requests_per_second") {
        out.requests_per_second = reader.positive_number(child, where);
    } else if (child.key == "path_prefix") {
        out.path_prefix = reader.text(child, where).value_or("");
    } else if (child.key == "upload" && reader.map(child, where, {"chunk_size"})) {
        if (const PlanNode* size = find(child, "chunk_size"))  // bytes, or "N KiB" / "N MiB"
            out.upload_chunk_size = read_byte_size(reader, *size, child_path(where, "chunk_size")).value_or(0);
    }
}

RegistryConfig read_registry(PlanReader& reader, const PlanNode& node, std::string_view path) {
    RegistryConfig out;
    out.host = core::canonical_registry_host(node.key);
    if (!reader.map(node, path, {"tls", "ca_file", "client_cert", "client_key", "credentials", "mirrors",
                                 "max_requests", "max_lookups", "requests_per_second", "path_prefix", "upload"})) {
        return out;
    }
    for (const PlanNode& child : node.children) read_registry_setting(reader, child, child_path(path, child.key), out);
    if (find(node, "client_cert") == nullptr && find(node, "client_key") != nullptr) {
        reader.error(node.mark, path, "client_key needs client_cert");
    } else if (find(node, "client_cert") != nullptr && find(node, "client_key") == nullptr) {
        reader.error(node.mark, path, "client_cert needs client_key");
    }
    return out;
}

/// Warns (once per file and process: a daemon reloads its plan) when a secret file can be
/// read by its group or by everyone. Names the file and its mode, never its content.
void warn_if_readable_by_others(const std::filesystem::path& file, std::string_view what) {
    struct stat info {};
    if (::stat(file.c_str(), &info) != 0 || (info.st_mode & (S_IRGRP | S_IROTH)) == 0) return;
    static std::mutex mutex;
    static std::set<std::string> warned;
    std::lock_guard lock(mutex);
    if (!warned.insert(file.string()).second) return;
    core::log::warn("{} file '{}' is readable by {} (mode {:04o}); make it private: chmod 600 '{}'", what,
                    file.string(), (info.st_mode & S_IROTH) ? "everyone" : "its group", info.st_mode & 07777,
                    file.string());
}

/// The secret in `file`: its first line, without the line end ("\n" or "\r\n"). Further
/// non-empty lines are an error (a file with several lines is not one password, and sending
/// all of it would leak the rest). Files over 64 KiB are refused unread.
std::optional<std::string> read_first_line(PlanReader& reader, Mark mark, const std::string& where,
                                           const std::filesystem::path& file, std::string_view what) {
    constexpr std::size_t kMaxPasswordFileBytes = 64 * 1024;
    std::ifstream in(file, std::ios::binary);
    const bool opened = in.is_open();
    std::string content(kMaxPasswordFileBytes + 1, '\0');
    in.read(content.data(), static_cast<std::streamsize>(content.size()));
    content.resize(static_cast<std::size_t>(in.gcount()));
    if (content.size() > kMaxPasswordFileBytes) {
        reader.error(mark, where, "'" + file.string() + "' is larger than 64 KiB: not a " + std::string(what) + " file");
        return std::nullopt;
    }
    const std::size_t end = content.find('\n');
    std::string first = content.substr(0, end);
    if (first.ends_with('\r')) first.pop_back();
    const std::string rest = end == std::string::npos ? std::string() : content.substr(end + 1);
    const bool more_lines = rest.find_first_not_of("\r\n") != std::string::npos;
    std::fill(content.begin(), content.end(), '\0');
    if (more_lines) {
        reader.error(mark, where, "'" + file.string() + "' has more than one line: a " + std::string(what) +
                                      " file holds the " + std::string(what) + " on its first line only");
        return std::nullopt;
    }
    if (!opened || first.empty()) {
        reader.error(mark, where, "cannot read a " + std::string(what) + " from '" + file.string() + "'");
        return std::nullopt;
    }
    warn_if_readable_by_others(file, what);
    return first;
}

}  // namespace

std::optional<std::string> read_password(PlanReader& reader, const PlanNode& source, std::string_view path,
                                         std::string_view what) {
    std::string where = child_path(path, source.key);
    std::string password;
    if (source.key.ends_with("_env")) {
        auto name = reader.text(source, where);
        if (!name) return std::nullopt;
        const char* value = std::getenv(name->c_str());
        if (value == nullptr || *value == '\0') {
            reader.error(source.mark, where, "environment variable " + *name + " is not set or empty");
            return std::nullopt;
        }
        password = value;
    } else {
        auto file = reader.file_path(source, where, true);
        if (!file) return std::nullopt;
        auto first = read_first_line(reader, source.mark, where, *file, what);
        if (!first) return std::nullopt;
        password = std::move(*first);
    }
    core::register_secret(password);
    return password;
}


std::map<std::string, RegistryConfig> read_registries(PlanReader& reader, const PlanNode& node) {
    std::map<std::string, RegistryConfig> out;
    const std::string path = "registries";
    if (node.kind != PlanNode::Kind::Null && node.kind != PlanNode::Kind::Map) {
        reader.error(node.mark, path, "expected a map of host[:port] to settings");
        return out;
    }
    for (const PlanNode& child : node.children) {
        std::string where = child_path(path, child.key);
        if (!core::is_valid_registry_host(child.key)) {
            reader.error(child.key_mark, where, "'" + child.key + "' is not a host[:port]");
            continue;
        }
        RegistryConfig config = read_registry(reader, child, where);
        if (out.contains(config.host)) {
            reader.error(child.key_mark, where, "registry '" + config.host + "' is configured twice");
            continue;
        }
        out.emplace(config.host, std::move(config));
    }
    return out;
}

}  // namespace detail

std::string_view to_string(TlsMode mode) {
    switch (mode) {
        case TlsMode::Verify: return "verify";
        case TlsMode::Disabled: return "disabled";
        case TlsMode::SkipVerify: return "skip-verify";
        case TlsMode::Insecure: return "insecure";
    }
    return "?";
}

}  // namespace ferry::plan
