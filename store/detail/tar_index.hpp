#pragma once
/// The table of contents of an uncompressed tar, built by one pass over its headers (data
/// skipped), so entries can later be read with pread() straight from the file.
/// Refused (InvalidInput), before anything is read or written elsewhere: compressed or
/// non-tar input, absolute names, ".." components, links, devices, fifos, sparse files,
/// duplicate names, and files listed in `small_files` that exceed their limit.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

#include "core/error.hpp"

namespace ferry::store {

struct TarEntry {
    std::uint64_t offset = 0;  ///< of the first data byte in the file
    std::uint64_t size = 0;
};

/// Regular files by normalised name ("./a//b" -> "a/b"); directories are not listed.
using TarIndex = std::map<std::string, TarEntry>;

struct TarScanOptions {
    /// Entries (normalised names) whose size is capped, e.g. {"index.json", 4 MiB}.
    std::map<std::string, std::uint64_t> size_limits;
};

/// Scans the tar open on `fd` (`path` names it in errors).
core::Result<TarIndex> scan_tar(int fd, const std::filesystem::path& path, const TarScanOptions& options);

/// Normalises an entry name: strips "./" and empty components; nullopt-like empty result
/// with `ok == false` for absolute names or ".." components.
struct NormalisedName {
    bool ok = false;
    std::string name;
};
NormalisedName normalise_entry_name(std::string_view raw);

}  // namespace ferry::store
