#include "bundle/bundle_manifest.hpp"

namespace ferry::bundle {
namespace {

using nlohmann::json;

bool safe_relative_path(std::string_view p) {
    if (p.empty() || p.front() == '/' || p.back() == '/') return false;
    std::size_t start = 0;
    while (start <= p.size()) {
        auto end = p.find('/', start);
        if (end == std::string_view::npos) end = p.size();
        auto part = p.substr(start, end - start);
        if (part.empty() || part == "." || part == "..") return false;
        start = end + 1;
    }
    return p.find('\0') == std::string_view::npos && p != kBundleFileName;
}

bool is_hex64(std::string_view s) {
    return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

json digests_json(const std::vector<manifest::Digest>& ds) {
    json out = json::array();
    for (const auto& d : ds) out.push_back(d.str());
    return out;
}

/// A shape problem of ferry-bundle.json (the caller adds where and "malformed bundle manifest").
std::unexpected<std::string> malformed(std::string what) { return std::unexpected(std::move(what)); }

template <class T>
using Parsed = std::expected<T, std::string>;

Parsed<BundleImage> image_from(const json& j) {
    BundleImage img;
    img.entry = j.value("entry", "");
    img.source = j.at("source").get<std::string>();
    img.target = j.at("target").get<std::string>();
    img.ref_name = j.at("ref_name").get<std::string>();
    img.media_type = j.at("media_type").get<std::string>();
    auto d = manifest::Digest::parse(j.at("digest").get<std::string>());
    if (!d) return malformed("image " + img.source + ": " + d.error().message);
    img.digest = *d;
    for (const auto& b : j.at("blobs")) {
        auto bd = manifest::Digest::parse(b.get<std::string>());
        if (!bd) return malformed("image " + img.source + ": " + bd.error().message);
        img.blobs.push_back(*bd);
    }
    return img;
}

Parsed<BundleFile> file_from(const json& j) {
    BundleFile f{j.at("path").get<std::string>(), j.at("sha256").get<std::string>(),
                 j.at("size").get<std::uint64_t>()};
    if (!safe_relative_path(f.path)) return malformed("unsafe file path '" + f.path + "'");
    if (!is_hex64(f.sha256)) return malformed("file " + f.path + ": sha256 is not 64 hex digits");
    return f;
}

BundleBase base_from(const json& j) {
    BundleBase b{j.at("id").get<std::string>(), j.at("manifest_digest").get<std::string>(), {}};
    for (const auto& i : j.value("images", json::array()))
        b.images.emplace_back(i.at("source").get<std::string>(), i.at("target").get<std::string>());
    return b;
}

/// The manifest in `j`; a wrong JSON type or a missing key throws json::exception (the
/// caller turns it into the same error as a shape problem).
Parsed<BundleManifest> manifest_from(const json& j) {
    BundleManifest m;
    m.version = j.at("version").get<int>();
    if (m.version != 1) return malformed("unsupported version " + std::to_string(m.version));
    m.id = j.at("id").get<std::string>();
    m.created = j.at("created").get<std::string>();
    m.plan_file = j.at("plan").at("file").get<std::string>();
    m.plan_sha256 = j.at("plan").at("sha256").get<std::string>();
    for (const auto& i : j.at("images")) {
        auto img = image_from(i);
        if (!img) return std::unexpected(img.error());
        m.images.push_back(std::move(*img));
    }
    for (const auto& f : j.at("files")) {
        auto file = file_from(f);
        if (!file) return std::unexpected(file.error());
        m.files.push_back(std::move(*file));
    }
    m.blob_count = j.at("blob_count").get<std::uint64_t>();
    m.total_bytes = j.at("total_bytes").get<std::uint64_t>();
    m.delta = j.value("delta", false);
    if (j.contains("base")) m.base = base_from(j.at("base"));
    if (m.delta && !m.base) return malformed("a delta bundle must name its base");
    return m;
}

}  // namespace

std::set<manifest::Digest> BundleManifest::closure() const {
    std::set<manifest::Digest> out;
    for (const auto& img : images) out.insert(img.blobs.begin(), img.blobs.end());
    return out;
}

std::set<manifest::Digest> BundleManifest::carried_blobs() const {
    std::set<manifest::Digest> out;
    for (const auto& f : files)
        if (auto d = manifest::digest_of_layout_blob_path(f.path)) out.insert(*d);
    return out;
}

json to_json(const BundleManifest& m) {
    json j = {{"version", m.version}, {"id", m.id}, {"created", m.created},
              {"plan", {{"file", m.plan_file}, {"sha256", m.plan_sha256}}}};
    j["images"] = json::array();
    for (const auto& img : m.images)
        j["images"].push_back({{"entry", img.entry}, {"source", img.source}, {"target", img.target},
                               {"ref_name", img.ref_name}, {"digest", img.digest.str()},
                               {"media_type", img.media_type}, {"blobs", digests_json(img.blobs)}});
    j["files"] = json::array();
    for (const auto& f : m.files) j["files"].push_back({{"path", f.path}, {"sha256", f.sha256}, {"size", f.size}});
    j["blob_count"] = m.blob_count;
    j["total_bytes"] = m.total_bytes;
    j["delta"] = m.delta;
    if (m.base) {
        json images = json::array();
        for (const auto& [s, t] : m.base->images) images.push_back({{"source", s}, {"target", t}});
        j["base"] = {{"id", m.base->id}, {"manifest_digest", m.base->manifest_digest}, {"images", images}};
    }
    return j;
}

core::Result<BundleManifest> parse_bundle_manifest(std::string_view text, std::string_view where) {
    auto malformed_at = [&](std::string_view why) {
        return core::fail(core::ErrorKind::Protocol, std::string(where) + ": malformed bundle manifest: " + std::string(why));
    };
    try {  // nlohmann::json reports bad JSON, a missing key or a wrong type by exception
        auto m = manifest_from(json::parse(text));
        if (!m) return malformed_at(m.error());
        return std::move(*m);
    } catch (const json::exception& e) {
        return malformed_at(e.what());
    }
}

}  // namespace ferry::bundle
