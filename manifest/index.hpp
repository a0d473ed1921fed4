#pragma once
/// Index assembly and filtering (pure, no I/O).
#include <vector>

#include "core/error.hpp"
#include "manifest/manifest.hpp"

namespace ferry::manifest {

/// Keeps the entries whose platform matches any of `wanted`, plus the attestation entries
/// that describe a kept entry (vnd.docker.reference.digest). Entries without a platform are
/// dropped unless they are kept attestations. Media type, annotations and entry order of
/// the source are preserved. Errors (NotFound) when no platform matches, naming the
/// platforms the index has. An empty `wanted` keeps everything.
core::Result<Index> filter_platforms(const Index& source, const std::vector<Platform>& wanted);

/// The platforms of `index`'s image entries, each once, in index order: "linux/amd64,
/// linux/arm64/v8" ("none" for an index without platform entries).
std::string available_platforms(const Index& index);

/// True when every entry of `index` is kept by filter_platforms(index, wanted), i.e. the
/// subset is the whole index and the original bytes can be copied unchanged.
bool filter_keeps_all(const Index& index, const std::vector<Platform>& wanted);

enum class IndexFormat { Oci, Docker };

struct IndexEntry {
    Descriptor manifest;  ///< must carry a platform unless it is an attestation
};

/// Builds a new index of `format` from descriptors. Rules: duplicate platforms are an error
/// naming both digests; Docker format refuses annotations (on the index or the entries) and
/// OCI child media types, with a clear message.
core::Result<Index> build_index(IndexFormat format, const std::vector<Descriptor>& entries,
                                const std::map<std::string, std::string>& annotations);

}  // namespace ferry::manifest
