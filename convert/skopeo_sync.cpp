// skopeo sync YAML -> ferry plan. Format: skopeo-sync(1), "YAML file content (used source
// for --src yaml)": top-level keys are registries, each with images (repo: [tags/digests],
// [] = every tag), images-by-tag-regex (repo: regex), images-by-semver (repo: constraint),
// credentials {username, password}, tls-verify (bool), cert-dir (path).
#include <fmt/format.h>

#include "convert/convert.hpp"
#include "convert/plan_writer.hpp"

namespace ferry::convert {
namespace {

core::Error config_error(const std::string& file, const YAML::Node& node, const std::string& message) {
    return core::make_error(core::ErrorKind::Config, where(file, node) + ": " + message);
}

struct SkopeoContext {
    const std::string& file;
    const SkopeoSyncOptions& options;
    PlanWriter& plan;
};

/// Where skopeo sync puts a repository: DEST/<last path component>, or DEST/<registry>/<path>
/// with --scoped.
std::string target_for(const SkopeoContext& c, const std::string& registry, const std::string& repo) {
    std::string dest = c.options.destination;
    while (dest.ends_with('/')) dest.pop_back();
    return dest + "/" + (c.options.scoped ? registry + "/" + repo : base_name(repo));
}

void add_repository(const SkopeoContext& c, const std::string& registry, const std::string& repo, YAML::Node tags) {
    YAML::Node entry;
    entry["source"] = registry + "/" + repo;
    entry["target"] = target_for(c, registry, repo);
    if (tags.IsMap()) entry["tags"] = tags;
    c.plan.add_entry(base_name(repo), entry);
}

core::Status convert_images(const SkopeoContext& c, const std::string& registry, const YAML::Node& images) {
    if (!images.IsMap()) return std::unexpected(config_error(c.file, images, "images: expected repository: [tags]"));
    for (const auto& kv : images) {
        const std::string repo = kv.first.as<std::string>();
        const YAML::Node& refs = kv.second;
        if (refs.IsNull() || (refs.IsSequence() && refs.size() == 0)) {
            add_repository(c, registry, repo, YAML::Node());
            continue;
        }
        if (!refs.IsSequence())
            return std::unexpected(config_error(c.file, refs, "images." + repo + ": expected a list of tags or digests"));
        std::vector<std::string> tags;
        for (const auto& r : refs) {
            const std::string ref = r.as<std::string>();
            if (!ref.starts_with("sha256:")) {
                tags.push_back(ref);
                continue;
            }
            YAML::Node entry;
            entry["source"] = registry + "/" + repo + "@" + ref;
            entry["target"] = target_for(c, registry, repo);
            c.plan.add_entry(base_name(repo) + "-" + ref.substr(7, 12), entry);
        }
        if (tags.empty()) continue;
        YAML::Node filter;
        filter["allow"].push_back(exact_tags_regex(tags));
        add_repository(c, registry, repo, filter);
    }
    return {};
}

core::Status convert_filtered(const SkopeoContext& c, const std::string& registry, const YAML::Node& section,
                              const std::string& key) {
    if (!section.IsMap()) return std::unexpected(config_error(c.file, section, key + ": expected repository: value"));
    for (const auto& kv : section) {
        YAML::Node filter;
        if (key == "images-by-tag-regex") {
            filter["allow"].push_back(kv.second.as<std::string>());
        } else {
            filter["semver"] = kv.second.as<std::string>();
            c.plan.note(fmt::format("{}: semver \"{}\": skopeo uses Masterminds/semver constraints, ferry node-semver "
                                    "ranges; the common forms (>=, <, ~, ^, x) mean the same",
                                    where(c.file, kv.second), kv.second.as<std::string>()));
        }
        add_repository(c, registry, kv.first.as<std::string>(), filter);
    }
    return {};
}

std::string password_variable(const std::string& host) {
    std::string var = "FERRY_PASSWORD_";
    for (char ch : host) var += std::isalnum(static_cast<unsigned char>(ch)) ? static_cast<char>(std::toupper(ch)) : '_';
    return var;
}

core::Status convert_registry(const SkopeoContext& c, const std::string& registry, const YAML::Node& settings) {
    if (!settings.IsMap()) return std::unexpected(config_error(c.file, settings, registry + ": expected a map"));
    for (const auto& kv : settings) {
        const std::string key = kv.first.as<std::string>();
        const YAML::Node& value = kv.second;
        if (key == "images") {
            if (auto st = convert_images(c, registry, value); !st) return st;
        } else if (key == "images-by-tag-regex" || key == "images-by-semver") {
            if (auto st = convert_filtered(c, registry, value, key); !st) return st;
        } else if (key == "tls-verify") {
            if (!value.as<bool>()) {
                c.plan.registry(registry)["tls"] = "skip-verify";
                c.plan.note(fmt::format("{}: tls-verify: false: skopeo then also falls back to plain HTTP; ferry does "
                                        "not guess: write tls: disabled if {} speaks plain HTTP",
                                        where(c.file, value), registry));
            }
        } else if (key == "credentials") {
            auto reg = c.plan.registry(registry);
            const std::string var = password_variable(registry);
            reg["credentials"]["username"] = value["username"].as<std::string>("");
            reg["credentials"]["password_env"] = var;
            c.plan.note(fmt::format("{}: the password of {} is not written into a ferry plan: export {} before "
                                    "running ferry", where(c.file, value), registry, var));
        } else if (key == "cert-dir") {
            c.plan.note(fmt::format("{}: cert-dir {}: ferry takes files, not a directory: set ca_file (and "
                                    "client_cert/client_key) for {} under registries:",
                                    where(c.file, value), value.as<std::string>(), registry));
        } else {
            c.plan.note(fmt::format("{}: {}.{}: not a skopeo sync key; left out", where(c.file, kv.first), registry, key));
        }
    }
    return {};
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
                        (options.scoped ? ", --scoped)" : ")"));
        SkopeoContext c{file, options, plan};
        for (const auto& kv : root)
            if (auto st = convert_registry(c, kv.first.as<std::string>(), kv.second); !st) return std::unexpected(st.error());
        return plan.finish();
    } catch (const YAML::Exception& e) {
        return core::fail(core::ErrorKind::Config, fmt::format("{}:{}:{}: {}", file, e.mark.line + 1, e.mark.column + 1, e.msg));
    }
}

}  // namespace ferry::convert
