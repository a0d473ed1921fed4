#pragma once
/// The pure part of manifest-list assembly: which descriptors go into the index, where each
/// came from, and the rules users see as errors (duplicate platforms naming both sources,
/// Docker lists refusing OCI children). No I/O.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "manifest/descriptor.hpp"
#include "manifest/index.hpp"
#include "manifest/platform.hpp"

namespace ferry::multiarch {

/// One index entry and the source (as the user wrote it) it was taken from.
struct SourcedEntry {
    manifest::Descriptor descriptor;
    std::string source;
};

/// The platform an index entry gets for what the user or an image config stated: aliases
/// resolved (aarch64 => arm64, arm => arm/v7), but an arm64 without a variant keeps none
/// (not v8: what `docker buildx` and the config say is kept; comparisons still treat
/// linux/arm64 and linux/arm64/v8 as one platform).
manifest::Platform as_stated(const manifest::Platform& stated);

/// Parses "os/arch[/variant]" as the user stated it (see as_stated). Errors quote the text.
core::Result<manifest::Platform> parse_as_stated(std::string_view text);

/// Parses "SRC=os/arch[/variant]" (the text after the last '=' is the platform, as stated).
/// Errors (InvalidInput) quote the text.
core::Result<std::pair<std::string, manifest::Platform>> parse_platform_override(std::string_view text);

/// Reads the platform from an image config blob (architecture, os, variant, os.version,
/// os.features), as_stated: a bare arm becomes arm/v7, an arm64 keeps the config's variant or
/// none. Errors (InvalidInput) when the JSON is malformed or lacks os/architecture.
core::Result<manifest::Platform> platform_from_config(std::string_view config_json);

/// Fails (InvalidInput) when two image entries share a platform, naming both sources:
/// "duplicate platform linux/amd64: SRC_A and SRC_B". Attestation entries are not compared.
core::Status check_unique_platforms(const std::vector<SourcedEntry>& entries);

/// A Docker manifest list may only list Docker schema2 manifests: fails (InvalidInput)
/// naming the source of the first OCI child.
core::Status check_docker_children(const std::vector<SourcedEntry>& entries);

/// `--append`: the entries of the existing index with every image whose platform an incoming
/// image has replaced in place by that image (its attestations follow it; the replaced image's
/// attestations are dropped); incoming images with new platforms are added at the end.
std::vector<SourcedEntry> merge_for_append(const std::vector<SourcedEntry>& existing,
                                           const std::vector<SourcedEntry>& incoming);

/// The descriptors of `entries`, in order.
std::vector<manifest::Descriptor> descriptors_of(const std::vector<SourcedEntry>& entries);

}  // namespace ferry::multiarch
