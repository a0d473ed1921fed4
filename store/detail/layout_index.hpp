#pragma once
/// index.json of an OCI image layout: parsing, lookup by ref name
/// (org.opencontainers.image.ref.name, skopeo's convention) and buffered tag changes that
/// are merged into a freshly read index at commit, so concurrent writers keep each other's
/// entries. Unknown fields of index.json and of its entries are preserved.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "manifest/descriptor.hpp"

namespace ferry::store {

/// index.json and oci-layout larger than this are refused.
inline constexpr std::size_t kMaxIndexJsonBytes = 4 * 1024 * 1024;

/// The oci-layout file's content.
std::string oci_layout_file_content();
/// Checks an oci-layout file (imageLayoutVersion "1.0.0"); `where` names the layout.
core::Status check_oci_layout_file(std::string_view text, std::string_view where);

/// Parses index.json text; Protocol errors name `where` and the problem.
core::Result<nlohmann::json> parse_index_json(std::string_view text, std::string_view where);
/// An empty OCI image index.
nlohmann::json empty_index_json();

/// The refs of one layout: the committed index.json plus changes not yet committed.
/// Not thread-safe; owners lock.
class RefTable {
public:
    explicit RefTable(nlohmann::json base = empty_index_json()) : base_(std::move(base)) {}

    /// The descriptor tagged `ref` (pending changes first). An empty `ref` matches the
    /// only entry of an index with exactly one entry. nullopt when absent.
    core::Result<std::optional<manifest::Descriptor>> find(std::string_view ref) const;
    /// Media type of the entry with `digest`, if the index lists it.
    std::optional<std::string> media_type_of(const manifest::Digest& digest) const;
    /// Every ref name, each once, in index order then pending order.
    std::vector<std::string> names() const;
    /// Points `ref` at `d` (buffered until merged).
    void set(const std::string& ref, const manifest::Descriptor& d);
    bool has_pending() const { return !pending_.empty(); }

    /// Applies the pending changes to `fresh` (an index just re-read) and returns it.
    nlohmann::json merged_into(nlohmann::json fresh) const;
    /// After a successful write of `written`: it becomes the base, pending is cleared.
    void committed(nlohmann::json written);

private:
    nlohmann::json base_;
    std::vector<std::pair<std::string, manifest::Descriptor>> pending_;
};

}  // namespace ferry::store
