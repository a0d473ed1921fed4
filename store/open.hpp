#pragma once
/// Opening a Store from a location string.
///
/// Location syntax:
///   docker://HOST/REPO[:TAG|@DIGEST]   a registry repository
///   HOST/REPO[:TAG|@DIGEST]            the same (a bare reference, Docker's normalisation)
///   oci:PATH[:REF]                     an OCI image layout directory
///   oci-archive:PATH[:REF]             a tar of an OCI image layout
/// For oci: and oci-archive:, REF is the text after the LAST ':' when that text contains no
/// '/'; otherwise the whole text is the path. So a path whose last component contains ':'
/// must be followed by a ':' (`oci:/data/a:b:` = path "/data/a:b", no ref) and a ref cannot
/// contain '/'. A REF of the form `sha256:<64 hex>` (or `@sha256:<hex>` after the path) is a
/// digest. Paths may be absolute or relative. The prefixes win: "oci:5000/app" is a layout.
/// skopeo's other transports (dir:, docker-archive:, docker-daemon:, containers-storage:, …)
/// are refused by name, unless a port follows ("dir:5000/app" is the host "dir").
///
/// A store is bound to one repository or one layout; the ref (tag or digest) in the
/// location is what the caller resolves or tags, through the store's methods.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "manifest/reference.hpp"
#include "registry/client.hpp"
#include "store/store.hpp"

namespace ferry::store {

struct Location {
    enum class Kind { Registry, OciLayout, OciArchive };
    Kind kind = Kind::Registry;
    manifest::Reference reference;  ///< Registry: host, repository, tag and/or digest
    std::string path;               ///< OciLayout/OciArchive
    std::optional<std::string> ref;  ///< OciLayout/OciArchive: tag (ref name) or digest

    /// The tag or digest the location names ("" if none): the digest wins for registries.
    std::string ref_string() const;
    /// "docker://host/repo:tag", "oci:path:ref", "oci-archive:path".
    std::string str() const;
};

/// A store plus the tag or digest its location named ("" when it named none).
struct OpenedStore {
    std::shared_ptr<Store> store;
    std::string ref;
};

/// Parses a location (see the syntax above). A registry reference gets no default tag.
/// Errors: InvalidInput naming the text.
core::Result<Location> parse_location(std::string_view text);

/// How an oci-archive location is opened (directories and registries ignore it).
enum class ArchiveAccess {
    Auto,   ///< read an existing FILE; write a new one when FILE does not exist
    Read,   ///< FILE must exist; writes are refused
    Write,  ///< write FILE.partial, replacing FILE at commit(); the old content is not read
};

struct StoreOptions {
    ArchiveAccess archive_access = ArchiveAccess::Auto;
    /// Files of an oci-archive opened for reading that the caller will read whole (for
    /// LayoutFiles), with their size caps (name -> bytes): a larger entry refuses the
    /// archive at open, like an oversized index.json.
    std::map<std::string, std::uint64_t> archive_file_limits;
};

struct StoreContext {
    std::shared_ptr<registry::ClientPool> clients;  ///< required for registry locations
    StoreOptions options;
};

/// Opens the store a location names. Registries: the pool's client for the host. Layout
/// directories are created on the first write; archives follow `ctx.options.archive_access`.
core::Result<std::unique_ptr<Store>> open_store(const Location& location, const StoreContext& ctx);
core::Result<std::unique_ptr<Store>> open_store(std::string_view location, const StoreContext& ctx);

/// Writes the OCI layout directory `layout_dir` as a new oci-archive `file`, through the
/// archive store (the one writer of oci-archives): FILE.partial receives the blobs `blobs`
/// (each re-verified against its digest as it is packed), the directory's oci-layout and
/// index.json byte for byte, then `extra_files` (top-level name, bytes, e.g. a tool's own
/// manifest); it is then fsync'd and renamed to FILE, replacing it. On failure FILE is
/// untouched and FILE.partial removed.
core::Status archive_layout_directory(const std::string& layout_dir, const std::string& file,
                                      const std::vector<manifest::Digest>& blobs,
                                      const std::vector<std::pair<std::string, std::string>>& extra_files);

}  // namespace ferry::store
