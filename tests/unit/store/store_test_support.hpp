#pragma once
// Helpers for the store unit tests: temp directories, blobs and small OCI images.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "manifest/manifest.hpp"
#include "manifest/media_type.hpp"
#include "store/detail/blob_io.hpp"
#include "store/store.hpp"

namespace ferry::testing {

/// A fresh directory under $TMPDIR, removed with its content on destruction.
class TempDir {
public:
    TempDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "ferry-store-XXXXXX").string();
        path_ = ::mkdtemp(pattern.data());
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

private:
    std::filesystem::path path_;
};

inline std::string read_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

inline manifest::Descriptor describe_blob(const std::string& bytes,
                                          std::string_view media_type = manifest::media::kOciLayerGzip) {
    manifest::Descriptor d;
    d.media_type = std::string(media_type);
    d.digest = manifest::Digest::of(bytes);
    d.size = static_cast<std::int64_t>(bytes.size());
    return d;
}

inline core::Status put_bytes(store::Store& s, const std::string& bytes) {
    store::StringBlobReader source(bytes);
    return s.put_blob(describe_blob(bytes), source);
}

inline std::string read_blob(store::Store& s, const manifest::Descriptor& d, std::uint64_t offset = 0) {
    auto reader = s.open_blob(d, offset);
    REQUIRE(reader);
    auto bytes = store::read_all(**reader, 1 << 26, "test");
    REQUIRE(bytes);
    return *bytes;
}

/// A one-layer OCI image whose blobs are put into `s`; returns its manifest.
inline manifest::ParsedManifest put_image(store::Store& s, const std::string& name) {
    const std::string layer = "layer of " + name;
    const std::string config = R"({"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},"name":")" +
                               name + "\"}";
    REQUIRE(put_bytes(s, layer));
    store::StringBlobReader cfg_source(config);
    REQUIRE(s.put_blob(describe_blob(config, manifest::media::kOciConfig), cfg_source));
    auto desc = [](const manifest::Descriptor& d) {
        return nlohmann::json{{"mediaType", d.media_type}, {"digest", d.digest.str()}, {"size", d.size}};
    };
    nlohmann::json m = {{"schemaVersion", 2},
                        {"mediaType", manifest::media::kOciManifest},
                        {"config", desc(describe_blob(config, manifest::media::kOciConfig))},
                        {"layers", {desc(describe_blob(layer))}}};
    auto parsed = manifest::parse_manifest(m.dump(), manifest::media::kOciManifest);
    REQUIRE(parsed);
    return *parsed;
}

/// Runs a shell command; returns its exit status.
inline int run(const std::string& command) { return std::system(command.c_str()); }

}  // namespace ferry::testing
