#include <nlohmann/json.hpp>

#include "core/sha256.hpp"
#include "manifest/media_type.hpp"
#include "store/detail/blob_io.hpp"
#include "store/detail/layout_backend.hpp"

namespace ferry::store {
namespace {

using manifest::Descriptor;
using manifest::Digest;

/// Ref names may be full references ("host:port/repo:tag", as ferry export writes them);
/// a digest has a ':' and never a '/'.
bool looks_like_digest(const std::string& ref) {
    return ref.find(':') != std::string::npos && ref.find('/') == std::string::npos;
}

/// Media type of a manifest blob without a listed one: its mediaType field, else the OCI
/// type its shape implies.
core::Result<std::string> sniff_media_type(const std::string& raw, const std::string& what) {
    auto j = nlohmann::json::parse(raw, nullptr, false);
    if (j.is_discarded() || !j.is_object())
        return core::fail(core::ErrorKind::Protocol, what + ": not a JSON manifest");
    if (auto mt = j.find("mediaType"); mt != j.end() && mt->is_string()) return mt->get<std::string>();
    if (j.contains("manifests")) return std::string(manifest::media::kOciIndex);
    if (j.contains("config")) return std::string(manifest::media::kOciManifest);
    return core::fail(core::ErrorKind::Protocol, what + ": cannot tell the manifest's media type");
}

class LayoutStore : public Store, public LayoutFiles {
public:
    LayoutStore(std::shared_ptr<LayoutBackend> backend, LayoutViewOptions options)
        : backend_(std::move(backend)), options_(options) {}

    std::string describe() const override { return backend_->describe(); }

    core::Result<std::optional<Descriptor>> resolve(const std::string& ref) override {
        if (!looks_like_digest(ref)) return backend_->find_ref(ref);
        auto digest = Digest::parse(ref);
        if (!digest) return std::unexpected(digest.error());
        return resolve_digest(*digest);
    }

    core::Result<manifest::ParsedManifest> get_manifest(const std::string& ref) override {
        const std::string what = "reading manifest " + ref + " from " + describe();
        auto found = resolve(ref);
        if (!found) return std::unexpected(found.error().with_context(what));
        if (!*found) return core::fail(core::ErrorKind::NotFound, what + ": not found");
        auto raw = read_manifest_blob((*found)->digest, what);
        if (!raw) return std::unexpected(raw.error());
        if (core::sha256_hex(*raw) != (*found)->digest.hex())
            return core::fail(core::ErrorKind::Integrity, what + ": stored bytes do not match " +
                                                              (*found)->digest.str());
        auto parsed = manifest::parse_manifest(std::move(*raw), (*found)->media_type);
        if (!parsed) return std::unexpected(parsed.error().with_context(what));
        return parsed;
    }

    core::Status put_manifest(const manifest::ParsedManifest& m,
                              const std::optional<std::string>& tag) override {
        Descriptor d;
        d.media_type = m.media_type;
        d.digest = m.digest;
        d.size = static_cast<std::int64_t>(m.raw.size());
        auto present = backend_->has_blob(d.digest);
        if (!present) return std::unexpected(present.error());
        if (!*present) {
            StringBlobReader source(m.raw);
            if (auto st = backend_->write_blob(d, source); !st) return st;
        }
        if (tag) return backend_->set_ref(*tag, d);
        return {};
    }

    core::Result<bool> has_blob(const Descriptor& blob) override { return backend_->has_blob(blob.digest); }

    core::Result<std::unique_ptr<BlobReader>> open_blob(const Descriptor& blob,
                                                        std::uint64_t offset) override {
        return backend_->open_blob(blob.digest, offset);
    }

    core::Status put_blob(const Descriptor& blob, BlobReader& source) override {
        return backend_->write_blob(blob, source);
    }

    core::Result<std::vector<std::string>> list_tags() override { return backend_->ref_names(); }

    core::Result<std::unique_ptr<BlobReader>> open_file(const std::string& path) override {
        return backend_->open_file(path);
    }
    core::Result<std::optional<std::uint64_t>> file_size(const std::string& path) override {
        return backend_->file_size(path);
    }

    core::Status commit() override {
        if (!options_.commit_backend) return {};
        return backend_->commit();
    }

private:
    core::Result<std::optional<Descriptor>> resolve_digest(const Digest& digest) {
        auto size = backend_->blob_size(digest);
        if (!size) return std::unexpected(size.error());
        if (!*size) return std::optional<Descriptor>();
        Descriptor d;
        d.digest = digest;
        d.size = static_cast<std::int64_t>(**size);
        auto listed = backend_->listed_media_type(digest);
        if (!listed) return std::unexpected(listed.error());
        if (*listed) {
            d.media_type = **listed;
        } else {
            const std::string what = "reading manifest " + digest.str() + " from " + describe();
            auto raw = read_manifest_blob(digest, what);
            if (!raw) return std::unexpected(raw.error());
            auto type = sniff_media_type(*raw, what);
            if (!type) return std::unexpected(type.error());
            d.media_type = std::move(*type);
        }
        return std::optional<Descriptor>(std::move(d));
    }

    core::Result<std::string> read_manifest_blob(const Digest& digest, const std::string& what) {
        auto reader = backend_->open_blob(digest, 0);
        if (!reader) return std::unexpected(reader.error().with_context(what));
        return read_all(**reader, manifest::kDefaultMaxManifestBytes, what);
    }

    std::shared_ptr<LayoutBackend> backend_;
    LayoutViewOptions options_;
};

bool is_path_safe(std::string_view text, std::string_view allowed_extra, bool hex_only) {
    if (text.empty()) return false;
    for (char c : text) {
        const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
                        (!hex_only && ((c >= 'g' && c <= 'z') || allowed_extra.find(c) != std::string_view::npos));
        if (!ok) return false;
    }
    return true;
}

}  // namespace

std::unique_ptr<Store> make_layout_store(std::shared_ptr<LayoutBackend> backend, LayoutViewOptions options) {
    return std::make_unique<LayoutStore>(std::move(backend), options);
}

core::Status check_relative_path(std::string_view path, std::string_view where) {
    bool ok = !path.empty() && path.front() != '/' && path.find('\0') == std::string_view::npos;
    for (std::size_t start = 0; ok && start <= path.size();) {
        const auto slash = std::min(path.find('/', start), path.size());
        const auto part = path.substr(start, slash - start);
        ok = !part.empty() && part != "." && part != "..";
        start = slash + 1;
    }
    if (ok) return {};
    return core::fail(core::ErrorKind::InvalidInput,
                      std::string(where) + ": \"" + std::string(path) + "\" is not a relative path inside the layout");
}

core::Status check_digest_for_path(const Digest& digest) {
    if (!is_path_safe(digest.algorithm(), "+._-", false) || !is_path_safe(digest.hex(), "", true) ||
        digest.algorithm().front() == '.')
        return core::fail(core::ErrorKind::InvalidInput,
                          "digest \"" + digest.str() + "\" cannot name a blob file");
    return {};
}

}  // namespace ferry::store
