#include "manifest/descriptor.hpp"

#include "manifest/json_fields.hpp"

namespace ferry::manifest {
namespace {

using detail::Json;
constexpr std::string_view kAttestationManifest = "attestation-manifest";

core::Result<Platform> platform_from_json(const Json& j) {
    constexpr std::string_view kPath = "platform";
    if (!j.is_object()) return core::fail(detail::field_error(kPath, "must be an object"));
    Platform p;
    auto arch = detail::required_string(j, "architecture", kPath);
    if (!arch) return core::fail(arch.error());
    auto os = detail::required_string(j, "os", kPath);
    if (!os) return core::fail(os.error());
    auto variant = detail::string_field(j, "variant", kPath);
    if (!variant) return core::fail(variant.error());
    auto os_version = detail::string_field(j, "os.version", kPath);
    if (!os_version) return core::fail(os_version.error());
    auto os_features = detail::string_list_field(j, "os.features", kPath);
    if (!os_features) return core::fail(os_features.error());
    p.architecture = std::move(*arch);
    p.os = std::move(*os);
    p.variant = variant->value_or("");
    p.os_version = os_version->value_or("");
    p.os_features = std::move(*os_features);
    return p;
}

nlohmann::ordered_json platform_to_json(const Platform& p) {
    nlohmann::ordered_json j;
    j["architecture"] = p.architecture;
    j["os"] = p.os;
    if (!p.os_version.empty()) j["os.version"] = p.os_version;
    if (!p.os_features.empty()) j["os.features"] = p.os_features;
    if (!p.variant.empty()) j["variant"] = p.variant;
    return j;
}

core::Result<Digest> digest_from_json(const Json& j) {
    auto text = detail::required_string(j, "digest");
    if (!text) return core::fail(text.error());
    auto digest = Digest::parse(*text);
    if (!digest) return core::fail(detail::field_error("digest", "is invalid: " + digest.error().message));
    return *digest;
}

}  // namespace

bool Descriptor::is_attestation() const {
    auto it = annotations.find(std::string(kAnnotationReferenceType));
    return it != annotations.end() && it->second == kAttestationManifest;
}

std::optional<Digest> Descriptor::attests_to() const {
    if (!is_attestation()) return std::nullopt;
    auto it = annotations.find(std::string(kAnnotationReferenceDigest));
    if (it == annotations.end()) return std::nullopt;
    auto digest = Digest::parse(it->second);
    if (!digest) return std::nullopt;
    return *digest;
}

core::Result<Descriptor> Descriptor::from_json(const nlohmann::json& j) {
    if (!j.is_object())
        return core::fail(core::ErrorKind::Protocol, "descriptor must be a JSON object");
    Descriptor d;
    auto media_type = detail::required_string(j, "mediaType");
    if (!media_type) return core::fail(media_type.error());
    auto digest = digest_from_json(j);
    if (!digest) return core::fail(digest.error());
    auto size = detail::required_size(j, "size");
    if (!size) return core::fail(size.error());
    auto annotations = detail::string_map_field(j, "annotations");
    if (!annotations) return core::fail(annotations.error());
    auto artifact_type = detail::string_field(j, "artifactType");
    if (!artifact_type) return core::fail(artifact_type.error());
    auto urls = detail::string_list_field(j, "urls");
    if (!urls) return core::fail(urls.error());
    if (const Json* platform = detail::find_field(j, "platform")) {
        auto parsed = platform_from_json(*platform);
        if (!parsed) return core::fail(parsed.error());
        d.platform = std::move(*parsed);
    }
    d.media_type = std::move(*media_type);
    d.digest = std::move(*digest);
    d.size = *size;
    d.annotations = std::move(*annotations);
    d.artifact_type = artifact_type->value_or("");
    d.urls = std::move(*urls);
    return d;
}

nlohmann::ordered_json Descriptor::to_ordered_json() const {
    nlohmann::ordered_json j;
    j["mediaType"] = media_type;
    if (!artifact_type.empty()) j["artifactType"] = artifact_type;
    j["digest"] = digest.str();
    j["size"] = size;
    if (!urls.empty()) j["urls"] = urls;
    if (platform) j["platform"] = platform_to_json(*platform);
    if (!annotations.empty()) j["annotations"] = annotations;
    return j;
}

nlohmann::json Descriptor::to_json() const { return nlohmann::json::parse(to_ordered_json().dump()); }

}  // namespace ferry::manifest
