#include "sync/registry_access.hpp"

namespace ferry::sync {

core::Result<std::vector<std::string>> PoolAccess::list_tags(const std::string& host, const std::string& repository) {
    auto client = stores_.clients->get(host);
    if (!client) return std::unexpected(client.error());
    return (*client)->list_tags(repository);
}

core::Result<std::vector<std::string>> PoolAccess::catalog(const std::string& host) {
    auto client = stores_.clients->get(host);
    if (!client) return std::unexpected(client.error());
    return (*client)->catalog();
}

core::Result<std::unique_ptr<store::Store>> PoolAccess::open(const manifest::Reference& ref) {
    store::Location loc;
    loc.kind = store::Location::Kind::Registry;
    loc.reference = ref;
    return store::open_store(loc, stores_);
}

}  // namespace ferry::sync
