#include "plan/plan.hpp"

#include <fstream>
#include <sstream>

#include "core/registry_host.hpp"
#include "plan/plan_reader.hpp"
#include "plan/target_writers.hpp"

namespace ferry::plan {

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
    if (!reader.failed())
        detail::check_single_writers(reader, plan.sync, section("sync"), plan.manifests, section("manifests"));
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
    auto it = registries.find(core::canonical_registry_host(host));
    return it == registries.end() ? nullptr : &it->second;
}

const SyncEntry* Plan::entry(std::string_view name) const {
    for (const SyncEntry& e : sync) {
        if (e.name == name) return &e;
    }
    return nullptr;
}

}  // namespace ferry::plan
