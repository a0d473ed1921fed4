#include "multiarch/context_opener.hpp"

namespace ferry::multiarch {

core::Result<store::OpenedStore> ContextOpener::open(const std::string& location) {
    auto parsed = store::parse_location(location);
    if (!parsed) return std::unexpected(parsed.error());
    auto opened = store::open_store(*parsed, stores_);
    if (!opened) return std::unexpected(opened.error());
    return store::OpenedStore{std::move(*opened), parsed->ref_string()};
}

}  // namespace ferry::multiarch
