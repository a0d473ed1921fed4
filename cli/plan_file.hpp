#pragma once
/// The plan a verb's `-c PLAN` names: a file, or `-` for standard input (`ferry plan -c -`,
/// as kubectl and skopeo take `-`; relative paths in it resolve against the working directory).
#include <string>

#include "core/error.hpp"
#include "plan/plan.hpp"

namespace ferry::cli {

/// True for the `-c -` spelling.
inline bool plan_from_stdin(const std::string& plan_file) { return plan_file == "-"; }

/// Loads and validates the plan `plan_file` names (errors as plan::load_plan's; standard
/// input is named "<stdin>" in file:line:col messages and read up to 16 MiB).
core::Result<plan::Plan> load_plan_arg(const std::string& plan_file);

}  // namespace ferry::cli
