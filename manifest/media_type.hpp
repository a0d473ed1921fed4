#pragma once
/// Manifest and blob media types, and their families.
#include <string_view>

namespace ferry::manifest::media {

inline constexpr std::string_view kOciIndex = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view kOciManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kOciConfig = "application/vnd.oci.image.config.v1+json";
inline constexpr std::string_view kOciLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
inline constexpr std::string_view kOciLayer = "application/vnd.oci.image.layer.v1.tar";
inline constexpr std::string_view kOciEmpty = "application/vnd.oci.empty.v1+json";
inline constexpr std::string_view kDockerList =
    "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr std::string_view kDockerManifest =
    "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view kDockerConfig = "application/vnd.docker.container.image.v1+json";
inline constexpr std::string_view kDockerLayerGzip =
    "application/vnd.docker.image.rootfs.diff.tar.gzip";

/// The Accept header value listing every manifest type ferry reads.
inline constexpr std::string_view kAcceptManifests =
    "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.docker.distribution.manifest.v2+json";

bool is_index(std::string_view media_type);     ///< OCI index or Docker manifest list
bool is_manifest(std::string_view media_type);  ///< OCI or Docker schema2 image manifest
bool is_docker(std::string_view media_type);    ///< any application/vnd.docker.* type
bool is_known_manifest(std::string_view media_type);  ///< is_index || is_manifest

}  // namespace ferry::manifest::media
