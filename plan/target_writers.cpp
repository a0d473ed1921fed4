#include "plan/target_writers.hpp"

#include <map>

#include "plan/plan_reader.hpp"

namespace ferry::plan {
namespace {

bool under(const std::string& prefix, const std::string& repository) {
    return prefix.empty() || repository == prefix || repository.starts_with(prefix + "/");
}

}  // namespace

TargetScope target_scope(const SyncEntry& entry) {
    TargetScope scope;
    scope.registry = entry.target.registry;
    switch (entry.source_kind) {
        case SourceKind::Image:
            scope.repository = entry.target_repository(entry.source.repository);
            scope.tag = entry.target.tag ? entry.target.tag : entry.source.tag;
            break;
        case SourceKind::Repository:
            scope.repository = entry.target_repository(entry.source.repository);
            scope.source_tags = true;
            break;
        case SourceKind::Namespace:
            scope.repository = entry.target_repository(entry.source.repository);
            scope.subtree = true;
            break;
        case SourceKind::Registry:
            scope.repository = entry.target.repository;
            scope.subtree = true;
            break;
    }
    return scope;
}

TargetScope target_scope(const ManifestEntry& entry) {
    return TargetScope{entry.target.registry, entry.target.repository, false, entry.target.tag, false};
}

bool scopes_overlap(const TargetScope& a, const TargetScope& b) {
    if (a.registry != b.registry || a.untagged() || b.untagged()) return false;
    if (a.subtree && b.subtree) return under(a.repository, b.repository) || under(b.repository, a.repository);
    if (a.subtree) return under(a.repository, b.repository);
    if (b.subtree) return under(b.repository, a.repository);
    return a.repository == b.repository;
}

std::optional<std::string> statically_shared_tag(const TargetScope& a, const TargetScope& b) {
    if (!a.tag || !b.tag || *a.tag != *b.tag || !scopes_overlap(a, b)) return std::nullopt;
    return a.tag;  // a repository source's tags are its tag list's: only the run knows them
}

namespace detail {

void check_single_writers(PlanReader& reader, const std::vector<SyncEntry>& sync, const PlanNode& sync_node,
                          const std::vector<ManifestEntry>& manifests, const PlanNode& manifests_node) {
    struct Writer {
        TargetScope scope;
        std::string path;   ///< "sync[0]"
        std::string label;  ///< "sync[0] 'name'"
        Mark mark;          ///< of its target
    };
    auto target_mark = [](const PlanNode& item) {
        const PlanNode* target = find(item, "target");
        return target ? target->mark : item.mark;
    };
    // By target repository: only writers of one repository can share a tag statically.
    std::map<std::string, std::vector<Writer>> by_repository;
    auto add = [&](Writer w) {
        const std::string key = w.scope.registry + "/" + w.scope.repository;
        for (const Writer& earlier : by_repository[key]) {
            if (auto tag = statically_shared_tag(earlier.scope, w.scope)) {
                reader.error(w.mark, child_path(w.path, "target"),
                             "writes " + key + ":" + *tag + ", which " + earlier.label + " (" + reader.file() + ":" +
                                 std::to_string(earlier.mark.line) + ":" + std::to_string(earlier.mark.column) +
                                 ") also writes: a target tag has one writer");
            }
        }
        by_repository[key].push_back(std::move(w));
    };
    for (std::size_t i = 0; i < sync.size() && i < sync_node.children.size(); ++i) {
        TargetScope scope = target_scope(sync[i]);
        if (scope.subtree || scope.untagged()) continue;
        add({scope, item_path("sync", i), item_path("sync", i) + " '" + sync[i].name + "'",
             target_mark(sync_node.children[i])});
    }
    for (std::size_t i = 0; i < manifests.size() && i < manifests_node.children.size(); ++i) {
        add({target_scope(manifests[i]), item_path("manifests", i), item_path("manifests", i),
             target_mark(manifests_node.children[i])});
    }
}

}  // namespace detail
}  // namespace ferry::plan
