#include "store/store.hpp"

#include <fmt/format.h>

namespace ferry::store {
namespace {

core::Error too_large(const manifest::Descriptor& blob, std::size_t max_bytes) {
    return core::make_error(core::ErrorKind::Protocol,
                            fmt::format("blob {} is larger than {} bytes", blob.digest.str(), max_bytes));
}

}  // namespace

RegistryRepository* registry_repository(Store& store) { return dynamic_cast<RegistryRepository*>(&store); }

const RegistryRepository* registry_repository(const Store& store) {
    return dynamic_cast<const RegistryRepository*>(&store);
}

LayoutFiles* layout_files(Store& store) { return dynamic_cast<LayoutFiles*>(&store); }

core::Result<std::string> read_blob_text(Store& store, const manifest::Descriptor& blob,
                                         std::size_t max_bytes) {
    if (blob.size < 0 || static_cast<std::uint64_t>(blob.size) > max_bytes)
        return core::fail(too_large(blob, max_bytes));
    auto reader = store.open_blob(blob, 0);
    if (!reader) return std::unexpected(reader.error());
    std::string out;
    char buffer[65536];
    for (;;) {
        auto n = (*reader)->read(buffer, sizeof buffer);
        if (!n) return std::unexpected(n.error());
        if (*n == 0) break;
        out.append(buffer, *n);
        if (out.size() > max_bytes) return core::fail(too_large(blob, max_bytes));
    }
    if (manifest::Digest::of(out) != blob.digest)
        return core::fail(core::ErrorKind::Integrity,
                          fmt::format("blob {} does not match its digest", blob.digest.str()));
    return out;
}

}  // namespace ferry::store
