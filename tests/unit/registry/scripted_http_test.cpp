// The scripted server itself (tests/support/scripted_http.hpp), driven through http::Transport
// (real libcurl): what the registry quirk tests rely on it for.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "http/transport.hpp"
#include "support/scripted_http.hpp"

using namespace ferry;
using namespace ferry::testing;

namespace {

core::Result<http::Response> perform(const std::string& method, const std::string& url, std::string body = "",
                                     std::vector<std::pair<std::string, std::string>> headers = {}) {
    static http::Transport transport;
    http::Request req;
    req.method = method;
    req.url = url;
    req.body = std::move(body);
    for (auto& [n, v] : headers) req.headers.set(n, v);
    return transport.perform(req, {});
}

}  // namespace

TEST_CASE("scripted_http records method, target, headers, query and a Content-Length body", "[scripted_http]") {
    ScriptedHttp server;
    server.expect("PUT", "/up/1?*", Reply{201, {{"X-Answer", "yes"}}, "made"});
    auto response = perform("PUT", server.url() + "/up/1?digest=sha256%3Aab&x=a+b&x=c", "payload", {{"X-Test", "1"}});
    REQUIRE(response);
    CHECK(response->status == 201);
    CHECK(response->body == "made");
    CHECK(response->headers.get("X-Answer") == std::optional<std::string>("yes"));
    auto got = server.received().at(0);
    CHECK(got.method == "PUT");
    CHECK(got.path() == "/up/1");
    CHECK(got.query("digest") == std::vector<std::string>{"sha256:ab"});
    CHECK(got.query("x") == std::vector<std::string>{"a b", "c"});
    CHECK(got.header("x-test") == std::optional<std::string>("1"));
    CHECK(got.body == "payload");
    CHECK(server.problems() == "");
    CHECK(server.unused() == "");
}

TEST_CASE("scripted_http decodes a chunked request body", "[scripted_http]") {
    ScriptedHttp server;
    server.expect("PUT", "/chunked", Reply{204});
    // With this header libcurl sends the body in chunked transfer encoding.
    auto response = perform("PUT", server.url() + "/chunked", std::string(70000, 'z'), {{"Transfer-Encoding", "chunked"}});
    REQUIRE(response);
    CHECK(response->status == 204);
    auto got = server.received().at(0);
    CHECK(got.header("Transfer-Encoding") == std::optional<std::string>("chunked"));
    CHECK(got.body == std::string(70000, 'z'));
}

TEST_CASE("scripted_http answers an unexpected request 418 and names it, and reports failed checks", "[scripted_http]") {
    ScriptedHttp server;
    server.expect(Exchange{"GET", "/checked", Reply{200}, 1, [](const RecordedRequest&) { return "always wrong"; }});
    server.expect("GET", "/unused", Reply{200});
    CHECK(perform("GET", server.url() + "/checked")->status == 200);
    CHECK(perform("GET", server.url() + "/other?q=1")->status == 418);
    CHECK(server.problems() == "GET /checked: always wrong\nunexpected request GET /other?q=1\n");
    CHECK(server.unused() == "GET /unused (used 0 of 1)\n");
}

TEST_CASE("scripted_http delays a reply without holding up other connections, and hangs up", "[scripted_http]") {
    ScriptedHttp server;
    server.expect("GET", "/slow", Reply{200, {}, "slow", std::chrono::milliseconds(1000)});
    server.expect("GET", "/fast", Reply{200, {}, "fast"});
    // libcurl sends a request again on a fresh connection when a reused one closes
    // unanswered: hang up on every try.
    server.expect("GET", "/gone", Reply{200, {}, "", {}, false, true}, 0);
    std::optional<core::Result<http::Response>> slow;
    std::atomic<bool> slow_done{false};
    std::thread t([&] {
        slow = perform("GET", server.url() + "/slow");
        slow_done = true;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    CHECK(perform("GET", server.url() + "/fast")->body == "fast");
    CHECK_FALSE(slow_done.load());  // answered while the slow reply still waits
    t.join();
    CHECK(slow->value().body == "slow");
    CHECK(server.max_in_flight() == 2);
    auto gone = perform("GET", server.url() + "/gone");
    REQUIRE_FALSE(gone);
    CHECK(gone.error().kind == core::ErrorKind::Network);
}
