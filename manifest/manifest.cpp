#include "manifest/manifest.hpp"

#include <fmt/format.h>

#include "manifest/json_fields.hpp"
#include "manifest/media_type.hpp"

namespace ferry::manifest {
namespace {

using detail::Json;

constexpr std::string_view kSchema1 = "application/vnd.docker.distribution.manifest.v1+json";
constexpr std::string_view kSchema1Signed = "application/vnd.docker.distribution.manifest.v1+prettyjws";

/// "application/x; charset=utf-8 " => "application/x".
std::string_view bare_media_type(std::string_view content_type) {
    content_type = content_type.substr(0, content_type.find(';'));
    while (!content_type.empty() && content_type.back() == ' ') content_type.remove_suffix(1);
    while (!content_type.empty() && content_type.front() == ' ') content_type.remove_prefix(1);
    return content_type;
}

core::Error schema1_error() {
    return core::make_error(core::ErrorKind::Unsupported,
                            "Docker schema1 manifests (schemaVersion 1) are not supported; "
                            "re-push the image with a current client to convert it to schema2/OCI");
}

core::Status check_schema_version(const Json& j, std::string_view json_type, std::string_view content_type) {
    if (json_type == kSchema1 || json_type == kSchema1Signed || content_type == kSchema1 ||
        content_type == kSchema1Signed)
        return core::fail(schema1_error());
    const Json* version = detail::find_field(j, "schemaVersion");
    if (!version) return core::fail(detail::field_error("schemaVersion", "is missing"));
    if (!version->is_number_integer())
        return core::fail(detail::field_error("schemaVersion", "must be the integer 2"));
    if (version->get<std::int64_t>() == 1) return core::fail(schema1_error());
    if (version->get<std::int64_t>() != 2)
        return core::fail(detail::field_error(
            "schemaVersion", fmt::format("is {}, only 2 is supported", version->get<std::int64_t>())));
    return {};
}

/// The JSON mediaType if known, else the content type if known, else (only when the JSON
/// names no type) a guess from the structure.
core::Result<std::string> detect_media_type(const Json& j, std::string_view json_type,
                                            std::string_view content_type) {
    if (media::is_known_manifest(json_type)) return std::string(json_type);
    if (media::is_known_manifest(content_type)) return std::string(content_type);
    if (json_type.empty()) {
        if (j.contains("manifests")) return std::string(media::kOciIndex);
        if (j.contains("config") || j.contains("layers")) return std::string(media::kOciManifest);
    }
    return core::fail(core::ErrorKind::Unsupported,
                      fmt::format("unsupported manifest type (mediaType '{}', content type '{}'): "
                                  "expected an OCI index/manifest or a Docker list/schema2 manifest",
                                  json_type, content_type));
}

core::Result<Descriptor> descriptor_field(const Json& j, const std::string& field) {
    const Json* value = detail::find_field(j, field);
    if (!value) return core::fail(detail::field_error(field, "is missing"));
    auto d = Descriptor::from_json(*value);
    if (!d) return core::fail(d.error().with_context(field));
    return d;
}

core::Result<std::vector<Descriptor>> descriptor_list(const Json& j, const std::string& field) {
    const Json* value = detail::find_field(j, field);
    if (!value) return core::fail(detail::field_error(field, "is missing"));
    if (!value->is_array()) return core::fail(detail::field_error(field, "must be an array"));
    std::vector<Descriptor> out;
    out.reserve(value->size());
    for (std::size_t i = 0; i < value->size(); ++i) {
        auto d = Descriptor::from_json((*value)[i]);
        if (!d) return core::fail(d.error().with_context(fmt::format("{}[{}]", field, i)));
        out.push_back(std::move(*d));
    }
    return out;
}

/// The fields indexes and image manifests share: subject, artifactType, annotations.
template <class Content>
core::Status read_common_fields(const Json& j, Content& out) {
    if (detail::find_field(j, "subject")) {
        auto subject = descriptor_field(j, "subject");
        if (!subject) return core::fail(subject.error());
        out.subject = std::move(*subject);
    }
    auto artifact_type = detail::string_field(j, "artifactType");
    if (!artifact_type) return core::fail(artifact_type.error());
    out.artifact_type = artifact_type->value_or("");
    auto annotations = detail::string_map_field(j, "annotations");
    if (!annotations) return core::fail(annotations.error());
    out.annotations = std::move(*annotations);
    return {};
}

core::Result<Index> parse_index(const Json& j, std::string media_type) {
    Index index;
    index.media_type = std::move(media_type);
    auto manifests = descriptor_list(j, "manifests");
    if (!manifests) return core::fail(manifests.error());
    index.manifests = std::move(*manifests);
    if (auto common = read_common_fields(j, index); !common) return core::fail(common.error());
    return index;
}

core::Result<ImageManifest> parse_image(const Json& j, std::string media_type) {
    ImageManifest image;
    image.media_type = std::move(media_type);
    auto config = descriptor_field(j, "config");
    if (!config) return core::fail(config.error());
    image.config = std::move(*config);
    auto layers = descriptor_list(j, "layers");
    if (!layers) return core::fail(layers.error());
    image.layers = std::move(*layers);
    if (auto common = read_common_fields(j, image); !common) return core::fail(common.error());
    return image;
}

core::Result<std::variant<ImageManifest, Index>> parse_content(std::string_view raw,
                                                               std::string_view content_type,
                                                               std::string& media_type) {
    Json j;
    try {
        j = Json::parse(raw);
    } catch (const Json::exception& e) {
        return core::fail(core::ErrorKind::Protocol, fmt::format("not valid JSON: {}", e.what()));
    }
    if (!j.is_object())
        return core::fail(core::ErrorKind::Protocol,
                          fmt::format("expected a JSON object, got {}", j.type_name()));
    auto json_type = detail::string_field(j, "mediaType");
    if (!json_type) return core::fail(json_type.error());
    std::string declared = json_type->value_or("");
    if (auto version = check_schema_version(j, declared, content_type); !version)
        return core::fail(version.error());
    auto detected = detect_media_type(j, declared, content_type);
    if (!detected) return core::fail(detected.error());
    media_type = *detected;
    if (media::is_index(media_type)) {
        auto index = parse_index(j, media_type);
        if (!index) return core::fail(index.error());
        return std::variant<ImageManifest, Index>(std::move(*index));
    }
    auto image = parse_image(j, media_type);
    if (!image) return core::fail(image.error());
    return std::variant<ImageManifest, Index>(std::move(*image));
}

}  // namespace

std::vector<Descriptor> ParsedManifest::children() const {
    if (is_index()) return index().manifests;
    std::vector<Descriptor> out;
    out.reserve(image().layers.size() + 1);
    out.push_back(image().config);
    out.insert(out.end(), image().layers.begin(), image().layers.end());
    return out;
}

core::Result<ParsedManifest> parse_manifest(std::string raw, std::string_view content_type) {
    ParsedManifest out;
    out.digest = Digest::of(raw);
    auto content = parse_content(raw, bare_media_type(content_type), out.media_type);
    if (!content)
        return core::fail(content.error().with_context("parsing manifest " + out.digest.short_str()));
    out.content = std::move(*content);
    out.raw = std::move(raw);
    return out;
}

std::string Index::serialize() const {
    nlohmann::ordered_json j;
    bool docker = media::is_docker(media_type);
    j["schemaVersion"] = 2;
    j["mediaType"] = media_type;
    if (!docker && !artifact_type.empty()) j["artifactType"] = artifact_type;
    j["manifests"] = nlohmann::ordered_json::array();
    for (const auto& entry : manifests) j["manifests"].push_back(entry.to_ordered_json());
    if (!docker && subject) j["subject"] = subject->to_ordered_json();
    if (!docker && !annotations.empty()) j["annotations"] = annotations;
    return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace ferry::manifest
