#pragma once
/// The public keys a plan's `verify:` settings name, loaded once per run.
#include <filesystem>
#include <map>
#include <memory>

#include "core/error.hpp"
#include "plan/plan.hpp"
#include "verify/key.hpp"

namespace ferry::sync {

using VerifyKeys = std::map<std::filesystem::path, std::shared_ptr<const verify::PublicKey>>;

/// Loads every key named in defaults and entries. Errors (Config) name the key file and the
/// entry that uses it.
core::Result<VerifyKeys> load_verify_keys(const plan::Plan& plan);

}  // namespace ferry::sync
