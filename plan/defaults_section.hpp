#pragma once
/// The plan's `defaults:` section: settings every sync entry starts from.
/// Keys: jobs, platforms, policy, retries, referrers, verify, state_file.
#include <filesystem>
#include <optional>

#include "core/defaults.hpp"
#include "plan/entry_settings.hpp"

namespace ferry::plan {

struct Defaults {
    int jobs = core::kDefaultJobs;  ///< parallel image tasks (and blobs per copy); >= 1
    PlatformSelection platforms;
    CopyPolicy policy = CopyPolicy::Changed;
    int retries = core::kDefaultRetries;  ///< per blob/manifest request; >= 0
    ReferrerSelection referrers{.signatures = true, .attestations = true};
    std::optional<VerifySettings> verify;
    std::filesystem::path state_file;  ///< empty = the default beside the plan (sync decides)
};

namespace detail {

class PlanReader;
struct PlanNode;

/// Reads `defaults:` (a Null node gives the built-in defaults above).
Defaults read_defaults(PlanReader& reader, const PlanNode& node);

}  // namespace detail
}  // namespace ferry::plan
