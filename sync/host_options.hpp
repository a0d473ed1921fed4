#pragma once
/// Maps the plan's `registries:` section onto the registry client's per-host options.
#include "registry/client.hpp"
#include "plan/plan.hpp"

namespace ferry::sync {

/// `base` (from CLI flags) with a host_options callback answering for every host the plan
/// configures (and their mirrors, which inherit nothing: configure them separately).
registry::ClientOptions client_options_for(const plan::Plan& plan, registry::ClientOptions base);

/// Hosts whose `credentials: docker-config` finds nothing in the docker config files
/// (`authfile`, else the default ones), each with where it looked: warned about once per run,
/// since the requests then go anonymous and fail with a bare 401.
std::vector<std::pair<std::string, std::string>> missing_docker_config_credentials(const plan::Plan& plan,
                                                                                   const std::string& authfile);

}  // namespace ferry::sync
