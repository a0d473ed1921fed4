/// Fuzzes parse_manifest with each content type ferry meets (and none). Properties: the raw
/// bytes and their digest are kept; an index serialises to JSON that parses back to the same
/// entries; platform filtering and children() accept whatever parsing accepted.
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "manifest/index.hpp"
#include "manifest/manifest.hpp"
#include "manifest/platform.hpp"

using ferry::fuzz::check;
namespace m = ferry::manifest;

namespace {

constexpr std::string_view kContentTypes[] = {
    "",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
};

void exercise_index(const m::ParsedManifest& parsed, std::string_view text) {
    const m::Index& index = parsed.index();
    auto serialized = index.serialize();
    auto again = m::parse_manifest(serialized, index.media_type);
    check(again.has_value(), "serialize() of a parsed index does not parse", serialized);
    check(again->is_index(), "serialize() of an index parses as an image", serialized);
    check(again->index().manifests == index.manifests, "serialize() changes the entries", serialized);

    static const std::vector<m::Platform> wanted = {*m::Platform::parse("linux/amd64"),
                                                    *m::Platform::parse("linux/arm")};
    auto kept = m::filter_platforms(index, wanted);
    if (kept) {
        check(kept->manifests.size() <= index.manifests.size(), "filter added entries", text);
        if (m::filter_keeps_all(index, wanted)) {
            check(kept->manifests.size() == index.manifests.size(), "filter_keeps_all but entries dropped", text);
        }
    }
    check(m::filter_platforms(index, {}).has_value(), "empty platform filter failed", text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
    auto text = ferry::fuzz::as_text(data, size);
    for (auto content_type : kContentTypes) {
        auto parsed = m::parse_manifest(std::string(text), content_type);
        if (!parsed) {
            check(!parsed.error().message.empty(), "manifest error without a message", text);
            continue;
        }
        check(parsed->raw == text, "raw bytes not kept", text);
        check(parsed->digest == m::Digest::of(text), "digest is not sha256 of the raw bytes", text);
        check(!parsed->media_type.empty(), "parsed manifest without a media type", text);
        (void)parsed->children();
        if (parsed->is_index()) exercise_index(*parsed, text);
    }
    return 0;
}
