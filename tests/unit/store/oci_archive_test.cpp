#include <catch2/catch.hpp>

#include "store/detail/oci_archive.hpp"
#include "store/open.hpp"
#include "store_test_support.hpp"

using namespace ferry;
using namespace ferry::testing;
namespace fs = std::filesystem;

namespace {

core::Result<std::unique_ptr<store::Store>> open_archive(const fs::path& file, store::ArchiveAccess access) {
    store::StoreContext ctx;
    ctx.options.archive_access = access;
    return store::open_store("oci-archive:" + file.string(), ctx);
}

/// Writes a tar with python3's tarfile: `script` adds members to `t` (helpers add(name, data)).
void make_tar(const fs::path& file, const std::string& script) {
    const fs::path py = file.string() + ".py";
    std::ofstream(py) << "import io, tarfile, sys\n"
                         "def add(t, name, data=b'', **kw):\n"
                         "    ti = tarfile.TarInfo(name); ti.size = len(data)\n"
                         "    for k, v in kw.items(): setattr(ti, k, v)\n"
                         "    t.addfile(ti, io.BytesIO(data))\n"
                         "layout = b'{\"imageLayoutVersion\":\"1.0.0\"}'\n"
                         "index = b'{\"schemaVersion\":2,\"manifests\":[]}'\n"
                      << "with tarfile.open(sys.argv[1], 'w', format=tarfile.PAX_FORMAT) as t:\n"
                      << script;
    REQUIRE(run("python3 " + py.string() + " " + file.string()) == 0);
}

}  // namespace

TEST_CASE("archive: write then read back", "[store][archive]") {
    TempDir tmp;
    const fs::path file = tmp / "image.tar";
    std::ofstream(file) << "old content";
    manifest::ParsedManifest image;
    {
        auto w = open_archive(file, store::ArchiveAccess::Write);
        REQUIRE(w);
        image = put_image(**w, "one");
        REQUIRE(put_bytes(**w, "unreferenced"));
        REQUIRE(put_bytes(**w, "unreferenced"));  // written once
        REQUIRE((*w)->put_manifest(image, std::string("v1")));
        CHECK(read_blob(**w, describe_blob("layer of one")) == "layer of one");  // read back while writing
        CHECK(read_file(file) == "old content");
        CHECK(fs::exists(file.string() + ".partial"));
        REQUIRE((*w)->commit());
    }
    CHECK_FALSE(fs::exists(file.string() + ".partial"));
    CHECK(fs::file_size(file) % 512 == 0);
    REQUIRE(run("tar tf " + file.string() + " > " + (tmp / "list").string()) == 0);
    const std::string list = read_file(tmp / "list");
    CHECK(list.find("index.json") != std::string::npos);
    CHECK(list.find("oci-layout") != std::string::npos);
    CHECK(list.find("blobs/sha256/" + describe_blob("unreferenced").digest.hex()) != std::string::npos);

    auto r = open_archive(file, store::ArchiveAccess::Auto);
    REQUIRE(r);
    auto m = (*r)->get_manifest("v1");
    REQUIRE(m);
    CHECK(m->raw == image.raw);
    CHECK(read_blob(**r, describe_blob("layer of one")) == "layer of one");
    CHECK(read_blob(**r, describe_blob("layer of one"), 6) == "of one");
    auto tags = (*r)->list_tags();
    REQUIRE(tags);
    CHECK(*tags == std::vector<std::string>{"v1"});
    auto refused = put_bytes(**r, "more");
    REQUIRE_FALSE(refused);
    CHECK(refused.error().kind == core::ErrorKind::Unsupported);
}

TEST_CASE("archive: a bad blob is rolled back and the archive stays valid", "[store][archive]") {
    TempDir tmp;
    const fs::path file = tmp / "image.tar";
    {
        auto w = open_archive(file, store::ArchiveAccess::Auto);  // missing file: written
        REQUIRE(w);
        REQUIRE(put_bytes(**w, "first blob"));
        auto wrong = describe_blob("expected bytes!");
        store::StringBlobReader bad("received bytes!");
        auto st = (*w)->put_blob(wrong, bad);
        REQUIRE_FALSE(st);
        CHECK(st.error().kind == core::ErrorKind::Integrity);
        CHECK_FALSE(*(*w)->has_blob(wrong));
        store::StringBlobReader good("expected bytes!");
        REQUIRE((*w)->put_blob(wrong, good));  // the retry works
        REQUIRE((*w)->commit());
    }
    REQUIRE(run("tar tf " + file.string() + " > " + (tmp / "list").string()) == 0);
    const std::string list = read_file(tmp / "list");
    const std::string entry = "blobs/sha256/" + describe_blob("expected bytes!").digest.hex();
    CHECK(list.find(entry) == list.rfind(entry));  // exactly one entry
    auto r = open_archive(file, store::ArchiveAccess::Read);
    REQUIRE(r);
    CHECK(read_blob(**r, describe_blob("expected bytes!")) == "expected bytes!");
    CHECK(read_blob(**r, describe_blob("first blob")) == "first blob");
}

TEST_CASE("archive: destroyed without commit leaves FILE untouched", "[store][archive]") {
    TempDir tmp;
    const fs::path file = tmp / "image.tar";
    std::ofstream(file) << "previous";
    {
        auto w = open_archive(file, store::ArchiveAccess::Write);
        REQUIRE(w);
        REQUIRE(put_bytes(**w, "blob"));
    }
    CHECK(read_file(file) == "previous");
    CHECK_FALSE(fs::exists(file.string() + ".partial"));
}

TEST_CASE("archive: reads tars with long names and pax headers", "[store][archive]") {
    TempDir tmp;
    const fs::path file = tmp / "pax.tar";
    const std::string blob = "blob behind long headers";
    const auto d = describe_blob(blob);
    make_tar(file, "    add(t, './oci-layout', layout)\n"
                   "    add(t, 'x/' + 'y' * 200, b'long name')\n"
                   "    add(t, 'blobs/sha256/" + d.digest.hex() + "', b'" + blob + "', pax_headers={'comment': 'z' * 3000})\n"
                   "    add(t, 'index.json', index)\n");
    auto r = open_archive(file, store::ArchiveAccess::Read);
    REQUIRE(r);
    CHECK(read_blob(**r, d) == blob);
}

TEST_CASE("archive: malicious entries are refused", "[store][archive]") {
    TempDir tmp;
    const std::string base = "    add(t, 'oci-layout', layout)\n    add(t, 'index.json', index)\n";
    struct Case {
        std::string name, script;
    };
    const std::vector<Case> cases = {
        {"absolute", base + "    add(t, '/etc/evil', b'x')\n"},
        {"dotdot", base + "    add(t, 'blobs/../../evil', b'x')\n"},
        {"symlink", base + "    add(t, 'blobs/link', type=tarfile.SYMTYPE, linkname='/etc/passwd')\n"},
        {"hardlink", base + "    add(t, 'blobs/hard', type=tarfile.LNKTYPE, linkname='index.json')\n"},
        {"device", base + "    add(t, 'blobs/dev', type=tarfile.CHRTYPE, devmajor=1, devminor=3)\n"},
        {"fifo", base + "    add(t, 'blobs/fifo', type=tarfile.FIFOTYPE)\n"},
        {"duplicate", base + "    add(t, './index.json', index)\n"},
        {"huge-index", "    add(t, 'oci-layout', layout)\n    add(t, 'index.json', b' ' * (4 * 1024 * 1024 + 1))\n"},
    };
    for (const auto& c : cases) {
        INFO(c.name);
        const fs::path file = tmp / (c.name + ".tar");
        make_tar(file, c.script);
        auto r = open_archive(file, store::ArchiveAccess::Auto);
        REQUIRE_FALSE(r);
        CHECK(r.error().kind == core::ErrorKind::InvalidInput);
    }
    SECTION("compressed archives") {
        const fs::path file = tmp / "gz.tar";
        make_tar(file, base);
        REQUIRE(run("gzip -c " + file.string() + " > " + file.string() + ".gz") == 0);
        auto r = open_archive(file.string() + ".gz", store::ArchiveAccess::Read);
        REQUIRE_FALSE(r);
        CHECK(r.error().kind == core::ErrorKind::InvalidInput);
    }
    SECTION("missing file when reading") {
        auto r = open_archive(tmp / "absent.tar", store::ArchiveAccess::Read);
        REQUIRE_FALSE(r);
        CHECK(r.error().kind == core::ErrorKind::NotFound);
    }
}

TEST_CASE("archive: reads a layout directory packed with 'tar -C DIR -cf FILE .'", "[store][archive]") {
    TempDir tmp;
    manifest::ParsedManifest image;
    {
        auto dir = store::open_store("oci:" + (tmp / "layout").string(), store::StoreContext{});
        REQUIRE(dir);
        image = put_image(**dir, "packed");
        REQUIRE((*dir)->put_manifest(image, std::string("v1")));
        REQUIRE((*dir)->commit());
    }
    const fs::path file = tmp / "packed.tar";
    REQUIRE(run("tar -C " + (tmp / "layout").string() + " -cf " + file.string() + " .") == 0);
    auto r = open_archive(file, store::ArchiveAccess::Read);
    REQUIRE(r);
    auto m = (*r)->get_manifest("v1");
    REQUIRE(m);
    CHECK(m->digest == image.digest);
    CHECK(read_blob(**r, describe_blob("layer of packed")) == "layer of packed");
}

TEST_CASE("archive_layout_directory packs a layout byte for byte, with extra files", "[store][archive]") {
    TempDir tmp;
    const fs::path dir = tmp / "layout", file = tmp / "packed.tar";
    auto layout = store::open_store("oci:" + dir.string(), {});
    REQUIRE(layout);
    const auto image = put_image(**layout, "packed");
    REQUIRE((*layout)->put_manifest(image, std::string("v1")));
    REQUIRE((*layout)->commit());
    std::vector<manifest::Digest> blobs{image.digest, image.image().config.digest};
    for (const auto& l : image.image().layers) blobs.push_back(l.digest);
    REQUIRE(store::archive_layout_directory(dir.string(), file.string(), blobs, {{"extra.json", "{\"x\":1}"}}));
    CHECK_FALSE(fs::exists(file.string() + ".partial"));

    store::StoreContext ctx;
    ctx.options.archive_access = store::ArchiveAccess::Read;
    ctx.options.archive_file_limits = {{"extra.json", 64}};
    auto archive = store::open_store("oci-archive:" + file.string(), ctx);
    REQUIRE(archive);
    auto* files = store::layout_files(**archive);
    REQUIRE(files != nullptr);
    CHECK(store::registry_repository(**archive) == nullptr);
    auto read = [&](const std::string& path) {
        auto reader = files->open_file(path);
        REQUIRE(reader);
        auto bytes = store::read_all(**reader, 1 << 20, path);
        REQUIRE(bytes);
        return *bytes;
    };
    CHECK(read("extra.json") == "{\"x\":1}");
    CHECK(read("index.json") == read_file(dir / "index.json"));
    CHECK(files->file_size(manifest::layout_blob_path(image.digest)).value() == image.raw.size());
    CHECK(files->open_file("nothing.json").error().kind == core::ErrorKind::NotFound);
    CHECK(files->open_file("../index.json").error().kind == core::ErrorKind::InvalidInput);
    auto resolved = (*archive)->resolve("v1");
    REQUIRE(resolved);
    CHECK((*resolved)->digest == image.digest);

    ctx.options.archive_file_limits = {{"extra.json", 3}};
    auto refused = store::open_store("oci-archive:" + file.string(), ctx);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().kind == core::ErrorKind::InvalidInput);
}

TEST_CASE("layout directory files: regular files only", "[store][layout]") {
    TempDir tmp;
    auto layout = store::open_store("oci:" + tmp.path().string(), {});
    REQUIRE(layout);
    REQUIRE(put_bytes(**layout, "some layer"));
    REQUIRE((*layout)->commit());
    std::ofstream(tmp / "ferry-bundle.json") << "{}";
    fs::create_symlink(tmp / "ferry-bundle.json", tmp / "link.json");
    auto* files = store::layout_files(**layout);
    REQUIRE(files != nullptr);
    CHECK(files->file_size("ferry-bundle.json").value() == std::optional<std::uint64_t>(2));
    CHECK(files->file_size("link.json").value() == std::nullopt);
    CHECK(files->open_file("link.json").error().kind == core::ErrorKind::NotFound);
    CHECK(files->file_size("blobs").value() == std::nullopt);
}
