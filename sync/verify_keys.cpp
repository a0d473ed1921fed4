#include "sync/verify_keys.hpp"

namespace ferry::sync {
namespace {

core::Status load_into(VerifyKeys& keys, const std::filesystem::path& path, std::string_view used_by) {
    if (keys.count(path)) return {};
    auto key = verify::load_public_key(path.string());
    if (!key) return std::unexpected(key.error().with_context(std::string(used_by)));
    keys[path] = std::make_shared<const verify::PublicKey>(std::move(*key));
    return {};
}

}  // namespace

core::Result<VerifyKeys> load_verify_keys(const plan::Plan& plan) {
    VerifyKeys keys;
    if (plan.defaults.verify)
        if (auto st = load_into(keys, plan.defaults.verify->key, "defaults.verify"); !st) return std::unexpected(st.error());
    for (const auto& entry : plan.sync)
        if (entry.verify)
            if (auto st = load_into(keys, entry.verify->key, "sync entry " + entry.name + ": verify"); !st)
                return std::unexpected(st.error());
    return keys;
}

}  // namespace ferry::sync
