#include "bundle/bundle_manifest.hpp"

#include <ctime>

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

BundleImage image_from(const json& j) {
    BundleImage img;
    img.entry = j.value("entry", "");
    img.source = j.at("source").get<std::string>();
    img.target = j.at("target").get<std::string>();
    img.ref_name = j.at("ref_name").get<std::string>();
    img.media_type = j.at("media_type").get<std::string>();
    auto d = manifest::Digest::parse(j.at("digest").get<std::string>());
    if (!d) throw std::invalid_argument("image " + img.source + ": " + d.error().message);
    img.digest = *d;
    for (const auto& b : j.at("blobs")) {
        auto bd = manifest::Digest::parse(b.get<std::string>());
        if (!bd) throw std::invalid_argument("image " + img.source + ": " + bd.error().message);
        img.blobs.push_back(*bd);
    }
    return img;
}

BundleFile file_from(const json& j) {
    BundleFile f{j.at("path").get<std::string>(), j.at("sha256").get<std::string>(),
                 j.at("size").get<std::uint64_t>()};
    if (!safe_relative_path(f.path)) throw std::invalid_argument("unsafe file path '" + f.path + "'");
    if (!is_hex64(f.sha256)) throw std::invalid_argument("file " + f.path + ": sha256 is not 64 hex digits");
    return f;
}

BundleBase base_from(const json& j) {
    BundleBase b{j.at("id").get<std::string>(), j.at("manifest_digest").get<std::string>(), {}};
    for (const auto& i : j.value("images", json::array()))
        b.images.emplace_back(i.at("source").get<std::string>(), i.at("target").get<std::string>());
    return b;
}

BundleManifest manifest_from(const json& j) {
    BundleManifest m;
    m.version = j.at("version").get<int>();
    if (m.version != 1) throw std::invalid_argument("unsupported version " + std::to_string(m.version));
    m.id = j.at("id").get<std::string>();
    m.created = j.at("created").get<std::string>();
    m.plan_file = j.at("plan").at("file").get<std::string>();
    m.plan_sha256 = j.at("plan").at("sha256").get<std::string>();
    for (const auto& i : j.at("images")) m.images.push_back(image_from(i));
    for (const auto& f : j.at("files")) m.files.push_back(file_from(f));
    m.blob_count = j.at("blob_count").get<std::uint64_t>();
    m.total_bytes = j.at("total_bytes").get<std::uint64_t>();
    m.delta = j.value("delta", false);
    if (j.contains("base")) m.base = base_from(j.at("base"));
    if (m.delta && !m.base) throw std::invalid_argument("a delta bundle must name its base");
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
        if (auto d = digest_of_blob_path(f.path)) out.insert(*d);
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
    try {
        return manifest_from(json::parse(text));
    } catch (const std::exception& e) {
        return core::fail(core::ErrorKind::Protocol, std::string(where) + ": malformed bundle manifest: " + e.what());
    }
}

std::string blob_path(const manifest::Digest& digest) {
    return "blobs/" + digest.algorithm() + "/" + digest.hex();
}

std::optional<manifest::Digest> digest_of_blob_path(std::string_view path) {
    constexpr std::string_view prefix = "blobs/sha256/";
    if (!path.starts_with(prefix) || !is_hex64(path.substr(prefix.size()))) return std::nullopt;
    return manifest::Digest::sha256(std::string(path.substr(prefix.size())));
}

std::string utc_now_rfc3339() {
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

}  // namespace ferry::bundle
