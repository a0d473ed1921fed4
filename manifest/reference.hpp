#pragma once
/// Image references with Docker's normalisation rules:
///  - no host, `docker.io` or `index.docker.io` => registry "docker.io", API host
///    "registry-1.docker.io"; a one-part repository gets "library/";
///  - a first component containing '.' or ':' or equal to "localhost" is a host;
///  - no tag and no digest => tag "latest" (only when parse() is asked to default it);
///  - "name:tag@sha256:..." keeps both; the digest wins when resolving.
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "manifest/digest.hpp"

namespace ferry::manifest {

struct Reference {
    std::string registry;    ///< "docker.io", "127.0.0.1:5000", "quay.io"
    std::string repository;  ///< "library/nginx", "team/app"
    std::optional<std::string> tag;
    std::optional<Digest> digest;

    /// Parses a full reference (tag or digest optional). `default_latest` adds tag "latest"
    /// when neither tag nor digest is given. Errors (InvalidInput) quote the input and say
    /// which part is wrong ("repository component 'Foo' must be lower case"). A leading
    /// "docker://" is ignored. The name (registry/repository) is at most 255 characters.
    static core::Result<Reference> parse(std::string_view text, bool default_latest = true);
    /// Parses a repository only ("host/repo", no tag/digest allowed).
    static core::Result<Reference> parse_repository(std::string_view text);

    /// The host to send HTTP requests to ("registry-1.docker.io" for Docker Hub).
    std::string api_host() const;
    /// "registry/repository" (no tag/digest).
    std::string repository_str() const;
    /// Full form: "registry/repository:tag@digest" (whatever parts exist).
    std::string str() const;
    /// The tag or digest to use in a /manifests/<ref> URL: digest if any, else tag, else
    /// "latest".
    std::string manifest_ref() const;

    Reference with_tag(std::string tag) const;        ///< drops the digest
    Reference with_digest(Digest digest) const;       ///< drops the tag
    Reference with_repository(std::string repository) const;  ///< keeps tag/digest
    bool operator==(const Reference&) const = default;
};

/// The distribution grammar, the one check of every name from outside (catalogs, tag lists,
/// webhook payloads, bundle manifests) and of every name ferry builds (a prefix joined to a
/// source path):
/// A tag: [A-Za-z0-9_][A-Za-z0-9._-]{0,127} (ASCII only).
bool is_valid_tag(std::string_view tag);
/// A repository path without host: components `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*` separated by
/// '/', so no empty, "." or ".." component and no '%' (a percent-encoded "%2e%2e" fails too);
/// at most 255 characters in all.
bool is_valid_repository(std::string_view repository);

}  // namespace ferry::manifest
