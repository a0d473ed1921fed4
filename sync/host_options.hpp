#pragma once
/// Maps the plan's `registries:` section onto the registry client's per-host options.
#include "registry/client.hpp"
#include "plan/plan.hpp"

namespace ferry::sync {

/// `base` (from CLI flags) with a host_options callback answering for every host the plan
/// configures (and their mirrors, which inherit nothing: configure them separately).
registry::ClientOptions client_options_for(const plan::Plan& plan, registry::ClientOptions base);

}  // namespace ferry::sync
