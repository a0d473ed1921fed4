#include <catch2/catch.hpp>

#include <atomic>
#include <map>
#include <mutex>

#include "store/detail/registry_store.hpp"
#include "store_test_support.hpp"

using namespace ferry;
using namespace ferry::testing;

namespace {

/// A scripted registry::Client: blobs in memory, GETs pushed in 64 KiB pieces, uploads read
/// the way a real client does (until `size` bytes or the end) and then "PUT" with a digest
/// check. Records calls.
class FakeClient : public registry::Client {
public:
    std::map<std::string, std::string> blobs;  // digest -> bytes
    std::optional<std::size_t> fail_get_after;  // fail the GET after this many bytes
    bool endless_get = false;
    std::atomic<bool> get_saw_cancel{false};
    std::atomic<int> final_puts{0};
    std::vector<std::string> calls;
    std::mutex mutex;

    const std::string& host() const override { return host_; }
    core::Status ping() override { return {}; }
    core::Result<std::optional<manifest::Descriptor>> head_manifest(const std::string&, const std::string&) override {
        return std::optional<manifest::Descriptor>();
    }
    core::Result<manifest::ParsedManifest> get_manifest(const std::string&, const std::string& ref) override {
        return core::fail(core::ErrorKind::NotFound, "no manifest " + ref);
    }
    core::Status put_manifest(const std::string& repo, const std::string& ref, const manifest::ParsedManifest&) override {
        record("put_manifest " + repo + " " + ref);
        return {};
    }
    core::Result<std::optional<std::int64_t>> head_blob(const std::string&, const manifest::Digest& d) override {
        auto it = blobs.find(d.str());
        if (it == blobs.end()) return std::optional<std::int64_t>();
        return std::optional<std::int64_t>(static_cast<std::int64_t>(it->second.size()));
    }
    core::Status get_blob(const std::string&, const manifest::Digest& d, std::uint64_t offset,
                          const http::BodySink& sink) override {
        const std::string piece(64 * 1024, 'e');
        if (endless_get) {
            for (;;) {
                if (auto st = sink(piece); !st) {
                    get_saw_cancel = st.error().kind == core::ErrorKind::Cancelled;
                    return st;
                }
            }
        }
        const std::string& bytes = blobs.at(d.str());
        for (std::size_t pos = offset; pos < bytes.size(); pos += piece.size()) {
            if (fail_get_after && pos >= *fail_get_after)
                return core::fail(core::ErrorKind::Network, "connection reset");
            if (auto st = sink(std::string_view(bytes).substr(pos, piece.size())); !st) return st;
        }
        return {};
    }
    core::Result<bool> mount_blob(const std::string& repo, const manifest::Digest&, const std::string& from) override {
        record("mount " + repo + " from " + from);
        return true;
    }
    core::Status put_blob(const std::string&, const manifest::Digest& d, std::uint64_t size,
                          const registry::ByteSource& source) override {
        std::string body;
        char buffer[10000];
        while (body.size() < size) {
            auto n = source(buffer, std::min<std::size_t>(sizeof buffer, size - body.size()));
            if (!n) return std::unexpected(n.error().with_context("upload aborted"));
            if (*n == 0) break;
            body.append(buffer, *n);
        }
        ++final_puts;  // the PUT ?digest= that completes the upload
        if (manifest::Digest::of(body) != d) return core::fail(core::ErrorKind::Integrity, "400 DIGEST_INVALID");
        blobs[d.str()] = body;
        return {};
    }
    core::Result<std::vector<std::string>> list_tags(const std::string&) override {
        return std::vector<std::string>{"a", "b"};
    }
    core::Result<std::vector<std::string>> catalog() override { return std::vector<std::string>{}; }
    std::uint64_t request_count() const override { return 0; }

private:
    void record(std::string call) {
        std::lock_guard lock(mutex);
        calls.push_back(std::move(call));
    }
    std::string host_ = "127.0.0.1:5000";
};

manifest::Reference repo(const std::string& text) {
    auto r = manifest::Reference::parse(text, false);
    REQUIRE(r);
    return *r;
}

std::string big_blob() {
    std::string s(3 * 1024 * 1024 + 123, '\0');
    for (std::size_t i = 0; i < s.size(); ++i) s[i] = static_cast<char>(i * 7 % 251);
    return s;
}

}  // namespace

TEST_CASE("registry store: open_blob streams a GET through the pipe", "[store][registry]") {
    auto client = std::make_shared<FakeClient>();
    const std::string bytes = big_blob();
    client->blobs[manifest::Digest::of(bytes).str()] = bytes;
    auto s = store::make_registry_store(client, repo("127.0.0.1:5000/app"));
    CHECK(s->describe() == "docker://127.0.0.1:5000/app");
    REQUIRE(store::registry_repository(*s) != nullptr);
    CHECK(store::registry_repository(*s)->registry_host() == "127.0.0.1:5000");
    CHECK(store::registry_repository(*s)->repository() == "app");
    const auto d = describe_blob(bytes);
    CHECK(*s->has_blob(d));
    CHECK(read_blob(*s, d) == bytes);
    CHECK(read_blob(*s, d, 1000) == bytes.substr(1000));

    SECTION("a failing GET reaches the reader") {
        client->fail_get_after = 1024 * 1024;
        auto reader = s->open_blob(d, 0);
        REQUIRE(reader);
        auto all = store::read_all(**reader, 1 << 26, "test");
        REQUIRE_FALSE(all);
        CHECK(all.error().kind == core::ErrorKind::Network);
    }
    SECTION("closing the reader early cancels the GET") {
        client->endless_get = true;
        {
            auto reader = s->open_blob(d, 0);
            REQUIRE(reader);
            char buffer[100];
            REQUIRE((*reader)->read(buffer, sizeof buffer));
        }  // the destructor must not hang
        CHECK(client->get_saw_cancel);
    }
}

TEST_CASE("registry store: put_blob checks the source before the final PUT", "[store][registry]") {
    auto client = std::make_shared<FakeClient>();
    auto s = store::make_registry_store(client, repo("127.0.0.1:5000/app"));
    const std::string bytes = big_blob();
    const auto d = describe_blob(bytes);

    SECTION("good") {
        store::StringBlobReader source(bytes);
        REQUIRE(s->put_blob(d, source));
        CHECK(client->blobs.at(d.digest.str()) == bytes);
    }
    SECTION("corrupt") {
        std::string corrupt = bytes;
        corrupt[corrupt.size() - 1] ^= 1;
        store::StringBlobReader source(corrupt);
        auto st = s->put_blob(d, source);
        REQUIRE_FALSE(st);
        CHECK(st.error().kind == core::ErrorKind::Integrity);
        CHECK(client->final_puts == 0);
    }
    SECTION("short") {
        store::StringBlobReader source(bytes.substr(0, bytes.size() - 10));
        auto st = s->put_blob(d, source);
        REQUIRE_FALSE(st);
        CHECK(st.error().kind == core::ErrorKind::Integrity);
        CHECK(client->final_puts == 0);
    }
    SECTION("long") {
        store::StringBlobReader source(bytes + "tail");
        auto st = s->put_blob(d, source);
        REQUIRE_FALSE(st);
        CHECK(st.error().kind == core::ErrorKind::Integrity);
        CHECK(client->final_puts == 0);
    }
}

TEST_CASE("registry store: mounts, manifests and tags", "[store][registry]") {
    auto client = std::make_shared<FakeClient>();
    auto app = store::make_registry_store(client, repo("127.0.0.1:5000/app:1.0"));
    auto base = store::make_registry_store(client, repo("127.0.0.1:5000/base"));
    auto other_host = store::make_registry_store(std::make_shared<FakeClient>(), repo("quay.io/base"));
    const auto d = describe_blob("x");

    CHECK(*app->mount_blob(d, *base) == store::MountResult::Mounted);
    CHECK(*app->mount_blob(d, *other_host) == store::MountResult::NotPossible);
    CHECK(*app->mount_blob(d, *app) == store::MountResult::NotPossible);
    CHECK(*store::registry_repository(*app)->mount_from_repository(d, "lib/x") == store::MountResult::Mounted);
    CHECK(client->calls == std::vector<std::string>{"mount app from base", "mount app from lib/x"});

    auto m = manifest::parse_manifest(R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]})",
                                      manifest::media::kOciIndex);
    REQUIRE(m);
    client->calls.clear();
    REQUIRE(app->put_manifest(*m, std::nullopt));
    REQUIRE(app->put_manifest(*m, std::string("2.0")));
    CHECK(client->calls == std::vector<std::string>{"put_manifest app " + m->digest.str(), "put_manifest app 2.0"});
    CHECK(*app->list_tags() == std::vector<std::string>{"a", "b"});
}
