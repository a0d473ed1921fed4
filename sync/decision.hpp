#pragma once
/// The decision on one image task, without I/O: given what the target holds and what the
/// source would write, is the image unchanged, new, changed, or a conflict under the entry's
/// policy? sync::run_task (sync/decide.cpp) gathers the digests and acts on the answer.
#include <optional>

#include "manifest/digest.hpp"
#include "plan/entry_settings.hpp"
#include "sync/task.hpp"

namespace ferry::sync {

/// Before the source's graph is read. `current`: the digest the target tag (or pinned digest)
/// holds. `expected`: what the source would write there without reading its graph — the source
/// digest for a whole image, the remembered subset index for a platform subset, nullopt when
/// not known. True when the image is unchanged and nothing more needs to be read: under
/// `missing` any present tag, otherwise a present tag that already holds `expected`.
bool unchanged_without_graph(plan::CopyPolicy policy, const manifest::Digest& current,
                             const std::optional<manifest::Digest>& expected);

/// Once the digest the copy would write (`built`: the source root, or the subset index built
/// from it) is known: Unchanged when the target already holds it, New when the target holds
/// nothing, Conflict under `immutable` when it holds another digest, else Changed.
Action action_for(plan::CopyPolicy policy, const std::optional<manifest::Digest>& current,
                  const manifest::Digest& built);

}  // namespace ferry::sync
