#pragma once
// Registries for unit tests of the sync run path: sync::RegistryAccess over in-memory stores
// (tests/support/memory_store.hpp), one per "host/repository", images from tests/support/images.hpp.
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "plan/plan.hpp"
#include "support/images.hpp"
#include "sync/registry_access.hpp"

namespace ferry::testing {

/// A Store handle onto a MemoryStore that outlives it (what open() hands out per task).
class StoreHandle final : public store::Store {
public:
    explicit StoreHandle(std::shared_ptr<MemoryStore> s) : s_(std::move(s)) {}
    std::string describe() const override { return s_->describe(); }
    core::Result<std::optional<manifest::Descriptor>> resolve(const std::string& ref) override { return s_->resolve(ref); }
    core::Result<manifest::ParsedManifest> get_manifest(const std::string& ref) override { return s_->get_manifest(ref); }
    core::Status put_manifest(const manifest::ParsedManifest& m, const std::optional<std::string>& tag) override {
        return s_->put_manifest(m, tag);
    }
    core::Result<bool> has_blob(const manifest::Descriptor& blob) override { return s_->has_blob(blob); }
    core::Result<std::unique_ptr<store::BlobReader>> open_blob(const manifest::Descriptor& blob,
                                                               std::uint64_t offset) override {
        return s_->open_blob(blob, offset);
    }
    core::Status put_blob(const manifest::Descriptor& blob, store::BlobReader& source) override {
        return s_->put_blob(blob, source);
    }
    core::Result<std::vector<std::string>> list_tags() override { return s_->list_tags(); }

private:
    std::shared_ptr<MemoryStore> s_;
};

class MemoryRegistries final : public sync::RegistryAccess {
public:
    /// The repository `host/repository`, created empty on first use.
    MemoryStore& repo(const std::string& host, const std::string& repository) {
        std::lock_guard lock(mutex_);
        auto& slot = repos_[host + "/" + repository];
        if (!slot) slot = std::make_shared<MemoryStore>(host, repository);
        return *slot;
    }
    bool has(const std::string& host, const std::string& repository) const {
        std::lock_guard lock(mutex_);
        return repos_.count(host + "/" + repository) > 0;
    }
    /// Hosts that answer every request with a Network error.
    std::set<std::string> down;
    int tag_listings = 0;

    core::Result<std::vector<std::string>> list_tags(const std::string& host, const std::string& repository) override {
        if (down.count(host)) return core::fail(core::ErrorKind::Network, host + " is down");
        std::shared_ptr<MemoryStore> found;
        {
            std::lock_guard lock(mutex_);
            ++tag_listings;
            auto it = repos_.find(host + "/" + repository);
            if (it == repos_.end()) return core::fail(core::ErrorKind::NotFound, "no repository " + repository);
            found = it->second;
        }
        return found->list_tags();
    }
    core::Result<std::vector<std::string>> catalog(const std::string& host) override {
        if (down.count(host)) return core::fail(core::ErrorKind::Network, host + " is down");
        std::vector<std::string> out;
        std::lock_guard lock(mutex_);
        for (const auto& [key, _] : repos_)
            if (key.starts_with(host + "/")) out.push_back(key.substr(host.size() + 1));
        return out;
    }
    core::Result<std::unique_ptr<store::Store>> open(const manifest::Reference& ref) override {
        if (down.count(ref.registry)) return core::fail(core::ErrorKind::Network, ref.registry + " is down");
        std::lock_guard lock(mutex_);  // workers open targets concurrently, creating them
        auto& slot = repos_[ref.registry + "/" + ref.repository];
        if (!slot) slot = std::make_shared<MemoryStore>(ref.registry, ref.repository);
        return std::unique_ptr<store::Store>(new StoreHandle(slot));
    }

private:
    mutable std::mutex mutex_;  // guards repos_ and tag_listings
    std::map<std::string, std::shared_ptr<MemoryStore>> repos_;
};

/// A one-layer OCI image whose layer holds `content`, for platform linux/`arch`; tagged when
/// `tag` is given.
inline manifest::ParsedManifest put_image(MemoryStore& store, const std::string& content, const std::string& arch,
                                          const std::optional<std::string>& tag = std::nullopt) {
    return add_test_image(store, {.arch = arch, .layers = {content}}, tag);
}

/// An OCI index of one image per arch in `archs` (contents "<content> <arch>"), tagged `tag`.
inline manifest::ParsedManifest put_index(MemoryStore& store, const std::string& content,
                                          const std::vector<std::string>& archs, const std::string& tag) {
    nlohmann::json entries = nlohmann::json::array();
    for (const auto& arch : archs) entries.push_back(index_entry(put_image(store, content + " " + arch, arch), arch));
    return add_test_index(store, entries, tag);
}

/// A plan parsed from YAML text (`version: 1` is added); fails the test when it does not parse.
inline plan::Plan plan_of(const std::string& yaml) {
    auto parsed = plan::parse_plan("version: 1\n" + yaml, "p.yaml");
    if (!parsed) throw std::runtime_error(parsed.error().message);
    return *parsed;
}

}  // namespace ferry::testing
