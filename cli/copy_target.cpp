#include "cli/copy_target.hpp"

#include "manifest/reference.hpp"
#include "store/open.hpp"

namespace ferry::cli {
namespace {

/// The tag a source location names, if any. Layout ref names may be full references
/// ("host:port/repo:tag", as ferry export writes them): their tag part is taken.
std::optional<std::string> source_tag(const store::Location& src) {
    if (src.kind == store::Location::Kind::Registry) return src.reference.tag;
    if (!src.ref || src.ref->starts_with("sha256:")) return std::nullopt;
    if (src.ref->find('/') == std::string::npos) return src.ref;
    auto full = manifest::Reference::parse(*src.ref, /*default_latest=*/false);
    if (full && full->tag) return full->tag;
    return std::nullopt;
}

}  // namespace

core::Result<CopyNames> copy_locations(const std::string& source, const std::string& target) {
    auto src = store::parse_location(source);
    if (!src) return std::unexpected(src.error());
    auto dst = store::parse_location(target);
    if (!dst) return std::unexpected(dst.error());
    CopyNames names;
    names.source = src->str();
    const std::string named = dst->ref_string();
    if (named.starts_with("sha256:")) {
        names.target = dst->str();
        return names;
    }
    names.target_tag = named.empty() ? source_tag(*src).value_or("latest") : named;
    if (dst->kind == store::Location::Kind::Registry) dst->reference.tag = names.target_tag;
    else dst->ref = names.target_tag;
    names.target = dst->str();
    return names;
}

}  // namespace ferry::cli
