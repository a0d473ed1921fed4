#include "sync/plan.hpp"

#include <fstream>
#include <sstream>

#include "sync/plan_sections.hpp"

namespace ferry::sync {
namespace detail {

PlatformSelection read_platforms(PlanReader& reader, const PlanNode& node, std::string_view path) {
    PlatformSelection out;
    if (node.kind == PlanNode::Kind::Scalar) {
        reader.choice(node, path, {"all"});
        return out;
    }
    if (node.kind != PlanNode::Kind::Sequence || node.children.empty()) {
        reader.error(node.mark, path, "expected 'all' or a non-empty list of os/arch[/variant]");
        return out;
    }
    for (const auto& [text, item] : reader.texts(node, path)) {
        auto platform = manifest::Platform::parse(text);
        if (platform) {
            out.platforms.push_back(platform->normalized());
        } else {
            reader.error(item->mark, item_path(path, static_cast<std::size_t>(item - node.children.data())),
                         platform.error().message);
        }
    }
    return out;
}

ReferrerSelection read_referrers(PlanReader& reader, const PlanNode& node, std::string_view path) {
    ReferrerSelection out;
    if (node.kind == PlanNode::Kind::Scalar) {
        if (auto which = reader.choice(node, path, {"all", "none"})) out.all = *which == 0;
        return out;
    }
    if (node.kind != PlanNode::Kind::Sequence) {
        reader.error(node.mark, path, "expected all, none or a list of signature|attestation|sbom|<artifactType>");
        return out;
    }
    for (const auto& [name, item] : reader.texts(node, path)) {
        if (name == "signature") {
            out.signatures = true;
        } else if (name == "attestation") {
            out.attestations = true;
        } else if (name == "sbom") {
            out.sboms = true;
        } else if (name.find('/') != std::string::npos && name.front() != '/' && name.back() != '/') {
            out.artifact_types.push_back(name);
        } else {
            reader.error(item->mark, item_path(path, static_cast<std::size_t>(item - node.children.data())),
                         "expected signature, attestation, sbom or an artifact media type, got '" + name + "'");
        }
    }
    return out;
}

std::optional<VerifySettings> read_verify(PlanReader& reader, const PlanNode& node, std::string_view path) {
    if (!reader.map(node, path, {"key"})) return std::nullopt;
    const PlanNode* key = reader.require(node, path, "key");
    if (!key) return std::nullopt;
    auto file = reader.file_path(*key, child_path(path, "key"), true);
    if (!file) return std::nullopt;
    return VerifySettings{*file};
}

std::optional<CopyPolicy> read_policy(PlanReader& reader, const PlanNode& node, std::string_view path) {
    auto which = reader.choice(node, path, {"changed", "missing", "immutable"});
    if (!which) return std::nullopt;
    static constexpr CopyPolicy kPolicies[] = {CopyPolicy::Changed, CopyPolicy::Missing, CopyPolicy::Immutable};
    return kPolicies[*which];
}

Defaults read_defaults(PlanReader& reader, const PlanNode& node) {
    Defaults out;
    const std::string path = "defaults";
    if (!reader.map(node, path, {"jobs", "platforms", "policy", "retries", "referrers", "verify", "state_file"})) {
        return out;
    }
    for (const PlanNode& child : node.children) {
        std::string where = child_path(path, child.key);
        if (child.key == "jobs") {
            out.jobs = reader.integer(child, where, 1).value_or(out.jobs);
        } else if (child.key == "retries") {
            out.retries = reader.integer(child, where, 0).value_or(out.retries);
        } else if (child.key == "platforms") {
            out.platforms = read_platforms(reader, child, where);
        } else if (child.key == "policy") {
            out.policy = read_policy(reader, child, where).value_or(out.policy);
        } else if (child.key == "referrers") {
            out.referrers = read_referrers(reader, child, where);
        } else if (child.key == "verify") {
            out.verify = read_verify(reader, child, where);
        } else if (child.key == "state_file") {
            out.state_file = reader.file_path(child, where, false).value_or(std::filesystem::path{});
        }
    }
    return out;
}

}  // namespace detail

namespace {

using detail::PlanNode;

void read_version(detail::PlanReader& reader, const PlanNode& root) {
    const PlanNode* version = reader.require(root, "", "version");
    if (!version) return;
    auto number = reader.integer(*version, "version", 0);
    if (number && *number != 1) {
        reader.error(version->mark, "version",
                     "unsupported plan version " + std::to_string(*number) + " (this ferry reads version 1)");
    }
}

}  // namespace

core::Result<Plan> parse_plan(std::string_view yaml, std::string_view file_name_for_messages) {
    auto tree = detail::parse_yaml_tree(yaml, file_name_for_messages);
    if (!tree) return std::unexpected(tree.error());
    std::filesystem::path file(file_name_for_messages);
    detail::PlanReader reader(std::string(file_name_for_messages), file.parent_path());
    const PlanNode& root = *tree;
    if (root.kind != PlanNode::Kind::Map) {
        reader.error(root.mark, "", "expected a map with 'version: 1' at the top of the plan");
        return std::unexpected(reader.to_error());
    }
    reader.map(root, "", {"version", "defaults", "registries", "sync", "manifests", "schedule", "webhooks"});
    read_version(reader, root);

    Plan plan;
    plan.file = file;
    static const PlanNode kAbsent;
    auto section = [&](std::string_view key) -> const PlanNode& {
        const PlanNode* node = detail::find(root, key);
        return node ? *node : kAbsent;
    };
    plan.defaults = detail::read_defaults(reader, section("defaults"));
    plan.registries = detail::read_registries(reader, section("registries"));
    plan.sync = detail::read_sync(reader, section("sync"), plan.defaults);
    plan.manifests = detail::read_manifests(reader, section("manifests"));
    plan.schedule = detail::read_schedule(reader, section("schedule"), plan.sync);
    if (const PlanNode* hooks = detail::find(root, "webhooks")) plan.webhooks = detail::read_webhooks(reader, *hooks);
    if (!reader.failed() && plan.sync.empty() && plan.manifests.empty()) {
        reader.error(root.mark, "", "the plan has no 'sync' or 'manifests' entries: nothing to do");
    }
    if (reader.failed()) return std::unexpected(reader.to_error());
    return plan;
}

core::Result<Plan> load_plan(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return core::fail(core::ErrorKind::Io, "reading plan " + path.string() + ": cannot open the file");
    }
    std::ostringstream content;
    content << in.rdbuf();
    if (in.bad()) return core::fail(core::ErrorKind::Io, "reading plan " + path.string() + ": read error");
    return parse_plan(content.str(), path.string());
}

const RegistryConfig* Plan::registry(std::string_view host) const {
    auto it = registries.find(detail::normalize_host(host));
    return it == registries.end() ? nullptr : &it->second;
}

const SyncEntry* Plan::entry(std::string_view name) const {
    for (const SyncEntry& e : sync) {
        if (e.name == name) return &e;
    }
    return nullptr;
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

std::string_view to_string(CopyPolicy policy) {
    switch (policy) {
        case CopyPolicy::Changed: return "changed";
        case CopyPolicy::Missing: return "missing";
        case CopyPolicy::Immutable: return "immutable";
    }
    return "?";
}

std::string_view to_string(TlsMode mode) {
    switch (mode) {
        case TlsMode::Verify: return "verify";
        case TlsMode::Disabled: return "disabled";
        case TlsMode::SkipVerify: return "skip-verify";
    }
    return "?";
}

}  // namespace ferry::sync
