#include "run/plan_manifests.hpp"

#include "multiarch/context_opener.hpp"

namespace ferry::run {
namespace {

multiarch::AssembleSpec assemble_spec(const plan::ManifestEntry& entry, const ManifestRunOptions& options) {
    multiarch::AssembleSpec spec;
    spec.target = "docker://" + entry.target.str();
    spec.format = entry.format == plan::ManifestFormat::Docker ? manifest::IndexFormat::Docker
                                                               : manifest::IndexFormat::Oci;
    spec.annotations = entry.annotations;
    for (const auto& image : entry.images) spec.sources.push_back({"docker://" + image.image.str(), image.platform});
    spec.ignore_missing = entry.ignore_missing;
    spec.dry_run = options.dry_run;
    spec.jobs = options.jobs;
    spec.cancel = options.cancel;
    return spec;
}

}  // namespace

std::vector<ManifestPush> push_plan_manifests(const plan::Plan& plan, const store::StoreContext& stores,
                                              const ManifestRunOptions& options) {
    multiarch::ContextOpener opener(stores);
    std::vector<ManifestPush> pushes;
    for (const auto& entry : plan.manifests)
        pushes.push_back({entry.target.str(), multiarch::assemble_index(assemble_spec(entry, options), opener)});
    return pushes;
}

}  // namespace ferry::run
