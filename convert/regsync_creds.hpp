#pragma once
/// regsync's `creds:` entries (regclient config.Host) as the plan's `registries:`. Private to
/// convert/.
#include <string>

#include <yaml-cpp/yaml.h>

#include "convert/plan_writer.hpp"

namespace ferry::convert {

/// `{{env "X"}}` in a regsync string as ferry's `${X}`; nullopt when other template text is in it.
std::optional<std::string> expand_env_templates(const std::string& text);

/// Writes one creds entry into `plan`'s registries: (or notes why a key is left out).
void convert_regsync_cred(const std::string& file, PlanWriter& plan, const YAML::Node& cred);

}  // namespace ferry::convert
