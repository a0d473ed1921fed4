#pragma once
/// The two per-image steps around the copy that concern artifacts: the signature gate
/// (`verify:`) before it, and carrying signatures, attestations and other referrers after
/// the subject is at the target.
#include <vector>

#include "store/store.hpp"
#include "sync/decide.hpp"

namespace ferry::sync {

/// The image manifests whose artifacts travel: the root (unless a platform subset replaced
/// it) and its children when known.
struct ArtifactSubjects {
    manifest::Digest root;
    bool root_kept = true;
    std::vector<manifest::Digest> children;
    bool children_known = false;  ///< false: read the source index when artifacts may hang off children
};

/// Checks the cosign signature of `out.source_digest` with the task's key. On refusal sets
/// out.action = Rejected and out.error, and returns false.
bool passes_signature_gate(const ImageTask& task, store::Store& source, const TaskContext& ctx, TaskOutcome& out);

/// Discovers the task's selected artifacts at `source` and carries them to `target`. Adds
/// to out.artifacts and out.stats; on failure sets out.action = Failed and out.error.
void carry_artifacts(const ImageTask& task, store::Store& source, store::Store& target, ArtifactSubjects subjects,
                     const TaskContext& ctx, TaskOutcome& out);

}  // namespace ferry::sync
