#include <catch2/catch.hpp>

#include "store/open.hpp"

using namespace ferry;
using store::Location;
using Kind = store::Location::Kind;

namespace {
const std::string kDigest = "sha256:" + std::string(64, 'a');
}

TEST_CASE("parse_location: registry references", "[store][location]") {
    struct Row {
        std::string text, registry, repository, ref;
    };
    const std::vector<Row> rows = {
        {"docker://127.0.0.1:5000/app:1.0", "127.0.0.1:5000", "app", "1.0"},
        {"127.0.0.1:5000/team/app:1.0", "127.0.0.1:5000", "team/app", "1.0"},
        {"nginx", "docker.io", "library/nginx", ""},
        {"docker://quay.io/org/app@" + kDigest, "quay.io", "org/app", kDigest},
        {"localhost/app:v1@" + kDigest, "localhost", "app", kDigest},
    };
    for (const auto& row : rows) {
        INFO(row.text);
        auto loc = store::parse_location(row.text);
        REQUIRE(loc);
        CHECK(loc->kind == Kind::Registry);
        CHECK(loc->reference.registry == row.registry);
        CHECK(loc->reference.repository == row.repository);
        CHECK(loc->ref_string() == row.ref);
        auto again = store::parse_location(loc->str());
        REQUIRE(again);
        CHECK(again->reference == loc->reference);
    }
}

TEST_CASE("parse_location: layouts and archives", "[store][location]") {
    struct Row {
        std::string text;
        Kind kind;
        std::string path;
        std::optional<std::string> ref;
    };
    const std::vector<Row> rows = {
        {"oci:/tmp/layout", Kind::OciLayout, "/tmp/layout", std::nullopt},
        {"oci:/tmp/layout:v1.0", Kind::OciLayout, "/tmp/layout", "v1.0"},
        {"oci:relative/dir:latest", Kind::OciLayout, "relative/dir", "latest"},
        {"oci:dir", Kind::OciLayout, "dir", std::nullopt},
        {"oci:/data/a:b/c", Kind::OciLayout, "/data/a:b/c", std::nullopt},
        {"oci:/data/a:b:", Kind::OciLayout, "/data/a:b", std::nullopt},
        {"oci:/data/a:b:tag", Kind::OciLayout, "/data/a:b", "tag"},
        {"oci:/tmp/x:" + kDigest, Kind::OciLayout, "/tmp/x", kDigest},
        {"oci:/tmp/x@" + kDigest, Kind::OciLayout, "/tmp/x", kDigest},
        {"oci-archive:/tmp/img.tar", Kind::OciArchive, "/tmp/img.tar", std::nullopt},
        {"oci-archive:img.tar:app-1.2", Kind::OciArchive, "img.tar", "app-1.2"},
        {"oci-archive:./out/x.tar:1", Kind::OciArchive, "./out/x.tar", "1"},
    };
    for (const auto& row : rows) {
        INFO(row.text);
        auto loc = store::parse_location(row.text);
        REQUIRE(loc);
        CHECK(loc->kind == row.kind);
        CHECK(loc->path == row.path);
        CHECK(loc->ref == row.ref);
        auto again = store::parse_location(loc->str());
        REQUIRE(again);
        CHECK(again->path == loc->path);
        CHECK(again->ref == loc->ref);
    }
}

TEST_CASE("parse_location: invalid input", "[store][location]") {
    for (std::string text : {"oci:", "oci::tag", "oci-archive:", "oci:/x:bad ref", "http://host/app", "docker://",
                             "docker://Upper/Case:1", "dir:/tmp/x"}) {
        INFO(text);
        auto loc = store::parse_location(text);
        REQUIRE_FALSE(loc);
        CHECK(loc.error().kind == core::ErrorKind::InvalidInput);
    }
}

TEST_CASE("parse_location: skopeo's other transports are refused by name, a host of that name is not", "[store][location]") {
    for (const char* text : {"dir:/tmp/image", "docker-archive:/tmp/x.tar", "docker-daemon:alpine:3.18",
                             "containers-storage:alpine"}) {
        INFO(text);
        auto parsed = store::parse_location(text);
        REQUIRE_FALSE(parsed);
        CHECK(parsed.error().kind == core::ErrorKind::InvalidInput);
        const std::string transport = std::string(text).substr(0, std::string(text).find(':') + 1);
        CHECK_THAT(parsed.error().message, Catch::Contains("the transport " + transport + " is not supported"));
    }
    auto host = store::parse_location("dir:5000/app:1");  // the host "dir", port 5000
    REQUIRE(host);
    CHECK(host->kind == Kind::Registry);
    CHECK(host->reference.registry == "dir:5000");
}
