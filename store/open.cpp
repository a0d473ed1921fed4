#include "store/open.hpp"

#include <cctype>
#include <filesystem>

#include "store/detail/layout_backend.hpp"
#include "store/detail/oci_archive.hpp"
#include "store/detail/oci_layout.hpp"
#include "store/detail/registry_store.hpp"

namespace ferry::store {
namespace {

constexpr std::string_view kDocker = "docker://";
constexpr std::string_view kOci = "oci:";
constexpr std::string_view kOciArchive = "oci-archive:";
/// Transports of skopeo/containers-image that ferry does not speak.
constexpr std::string_view kForeignTransports[] = {"dir:", "docker-archive:", "docker-daemon:",
                                                   "containers-storage:", "ostree:", "sif:", "tarball:"};
constexpr std::string_view kSha256 = "sha256:";

bool is_sha256_digest(std::string_view text) {
    if (!text.starts_with(kSha256) || text.size() != kSha256.size() + 64) return false;
    return text.substr(kSha256.size()).find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

bool is_valid_ref_name(std::string_view ref) {
    return !ref.empty() && ref.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                                 "0123456789._-+@") == std::string_view::npos;
}

/// skopeo's form "oci-archive:FILE:REF" where REF is a full reference
/// ("b.tar:127.0.0.1:5101/corpus/alpine:3.19", the ref names ferry export writes): when the
/// whole text names nothing on disk, the longest prefix before a ':' that does is the path.
std::optional<std::size_t> existing_path_end(std::string_view text) {
    std::error_code ec;
    if (std::filesystem::exists(std::string(text), ec)) return std::nullopt;
    for (auto colon = text.rfind(':'); colon != std::string_view::npos && colon > 0; colon = text.rfind(':', colon - 1)) {
        if (colon + 1 < text.size() && std::filesystem::exists(std::string(text.substr(0, colon)), ec)) return colon;
    }
    return std::nullopt;
}

bool is_valid_full_ref_name(std::string_view ref) {
    return !ref.empty() && ref.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                                 "0123456789._-+@/:") == std::string_view::npos;
}

core::Result<Location> parse_layout(Location::Kind kind, std::string_view text, std::string_view original) {
    auto bad = [&](const std::string& why) {
        return core::fail(core::ErrorKind::InvalidInput, "invalid location \"" + std::string(original) + "\": " + why);
    };
    Location loc;
    loc.kind = kind;
    const std::size_t digest_len = kSha256.size() + 64;
    if (text.size() > digest_len + 1 && is_sha256_digest(text.substr(text.size() - digest_len)) &&
        (text[text.size() - digest_len - 1] == ':' || text[text.size() - digest_len - 1] == '@')) {
        loc.path = std::string(text.substr(0, text.size() - digest_len - 1));
        loc.ref = std::string(text.substr(text.size() - digest_len));
    } else if (auto end = existing_path_end(text)) {
        loc.path = std::string(text.substr(0, *end));
        std::string_view ref = text.substr(*end + 1);
        if (!is_valid_full_ref_name(ref))
            return bad("ref \"" + std::string(ref) + "\" may only contain letters, digits and ._-+@/:");
        loc.ref = std::string(ref);
    } else if (auto colon = text.rfind(':');
               colon != std::string_view::npos && text.find('/', colon) == std::string_view::npos) {
        loc.path = std::string(text.substr(0, colon));
        std::string_view ref = text.substr(colon + 1);
        if (!ref.empty()) {
            if (!is_valid_ref_name(ref))
                return bad("ref \"" + std::string(ref) + "\" may only contain letters, digits and ._-+@");
            loc.ref = std::string(ref);
        }
    } else {
        loc.path = std::string(text);
    }
    if (loc.path.empty()) return bad("the path is empty");
    return loc;
}

core::Result<Location> parse_registry(std::string_view text, std::string_view original) {
    auto ref = manifest::Reference::parse(text, /*default_latest=*/false);
    if (!ref) {
        auto e = ref.error();
        const auto colon = original.find(':');
        if (colon != std::string_view::npos && original.find('/') > colon && original.find("://") != colon)
            e.message += " (locations are docker://REF, REF, oci:DIR[:REF] or oci-archive:FILE[:REF])";
        return std::unexpected(std::move(e));
    }
    Location loc;
    loc.kind = Location::Kind::Registry;
    loc.reference = std::move(*ref);
    return loc;
}

core::Result<std::unique_ptr<Store>> open_archive(const Location& location, const StoreOptions& options) {
    std::error_code ec;
    const ArchiveAccess access = options.archive_access;
    const bool exists = std::filesystem::exists(location.path, ec);
    const bool write = access == ArchiveAccess::Write || (access == ArchiveAccess::Auto && !exists);
    auto archive = write ? OciArchive::create(location.path)
                         : OciArchive::open_read(location.path, options.archive_file_limits);
    if (!archive) return std::unexpected(archive.error());
    return make_layout_store(std::move(*archive));
}

}  // namespace

std::string Location::ref_string() const {
    if (kind == Kind::Registry) {
        if (reference.digest) return reference.digest->str();
        return reference.tag.value_or("");
    }
    return ref.value_or("");
}

std::string Location::str() const {
    switch (kind) {
        case Kind::Registry: return std::string(kDocker) + reference.str();
        case Kind::OciLayout:
        case Kind::OciArchive: {
            std::string out(kind == Kind::OciLayout ? kOci : kOciArchive);
            out += path;
            const auto colon = path.rfind(':');
            if (ref) out += ":" + *ref;
            else if (colon != std::string::npos && path.find('/', colon) == std::string::npos) out += ":";
            return out;
        }
    }
    return {};
}

core::Result<Location> parse_location(std::string_view text) {
    if (text.starts_with(kOciArchive))
        return parse_layout(Location::Kind::OciArchive, text.substr(kOciArchive.size()), text);
    if (text.starts_with(kOci)) return parse_layout(Location::Kind::OciLayout, text.substr(kOci.size()), text);
    if (text.starts_with(kDocker)) return parse_registry(text.substr(kDocker.size()), text);
    for (const auto transport : kForeignTransports)  // "dir:5000/app" is a host "dir", port 5000
        if (text.starts_with(transport) && !(text.size() > transport.size() && std::isdigit(static_cast<unsigned char>(text[transport.size()]))))
            return core::fail(core::ErrorKind::InvalidInput,
                              "invalid location \"" + std::string(text) + "\": the transport " + std::string(transport) +
                                  " is not supported (ferry reads and writes docker://, oci:DIR and oci-archive:FILE.tar)");
    if (text.find("://") != std::string_view::npos)
        return core::fail(core::ErrorKind::InvalidInput,
                          "invalid location \"" + std::string(text) + "\": unsupported transport");
    return parse_registry(text, text);
}

core::Result<std::unique_ptr<Store>> open_store(const Location& location, const StoreContext& ctx) {
    switch (location.kind) {
        case Location::Kind::Registry: {
            if (!ctx.clients)
                return core::fail(core::ErrorKind::Internal, "opening " + location.str() + ": no registry client pool");
            auto client = ctx.clients->get(location.reference.registry);
            if (!client) return std::unexpected(client.error());
            return make_registry_store(std::move(*client), location.reference);
        }
        case Location::Kind::OciLayout: {
            auto layout = OciLayout::open(location.path);
            if (!layout) return std::unexpected(layout.error());
            return make_layout_store(std::move(*layout));
        }
        case Location::Kind::OciArchive: return open_archive(location, ctx.options);
    }
    return core::fail(core::ErrorKind::Internal, "unknown location kind");
}

core::Result<std::unique_ptr<Store>> open_store(std::string_view location, const StoreContext& ctx) {
    auto parsed = parse_location(location);
    if (!parsed) return std::unexpected(parsed.error());
    return open_store(*parsed, ctx);
}

core::Status archive_layout_directory(const std::string& layout_dir, const std::string& file,
                                      const std::vector<manifest::Digest>& blobs,
                                      const std::vector<std::pair<std::string, std::string>>& extra_files) {
    auto layout = OciLayout::open(layout_dir);
    if (!layout) return std::unexpected(layout.error());
    auto archive = OciArchive::create(file);
    if (!archive) return std::unexpected(archive.error());
    return (*archive)->commit_copy_of(**layout, blobs, extra_files);
}

}  // namespace ferry::store
