#include "sync/target_guard.hpp"

#include "core/text.hpp"

namespace ferry::sync {
namespace {

core::Status outside(const plan::SyncEntry& entry, const std::string& what, std::string_view why) {
    return core::fail(core::ErrorKind::InvalidInput,
                      core::escape_control(entry.name + ": " + what + " " + std::string(why) + ": nothing is written or deleted there"));
}

std::string target_description(const plan::SyncEntry& entry) {
    const std::string base = entry.target.registry + "/" + entry.target.repository;
    if (!entry.target_is_prefix) return base;
    return entry.target.repository.empty() ? entry.target.registry + "/" : base + "/";
}

}  // namespace

core::Status check_within_target(const plan::SyncEntry& entry, const manifest::Reference& target) {
    const std::string shown = "target " + target.str();
    if (target.registry != entry.target.registry)
        return outside(entry, shown, "is on another registry than the entry's target " + target_description(entry));
    if (!manifest::is_valid_repository(target.repository))
        return outside(entry, shown, "does not name a valid repository");
    if (target.tag && !manifest::is_valid_tag(*target.tag)) return outside(entry, shown, "does not name a valid tag");
    if (!entry.target_is_prefix) {
        if (target.repository != entry.target.repository)
            return outside(entry, shown, "is not the entry's target " + target_description(entry));
        return {};
    }
    // A valid repository has no "." or ".." component, so a prefix match is containment.
    const std::string& prefix = entry.target.repository;
    if (!prefix.empty() && !target.repository.starts_with(prefix + "/"))
        return outside(entry, shown, "lies outside the entry's target prefix " + target_description(entry));
    return {};
}

core::Result<manifest::Reference> map_target(const plan::SyncEntry& entry, const std::string& source_repository) {
    if (!manifest::is_valid_repository(source_repository))
        return std::unexpected(outside(entry, "source repository \"" + source_repository + "\"", "is not a valid repository name").error());
    manifest::Reference target = entry.target;
    target.tag.reset();
    target.digest.reset();
    target.repository = entry.target_repository(source_repository);
    if (auto st = check_within_target(entry, target); !st) return std::unexpected(st.error());
    return target;
}

const plan::SyncEntry* find_entry(const plan::Plan& plan, const std::string& name) {
    for (const auto& entry : plan.sync)
        if (entry.name == name) return &entry;
    return nullptr;
}

}  // namespace ferry::sync
