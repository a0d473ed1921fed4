#pragma once
/// The settings a sync entry can take from `defaults:` or set itself: `platforms`, `policy`,
/// `referrers` and `verify` (read the same way in both places, by entry_settings.cpp).
#include <filesystem>
#include <optional>
#include <string_view>
#include <vector>

#include "manifest/platform.hpp"
#include "manifest/artifact_selection.hpp"

namespace ferry::plan {

/// `policy:` — when a target tag is (over)written.
enum class CopyPolicy {
    Changed,    ///< copy when the target tag is absent or points at another digest
    Missing,    ///< copy only when the target tag is absent
    Immutable,  ///< copy when absent; a different digest at the target is a conflict
};
std::string_view to_string(CopyPolicy policy);

/// `platforms:` — `all` (empty list) or a list of platforms to keep.
struct PlatformSelection {
    std::vector<manifest::Platform> platforms;  ///< empty = all platforms; normalised
    bool all() const { return platforms.empty(); }
};

/// `referrers:` — which signatures, attestations, SBOMs and other artifacts travel with an
/// image (`all`, `none`, or a list of signature|attestation|sbom|<artifactType>).
/// The model lives in manifest/ (referrers/ acts on it as referrers::Selection).
using ReferrerSelection = manifest::ArtifactSelection;

/// `verify:` — copy only images whose cosign signature verifies against `key`.
struct VerifySettings {
    std::filesystem::path key;  ///< public key (PEM), resolved against the plan's directory; exists
};

namespace detail {

class PlanReader;
struct PlanNode;

/// Readers of one setting at `path`; each reports its problems to `reader` and returns what
/// it could read (the default value, or nullopt, after a problem).
PlatformSelection read_platforms(PlanReader& reader, const PlanNode& node, std::string_view path);
ReferrerSelection read_referrers(PlanReader& reader, const PlanNode& node, std::string_view path);
std::optional<VerifySettings> read_verify(PlanReader& reader, const PlanNode& node, std::string_view path);
std::optional<CopyPolicy> read_policy(PlanReader& reader, const PlanNode& node, std::string_view path);

}  // namespace detail
}  // namespace ferry::plan
