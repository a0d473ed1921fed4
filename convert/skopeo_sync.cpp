// skopeo sync YAML -> ferry plan. Format and semantics: skopeo-sync(1) and cmd/skopeo/sync.go
// (read, not copied): top-level keys are registries, each with images (repo: [tags or
// digests], [] = every tag), images-by-tag-regex (repo: Go regexp, matched anywhere),
// images-by-semver (repo: Masterminds constraint, skopeo >= 1.15), credentials {username,
// password}, tls-verify (bool; false = https without verification, falling back to plain
// http), cert-dir (a directory of *.crt CAs and *.cert/*.key client pairs); unknown keys are
// ignored by skopeo. Each image goes to DEST/<last path component>, or with --scoped to
// DEST/<registry>/<path>; without --all only the running system's platform is copied.
#include <fmt/format.h>

#include <algorithm>
#include <regex>
#include <set>

#include "convert/convert.hpp"
#include "convert/plan_writer.hpp"
#include "convert/version_ranges.hpp"

namespace ferry::convert {
namespace {

core::Error config_error(const std::string& file, const YAML::Node& node, const std::string& message) {
    return core::make_error(core::ErrorKind::Config, where(file, node) + ": " + message);
}

struct SkopeoContext {
    const std::string& file;
    const SkopeoSyncOptions& options;
    PlanWriter& plan;
    /// target repository -> the source that first landed there (to name collisions)
    std::map<std::string, std::string> landed;
};

bool is_docker_hub(const std::string& host) {
    return host == "docker.io" || host == "index.docker.io" || host == "registry-1.docker.io";
}

/// The repository path skopeo's reference parser gives `repo` at `registry` (Docker Hub's
/// official images live under library/).
std::string normalized_path(const std::string& registry, const std::string& repo) {
    return is_docker_hub(registry) && repo.find('/') == std::string::npos ? "library/" + repo : repo;
}

/// The registry as one repository path component under --scoped. skopeo writes the host as
/// it is, and a port makes that an invalid reference ("invalid reference format": every image
/// of such a registry fails); ferry writes host_port (no DNS name holds '_', so this cannot
/// meet another host's name) in lower case.
std::string scoped_component(SkopeoContext& c, const std::string& registry, const YAML::Node& at) {
    std::string out = is_docker_hub(registry) ? "docker.io" : registry;
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char ch) { return std::tolower(ch); });
    std::replace(out.begin(), out.end(), ':', '_');
    out.erase(std::remove_if(out.begin(), out.end(), [](char ch) { return ch == '[' || ch == ']'; }), out.end());
    if (out != registry && !is_docker_hub(registry))
        c.plan.note(fmt::format("{}: --scoped puts the registry name {} into repository paths, where skopeo refuses "
                                "it (invalid reference format, nothing of it is copied); ferry writes {}",
                                where(c.file, at), registry, out));
    return out;
}

std::string dest_base(const SkopeoContext& c) {
    std::string dest = c.options.destination;
    while (dest.ends_with('/')) dest.pop_back();
    return dest;
}

/// Where skopeo sync puts a repository: DEST/<last path component>, or DEST/<registry>/<path>.
std::string target_for(SkopeoContext& c, const std::string& registry, const std::string& repo, const YAML::Node& at) {
    const std::string path = normalized_path(registry, repo);
    const std::string target =
        dest_base(c) + "/" + (c.options.scoped ? scoped_component(c, registry, at) + "/" + path : base_name(path));
    const std::string source = registry + "/" + repo;
    auto [it, fresh] = c.landed.emplace(target, source);
    if (!fresh && it->second != source)
        c.plan.note(fmt::format("{}: {} and {} both land at {} (skopeo overwrites one with the other; --scoped keeps "
                                "them apart): ferry reports the tags both have as conflicts",
                                where(c.file, at), it->second, source, target));
    return target;
}

/// The tag filters one repository gets, gathered over images / images-by-tag-regex /
/// images-by-semver (skopeo copies the union of what they select).
struct RepoSelection {
    YAML::Node at;                       ///< first mention, for names and notes
    bool every_tag = false;              ///< images: {repo: []}
    std::vector<std::string> allow;      ///< exact-tag alternations and tag regexes (OR)
    std::vector<std::pair<std::string, ConvertedRange>> semver;  ///< (constraint as written, range)
};

struct RegistryPlan {
    std::vector<std::string> order;  ///< repositories in file order
    std::map<std::string, RepoSelection> repos;
    RepoSelection& at(const std::string& repo, const YAML::Node& node) {
        auto [it, fresh] = repos.try_emplace(repo);
        if (fresh) {
            order.push_back(repo);
            it->second.at = node;
        }
        return it->second;
    }
};

bool is_digest(const std::string& ref) {
    const auto colon = ref.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 >= ref.size()) return false;
    return std::all_of(ref.begin() + static_cast<long>(colon) + 1, ref.end(),
                       [](char ch) { return std::isxdigit(static_cast<unsigned char>(ch)) && !std::isupper(ch); });
}

/// The distribution grammar of a repository path: components [a-z0-9]+((.|_|__|-+)[a-z0-9]+)*.
bool valid_repository(const std::string& path) {
    static const std::regex component(R"(^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$)");
    if (path.empty() || path.size() > 255) return false;
    for (std::size_t start = 0;;) {
        const auto slash = path.find('/', start);
        if (!std::regex_match(path.substr(start, slash == std::string::npos ? slash : slash - start), component))
            return false;
        if (slash == std::string::npos) return true;
        start = slash + 1;
    }
}

/// False (with a note) for a repository skopeo skips ("Error parsing repository name").
bool usable_repository(SkopeoContext& c, const std::string& repo, const YAML::Node& at) {
    if (valid_repository(repo)) return true;
    c.plan.note(fmt::format("{}: '{}' is not a valid repository name: skopeo skips it, so does this plan",
                            where(c.file, at), repo));
    return false;
}

bool valid_tag(const std::string& tag) {
    if (tag.empty() || tag.size() > 128) return false;
    auto word = [](char ch) { return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_'; };
    return word(tag[0]) && std::all_of(tag.begin(), tag.end(), [&](char ch) { return word(ch) || ch == '.' || ch == '-'; });
}

core::Status read_images(SkopeoContext& c, const std::string& registry, const YAML::Node& images, RegistryPlan& out) {
    if (!images.IsMap()) return std::unexpected(config_error(c.file, images, "images: expected repository: [tags]"));
    for (const auto& kv : images) {
        const std::string repo = kv.first.as<std::string>();
        const YAML::Node& refs = kv.second;
        if (!usable_repository(c, repo, kv.first)) continue;
        if (refs.IsNull() || (refs.IsSequence() && refs.size() == 0)) {
            out.at(repo, kv.first).every_tag = true;
            continue;
        }
        if (!refs.IsSequence())
            return std::unexpected(config_error(c.file, refs, "images." + repo + ": expected a list of tags or digests"));
        std::vector<std::string> tags;
        for (const auto& r : refs) {
            const std::string ref = r.as<std::string>();
            if (is_digest(ref)) {
                YAML::Node entry;
                entry["source"] = registry + "/" + repo + "@" + ref;
                entry["target"] = target_for(c, registry, repo, r);
                c.plan.add_entry(base_name(repo) + "-" + ref.substr(ref.find(':') + 1, 12), entry);
            } else if (valid_tag(ref)) {
                tags.push_back(ref);
            } else {
                c.plan.note(fmt::format("{}: '{}' is neither a tag nor a digest: skopeo skips it, so does this plan",
                                        where(c.file, r), ref));
            }
        }
        if (!tags.empty()) out.at(repo, kv.first).allow.push_back(exact_tags_regex(tags));
    }
    return {};
}

core::Status read_filtered(SkopeoContext& c, const YAML::Node& section, const std::string& key, RegistryPlan& out) {
    if (!section.IsMap()) return std::unexpected(config_error(c.file, section, key + ": expected repository: value"));
    for (const auto& kv : section) {
        const std::string repo = kv.first.as<std::string>();
        const std::string value = kv.second.as<std::string>();
        if (!usable_repository(c, repo, kv.first)) continue;
        if (key == "images-by-tag-regex") {
            // skopeo matches Go regexps anywhere in the tag, as ferry's allow does.
            if (!ecmascript_regex_ok(value)) {
                c.plan.note(fmt::format("{}: tag regex '{}' (Go syntax) is not an ECMAScript regex ferry can read: "
                                        "{} left out (rewrite it and add it by hand)",
                                        where(c.file, kv.second), value, repo));
                continue;
            }
            out.at(repo, kv.first).allow.push_back(value);
            continue;
        }
        auto range = masterminds_range(value);
        if (!range) {
            c.plan.note(fmt::format("{}: semver constraint '{}': {}: {} left out", where(c.file, kv.second), value,
                                    range.error().message, repo));
            continue;
        }
        if (range->names_prerelease)
            c.plan.note(fmt::format("{}: semver constraint '{}' names a pre-release: Masterminds then admits "
                                    "pre-releases of every version in that alternative, ferry only those of the "
                                    "named version", where(c.file, kv.second), value));
        out.at(repo, kv.first).semver.emplace_back(value, *range);
    }
    return {};
}

/// The sync entries of one registry: one per repository (its exact tags and tag regexes are
/// one allow list, since skopeo copies their union), plus one per semver constraint unless
/// every tag is copied anyway.
void write_entries(SkopeoContext& c, const std::string& registry, const RegistryPlan& repos) {
    for (const auto& repo : repos.order) {
        const RepoSelection& sel = repos.repos.at(repo);
        const std::string target = target_for(c, registry, repo, sel.at);
        const bool allow_entry = sel.every_tag || !sel.allow.empty();
        if (allow_entry) {
            YAML::Node entry;
            entry["source"] = registry + "/" + repo;
            entry["target"] = target;
            if (!sel.every_tag)
                for (const auto& a : sel.allow) entry["tags"]["allow"].push_back(a);
            c.plan.add_entry(base_name(repo), entry);
        }
        if (sel.every_tag) continue;
        if (allow_entry && !sel.semver.empty())
            c.plan.note(fmt::format("{}: {} is selected by tags and by a semver constraint: two entries; a tag both "
                                    "select is written by both (same source, same digest)",
                                    where(c.file, sel.at), repo));
        for (const auto& [written, range] : sel.semver) {
            YAML::Node entry;
            entry["source"] = registry + "/" + repo;
            entry["target"] = target;
            entry["tags"]["semver"] = range.range;
            c.plan.add_entry(base_name(repo), entry);
        }
    }
}

/// cert-dir as containers/image reads it (pkg/tlsclientconfig SetupCertificates): every *.crt
/// is a CA, each *.cert needs its *.key; a missing directory is ignored.
void convert_cert_dir(SkopeoContext& c, const std::string& registry, const YAML::Node& value) {
    const std::string dir = value.as<std::string>();
    const std::string at = where(c.file, value);
    if (!c.options.list_directory) {
        c.plan.note(fmt::format("{}: cert-dir {}: not looked into; set ca_file (and client_cert/client_key) for {}",
                                at, dir, registry));
        return;
    }
    const auto files = c.options.list_directory(dir);
    if (!files) {
        c.plan.note(fmt::format("{}: cert-dir {} does not exist (skopeo ignores it): no certificates", at, dir));
        return;
    }
    std::vector<std::string> cas, certs;
    for (const auto& f : *files) {
        if (f.ends_with(".crt")) cas.push_back(f);
        if (f.ends_with(".cert")) certs.push_back(f);
    }
    auto reg = c.plan.registry(registry);
    std::string base = dir.ends_with('/') ? dir : dir + "/";
    if (!base.starts_with('/') && !c.options.working_directory.empty())
        base = c.options.working_directory + (c.options.working_directory.ends_with('/') ? "" : "/") + base;
    if (cas.size() == 1) reg["ca_file"] = base + cas.front();
    else if (cas.size() > 1)
        c.plan.note(fmt::format("{}: cert-dir {} holds {} CA files; ferry takes one ca_file: concatenate them and set "
                                "ca_file for {}", at, dir, cas.size(), registry));
    if (certs.size() == 1) {
        const std::string key = certs.front().substr(0, certs.front().size() - 5) + ".key";
        if (std::find(files->begin(), files->end(), key) != files->end()) {
            reg["client_cert"] = base + certs.front();
            reg["client_key"] = base + key;
        } else {
            c.plan.note(fmt::format("{}: cert-dir {}: {} has no {} (skopeo fails on it); no client certificate",
                                    at, dir, certs.front(), key));
        }
    } else if (certs.size() > 1) {
        c.plan.note(fmt::format("{}: cert-dir {} holds {} client certificates; ferry takes one client_cert/"
                                "client_key pair per registry: set it for {}", at, dir, certs.size(), registry));
    }
}

core::Status convert_registry(SkopeoContext& c, const std::string& registry, const YAML::Node& settings) {
    if (!settings.IsMap()) return std::unexpected(config_error(c.file, settings, registry + ": expected a map"));
    RegistryPlan repos;
    for (const auto& kv : settings) {
        const std::string key = kv.first.as<std::string>();
        const YAML::Node& value = kv.second;
        if (key == "images") {
            if (auto st = read_images(c, registry, value, repos); !st) return st;
        } else if (key == "images-by-tag-regex" || key == "images-by-semver") {
            if (auto st = read_filtered(c, value, key, repos); !st) return st;
        } else if (key == "tls-verify") {
            // false: https without verification, then plain http (containers/image
            // docker_client.go: an insecure registry is pinged over http when https fails).
            c.plan.registry(registry)["tls"] = value.as<bool>() ? "verify" : "insecure";
        } else if (key == "credentials") {
            auto reg = c.plan.registry(registry);
            const std::string var = password_variable(registry);
            for (const auto& ck : value) {
                const auto name = ck.first.as<std::string>();
                if (name != "username" && name != "password")
                    c.plan.note(fmt::format("{}: credentials.{} of {}: no ferry equivalent; left out",
                                            where(c.file, ck.first), name, registry));
            }
            reg["credentials"]["username"] = value["username"].as<std::string>("");
            reg["credentials"]["password_env"] = var;
            c.plan.note(fmt::format("{}: the password of {} is not written into a ferry plan: export {} before "
                                    "running ferry", where(c.file, value), registry, var));
        } else if (key == "cert-dir") {
            convert_cert_dir(c, registry, value);
        } else {
            c.plan.note(fmt::format("{}: {}.{}: not a skopeo sync key (skopeo ignores it); left out",
                                    where(c.file, kv.first), registry, key));
        }
    }
    if (repos.order.empty() && !settings["images"] && !settings["images-by-tag-regex"] && !settings["images-by-semver"])
        c.plan.note(fmt::format("{}: {} names no images (skopeo warns and copies nothing from it)",
                                where(c.file, settings), registry));
    write_entries(c, registry, repos);
    return {};
}

/// The destination's registries: entry: the TLS skopeo was told (--dest-tls-verify).
void convert_destination(SkopeoContext& c) {
    const std::string dest = dest_base(c);
    const std::string host = dest.substr(0, dest.find('/'));
    auto reg = c.plan.registry(host);
    const std::string tls = c.options.dest_tls_verify.value_or(true) ? "verify" : "insecure";
    if (reg["tls"] && reg["tls"].as<std::string>() != tls) {
        c.plan.note(fmt::format("destination {} is also a source with other TLS settings; skopeo keeps the two apart, "
                                "ferry has one setting per host: written tls: insecure", host));
        reg["tls"] = "insecure";
    } else {
        reg["tls"] = tls;
    }
    if (reg["credentials"])
        c.plan.note(fmt::format("destination {} is also a source with credentials in the file: ferry pushes with them "
                                "too (skopeo pushes with --dest-creds or its auth file)", host));
}

}  // namespace

core::Result<Conversion> convert_skopeo_sync(const std::string& text, const std::string& file,
                                             const SkopeoSyncOptions& options) {
    if (options.destination.empty())
        return core::fail(core::ErrorKind::Config,
                          "converting a skopeo sync file needs the destination skopeo was given: --dest REGISTRY[/PREFIX]");
    try {
        const YAML::Node root = YAML::Load(text);
        if (!root.IsMap()) return core::fail(core::ErrorKind::Config, file + ": expected registries as top-level keys");
        PlanWriter plan("skopeo sync file " + file + " (destination " + options.destination +
                        (options.scoped ? ", --scoped" : "") + (options.all ? ", --all" : "") + ")");
        SkopeoContext c{file, options, plan, {}};
        if (!options.all) {
            plan.defaults()["platforms"].push_back(options.system_platform);
            plan.note(fmt::format("without --all skopeo copies only the image for its own platform, as that image's "
                                  "manifest; ferry copies {} as a one-entry index (another digest). Convert with "
                                  "--all if skopeo ran with it", options.system_platform));
        }
        plan.note("skopeo copies cosign signature tags (sha256-<hex>.sig) only when the selection names them, as "
                  "plain images; ferry carries each copied image's signatures and attestations (its default "
                  "referrers: [signature, attestation]) and never mirrors such tags as images");
        for (const auto& kv : root)
            if (auto st = convert_registry(c, kv.first.as<std::string>(), kv.second); !st) return std::unexpected(st.error());
        convert_destination(c);
        return plan.finish();
    } catch (const YAML::Exception& e) {
        return core::fail(core::ErrorKind::Config, fmt::format("{}:{}:{}: {}", file, e.mark.line + 1, e.mark.column + 1, e.msg));
    } catch (const std::exception& e) {  // e.g. a number out of range in an interval
        return core::fail(core::ErrorKind::Config, fmt::format("{}: cannot convert: {}", file, e.what()));
    }
}

}  // namespace ferry::convert
