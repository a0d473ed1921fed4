#include "bundle/bundle_reader.hpp"

#include <set>

#include "copy/image_graph.hpp"
#include "core/sha256.hpp"
#include "store/file_io.hpp"
#include "store/layout_index.hpp"
#include "store/oci_archive.hpp"
#include "store/oci_layout.hpp"
#include "store/tar_index.hpp"

namespace ferry::bundle {
namespace {

namespace fs = std::filesystem;
using manifest::Digest;

core::Error bundle_error(core::ErrorKind kind, const fs::path& path, const std::string& what) {
    return core::make_error(kind, "bundle " + path.string() + ": " + what);
}

core::Result<OpenedBundle> open_archive(const fs::path& path) {
    auto fd = store::fileio::open_read(path);
    if (!fd) return std::unexpected(fd.error());
    store::TarScanOptions scan;
    scan.size_limits = {{"index.json", store::kMaxIndexJsonBytes},
                        {"oci-layout", store::kMaxIndexJsonBytes},
                        {std::string(kBundleFileName), kMaxBundleFileBytes}};
    auto toc = store::scan_tar(fd->get(), path, scan);
    if (!toc) return std::unexpected(toc.error().with_context("refusing bundle " + path.string()));
    auto shared = std::make_shared<const store::fileio::Fd>(std::move(*fd));
    auto entries = std::make_shared<store::TarIndex>(std::move(*toc));
    OpenedBundle b;
    b.path = path;
    b.archive = true;
    b.open_file = [shared, entries, path](const std::string& rel) -> core::Result<std::unique_ptr<store::BlobReader>> {
        auto it = entries->find(rel);
        if (it == entries->end()) return std::unexpected(bundle_error(core::ErrorKind::NotFound, path, rel + " is missing"));
        return store::fileio::make_range_reader(shared, it->second.offset, it->second.size, path / rel);
    };
    auto it = entries->find(std::string(kBundleFileName));
    if (it == entries->end())
        return std::unexpected(bundle_error(core::ErrorKind::InvalidInput, path, "no ferry-bundle.json: not a ferry bundle"));
    auto text = store::fileio::pread_exact(shared->get(), it->second.offset, it->second.size, path);
    if (!text) return std::unexpected(text.error());
    b.manifest_text = std::move(*text);
    auto layout = store::OciArchive::open_read(path);
    if (!layout) return std::unexpected(layout.error().with_context("refusing bundle " + path.string()));
    b.layout = std::move(*layout);
    return b;
}

core::Result<OpenedBundle> open_directory(const fs::path& path) {
    OpenedBundle b;
    b.path = path;
    auto text = store::fileio::read_small_file(path / kBundleFileName, kMaxBundleFileBytes);
    if (!text) {
        if (text.error().kind == core::ErrorKind::NotFound)
            return std::unexpected(bundle_error(core::ErrorKind::InvalidInput, path, "no ferry-bundle.json: not a ferry bundle"));
        return std::unexpected(text.error());
    }
    b.manifest_text = std::move(*text);
    b.open_file = [path](const std::string& rel) -> core::Result<std::unique_ptr<store::BlobReader>> {
        const fs::path file = path / rel;
        std::error_code ec;
        if (fs::is_symlink(file, ec) || !fs::is_regular_file(file, ec))
            return std::unexpected(bundle_error(core::ErrorKind::NotFound, path, rel + " is missing or not a regular file"));
        auto fd = store::fileio::open_read(file);
        if (!fd) return std::unexpected(fd.error());
        auto size = fs::file_size(file, ec);
        if (ec) return std::unexpected(store::fileio::errno_error("stat", file));
        return store::fileio::make_range_reader(std::make_shared<const store::fileio::Fd>(std::move(*fd)), 0, size, file);
    };
    auto layout = store::OciLayout::open(path);
    if (!layout) return std::unexpected(layout.error());
    b.layout = std::move(*layout);
    return b;
}

core::Status check_files(OpenedBundle& b, Verification& v) {
    std::set<std::string> seen;
    std::uint64_t total = 0, blobs = 0;
    for (const auto& f : b.manifest.files) {
        if (!seen.insert(f.path).second)
            return core::fail(bundle_error(core::ErrorKind::Protocol, b.path, f.path + " is listed twice"));
        auto reader = b.open_file(f.path);
        if (!reader) return std::unexpected(reader.error());
        auto hashed = hash_stream(**reader);
        if (!hashed) return std::unexpected(hashed.error());
        if (hashed->first != f.sha256 || hashed->second != f.size)
            return core::fail(bundle_error(core::ErrorKind::Integrity, b.path,
                                           f.path + " is corrupt: sha256 " + hashed->first + " (" + std::to_string(hashed->second) +
                                               " bytes), expected " + f.sha256 + " (" + std::to_string(f.size) + " bytes)"));
        if (auto d = digest_of_blob_path(f.path)) {
            if (d->hex() != f.sha256)
                return core::fail(bundle_error(core::ErrorKind::Integrity, b.path, f.path + " does not match its digest"));
            ++blobs;
        }
        total += f.size;
        ++v.files_checked;
    }
    v.bytes_checked = total;
    for (const char* required : {"oci-layout", "index.json"})
        if (!seen.contains(required))
            return core::fail(bundle_error(core::ErrorKind::Protocol, b.path, std::string("ferry-bundle.json does not list ") + required));
    if (total != b.manifest.total_bytes || blobs != b.manifest.blob_count)
        return core::fail(bundle_error(core::ErrorKind::Protocol, b.path,
                                       "ferry-bundle.json totals disagree with its file list (" + std::to_string(blobs) +
                                           " blobs, " + std::to_string(total) + " bytes)"));
    return {};
}

core::Status check_image(OpenedBundle& b, std::size_t index, const std::set<Digest>& carried, Verification& v) {
    const auto& img = b.manifest.images[index];
    auto where = [&](const std::string& what) {
        return core::fail(bundle_error(core::ErrorKind::Protocol, b.path, "image " + img.source + ": " + what));
    };
    auto listed = b.layout->find_ref(img.ref_name);
    if (!listed) return std::unexpected(listed.error());
    if (!*listed || (*listed)->digest != img.digest)
        return where("index.json does not name " + img.digest.str() + " as '" + img.ref_name + "'");
    auto view = store::make_layout_store(b.layout, {.commit_backend = false});
    auto graph = copy::load_image_graph(*view, img.digest.str(), {});
    if (!graph) return std::unexpected(graph.error().with_context("bundle " + b.path.string() + ": image " + img.source));
    std::set<Digest> needed;
    for (const auto* m : graph->manifests_in_push_order()) {
        if (!carried.contains(m->digest)) return where("manifest " + m->digest.str() + " is not listed in ferry-bundle.json");
        needed.insert(m->digest);
        for (const auto& blob : copy::ImageGraph::blobs_of(*m)) needed.insert(blob.digest);
    }
    if (needed != std::set<Digest>(img.blobs.begin(), img.blobs.end()))
        return where("the blobs its manifests reference differ from ferry-bundle.json");
    for (const auto& d : needed) {
        if (carried.contains(d)) continue;
        if (!b.manifest.delta) return where("blob " + d.str() + " is missing from the bundle");
        v.external[d].push_back(index);
    }
    return {};
}

}  // namespace

core::Result<std::pair<std::string, std::uint64_t>> hash_stream(store::BlobReader& reader) {
    core::Sha256 hasher;
    std::vector<char> buffer(1 << 20);
    for (;;) {
        auto n = reader.read(buffer.data(), buffer.size());
        if (!n) return std::unexpected(n.error());
        if (*n == 0) break;
        hasher.update(buffer.data(), *n);
    }
    auto size = hasher.bytes();
    return std::pair{hasher.finish_hex(), size};
}

core::Result<OpenedBundle> open_bundle(const fs::path& path) {
    std::error_code ec;
    auto status = fs::status(path, ec);
    if (ec || !fs::exists(status))
        return std::unexpected(bundle_error(core::ErrorKind::NotFound, path, "does not exist"));
    auto opened = fs::is_directory(status) ? open_directory(path) : open_archive(path);
    if (!opened) return opened;
    auto parsed = parse_bundle_manifest(opened->manifest_text, (path / kBundleFileName).string());
    if (!parsed) return std::unexpected(parsed.error());
    opened->manifest = std::move(*parsed);
    return opened;
}

core::Result<std::pair<BundleManifest, std::string>> read_bundle_manifest(const fs::path& path) {
    std::error_code ec;
    std::string text;
    if (fs::is_regular_file(path, ec) && path.extension() == ".json") {
        auto read = store::fileio::read_small_file(path, kMaxBundleFileBytes);
        if (!read) return std::unexpected(read.error());
        text = std::move(*read);
    } else {
        auto opened = open_bundle(path);
        if (!opened) return std::unexpected(opened.error());
        return std::pair{std::move(opened->manifest), std::move(opened->manifest_text)};
    }
    auto parsed = parse_bundle_manifest(text, path.string());
    if (!parsed) return std::unexpected(parsed.error());
    return std::pair{std::move(*parsed), std::move(text)};
}

core::Result<Verification> verify_bundle(OpenedBundle& bundle) {
    Verification v;
    if (auto st = check_files(bundle, v); !st) return std::unexpected(st.error());
    const auto carried = bundle.manifest.carried_blobs();
    for (std::size_t i = 0; i < bundle.manifest.images.size(); ++i)
        if (auto st = check_image(bundle, i, carried, v); !st) return std::unexpected(st.error());
    return v;
}

}  // namespace ferry::bundle
