// run/auth_failures: authentication failures told once per host, counted per host, and the
// exit-6 rule (every failure of the run is an authentication failure).
#include <catch2/catch.hpp>

#include "run/auth_failures.hpp"

using namespace ferry;

namespace {

sync::TaskOutcome failed(const std::string& source, core::ErrorKind kind, const std::string& message) {
    sync::TaskOutcome o;
    o.task.entry = "e";
    o.task.source = manifest::Reference::parse(source, false).value();
    o.task.target = manifest::Reference::parse("dst.test/mirror/app:1").value();
    o.action = sync::Action::Failed;
    o.error = core::make_error(kind, message);
    return o;
}

}  // namespace

TEST_CASE("AuthFailureLog: the first failure per host is told, the rest counted") {
    std::vector<std::string> asked;
    run::AuthFailureLog log([&](const std::string& host) {
        asked.push_back(host);
        return std::string("no credentials found for it");
    });
    auto first = log.first_for_host(failed("src.test/app:1", core::ErrorKind::Auth, "HEAD manifest: 401"));
    REQUIRE(first);
    CHECK(*first == "authentication to src.test failed: the registry answered 401; no credentials found for it "
                    "(first: HEAD manifest: 401)");
    CHECK_FALSE(log.first_for_host(failed("src.test/app:2", core::ErrorKind::Auth, "HEAD manifest: 401")));
    CHECK_FALSE(log.first_for_host(failed("src.test/other", core::ErrorKind::Auth, "listing tags: 401")));
    auto other = log.first_for_host(failed("locked.test/app:1", core::ErrorKind::Denied, "403"));
    REQUIRE(other);
    CHECK_THAT(*other, Catch::Contains("access denied (403)"));
    // Not an authentication failure: not told, not counted.
    CHECK_FALSE(log.first_for_host(failed("src.test/app:3", core::ErrorKind::Network, "reset")));
    CHECK(asked == std::vector<std::string>{"src.test", "locked.test"});
    CHECK(log.summary() == std::vector<std::string>{
                               "locked.test: 1 image not synced (authentication failed)",
                               "src.test: 1 repository not listed, 2 images not synced (authentication failed)"});
}

TEST_CASE("AuthFailureLog: a refused token is named as such") {
    run::AuthFailureLog log([](const std::string&) { return std::string("x"); });
    auto line = log.first_for_host(failed("src.test/app:1", core::ErrorKind::Auth, "fetching a token from t: 401"));
    REQUIRE(line);
    CHECK_THAT(*line, Catch::Contains("the token server refused a token"));
}

TEST_CASE("only_auth_failures: exit 6 only when every failure is an authentication failure") {
    sync::RunResult r;
    CHECK_FALSE(run::only_auth_failures(r));
    r.summary.add(failed("src.test/app:1", core::ErrorKind::Auth, "401"));
    r.summary.add(failed("src.test/app:2", core::ErrorKind::Denied, "403"));
    sync::TaskOutcome copied;
    copied.action = sync::Action::New;
    r.summary.add(copied);
    r.summary.add(failed("src.test/app:3", core::ErrorKind::Cancelled, "not started: run cancelled"));
    CHECK(r.summary.interrupted == 1);
    CHECK(r.summary.failed == 2);
    CHECK(run::only_auth_failures(r));
    r.summary.add(failed("src.test/app:4", core::ErrorKind::Network, "reset"));
    CHECK_FALSE(run::only_auth_failures(r));
}

TEST_CASE("only_not_found_failures: exit 5 only when every failure is something absent") {
    sync::RunResult r;
    CHECK_FALSE(run::only_not_found_failures(r));
    r.summary.add(failed("src.test/app:1", core::ErrorKind::NotFound, "repository dst.test/app does not exist"));
    r.summary.add(failed("src.test/app:2", core::ErrorKind::Cancelled, "not started: run cancelled"));
    CHECK(run::only_not_found_failures(r));
    CHECK_FALSE(run::only_auth_failures(r));
    r.summary.add(failed("src.test/app:3", core::ErrorKind::Auth, "401"));
    CHECK_FALSE(run::only_not_found_failures(r));
    CHECK_FALSE(run::only_auth_failures(r));
}
