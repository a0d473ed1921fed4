#include <catch2/catch.hpp>

#include "unit/sync/plan_text.hpp"

#include "sync/event_match.hpp"
#include "sync/image_locks.hpp"

#include <atomic>
#include <thread>

using namespace ferry;
using namespace ferry::sync;
using namespace ferry::sync::test;

namespace {

const std::string kPlan = R"(sync:
  - name: app
    source: src.io:5000/team/app
    target: dst.io/mirror/app
    tags: {allow: ['^1\.'], deny: ['-rc']}
    platforms: [linux/amd64]
    referrers: none
  - name: team
    source: src.io:5000/team/*
    target: dst.io/all/
    repos: {deny: ['^secret$']}
    policy: immutable
    referrers: none
  - name: pinned
    source: src.io:5000/team/app:latest
    target: dst.io/pinned/app:stable
    referrers: none
  - name: newest
    source: other.io/tools
    target: dst.io/tools
    tags: {newest: 2}
    referrers: none
)";

events::PushEvent push(std::string host, std::string repo, std::string tag) {
    return events::PushEvent{std::move(host), std::move(repo), std::move(tag), "sha256:abc", {}};
}

TagLister no_listing() {
    return [](const std::string&, const std::string&) -> core::Result<std::vector<std::string>> {
        FAIL("no listing expected");
        return std::vector<std::string>{};
    };
}

std::vector<std::string> targets(const PushMatch& m) {
    std::vector<std::string> out;
    for (const auto& t : m.tasks) out.push_back(t.entry + " " + t.source.str() + " -> " + t.target.str());
    return out;
}

}  // namespace

TEST_CASE("a push matches every entry that covers the repository and selects the tag") {
    const plan::Plan plan = plan_of(kPlan);
    auto m = match_push(plan, push("src.io:5000", "team/app", "1.4"), no_listing());
    CHECK(targets(m) == std::vector<std::string>{"app src.io:5000/team/app:1.4 -> dst.io/mirror/app:1.4",
                                                 "team src.io:5000/team/app:1.4 -> dst.io/all/team/app:1.4"});
    REQUIRE(m.tasks.size() == 2);
    CHECK(m.tasks[0].platforms.size() == 1);
    CHECK(m.tasks[1].policy == plan::CopyPolicy::Immutable);
}

TEST_CASE("a tag the filters drop is noted, not synced") {
    const plan::Plan plan = plan_of(kPlan);
    auto m = match_push(plan, push("src.io:5000", "team/app", "1.5-rc1"), no_listing());
    CHECK(targets(m) == std::vector<std::string>{"team src.io:5000/team/app:1.5-rc1 -> dst.io/all/team/app:1.5-rc1"});
    REQUIRE(m.notes.size() == 1);
    CHECK(m.notes[0] == "app: tag 1.5-rc1 denied by '-rc'");
}

TEST_CASE("an image entry matches only its own tag and keeps its target tag") {
    const plan::Plan plan = plan_of(kPlan);
    auto m = match_push(plan, push("src.io:5000", "team/app", "latest"), no_listing());
    CHECK(targets(m) == std::vector<std::string>{"team src.io:5000/team/app:latest -> dst.io/all/team/app:latest",
                                                 "pinned src.io:5000/team/app:latest -> dst.io/pinned/app:stable"});
}

TEST_CASE("other hosts, repositories outside the namespace and denied repositories match nothing") {
    const plan::Plan plan = plan_of(kPlan);
    CHECK(match_push(plan, push("evil.io", "team/app", "1.4"), no_listing()).tasks.empty());
    CHECK(match_push(plan, push("src.io:5000", "other/app", "1.4"), no_listing()).tasks.empty());
    auto denied = match_push(plan, push("src.io:5000", "team/secret", "1.4"), no_listing());
    CHECK(denied.tasks.empty());
    CHECK(denied.notes == std::vector<std::string>{"team: repository team/secret not selected by repos filter"});
    CHECK(match_push(plan, push("src.io:5000", "team/app", "sha256-" + std::string(64, 'a') + ".sig"), no_listing()).tasks.empty());
}

TEST_CASE("an event without a host matches by repository, host case does not matter") {
    const plan::Plan plan = plan_of(kPlan);
    CHECK(match_push(plan, push("", "team/app", "1.4"), no_listing()).tasks.size() == 2);
    CHECK(match_push(plan, push("SRC.IO:5000", "team/app", "1.4"), no_listing()).tasks.empty());  // events lower-case
    CHECK(match_push(plan, push("src.io:5000", "team/app", "1.4"), no_listing(), {"team"}).tasks.size() == 1);
}

TEST_CASE("a newest filter is decided on the repository's current tag list") {
    const plan::Plan plan = plan_of(kPlan);
    int listed = 0;
    TagLister lister = [&](const std::string& host, const std::string& repo) -> core::Result<std::vector<std::string>> {
        ++listed;
        CHECK(host == "other.io");
        CHECK(repo == "tools");
        return std::vector<std::string>{"1.0", "1.1", "2.0", "sha256-abc.sig"};
    };
    CHECK(match_push(plan, push("other.io", "tools", "1.0"), lister).tasks.empty());
    CHECK(match_push(plan, push("other.io", "tools", "2.1"), lister).tasks.size() == 1);
    CHECK(listed == 2);
}

TEST_CASE("image locks exclude per key and forget released keys") {
    ImageLocks locks;
    std::atomic<int> inside{0};
    std::atomic<int> worst{0};
    std::vector<std::jthread> threads;
    for (int i = 0; i < 8; ++i)
        threads.emplace_back([&] {
            for (int j = 0; j < 200; ++j) {
                auto held = locks.lock("dst/app:1");
                worst = std::max(worst.load(), ++inside);
                --inside;
            }
        });
    threads.clear();
    CHECK(worst == 1);
    CHECK(locks.size() == 0);
    auto a = locks.lock("a");
    auto b = locks.lock("b");  // another key does not wait
    CHECK(locks.size() == 2);
}

TEST_CASE("a push for a later writer of a target tag an earlier entry writes is a conflict, as in a scheduled run") {
    const auto plan = plan_of(R"(sync:
  - {name: first, source: one.io/x/*, target: dst.io/m/, referrers: none}
  - {name: second, source: two.io/x/nginx, target: dst.io/m/, referrers: none, tags: {allow: ['^[0-9]']}}
manifests:
  - {target: dst.io/m/x/nginx:list, images: [one.io/x/nginx:1.0]}
)");
    std::vector<std::string> listed;
    TagLister lister = [&](const std::string& host, const std::string& repo) -> core::Result<std::vector<std::string>> {
        listed.push_back(host + "/" + repo);
        if (host == "one.io" && repo == "x/nginx") return std::vector<std::string>{"1.0", "list"};
        return std::vector<std::string>{};
    };
    auto owner = [&](const events::PushEvent& e) {
        auto m = match_push(plan, e, lister);
        REQUIRE(m.tasks.size() == 1);
        return m.tasks[0].conflicts_with;
    };
    CHECK(owner(push("two.io", "x/nginx", "1.0")) == "entry 'first'");
    CHECK(listed == std::vector<std::string>{"one.io/x/nginx"});
    CHECK(owner(push("two.io", "x/nginx", "2.0")).empty());  // one.io has no 2.0: second's tag
    CHECK(owner(push("one.io", "x/nginx", "1.0")).empty());  // the first writer itself
    CHECK(owner(push("one.io", "x/nginx", "list")) == "manifests[0]");  // lists always write theirs
}

TEST_CASE("a push event with a name outside the grammar matches nothing and lists nothing") {
    const auto plan = plan_of(kPlan);
    for (const auto& [repo, tag] : std::vector<std::pair<std::string, std::string>>{
             {"team/../private/secret", "1.0"},   // passes the namespace's prefix "team/" as text
             {"team/app", "1.0/../../x"},
             {"team/%2e%2e/secret", "1.0"},
             {"team/App", "1.0"},
             {"team/app\n\x1b[31m", "1.0"},
             {"team/app", "1.0\n"},
             {"team/" + std::string(251, 'a'), "1.0"},
         }) {
        INFO(repo << " " << tag);
        auto m = match_push(plan, push("src.io:5000", repo, tag), no_listing());
        CHECK(m.tasks.empty());
        REQUIRE(m.notes.size() == 1);
        CHECK_THAT(m.notes[0], Catch::StartsWith("ignored: "));
        CHECK(m.notes[0].find('\n') == std::string::npos);
        CHECK(m.notes[0].find('\x1b') == std::string::npos);
    }
    // The control: the same event with valid names is matched.
    CHECK_FALSE(match_push(plan, push("src.io:5000", "team/app", "1.0"), no_listing()).tasks.empty());
}
