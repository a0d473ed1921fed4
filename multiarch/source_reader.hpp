#pragma once
/// Reading assembly sources: each SRC becomes the index entries it contributes (an image:
/// one entry with its platform; an index: its entries, attestations included).
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "multiarch/assemble.hpp"
#include "multiarch/entries.hpp"
#include "store/store.hpp"

namespace ferry::multiarch {

struct LoadedSource {
    std::string label;  ///< the location as the user wrote it
    std::shared_ptr<store::Store> store;
    std::vector<SourcedEntry> entries;
};

/// Loads one source. nullopt when it does not exist (open or resolve said NotFound).
core::Result<std::optional<LoadedSource>> load_source(const SourceSpec& spec, StoreOpener& opener);

/// Reads an image config blob (at most 8 MiB).
core::Result<std::string> read_config(store::Store& store, const manifest::Descriptor& config);

}  // namespace ferry::multiarch
