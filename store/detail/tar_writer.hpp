#pragma once
/// Sequential writer of an uncompressed (pax) tar whose file entries can be rolled back:
/// output is unbuffered and positioned by the writer, so a file entry whose source fails
/// (error, short, long, wrong digest) is undone by truncating the file to where the entry
/// began. A failure of the file itself marks the writer broken for good.
/// Not thread-safe: callers serialise.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "store/detail/blob_io.hpp"
#include "store/detail/file_io.hpp"

namespace ferry::store {

class TarWriter {
public:
    /// Creates (truncates) `path` for reading and writing.
    static core::Result<std::unique_ptr<TarWriter>> create(std::filesystem::path path);
    ~TarWriter();

    /// The output file, shareable with readers of entries already written.
    std::shared_ptr<const fileio::Fd> fd() const { return fd_; }
    bool broken() const { return broken_; }

    core::Status add_directory(const std::string& name);
    /// Writes `source` (its expected size) as file `name`; returns the data offset. On a
    /// source failure the entry is rolled back and the source's error returned.
    core::Result<std::uint64_t> add_file(const std::string& name, VerifyingReader& source);
    core::Result<std::uint64_t> add_bytes(const std::string& name, std::string_view bytes);
    /// Writes the end-of-archive blocks and fsyncs. The writer accepts nothing afterwards.
    core::Status finish();

    struct Impl;

private:
    TarWriter() = default;
    core::Status write_header(const std::string& name, std::uint64_t size, bool directory);
    core::Error io_error(std::string_view what);
    void roll_back(std::uint64_t entry_start);

    std::filesystem::path path_;
    std::shared_ptr<fileio::Fd> fd_;
    std::uint64_t pos_ = 0;
    bool broken_ = false;
    bool finished_ = false;
    void* archive_ = nullptr;  // struct archive*, kept out of this header
};

}  // namespace ferry::store
