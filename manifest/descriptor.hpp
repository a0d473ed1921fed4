#pragma once
/// OCI content descriptors.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/error.hpp"
#include "manifest/digest.hpp"
#include "manifest/platform.hpp"

namespace ferry::manifest {

inline constexpr std::string_view kAnnotationRefName = "org.opencontainers.image.ref.name";
inline constexpr std::string_view kAnnotationReferenceType = "vnd.docker.reference.type";
inline constexpr std::string_view kAnnotationReferenceDigest = "vnd.docker.reference.digest";

struct Descriptor {
    std::string media_type;
    Digest digest;
    std::int64_t size = 0;
    std::optional<Platform> platform;
    std::map<std::string, std::string> annotations;
    std::string artifact_type;      ///< "" if absent
    std::vector<std::string> urls;  ///< foreign layers; "" if absent

    /// An attestation entry of a buildx index (annotation vnd.docker.reference.type =
    /// "attestation-manifest"); attests_to() is the image digest it describes.
    bool is_attestation() const;
    std::optional<Digest> attests_to() const;

    /// JSON codec. from_json validates digest/size/mediaType and returns InvalidInput/Protocol
    /// errors naming the field.
    static core::Result<Descriptor> from_json(const nlohmann::json& j);
    nlohmann::json to_json() const;
    /// The same JSON with keys in spec order (mediaType, artifactType, digest, size, urls,
    /// platform, annotations), absent/empty optional fields omitted: the canonical form.
    nlohmann::ordered_json to_ordered_json() const;

    bool operator==(const Descriptor&) const = default;
};

}  // namespace ferry::manifest
