#pragma once
/// How a sync run reaches registries: tag lists and catalogs for expansion, and one Store per
/// repository for deciding and copying. The run goes through the registry client pool
/// (PoolAccess); unit tests serve in-memory stores instead.
#include <memory>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "manifest/reference.hpp"
#include "store/open.hpp"

namespace ferry::sync {

class RegistryAccess {
public:
    virtual ~RegistryAccess() = default;
    /// Every tag of `repository` at `host` (all pages). Errors: those of the registry.
    virtual core::Result<std::vector<std::string>> list_tags(const std::string& host, const std::string& repository) = 0;
    /// Every repository at `host` (the catalog, all pages). Errors: those of the registry.
    virtual core::Result<std::vector<std::string>> catalog(const std::string& host) = 0;
    /// A Store bound to the repository `ref` names (its tag or digest is ignored).
    virtual core::Result<std::unique_ptr<store::Store>> open(const manifest::Reference& ref) = 0;
};

/// RegistryAccess through `stores.clients` (which must be set) and store::open_store.
class PoolAccess final : public RegistryAccess {
public:
    /// `stores` must outlive this object.
    explicit PoolAccess(const store::StoreContext& stores) : stores_(stores) {}
    core::Result<std::vector<std::string>> list_tags(const std::string& host, const std::string& repository) override;
    core::Result<std::vector<std::string>> catalog(const std::string& host) override;
    core::Result<std::unique_ptr<store::Store>> open(const manifest::Reference& ref) override;

private:
    const store::StoreContext& stores_;
};

}  // namespace ferry::sync
