#include "bundle/export_artifacts.hpp"

#include "referrers/artifact_tags.hpp"

namespace ferry::bundle {
namespace {

bool selected(const sync::ImageTask& task, const referrers::ArtifactTag& tag) {
    const auto& s = task.referrers;
    if (tag.cosign) return s.wants(*tag.cosign);
    return s.all || s.sboms || !s.artifact_types.empty();
}

}  // namespace

std::vector<sync::ImageTask> artifact_tasks(const sync::ImageTask& task, const std::set<manifest::Digest>& subjects) {
    std::vector<sync::ImageTask> out;
    if (!task.artifact_tags || task.referrers.none()) return out;
    for (const auto& name : *task.artifact_tags) {
        auto tag = referrers::parse_artifact_tag(name);
        if (!tag || !subjects.contains(tag->subject) || !selected(task, *tag)) continue;
        sync::ImageTask t = task;
        t.source = task.source.with_tag(name);
        t.target = task.target.with_tag(name);
        t.platforms.clear();
        t.artifact_tags.reset();
        out.push_back(std::move(t));
    }
    return out;
}

}  // namespace ferry::bundle
