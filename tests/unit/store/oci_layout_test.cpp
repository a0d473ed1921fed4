#include <catch2/catch.hpp>

#include "store/detail/oci_layout.hpp"
#include "store/open.hpp"
#include "store_test_support.hpp"

using namespace ferry;
using namespace ferry::testing;
namespace fs = std::filesystem;

namespace {

std::unique_ptr<store::Store> open_layout(const fs::path& dir) {
    auto s = store::open_store("oci:" + dir.string(), store::StoreContext{});
    REQUIRE(s);
    return std::move(*s);
}

nlohmann::json index_json(const fs::path& dir) { return nlohmann::json::parse(read_file(dir / "index.json")); }

std::size_t files_in(const fs::path& dir) {
    std::size_t n = 0;
    for (const auto& e : fs::recursive_directory_iterator(dir))
        if (e.is_regular_file()) ++n;
    return n;
}

}  // namespace

TEST_CASE("layout: blobs are verified while written", "[store][layout]") {
    TempDir tmp;
    const fs::path dir = tmp / "layout";
    auto s = open_layout(dir);
    CHECK_FALSE(fs::exists(dir));  // created on the first write only

    const std::string bytes = "some layer bytes";
    const auto d = describe_blob(bytes);
    REQUIRE(put_bytes(*s, bytes));
    CHECK(read_file(dir / "blobs" / "sha256" / d.digest.hex()) == bytes);
    CHECK(read_file(dir / "oci-layout") == R"({"imageLayoutVersion":"1.0.0"})");
    CHECK(*s->has_blob(d));
    CHECK(read_blob(*s, d) == bytes);
    CHECK(read_blob(*s, d, 5) == bytes.substr(5));

    SECTION("wrong digest") {
        auto wrong = describe_blob("other bytes same size");
        wrong.size = static_cast<std::int64_t>(bytes.size());
        store::StringBlobReader source(bytes);
        auto st = s->put_blob(wrong, source);
        REQUIRE_FALSE(st);
        CHECK(st.error().kind == core::ErrorKind::Integrity);
        CHECK_FALSE(*s->has_blob(wrong));
    }
    SECTION("short source") {
        auto longer = describe_blob(bytes + "more");
        store::StringBlobReader source(bytes);
        auto st = s->put_blob(longer, source);
        REQUIRE_FALSE(st);
        CHECK(st.error().kind == core::ErrorKind::Integrity);
    }
    SECTION("long source") {
        auto shorter = describe_blob(bytes.substr(0, 4));
        store::StringBlobReader source(bytes);
        auto st = s->put_blob(shorter, source);
        REQUIRE_FALSE(st);
        CHECK(st.error().kind == core::ErrorKind::Integrity);
    }
    // nothing but the good blob and oci-layout: temp files were removed
    CHECK(files_in(dir) == 2);
}

TEST_CASE("layout: manifests, tags and index.json", "[store][layout]") {
    TempDir tmp;
    const fs::path dir = tmp / "layout";
    auto s = open_layout(dir);
    auto image = put_image(*s, "one");
    REQUIRE(s->put_manifest(image, std::string("v1")));
    CHECK_FALSE(fs::exists(dir / "index.json"));  // only commit writes it

    auto found = s->resolve("v1");
    REQUIRE(found);
    REQUIRE(*found);
    CHECK((*found)->digest == image.digest);
    REQUIRE(s->commit());

    auto index = index_json(dir);
    CHECK(index["schemaVersion"] == 2);
    REQUIRE(index["manifests"].size() == 1);
    const auto& entry = index["manifests"][0];
    CHECK(entry["digest"] == image.digest.str());
    CHECK(entry["mediaType"] == manifest::media::kOciManifest);
    CHECK(entry["size"] == image.raw.size());
    CHECK(entry["annotations"]["org.opencontainers.image.ref.name"] == "v1");

    auto reopened = open_layout(dir);
    auto m = reopened->get_manifest("v1");
    REQUIRE(m);
    CHECK(m->raw == image.raw);
    auto by_digest = reopened->resolve(image.digest.str());
    REQUIRE(by_digest);
    REQUIRE(*by_digest);
    CHECK((*by_digest)->media_type == manifest::media::kOciManifest);
    CHECK((*by_digest)->size == static_cast<std::int64_t>(image.raw.size()));
    auto only = reopened->resolve("");  // a one-entry layout resolves without a ref
    REQUIRE(only);
    CHECK((*only)->digest == image.digest);
    auto missing = reopened->resolve("v2");
    REQUIRE(missing);
    CHECK_FALSE(*missing);

    SECTION("retagging replaces the entry; a manifest without tag adds none") {
        auto two = put_image(*reopened, "two");
        auto child = put_image(*reopened, "child");
        REQUIRE(reopened->put_manifest(child, std::nullopt));
        REQUIRE(reopened->put_manifest(two, std::string("v1")));
        REQUIRE(reopened->put_manifest(two, std::string("v2")));
        REQUIRE(reopened->commit());
        auto after = index_json(dir);
        REQUIRE(after["manifests"].size() == 2);
        for (const auto& e : after["manifests"]) CHECK(e["digest"] == two.digest.str());
        auto tags = reopened->list_tags();
        REQUIRE(tags);
        CHECK(*tags == std::vector<std::string>{"v1", "v2"});
        CHECK(*reopened->resolve(child.digest.str()));
    }
}

TEST_CASE("layout: no commit leaves the previous index.json", "[store][layout]") {
    TempDir tmp;
    const fs::path dir = tmp / "layout";
    {
        auto s = open_layout(dir);
        REQUIRE(s->put_manifest(put_image(*s, "one"), std::string("v1")));
        REQUIRE(s->commit());
    }
    const std::string before = read_file(dir / "index.json");
    {
        auto s = open_layout(dir);
        REQUIRE(s->put_manifest(put_image(*s, "two"), std::string("v2")));
        // destroyed without commit
    }
    CHECK(read_file(dir / "index.json") == before);
}

TEST_CASE("layout: concurrent writers merge their index entries", "[store][layout]") {
    TempDir tmp;
    const fs::path dir = tmp / "layout";
    auto a = open_layout(dir);
    auto b = open_layout(dir);  // opened before a commits: its view of index.json is stale
    REQUIRE(a->put_manifest(put_image(*a, "a"), std::string("a")));
    REQUIRE(b->put_manifest(put_image(*b, "b"), std::string("b")));
    REQUIRE(a->commit());
    REQUIRE(b->commit());
    auto tags = open_layout(dir)->list_tags();
    REQUIRE(tags);
    CHECK(*tags == std::vector<std::string>{"a", "b"});
}

TEST_CASE("layout: views sharing one layout store blobs once and write index.json once", "[store][layout]") {
    TempDir tmp;
    const fs::path dir = tmp / "bundle";
    auto layout = store::OciLayout::open(dir);
    REQUIRE(layout);
    auto first = store::make_layout_store(*layout, {.commit_backend = false});
    auto second = store::make_layout_store(*layout, {.commit_backend = false});
    auto one = put_image(*first, "shared");
    auto same = put_image(*second, "shared");  // identical blobs: written once
    REQUIRE(one.digest == same.digest);
    REQUIRE(first->put_manifest(one, std::string("app:1")));
    REQUIRE(second->put_manifest(same, std::string("other:1")));
    CHECK(*second->has_blob(describe_blob("layer of shared")));
    REQUIRE(first->commit());
    REQUIRE(second->commit());
    CHECK_FALSE(fs::exists(dir / "index.json"));  // views do not commit a shared layout
    REQUIRE((*layout)->commit());
    CHECK(index_json(dir)["manifests"].size() == 2);
    CHECK(files_in(dir / "blobs") == 3);  // layer, config, manifest
}

TEST_CASE("layout: malformed index.json is an error naming the layout", "[store][layout]") {
    TempDir tmp;
    fs::create_directories(tmp / "bad");
    std::ofstream(tmp / "bad" / "index.json") << "{\"manifests\": 5}";
    auto s = store::open_store("oci:" + (tmp / "bad").string(), store::StoreContext{});
    REQUIRE_FALSE(s);
    CHECK(s.error().message.find("bad") != std::string::npos);
}
