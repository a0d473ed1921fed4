#include "manifest/media_type.hpp"

namespace ferry::manifest::media {

bool is_index(std::string_view media_type) {
    return media_type == kOciIndex || media_type == kDockerList;
}

bool is_manifest(std::string_view media_type) {
    return media_type == kOciManifest || media_type == kDockerManifest;
}

bool is_docker(std::string_view media_type) {
    return media_type.starts_with("application/vnd.docker.");
}

bool is_known_manifest(std::string_view media_type) {
    return is_index(media_type) || is_manifest(media_type);
}

}  // namespace ferry::manifest::media
