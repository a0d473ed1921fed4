#include "plan/sync_section.hpp"

#include <algorithm>
#include <charconv>
#include <map>

#include "core/defaults.hpp"
#include "core/registry_host.hpp"
#include "plan/plan_reader.hpp"
#include "plan/registries_section.hpp"

namespace ferry::plan {
namespace detail {
namespace {

struct ClassifiedSource {
    SourceKind kind = SourceKind::Repository;
    manifest::Reference ref;
};

bool is_valid_name(std::string_view name) {
    return !name.empty() && std::isalnum(static_cast<unsigned char>(name[0])) &&
           std::all_of(name.begin(), name.end(), [](char c) {
               return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
           });
}

/// "host/ns" or "ns" (Docker Hub) as a registry plus a repository path; "host" alone gives an
/// empty repository.
core::Result<manifest::Reference> split_registry_path(std::string_view text) {
    std::size_t slash = text.find('/');
    std::string_view first = text.substr(0, slash);
    if (slash == std::string_view::npos && core::names_registry_host(first)) {
        if (!core::is_valid_registry_host(first)) return core::fail(core::ErrorKind::InvalidInput, "'" + std::string(first) + "' is not a host[:port]");
        return manifest::Reference{core::canonical_registry_host(first), "", std::nullopt, std::nullopt};
    }
    return manifest::Reference::parse_repository(text);
}

core::Result<ClassifiedSource> classify_source(std::string_view text) {
    if (text.ends_with("/*")) {
        std::string_view prefix = text.substr(0, text.size() - 2);
        if (prefix.find('*') == std::string_view::npos) {
            auto ref = split_registry_path(prefix);
            if (!ref) return std::unexpected(ref.error());
            return ClassifiedSource{ref->repository.empty() ? SourceKind::Registry : SourceKind::Namespace, *ref};
        }
    }
    if (text.find('*') != std::string_view::npos) {
        return core::fail(core::ErrorKind::InvalidInput, "'*' is only allowed as the last path component ('host/ns/*')");
    }
    auto ref = manifest::Reference::parse(text, false);
    if (!ref) return std::unexpected(ref.error());
    bool image = ref->tag.has_value() || ref->digest.has_value();
    return ClassifiedSource{image ? SourceKind::Image : SourceKind::Repository, *ref};
}

/// Parses `target` for a source of `kind`; fills target/target_is_prefix or returns why not.
std::optional<std::string> read_target(std::string_view text, SourceKind kind, SyncEntry& entry) {
    if (text.starts_with("oci:") || text.starts_with("oci-archive:") || text.starts_with("dir:"))
        return "plan targets are registries (HOST/REPO or HOST/PREFIX/); to write images to disk use "
               "`ferry export -c PLAN DIR|FILE.tar` (or `ferry copy SRC " + std::string(text) + "` for one image)";
    entry.target_is_prefix = text.ends_with('/');
    if (entry.target_is_prefix) {
        auto ref = split_registry_path(text.substr(0, text.size() - 1));
        if (!ref) return ref.error().message;
        entry.target = *ref;
        return std::nullopt;
    }
    if (kind == SourceKind::Namespace || kind == SourceKind::Registry) {
        return "the target of a namespace source must be a prefix ending in '/'";
    }
    auto ref = manifest::Reference::parse(text, false);
    if (!ref) return ref.error().message;
    if (ref->digest) return "a target cannot name a digest";
    if (ref->tag && kind != SourceKind::Image) return "a target tag is only allowed for an image source";
    entry.target = *ref;
    return std::nullopt;
}

TagFilter read_tag_filter(PlanReader& reader, const PlanNode& node, std::string_view path) {
    TagFilter out;
    if (!reader.map(node, path, {"allow", "deny", "semver", "newest", "include_prerelease"})) return out;
    for (const PlanNode& child : node.children) {
        std::string where = child_path(path, child.key);
        if (child.key == "allow") {
            out.allow = reader.patterns(child, where);
        } else if (child.key == "deny") {
            out.deny = reader.patterns(child, where);
        } else if (child.key == "newest") {
            out.newest = reader.integer(child, where, 1);
        } else if (child.key == "include_prerelease") {
            out.include_prerelease = reader.boolean(child, where).value_or(false);
        } else if (child.key == "semver") {
            auto text = reader.text(child, where);
            if (!text) continue;
            if (auto range = Range::parse(*text)) {
                out.semver = std::move(*range);
            } else {
                reader.error(child.mark, where, range.error().message);
            }
        }
    }
    return out;
}

RepoFilter read_repo_filter(PlanReader& reader, const PlanNode& node, std::string_view path) {
    RepoFilter out;
    if (!reader.map(node, path, {"allow", "deny"})) return out;
    if (const PlanNode* allow = find(node, "allow")) out.allow = reader.patterns(*allow, child_path(path, "allow"));
    if (const PlanNode* deny = find(node, "deny")) out.deny = reader.patterns(*deny, child_path(path, "deny"));
    return out;
}

/// Reads source and target (both required) and checks that they fit together. Returns
/// whether the source was understood (entry.source_kind is meaningful).
bool read_endpoints(PlanReader& reader, const PlanNode& node, std::string_view path, SyncEntry& entry) {
    const PlanNode* source = reader.require(node, path, "source");
    const PlanNode* target = reader.require(node, path, "target");
    std::optional<ClassifiedSource> spec;
    if (source) {
        std::string where = child_path(path, "source");
        if (auto text = reader.text(*source, where)) {
            entry.source_text = *text;
            if (auto classified = classify_source(*text)) {
                spec = *classified;
            } else {
                reader.error(source->mark, where, classified.error().message);
            }
        }
    }
    if (spec) {
        entry.source_kind = spec->kind;
        entry.source = spec->ref;
    }
    if (!target) return spec.has_value();
    auto text = reader.text(*target, child_path(path, "target"));
    if (!text) return spec.has_value();
    entry.target_text = *text;
    if (auto problem = read_target(*text, entry.source_kind, entry); problem && spec) {
        reader.error(target->mark, child_path(path, "target"), *problem);
    }
    return spec.has_value();
}

/// Keys that only some source kinds accept.
void check_kind_specific_keys(PlanReader& reader, const PlanNode& node, std::string_view path, SourceKind kind) {
    const PlanNode* tags = find(node, "tags");
    if (tags && kind == SourceKind::Image) {
        reader.error(tags->key_mark, child_path(path, "tags"), "tags apply to repository and namespace sources, not to one image");
    }
    const PlanNode* repos = find(node, "repos");
    if (repos && (kind == SourceKind::Image || kind == SourceKind::Repository)) {
        reader.error(repos->key_mark, child_path(path, "repos"), "repos apply only to namespace sources ('host/ns/*')");
    }
}

SyncEntry read_entry(PlanReader& reader, const PlanNode& node, std::string_view path, const Defaults& defaults) {
    SyncEntry entry;
    entry.platforms = defaults.platforms;
    entry.policy = defaults.policy;
    entry.referrers = defaults.referrers;
    entry.verify = defaults.verify;
    entry.jobs = defaults.jobs;
    if (!reader.map(node, path, {"name", "source", "target", "tags", "repos", "platforms", "policy", "referrers",
                                 "verify", "jobs", "prune", "max_prune"})) {
        return entry;
    }
    if (const PlanNode* name = reader.require(node, path, "name")) {
        entry.name = reader.text(*name, child_path(path, "name")).value_or("");
        if (!entry.name.empty() && !is_valid_name(entry.name)) {
            reader.error(name->mark, child_path(path, "name"), "'" + entry.name + "' is not a valid name (letters, digits, '.', '_', '-')");
        }
    }
    if (read_endpoints(reader, node, path, entry)) check_kind_specific_keys(reader, node, path, entry.source_kind);
    for (const PlanNode& child : node.children) {
        std::string where = child_path(path, child.key);
        if (child.key == "tags") {
            entry.tags = read_tag_filter(reader, child, where);
        } else if (child.key == "repos") {
            entry.repos = read_repo_filter(reader, child, where);
        } else if (child.key == "platforms") {
            entry.platforms = read_platforms(reader, child, where);
        } else if (child.key == "policy") {
            entry.policy = read_policy(reader, child, where).value_or(entry.policy);
        } else if (child.key == "referrers") {
            entry.referrers = read_referrers(reader, child, where);
        } else if (child.key == "verify") {
            entry.verify = read_verify(reader, child, where);
        } else if (child.key == "jobs") {
            entry.jobs = reader.integer(child, where, 1, core::kMaxJobs).value_or(entry.jobs);
        }
    }
    read_prune(reader, node, path, entry);
    return entry;
}

}  // namespace

std::vector<SyncEntry> read_sync(PlanReader& reader, const PlanNode& node, const Defaults& defaults) {
    std::vector<SyncEntry> out;
    if (!reader.sequence(node, "sync")) return out;
    std::map<std::string, int> first_line;
    for (std::size_t i = 0; i < node.children.size(); ++i) {
        const PlanNode& item = node.children[i];
        std::string path = item_path("sync", i);
        SyncEntry entry = read_entry(reader, item, path, defaults);
        if (!entry.name.empty()) {
            auto [it, inserted] = first_line.emplace(entry.name, item.mark.line);
            if (!inserted) {
                const PlanNode* name = find(item, "name");
                reader.error(name->mark, child_path(path, "name"),
                             "duplicate entry name '" + entry.name + "' (first used on line " + std::to_string(it->second) + ")");
            }
        }
        out.push_back(std::move(entry));
    }
    return out;
}

// `prune` and `max_prune` of a sync entry.
namespace {

std::optional<PruneLimit> read_limit(PlanReader& reader, const PlanNode& node, std::string_view path) {
    const std::string bad = "expected a count (0 or more) or a percentage such as '10%'";
    auto text = reader.text(node, path);
    if (!text) return std::nullopt;
    const bool percent = text->ends_with('%');
    const std::string_view digits = percent ? std::string_view(*text).substr(0, text->size() - 1) : std::string_view(*text);
    double value = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || value < 0 ||
        (percent && value > 100) || (!percent && value != static_cast<int>(value))) {
        reader.error(node.mark, path, bad);
        return std::nullopt;
    }
    PruneLimit limit;
    if (percent) limit.percent = value;
    else limit.count = static_cast<int>(value);
    return limit;
}

}  // namespace

void read_prune(PlanReader& reader, const PlanNode& node, std::string_view path, SyncEntry& entry) {
    const PlanNode* prune = find(node, "prune");
    const PlanNode* limit = find(node, "max_prune");
    if (prune) entry.prune = reader.boolean(*prune, child_path(path, "prune")).value_or(false);
    if (limit) {
        const std::string where = child_path(path, "max_prune");
        if (auto parsed = read_limit(reader, *limit, where)) entry.max_prune = *parsed;
        if (!entry.prune) reader.error(limit->key_mark, where, "max_prune applies only with prune: true");
    }
    if (!entry.prune) return;
    const std::string where = child_path(path, "prune");
    if (entry.policy == CopyPolicy::Immutable)
        reader.error(prune->mark, where, "prune is never done under policy immutable");
    if (entry.source_kind == SourceKind::Image)
        reader.error(prune->mark, where, "prune applies to repository and namespace sources, not to one image");
}

}  // namespace detail

std::string SyncEntry::target_repository(const std::string& source_repository) const {
    if (!target_is_prefix) return target.repository;
    if (target.repository.empty()) return source_repository;
    return target.repository + "/" + source_repository;
}

std::string_view to_string(SourceKind kind) {
    switch (kind) {
        case SourceKind::Image: return "image";
        case SourceKind::Repository: return "repository";
        case SourceKind::Namespace: return "namespace";
        case SourceKind::Registry: return "registry";
    }
    return "?";
}

}  // namespace ferry::plan
