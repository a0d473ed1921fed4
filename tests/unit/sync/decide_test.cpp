// sync/decide: one image task decided by its policy and copied, on in-memory registries.
#include <catch2/catch.hpp>

#include "sync/decide.hpp"
#include "unit/sync/memory_registries.hpp"

using namespace ferry;
using ferry::testing::MemoryRegistries;
using ferry::testing::put_image;
using ferry::testing::put_index;

namespace {

/// Everything run_task needs, over `registries`, for a plan whose registries: section is `yaml`.
struct Decider {
    MemoryRegistries registries;
    plan::Plan plan = testing::plan_of("sync:\n  - {name: app, source: src.test/app, target: dst.test/app}\n");
    copy::BlobLedger ledger;
    sync::SubsetState state{""};
    core::KeyLocks pushing;
    sync::EmptyTargets empty_targets;
    bool dry_run = false;

    sync::TaskOutcome run(const sync::ImageTask& task) {
        sync::TaskContext ctx{plan, registries, ledger, state, pushing, empty_targets, dry_run, nullptr, nullptr};
        return sync::run_task(task, ctx);
    }
};

sync::ImageTask task(const std::string& tag, plan::CopyPolicy policy = plan::CopyPolicy::Changed) {
    sync::ImageTask t;
    t.entry = "app";
    t.source = manifest::Reference::parse("src.test/app:" + tag).value();
    t.target = manifest::Reference::parse("dst.test/app:" + tag).value();
    t.policy = policy;
    t.referrers = {};  // no artifacts: these tests are about the image
    return t;
}

}  // namespace

TEST_CASE("decide: a tag absent at the target is new and copied, a rerun finds it unchanged") {
    Decider d;
    auto image = put_image(d.registries.repo("src.test", "app"), "v1", "amd64", "1.0");
    auto& dst = d.registries.repo("dst.test", "app");

    auto first = d.run(task("1.0"));
    CHECK(first.action == sync::Action::New);
    CHECK_FALSE(first.error);
    CHECK(first.source_digest == image.digest);
    CHECK(first.target_digest == image.digest);
    CHECK(first.previous_digest.empty());
    CHECK(first.source_used == "src.test");
    CHECK(dst.tags.at("1.0") == image.digest);
    CHECK(first.stats.blobs_copied == 2);  // layer and config

    const int writes = dst.blob_puts + dst.manifest_puts;
    auto second = d.run(task("1.0"));
    CHECK(second.action == sync::Action::Unchanged);
    CHECK(second.previous_digest == image.digest);
    CHECK(dst.blob_puts + dst.manifest_puts == writes);
}

TEST_CASE("decide: the source is HEADed beside the target, and read with one manifest GET when the target lacks the tag") {
    Decider d;
    auto& src = d.registries.repo("src.test", "app");
    auto image = put_image(src, "v1", "amd64", "1.0");

    auto cold = d.run(task("1.0"));
    REQUIRE(cold.action == sync::Action::New);
    CHECK(cold.source_digest == image.digest);
    CHECK(src.resolves == 1);       // asked at the same time as the target (its answer unused here)
    CHECK(src.manifest_gets == 1);  // the root, read once by tag (a single-platform image)

    auto rerun = d.run(task("1.0"));
    CHECK(rerun.action == sync::Action::Unchanged);
    CHECK(src.resolves == 2);       // the tag is there now: the HEAD asked beside the target's decides
    CHECK(src.manifest_gets == 1);  // and nothing is read

    SECTION("a target repository known empty costs no source HEAD") {
        d.registries.repo("dst.test", "empty");  // exists, no tags
        d.plan = testing::plan_of("sync:\n  - {name: app, source: src.test/app, target: dst.test/empty}\n");
        auto t = task("1.0");
        t.target = manifest::Reference::parse("dst.test/empty:1.0").value();
        t.target_was_empty = true;  // expansion listed it
        auto out = d.run(t);
        CHECK(out.action == sync::Action::New);
        CHECK(src.resolves == 2);
        CHECK(src.manifest_gets == 2);
    }

    SECTION("a source that lacks the tag fails as absent, naming the source") {
        auto out = d.run(task("9.9"));
        CHECK(out.action == sync::Action::Failed);
        REQUIRE(out.error);
        CHECK(out.error->kind == core::ErrorKind::NotFound);
        CHECK(out.error->message.find("source src.test/app:9.9 does not exist") != std::string::npos);
    }
}

TEST_CASE("decide: what each policy does when the target tag points elsewhere") {
    Decider d;
    auto source = put_image(d.registries.repo("src.test", "app"), "new content", "amd64", "1.0");
    auto& dst = d.registries.repo("dst.test", "app");
    auto old = put_image(dst, "old content", "amd64", "1.0");

    SECTION("changed: overwritten") {
        auto out = d.run(task("1.0", plan::CopyPolicy::Changed));
        CHECK(out.action == sync::Action::Changed);
        CHECK(out.previous_digest == old.digest);
        CHECK(dst.tags.at("1.0") == source.digest);
    }
    SECTION("missing: left alone, the source is not even read") {
        auto out = d.run(task("1.0", plan::CopyPolicy::Missing));
        CHECK(out.action == sync::Action::Unchanged);
        CHECK(out.target_digest == old.digest);
        CHECK(dst.tags.at("1.0") == old.digest);
        CHECK(dst.manifest_puts == 0);
    }
    SECTION("immutable: a conflict, nothing written") {
        auto out = d.run(task("1.0", plan::CopyPolicy::Immutable));
        CHECK(out.action == sync::Action::Conflict);
        REQUIRE(out.error);
        CHECK(out.error->kind == core::ErrorKind::Conflict);
        CHECK_THAT(out.error->message, Catch::Contains("policy immutable"));
        CHECK(dst.tags.at("1.0") == old.digest);
        CHECK(dst.manifest_puts == 0);
    }
}

TEST_CASE("decide: immutable accepts a tag that already has the source's digest") {
    Decider d;
    auto image = put_image(d.registries.repo("src.test", "app"), "same", "amd64", "1.0");
    put_image(d.registries.repo("dst.test", "app"), "same", "amd64", "1.0");
    auto out = d.run(task("1.0", plan::CopyPolicy::Immutable));
    CHECK(out.action == sync::Action::Unchanged);
    CHECK(out.target_digest == image.digest);
}

TEST_CASE("decide: a dry run decides but writes nothing") {
    Decider d;
    d.dry_run = true;
    put_image(d.registries.repo("src.test", "app"), "v1", "amd64", "1.0");
    auto out = d.run(task("1.0"));
    CHECK(out.action == sync::Action::New);
    const auto& dst = d.registries.repo("dst.test", "app");
    CHECK(dst.tags.empty());
    CHECK(dst.blob_puts + dst.manifest_puts == 0);
}

TEST_CASE("decide: a missing source or an unreachable target fails the image with context") {
    Decider d;
    SECTION("no such tag") {
        d.registries.repo("src.test", "app");
        auto out = d.run(task("9.9"));
        CHECK(out.action == sync::Action::Failed);
        REQUIRE(out.error);
        CHECK(out.error->kind == core::ErrorKind::NotFound);
        CHECK_THAT(out.error->message, Catch::StartsWith("src.test/app:9.9 -> dst.test/app:9.9"));
    }
    SECTION("target host down") {
        put_image(d.registries.repo("src.test", "app"), "v1", "amd64", "1.0");
        d.registries.down.insert("dst.test");
        auto out = d.run(task("1.0"));
        CHECK(out.action == sync::Action::Failed);
        REQUIRE(out.error);
        CHECK(out.error->kind == core::ErrorKind::Network);
    }
}

TEST_CASE("decide: sources are read from mirrors first, the source registry when a mirror lacks the image") {
    Decider d;
    d.plan = testing::plan_of(R"(registries:
  src.test: {mirrors: [mirror.test]}
sync:
  - {name: app, source: src.test/app, target: dst.test/app}
)");
    auto image = put_image(d.registries.repo("src.test", "app"), "v1", "amd64", "1.0");
    SECTION("the mirror lacks it") {
        d.registries.repo("mirror.test", "app");
        auto out = d.run(task("1.0"));
        CHECK(out.action == sync::Action::New);
        CHECK(out.source_used == "src.test");
    }
    SECTION("the mirror has it") {
        put_image(d.registries.repo("mirror.test", "app"), "v1", "amd64", "1.0");
        auto out = d.run(task("1.0"));
        CHECK(out.action == sync::Action::New);
        CHECK(out.source_used == "mirror.test");
        CHECK(out.source_digest == image.digest);
    }
}

TEST_CASE("decide: a platform subset is built once and recognised by its remembered digest") {
    Decider d;
    auto index = put_index(d.registries.repo("src.test", "app"), "multi", {"amd64", "arm64"}, "1.0");
    auto t = task("1.0");
    t.platforms = {manifest::Platform::parse("linux/arm64").value()};
    auto first = d.run(t);
    CHECK(first.action == sync::Action::New);
    CHECK(first.built_subset);
    CHECK(first.target_digest != index.digest);
    auto remembered = d.state.built_for(index.digest, t.platforms);
    REQUIRE(remembered);
    CHECK(*remembered == first.target_digest);
    const auto& dst = d.registries.repo("dst.test", "app");
    CHECK(dst.tags.at("1.0") == first.target_digest);
    CHECK(dst.manifests.size() == 2);  // the built index and the arm64 image only

    auto second = d.run(t);
    CHECK(second.action == sync::Action::Unchanged);
    CHECK(second.target_digest == first.target_digest);
}

TEST_CASE("decide: a task known present by expansion costs nothing") {
    Decider d;
    auto t = task("1.0", plan::CopyPolicy::Missing);
    t.known_present = true;
    d.registries.down = {"src.test", "dst.test"};  // any request would fail
    auto out = d.run(t);
    CHECK(out.action == sync::Action::Unchanged);
    CHECK_FALSE(out.error);
}

TEST_CASE("decide: a digest-pinned source into a repository target - copied once, then a HEAD-only no-op") {
    Decider d;
    d.plan = testing::plan_of("sync:\n  - {name: app, source: src.test/app, target: dst.test/pinned}\n");
    auto& src = d.registries.repo("src.test", "app");
    auto& dst = d.registries.repo("dst.test", "pinned");
    auto image = put_image(src, "v1", "amd64", "1.0");
    sync::ImageTask pinned;
    pinned.entry = "app";
    pinned.source = manifest::Reference::parse("src.test/app@" + image.digest.str()).value();
    pinned.target = manifest::Reference::parse("dst.test/pinned", false).value();  // no tag: by digest alone
    pinned.referrers = {};

    auto first = d.run(pinned);
    CHECK(first.action == sync::Action::New);
    CHECK(first.target_digest == image.digest);
    CHECK(dst.tags.empty());  // the rule: the digest, and no tag the entry does not name
    const int writes = dst.blob_puts + dst.manifest_puts;
    const int gets = src.manifest_gets + dst.manifest_gets;

    auto second = d.run(pinned);
    CHECK(second.action == sync::Action::Unchanged);
    CHECK(second.previous_digest == image.digest);
    CHECK(second.target_digest == image.digest);
    CHECK(dst.blob_puts + dst.manifest_puts == writes);
    CHECK(src.manifest_gets + dst.manifest_gets == gets);  // HEADs only
    CHECK(dst.resolves >= 1);

    SECTION("with a tag the entry names, the tag is written and compared") {
        sync::ImageTask tagged = pinned;
        tagged.target = manifest::Reference::parse("dst.test/pinned:stable").value();
        CHECK(d.run(tagged).action == sync::Action::New);  // the tag is new, the content was there
        CHECK(dst.tags.at("stable") == image.digest);
        CHECK(d.run(tagged).action == sync::Action::Unchanged);
    }
}

TEST_CASE("decide: a task whose target lies outside its entry's target fails and writes nothing") {
    Decider d;
    d.plan = testing::plan_of("sync:\n  - {name: q, source: src.test/*, target: dst.test/quarantine/}\n");
    put_image(d.registries.repo("src.test", "app"), "v1", "amd64", "1.0");
    sync::ImageTask t = task("1.0");
    t.entry = "q";
    t.target.repository = "quarantine/x/../../mirror/nginx";  // as a hostile name would make it
    auto out = d.run(t);
    CHECK(out.action == sync::Action::Failed);
    REQUIRE(out.error);
    CHECK(out.error->kind == core::ErrorKind::InvalidInput);
    t.target.repository = "mirror/nginx";
    out = d.run(t);
    CHECK(out.action == sync::Action::Failed);
    REQUIRE(out.error);
    CHECK_THAT(out.error->message, Catch::Contains("outside the entry's target prefix"));
    CHECK_FALSE(d.registries.has("dst.test", "mirror/nginx"));
    CHECK_FALSE(d.registries.has("dst.test", "quarantine/x/../../mirror/nginx"));
    // The same task inside the prefix is copied (the guard refuses only what is outside).
    t.target.repository = "quarantine/app";
    CHECK(d.run(t).action == sync::Action::New);
}
