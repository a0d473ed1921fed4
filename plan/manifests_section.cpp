#include "plan/manifests_section.hpp"

#include "plan/plan_reader.hpp"

namespace ferry::plan::detail {
namespace {

std::optional<manifest::Reference> read_reference(PlanReader& reader, const PlanNode& node, std::string_view path) {
    auto text = reader.text(node, path);
    if (!text) return std::nullopt;
    auto ref = manifest::Reference::parse(*text, true);
    if (!ref) {
        reader.error(node.mark, path, ref.error().message);
        return std::nullopt;
    }
    return *ref;
}

std::optional<ManifestImage> read_manifest_image(PlanReader& reader, const PlanNode& node, std::string_view path) {
    if (node.kind == PlanNode::Kind::Scalar) {
        auto ref = read_reference(reader, node, path);
        if (!ref) return std::nullopt;
        return ManifestImage{*ref, std::nullopt};
    }
    if (node.kind != PlanNode::Kind::Map) {
        reader.error(node.mark, path, "expected a reference or {image, platform}");
        return std::nullopt;
    }
    reader.map(node, path, {"image", "platform"});
    const PlanNode* image = reader.require(node, path, "image");
    std::optional<manifest::Reference> ref;
    if (image) ref = read_reference(reader, *image, child_path(path, "image"));
    ManifestImage out;
    if (const PlanNode* platform = find(node, "platform")) {
        std::string where = child_path(path, "platform");
        if (auto text = reader.text(*platform, where)) {
            if (auto parsed = manifest::Platform::parse(*text)) {
                out.platform = parsed->normalized();
            } else {
                reader.error(platform->mark, where, parsed.error().message);
            }
        }
    }
    if (!ref) return std::nullopt;
    out.image = *ref;
    return out;
}

void read_manifest_target(PlanReader& reader, const PlanNode& node, std::string_view path, ManifestEntry& out) {
    auto text = reader.text(node, path);
    if (!text) return;
    auto ref = manifest::Reference::parse(*text, false);
    if (!ref) {
        reader.error(node.mark, path, ref.error().message);
    } else if (!ref->tag || ref->digest) {
        reader.error(node.mark, path, "the target of a manifest list must name a tag (and no digest)");
    } else {
        out.target = *ref;
    }
}

ManifestEntry read_manifest(PlanReader& reader, const PlanNode& node, std::string_view path) {
    ManifestEntry out;
    if (!reader.map(node, path, {"target", "format", "annotations", "images", "ignore_missing"})) return out;
    if (const PlanNode* target = reader.require(node, path, "target")) {
        read_manifest_target(reader, *target, child_path(path, "target"), out);
    }
    if (const PlanNode* format = find(node, "format")) {
        if (auto which = reader.choice(*format, child_path(path, "format"), {"oci", "docker"})) {
            out.format = *which == 0 ? ManifestFormat::Oci : ManifestFormat::Docker;
        }
    }
    if (const PlanNode* annotations = find(node, "annotations")) {
        std::string where = child_path(path, "annotations");
        if (annotations->kind == PlanNode::Kind::Map) {
            for (const PlanNode& a : annotations->children) {
                if (auto value = reader.text(a, child_path(where, a.key))) out.annotations[a.key] = *value;
            }
        } else if (annotations->kind != PlanNode::Kind::Null) {
            reader.error(annotations->mark, where, "expected a map of strings");
        }
    }
    if (const PlanNode* ignore = find(node, "ignore_missing")) {
        out.ignore_missing = reader.boolean(*ignore, child_path(path, "ignore_missing")).value_or(false);
    }
    const PlanNode* images = reader.require(node, path, "images");
    if (!images) return out;
    std::string where = child_path(path, "images");
    if (images->kind != PlanNode::Kind::Sequence || images->children.empty()) {
        reader.error(images->mark, where, "expected a non-empty list of images");
        return out;
    }
    for (std::size_t i = 0; i < images->children.size(); ++i) {
        if (auto image = read_manifest_image(reader, images->children[i], item_path(where, i))) {
            out.images.push_back(std::move(*image));
        }
    }
    return out;
}

}  // namespace

std::vector<ManifestEntry> read_manifests(PlanReader& reader, const PlanNode& node) {
    std::vector<ManifestEntry> out;
    if (!reader.sequence(node, "manifests")) return out;
    for (std::size_t i = 0; i < node.children.size(); ++i) {
        out.push_back(read_manifest(reader, node.children[i], item_path("manifests", i)));
    }
    return out;
}

}  // namespace ferry::plan::detail
