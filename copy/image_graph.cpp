#include "copy/image_graph.hpp"

#include <set>

#include "manifest/index.hpp"
#include "manifest/media_type.hpp"

namespace ferry::copy {
namespace {

using manifest::ParsedManifest;

struct Loader {
    store::Store& src;
    const GraphOptions& options;
    std::set<manifest::Digest> loaded;     ///< fetched already (a shared child loads once)
    std::set<manifest::Digest> ancestors;  ///< the indexes above the current one
    std::vector<ParsedManifest> out;

    core::Status load_children(const ParsedManifest& m, int depth) {
        if (!m.is_index()) return {};
        if (depth > options.max_depth)
            return core::fail(core::ErrorKind::Protocol,
                              "index nesting deeper than " + std::to_string(options.max_depth) +
                                  " levels at " + m.digest.str());
        ancestors.insert(m.digest);
        for (const auto& entry : m.index().manifests) {
            if (!manifest::media::is_known_manifest(entry.media_type)) continue;
            if (ancestors.contains(entry.digest))
                return core::fail(core::ErrorKind::Protocol,
                                  "index " + m.digest.str() + " lists " + entry.digest.str() +
                                      ", which contains it: a loop");
            if (!loaded.insert(entry.digest).second) continue;  // listed twice, or a diamond
            if (auto st = load_child(entry, depth); !st) return st;
        }
        ancestors.erase(m.digest);
        return {};
    }

    core::Status load_child(const manifest::Descriptor& entry, int depth) {
        auto child = src.get_manifest(entry.digest.str());
        if (!child) return std::unexpected(child.error());
        if (child->digest != entry.digest || static_cast<std::int64_t>(child->raw.size()) != entry.size)
            return core::fail(core::ErrorKind::Integrity,
                              "manifest " + entry.digest.str() + " has another digest or size than its index entry says");
        if (auto st = load_children(*child, depth + 1); !st) return st;
        out.push_back(std::move(*child));
        return {};
    }
};

core::Result<ParsedManifest> subset_root(const ParsedManifest& root, const GraphOptions& options,
                                         bool& built) {
    built = false;
    if (!root.is_index() || options.platforms.empty() ||
        manifest::filter_keeps_all(root.index(), options.platforms))
        return root;
    auto filtered = manifest::filter_platforms(root.index(), options.platforms);
    if (!filtered) return std::unexpected(filtered.error());
    built = true;
    return manifest::parse_manifest(filtered->serialize(), filtered->media_type);
}

}  // namespace

std::vector<manifest::Descriptor> ImageGraph::blobs_of(const ParsedManifest& m) {
    std::vector<manifest::Descriptor> blobs;
    if (m.is_index()) return blobs;
    blobs.push_back(m.image().config);
    for (const auto& layer : m.image().layers)
        if (layer.urls.empty()) blobs.push_back(layer);  // foreign layers stay where they are
    return blobs;
}

std::vector<const ParsedManifest*> ImageGraph::manifests_in_push_order() const {
    std::vector<const ParsedManifest*> order;
    for (const auto& c : children) order.push_back(&c);
    order.push_back(&root);
    return order;
}

core::Result<ImageGraph> load_image_graph(store::Store& src, const std::string& ref,
                                          const GraphOptions& options) {
    auto fetched = src.get_manifest(ref);
    if (!fetched) return std::unexpected(fetched.error());
    return load_image_graph(src, std::move(*fetched), options);
}

core::Result<ImageGraph> load_image_graph(store::Store& src, ParsedManifest fetched_root,
                                          const GraphOptions& options) {
    ImageGraph graph;
    graph.source_digest = fetched_root.digest;
    auto root = subset_root(fetched_root, options, graph.built_subset);
    if (!root) return std::unexpected(root.error().with_context("selecting platforms of " + src.describe()));
    graph.root = std::move(*root);
    Loader loader{src, options, {graph.root.digest}, {}, {}};
    if (auto st = loader.load_children(graph.root, 1); !st) return std::unexpected(st.error());
    graph.children = std::move(loader.out);
    return graph;
}

}  // namespace ferry::copy
