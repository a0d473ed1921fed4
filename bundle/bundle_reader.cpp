#include "bundle/bundle_reader.hpp"

#include <set>

#include "copy/image_graph.hpp"
#include "core/sha256.hpp"
#include "core/file_io.hpp"
#include "store/open.hpp"

namespace ferry::bundle {
namespace {

namespace fs = std::filesystem;
using manifest::Digest;

core::Error bundle_error(core::ErrorKind kind, const fs::path& path, const std::string& what) {
    return core::make_error(kind, "bundle " + path.string() + ": " + what);
}

/// The bundle's layout (directory or archive), read only; ferry-bundle.json is capped in
/// an archive's scan like index.json.
core::Result<OpenedBundle> open_layout(const fs::path& path, bool archive) {
    store::Location loc;
    loc.kind = archive ? store::Location::Kind::OciArchive : store::Location::Kind::OciLayout;
    loc.path = path.string();
    store::StoreContext ctx;
    ctx.options.archive_access = store::ArchiveAccess::Read;
    ctx.options.archive_file_limits = {{std::string(kBundleFileName), kMaxBundleFileBytes}};
    auto layout = store::open_store(loc, ctx);
    if (!layout) {
        if (!archive) return std::unexpected(layout.error());
        return std::unexpected(layout.error().with_context("refusing bundle " + path.string()));
    }
    OpenedBundle b;
    b.path = path;
    b.archive = archive;
    b.layout = std::move(*layout);
    b.files = store::layout_files(*b.layout);
    if (!b.files) return core::fail(core::ErrorKind::Internal, "bundle " + path.string() + ": the layout has no files");
    auto text = b.open_file(std::string(kBundleFileName));
    if (!text && text.error().kind == core::ErrorKind::NotFound)
        return std::unexpected(bundle_error(core::ErrorKind::InvalidInput, path, "no ferry-bundle.json: not a ferry bundle"));
    if (!text) return std::unexpected(text.error());
    auto bytes = store::read_all(**text, kMaxBundleFileBytes, (path / kBundleFileName).string());
    if (!bytes) return std::unexpected(bytes.error());
    b.manifest_text = std::move(*bytes);
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
        if (auto d = manifest::digest_of_layout_blob_path(f.path)) {
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
    auto listed = b.layout->resolve(img.ref_name);
    if (!listed) return std::unexpected(listed.error());
    if (!*listed || (*listed)->digest != img.digest)
        return where("index.json does not name " + img.digest.str() + " as '" + img.ref_name + "'");
    auto graph = copy::load_image_graph(*b.layout, img.digest.str(), {});
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

core::Result<std::unique_ptr<store::BlobReader>> OpenedBundle::open_file(const std::string& rel) const {
    auto reader = files->open_file(rel);
    if (!reader && reader.error().kind == core::ErrorKind::NotFound)
        return std::unexpected(bundle_error(core::ErrorKind::NotFound, path,
                                            rel + (archive ? " is missing" : " is missing or not a regular file")));
    return reader;
}

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
    auto opened = open_layout(path, !fs::is_directory(status));
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
        auto read = core::fileio::read_small_file(path, kMaxBundleFileBytes);
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
