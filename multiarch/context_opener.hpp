#pragma once
/// The StoreOpener of a run: opens locations through a store::StoreContext (its registry
/// client pool and store options). Locations are opened as written: no tag is added.
#include "multiarch/assemble.hpp"
#include "store/open.hpp"

namespace ferry::multiarch {

class ContextOpener : public StoreOpener {
public:
    /// `stores` must outlive the opener.
    explicit ContextOpener(const store::StoreContext& stores) : stores_(stores) {}
    /// Errors: InvalidInput for a location that does not parse; those of store::open_store.
    core::Result<store::OpenedStore> open(const std::string& location) override;

private:
    const store::StoreContext& stores_;
};

}  // namespace ferry::multiarch
