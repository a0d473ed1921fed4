#pragma once
/// Reading a small blob (an image config, a signature payload) whole into memory.
#include <cstddef>
#include <string>

#include "core/error.hpp"
#include "manifest/descriptor.hpp"
#include "store/store.hpp"

namespace ferry::store {

/// Reads blob `blob` of `store` into a string and checks it against the descriptor's digest.
/// Refuses (Protocol, naming the digest) a blob whose descriptor size or actual length exceeds
/// `max_bytes`, and reports a digest mismatch as Integrity. Read errors pass through.
core::Result<std::string> read_blob_text(Store& store, const manifest::Descriptor& blob,
                                         std::size_t max_bytes);

}  // namespace ferry::store
