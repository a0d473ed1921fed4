#include <catch2/catch.hpp>

#include <string>

#include "manifest/platform.hpp"

using ferry::core::ErrorKind;
using ferry::manifest::Platform;

namespace {

Platform image(std::string os, std::string arch, std::string variant = "") {
    Platform p;
    p.os = std::move(os);
    p.architecture = std::move(arch);
    p.variant = std::move(variant);
    return p;
}

Platform filter(std::string_view text) { return Platform::parse(text).value(); }

}  // namespace

TEST_CASE("Platform::parse resolves aliases and default variants") {
    struct Case {
        std::string text;
        std::string normalised;
    };
    auto c = GENERATE(Case{"linux/amd64", "linux/amd64"},
                      Case{"linux/x86_64", "linux/amd64"},
                      Case{"linux/x86-64", "linux/amd64"},
                      Case{"linux/amd64/v3", "linux/amd64/v3"},
                      Case{"linux/amd64/v1", "linux/amd64"},
                      Case{"linux/arm64", "linux/arm64/v8"},
                      Case{"linux/aarch64", "linux/arm64/v8"},
                      Case{"linux/arm64/8", "linux/arm64/v8"},
                      Case{"linux/armhf", "linux/arm/v7"},
                      Case{"linux/armel", "linux/arm/v6"},
                      Case{"linux/arm/7", "linux/arm/v7"},
                      Case{"linux/arm", "linux/arm"},
                      Case{"Linux/AMD64", "linux/amd64"},
                      Case{"linux/i386", "linux/386"},
                      Case{"windows/amd64", "windows/amd64"},
                      Case{"linux/ppc64le", "linux/ppc64le"},
                      Case{"linux/s390x", "linux/s390x"});
    INFO(c.text);
    auto p = Platform::parse(c.text);
    REQUIRE(p);
    CHECK(p->str() == c.normalised);
}

TEST_CASE("Platform::parse rejects malformed text, quoting it") {
    struct Case {
        std::string text;
        std::string reason;
    };
    auto c = GENERATE(Case{"linux", "expected \"os/arch\""},
                      Case{"", "expected \"os/arch\""},
                      Case{"linux/arm/v7/extra", "expected \"os/arch\""},
                      Case{"/amd64", "empty os"},
                      Case{"linux/", "empty architecture"},
                      Case{"linux/arm/", "empty variant"},
                      Case{"linux/amd 64", "architecture 'amd 64' contains an invalid character"});
    auto p = Platform::parse(c.text);
    REQUIRE_FALSE(p);
    CHECK(p.error().kind == ErrorKind::InvalidInput);
    CHECK_THAT(p.error().message, Catch::StartsWith("invalid platform \"" + c.text + "\""));
    CHECK_THAT(p.error().message, Catch::Contains(c.reason));
}

TEST_CASE("Platform::normalized fills the arm default for images") {
    CHECK(image("linux", "arm").normalized().str() == "linux/arm/v7");
    CHECK(image("linux", "aarch64").normalized().str() == "linux/arm64/v8");
    CHECK(image("linux", "arm", "v6").normalized().str() == "linux/arm/v6");
    CHECK(image("linux", "amd64").normalized() == image("linux", "amd64"));
}

TEST_CASE("Platform::matches an image platform against a user filter") {
    struct Case {
        Platform img;
        std::string wanted;
        bool match;
    };
    auto c = GENERATE(Case{image("linux", "amd64"), "linux/amd64", true},
                      Case{image("linux", "amd64", "v2"), "linux/amd64", true},
                      Case{image("linux", "amd64", "v3"), "linux/amd64/v3", true},
                      Case{image("linux", "amd64"), "linux/amd64/v3", false},
                      Case{image("linux", "amd64"), "linux/x86_64", true},
                      Case{image("linux", "arm64"), "linux/arm64", true},
                      Case{image("linux", "arm64", "v8"), "linux/arm64", true},
                      Case{image("linux", "arm64"), "linux/arm64/v8", true},
                      Case{image("linux", "aarch64"), "linux/arm64", true},
                      Case{image("linux", "arm", "v7"), "linux/arm", true},
                      Case{image("linux", "arm", "v6"), "linux/arm", true},
                      Case{image("linux", "arm", "v6"), "linux/arm/v7", false},
                      Case{image("linux", "arm"), "linux/arm/v7", true},
                      Case{image("linux", "arm"), "linux/arm/v6", false},
                      Case{image("linux", "arm", "v7"), "linux/armhf", true},
                      Case{image("linux", "arm", "v6"), "linux/armel", true},
                      Case{image("linux", "arm64", "v8"), "linux/arm", false},
                      Case{image("windows", "amd64"), "linux/amd64", false},
                      Case{image("linux", "s390x"), "linux/amd64", false},
                      Case{image("unknown", "unknown"), "linux/amd64", false});
    INFO(c.img.str() << " vs " << c.wanted);
    CHECK(c.img.matches(filter(c.wanted)) == c.match);
}

TEST_CASE("Platform::matches compares os.version only when the filter names one") {
    auto win = image("windows", "amd64");
    win.os_version = "10.0.17763.5329";
    auto wanted = filter("windows/amd64");
    CHECK(win.matches(wanted));
    wanted.os_version = "10.0.17763.5329";
    CHECK(win.matches(wanted));
    wanted.os_version = "10.0.20348.2227";
    CHECK_FALSE(win.matches(wanted));
}

TEST_CASE("Platform::is_unknown") {
    CHECK(image("unknown", "unknown").is_unknown());
    CHECK_FALSE(image("linux", "unknown").is_unknown());
}
