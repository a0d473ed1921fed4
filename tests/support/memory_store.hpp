#pragma once
// An in-memory Store for unit tests of the copy engine and the planner. Never a stand-in
// for a registry in integration tests. Counts calls so tests can assert minimal traffic.
#include <map>
#include <mutex>
#include <set>

#include "core/sha256.hpp"
#include "manifest/media_type.hpp"
#include "store/store.hpp"

namespace ferry::testing {

class StringReader : public store::BlobReader {
public:
    explicit StringReader(std::string data) : data_(std::move(data)) {}
    core::Result<std::size_t> read(char* buffer, std::size_t size) override {
        std::size_t n = std::min(size, data_.size() - pos_);
        std::copy_n(data_.data() + pos_, n, buffer);
        pos_ += n;
        return n;
    }

private:
    std::string data_;
    std::size_t pos_ = 0;
};

class MemoryStore : public store::Store, public store::RegistryRepository {
public:
    explicit MemoryStore(std::string host = {}, std::string repo = "mem")
        : host_(std::move(host)), repo_(std::move(repo)) {}

    std::map<manifest::Digest, std::string> blobs;
    std::map<manifest::Digest, manifest::ParsedManifest> manifests;
    std::map<std::string, manifest::Digest> tags;
    std::set<manifest::Digest> mountable;  // digests a mount from a sibling repo can satisfy
    int blob_puts = 0, manifest_puts = 0, mounts = 0;
    int resolves = 0, manifest_gets = 0;  // manifest HEADs and GETs a registry would have seen

    std::string describe() const override { return "mem://" + host_ + "/" + repo_; }
    std::string registry_host() const override { return host_; }
    std::string repository() const override { return repo_; }

    core::Result<std::optional<manifest::Descriptor>> resolve(const std::string& ref) override {
        std::lock_guard lock(mutex_);
        ++resolves;
        auto digest = lookup(ref);
        if (!digest) return std::optional<manifest::Descriptor>{};
        const auto& m = manifests.at(*digest);
        manifest::Descriptor d;
        d.media_type = m.media_type;
        d.digest = m.digest;
        d.size = static_cast<std::int64_t>(m.raw.size());
        return std::optional<manifest::Descriptor>{d};
    }
    core::Result<manifest::ParsedManifest> get_manifest(const std::string& ref) override {
        std::lock_guard lock(mutex_);
        ++manifest_gets;
        auto digest = lookup(ref);
        if (!digest) return core::fail(core::ErrorKind::NotFound, "no manifest " + ref);
        return manifests.at(*digest);
    }
    core::Status put_manifest(const manifest::ParsedManifest& m,
                              const std::optional<std::string>& tag) override {
        std::lock_guard lock(mutex_);
        for (const auto& child : m.children()) {
            if (manifest::media::is_known_manifest(child.media_type) ? !manifests.count(child.digest)
                                                                      : !blobs.count(child.digest))
                return core::fail(core::ErrorKind::NotFound,
                                  "MANIFEST_BLOB_UNKNOWN " + child.digest.str());
        }
        ++manifest_puts;
        manifests[m.digest] = m;
        if (tag) tags[*tag] = m.digest;
        return {};
    }
    core::Result<bool> has_blob(const manifest::Descriptor& blob) override {
        std::lock_guard lock(mutex_);
        return blobs.count(blob.digest) > 0;
    }
    core::Result<std::unique_ptr<store::BlobReader>> open_blob(const manifest::Descriptor& blob,
                                                               std::uint64_t offset) override {
        std::lock_guard lock(mutex_);
        auto it = blobs.find(blob.digest);
        if (it == blobs.end()) return core::fail(core::ErrorKind::NotFound, "no blob");
        return std::unique_ptr<store::BlobReader>(new StringReader(it->second.substr(offset)));
    }
    core::Status put_blob(const manifest::Descriptor& blob, store::BlobReader& source) override {
        std::string data;
        char buf[4096];
        for (;;) {
            auto n = source.read(buf, sizeof buf);
            if (!n) return std::unexpected(n.error());
            if (*n == 0) break;
            data.append(buf, *n);
        }
        if (core::sha256_hex(data) != blob.digest.hex() ||
            static_cast<std::int64_t>(data.size()) != blob.size)
            return core::fail(core::ErrorKind::Integrity, "digest mismatch for " + blob.digest.str());
        std::lock_guard lock(mutex_);
        ++blob_puts;
        blobs[blob.digest] = std::move(data);
        return {};
    }
    core::Result<store::MountResult> mount_from_repository(const manifest::Descriptor& blob,
                                                           const std::string&) override {
        std::lock_guard lock(mutex_);
        if (!mountable.count(blob.digest)) return store::MountResult::NotPossible;
        ++mounts;
        blobs[blob.digest] = "mounted";
        return store::MountResult::Mounted;
    }
    core::Result<std::vector<std::string>> list_tags() override {
        std::lock_guard lock(mutex_);
        std::vector<std::string> out;
        for (const auto& [t, _] : tags) out.push_back(t);
        return out;
    }

    /// Test helpers: add content directly.
    manifest::Descriptor add_blob(const std::string& data, std::string media_type) {
        auto d = manifest::Digest::of(data);
        blobs[d] = data;
        manifest::Descriptor desc;
        desc.media_type = std::move(media_type);
        desc.digest = d;
        desc.size = static_cast<std::int64_t>(data.size());
        return desc;
    }
    manifest::ParsedManifest add_manifest(const std::string& raw, std::string_view media_type,
                                          const std::optional<std::string>& tag = {}) {
        auto parsed = manifest::parse_manifest(raw, media_type).value();
        manifests[parsed.digest] = parsed;
        if (tag) tags[*tag] = parsed.digest;
        return parsed;
    }

private:
    std::optional<manifest::Digest> lookup(const std::string& ref) const {
        if (ref.starts_with("sha256:")) {
            auto d = manifest::Digest::parse(ref);
            if (d && manifests.count(*d)) return *d;
            return std::nullopt;
        }
        auto it = tags.find(ref);
        if (it == tags.end()) return std::nullopt;
        return it->second;
    }
    std::string host_, repo_;
    std::mutex mutex_;
};

}  // namespace ferry::testing
