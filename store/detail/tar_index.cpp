#include "store/detail/tar_index.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#include <memory>

#include "store/detail/file_io.hpp"

namespace ferry::store {
namespace {

constexpr std::uint64_t kBlock = 512;

struct ArchiveFree {
    void operator()(archive* a) const { archive_read_free(a); }
};

core::Error refuse(const std::filesystem::path& path, const std::string& entry, const std::string& why) {
    return core::make_error(core::ErrorKind::InvalidInput,
                            "reading archive " + path.string() + ": entry \"" + entry + "\" " + why);
}

/// The 512-byte header block right before the data must carry a valid tar checksum; this
/// proves the computed data offset is right whatever extension headers came before.
core::Status check_header_before(int fd, std::uint64_t data_offset, const std::filesystem::path& path,
                                 const std::string& entry) {
    if (data_offset < kBlock) return std::unexpected(refuse(path, entry, "has no header block"));
    auto block = fileio::pread_exact(fd, data_offset - kBlock, kBlock, path);
    if (!block) return std::unexpected(block.error());
    unsigned long sum = 0;
    for (std::size_t i = 0; i < kBlock; ++i)
        sum += (i >= 148 && i < 156) ? ' ' : static_cast<unsigned char>((*block)[i]);
    const std::string field = block->substr(148, 8);
    const unsigned long stored = std::strtoul(field.c_str(), nullptr, 8);
    if (stored != sum) return std::unexpected(refuse(path, entry, "has a data offset that does not follow its header"));
    return {};
}

core::Status check_type(archive_entry* e, const std::filesystem::path& path, const std::string& name) {
    if (archive_entry_hardlink(e) || archive_entry_symlink(e))
        return std::unexpected(refuse(path, name, "is a link"));
    const auto type = archive_entry_filetype(e);
    if (type != AE_IFREG && type != AE_IFDIR)
        return std::unexpected(refuse(path, name, "is not a regular file or directory"));
    if (archive_entry_sparse_count(e) > 0) return std::unexpected(refuse(path, name, "is a sparse file"));
    return {};
}

/// "." or "./" (what `tar -C DIR -cf FILE .` writes first): the layout root itself.
bool is_root_directory(archive_entry* e, const std::string& raw) {
    return archive_entry_filetype(e) == AE_IFDIR && !raw.empty() && raw.front() == '.' &&
           raw.find_first_not_of("./") == std::string::npos && raw.find("..") == std::string::npos;
}

}  // namespace

NormalisedName normalise_entry_name(std::string_view raw) {
    NormalisedName out;
    if (raw.empty() || raw.front() == '/') return out;
    std::string name;
    std::size_t pos = 0;
    while (pos <= raw.size()) {
        std::size_t slash = raw.find('/', pos);
        if (slash == std::string_view::npos) slash = raw.size();
        std::string_view part = raw.substr(pos, slash - pos);
        pos = slash + 1;
        if (part.empty() || part == ".") continue;
        if (part == "..") return out;
        if (!name.empty()) name += '/';
        name.append(part);
    }
    out.ok = !name.empty();
    out.name = std::move(name);
    return out;
}

core::Result<TarIndex> scan_tar(int fd, const std::filesystem::path& path, const TarScanOptions& options) {
    const std::string context = "reading archive " + path.string();
    std::unique_ptr<archive, ArchiveFree> a(archive_read_new());
    archive_read_support_format_tar(a.get());
    if (archive_read_open_fd(a.get(), fd, 64 * 1024) != ARCHIVE_OK)
        return core::fail(core::ErrorKind::InvalidInput,
                          context + ": not an uncompressed tar: " + archive_error_string(a.get()));
    struct stat st {};
    if (::fstat(fd, &st) != 0) return std::unexpected(fileio::errno_error("inspecting", path));
    const auto file_size = static_cast<std::uint64_t>(st.st_size);
    TarIndex index;
    for (;;) {
        archive_entry* e = nullptr;
        const int rc = archive_read_next_header(a.get(), &e);
        if (rc == ARCHIVE_EOF) break;
        if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN)
            return core::fail(core::ErrorKind::InvalidInput, context + ": " + archive_error_string(a.get()));
        if (archive_filter_code(a.get(), 0) != ARCHIVE_FILTER_NONE)
            return core::fail(core::ErrorKind::InvalidInput, context + ": compressed archives are not supported");
        const char* raw_name = archive_entry_pathname(e);
        const std::string raw = raw_name ? raw_name : "";
        auto norm = normalise_entry_name(raw);
        if (!norm.ok && is_root_directory(e, raw)) continue;
        if (!norm.ok) return std::unexpected(refuse(path, raw, "has an absolute or escaping path"));
        if (auto st = check_type(e, path, raw); !st) return std::unexpected(st.error());
        if (archive_entry_filetype(e) == AE_IFDIR) continue;
        if (index.count(norm.name)) return std::unexpected(refuse(path, raw, "appears more than once"));
        const auto size = static_cast<std::uint64_t>(archive_entry_size(e));
        if (auto limit = options.size_limits.find(norm.name);
            limit != options.size_limits.end() && size > limit->second)
            return std::unexpected(refuse(path, raw, "is larger than " + std::to_string(limit->second) + " bytes"));
        const auto offset = static_cast<std::uint64_t>(archive_filter_bytes(a.get(), 0));
        if (offset + size > file_size) return std::unexpected(refuse(path, raw, "is truncated"));
        if (auto ok = check_header_before(fd, offset, path, raw); !ok) return std::unexpected(ok.error());
        index.emplace(norm.name, TarEntry{offset, size});
        if (archive_read_data_skip(a.get()) != ARCHIVE_OK)
            return core::fail(core::ErrorKind::InvalidInput, context + ": " + archive_error_string(a.get()));
    }
    return index;
}

}  // namespace ferry::store
