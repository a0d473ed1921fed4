#pragma once
/// File helpers of the layout and archive stores: the core primitives (core/file_io.hpp)
/// under the store's name, plus a positional BlobReader over a shared descriptor.
#include <cstdint>
#include <filesystem>
#include <memory>

#include "core/file_io.hpp"
#include "store/store.hpp"

namespace ferry::store::fileio {

using core::fileio::errno_error;
using core::fileio::Fd;
using core::fileio::fsync_dir;
using core::fileio::open_read;
using core::fileio::open_read_no_symlink;
using core::fileio::pread_exact;
using core::fileio::read_small_file;
using core::fileio::TempFile;
using core::fileio::write_all;
using core::fileio::write_file_atomic;

/// A BlobReader over bytes [offset, offset + length) of a shared descriptor, using pread.
std::unique_ptr<BlobReader> make_range_reader(std::shared_ptr<const Fd> fd, std::uint64_t offset,
                                              std::uint64_t length, std::filesystem::path path);

}  // namespace ferry::store::fileio
