#include <catch2/catch.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <thread>

#include "cron/http_status.hpp"
#include "cron/scheduler.hpp"

using namespace ferry;
using namespace ferry::cron;
namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

/// Sends `request` to 127.0.0.1:port and returns everything the server answered until EOF.
std::string send_request(std::uint16_t port, const std::string& request) {
    asio::io_context io;
    tcp::socket socket(io);
    socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    asio::write(socket, asio::buffer(request));
    std::string reply;
    boost::system::error_code ec;
    asio::read(socket, asio::dynamic_buffer(reply), ec);
    CHECK((ec == asio::error::eof || ec == asio::error::connection_reset || !ec));
    return reply;
}

std::string get(std::uint16_t port, const std::string& path, const std::string& method = "GET") {
    return send_request(port, method + " " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n");
}

/// Sends only `head` (a request head announcing a body that never comes) and returns what the
/// server answered within `limit`, or the empty string if it answered nothing by then.
std::string send_head_only(std::uint16_t port, const std::string& head, std::chrono::milliseconds limit) {
    asio::io_context io;
    tcp::socket socket(io);
    socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    asio::write(socket, asio::buffer(head));
    std::string reply;
    std::array<char, 4096> chunk{};
    const auto deadline = std::chrono::steady_clock::now() + limit;
    boost::system::error_code ec;
    socket.non_blocking(true);
    while (std::chrono::steady_clock::now() < deadline) {
        const std::size_t n = socket.read_some(asio::buffer(chunk), ec);
        if (ec == asio::error::would_block) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
            continue;
        }
        if (ec) break;  // EOF or reset: the answer is complete
        reply.append(chunk.data(), n);
    }
    return reply;
}

HttpStatusOptions ephemeral() {
    HttpStatusOptions options;
    options.endpoint = tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0);
    options.max_request_bytes = 1024;
    options.request_timeout = std::chrono::seconds(30);
    return options;
}

}  // namespace

TEST_CASE("status server answers over a loopback socket") {
    asio::io_context io;
    std::atomic<bool> healthy{true};
    StatusHandlers handlers{
        [&] { return healthy.load(); },
        [] { return std::string("# TYPE ferry_up gauge\nferry_up 1\n"); },
        [] { return std::string(R"({"jobs":[]})"); },
    };
    auto server = HttpStatusServer::start(io, ephemeral(), handlers);
    REQUIRE(server.has_value());
    const std::uint16_t port = (*server)->port();
    REQUIRE(port != 0);
    auto guard = asio::make_work_guard(io);
    std::thread loop([&] { io.run(); });

    const std::string health = get(port, "/healthz");
    CHECK_THAT(health, Catch::StartsWith("HTTP/1.1 200 OK\r\n"));
    CHECK_THAT(health, Catch::EndsWith("\r\n\r\nok\n"));
    CHECK_THAT(health, Catch::Contains("Content-Length: 3\r\n"));

    const std::string metrics = get(port, "/metrics?x=1");
    CHECK_THAT(metrics, Catch::StartsWith("HTTP/1.1 200 OK\r\n"));
    CHECK_THAT(metrics, Catch::Contains("Content-Type: text/plain; version=0.0.4"));
    CHECK_THAT(metrics, Catch::EndsWith("\r\n\r\n# TYPE ferry_up gauge\nferry_up 1\n"));

    const std::string status = get(port, "/status");
    CHECK_THAT(status, Catch::Contains("Content-Type: application/json"));
    CHECK_THAT(status, Catch::EndsWith(R"({"jobs":[]})"));

    const std::string head = get(port, "/healthz", "HEAD");
    CHECK_THAT(head, Catch::StartsWith("HTTP/1.1 200 OK"));
    CHECK_THAT(head, Catch::EndsWith("\r\n\r\n"));

    CHECK_THAT(get(port, "/nope"), Catch::StartsWith("HTTP/1.1 404 "));
    CHECK_THAT(get(port, "/metrics", "POST"), Catch::StartsWith("HTTP/1.1 405 "));
    CHECK_THAT(send_request(port, "garbage\r\n\r\n"), Catch::StartsWith("HTTP/1.1 400 "));
    CHECK_THAT(send_request(port, "GET /healthz HTTP/1.1\r\nX-Pad: " + std::string(4000, 'a') + "\r\n\r\n"),
               Catch::StartsWith("HTTP/1.1 413 "));

    healthy = false;
    CHECK_THAT(get(port, "/healthz"), Catch::StartsWith("HTTP/1.1 503 "));

    guard.reset();
    (*server)->close();
    loop.join();  // returns once the acceptor is closed: nothing else is pending
}

TEST_CASE("status server shares the scheduler's io thread") {
    Scheduler scheduler;
    auto server = HttpStatusServer::start(scheduler.io(), ephemeral(),
                                          {[&] { return scheduler.alive(); }, {}, {}});
    REQUIRE(server.has_value());
    std::thread loop([&] { scheduler.run(); });
    std::string reply;
    for (int i = 0; i < 100 && reply.find(" 200 ") == std::string::npos; ++i) {
        reply = get((*server)->port(), "/healthz");
        std::this_thread::sleep_for(std::chrono::milliseconds{10});
    }
    CHECK_THAT(reply, Catch::StartsWith("HTTP/1.1 200 OK"));
    scheduler.stop();
    loop.join();
}

TEST_CASE("listen addresses") {
    auto check = [](const char* text, const char* address, unsigned port) {
        INFO(text);
        auto endpoint = parse_listen_address(text);
        REQUIRE(endpoint.has_value());
        CHECK(endpoint->address().to_string() == address);
        CHECK(endpoint->port() == port);
    };
    check("127.0.0.1:9090", "127.0.0.1", 9090);
    check("0.0.0.0:80", "0.0.0.0", 80);
    check(":9100", "0.0.0.0", 9100);  // Go's and Prometheus' reading: every interface
    check("9100", "127.0.0.1", 9100);
    check("localhost:1", "127.0.0.1", 1);
    check("[::1]:9090", "::1", 9090);
    for (const char* bad : {"127.0.0.1:", "127.0.0.1:99999", "example.com:80", "[::1]9090", "1.2.3.4:x"}) {
        INFO(bad);
        CHECK_FALSE(parse_listen_address(bad).has_value());
    }
}

TEST_CASE("a POST route reads the body after admitting the head, refusals come before it") {
    asio::io_context io;
    StatusHandlers handlers;
    handlers.page = [] { return std::string("<!doctype html><title>ferry</title>"); };
    std::vector<std::string> bodies;
    handlers.post = PostRoute{
        "/hooks/registry", 64,
        [](const RequestHead& head) -> std::optional<HttpReply> {
            if (head.header("authorization") != "Bearer t0k") return HttpReply{401, "text/plain", "no\n"};
            return std::nullopt;
        },
        [&](const RequestHead&, std::string_view body) {
            bodies.emplace_back(body);
            return HttpReply{202, "text/plain", "queued\n"};
        }};
    auto server = HttpStatusServer::start(io, ephemeral(), handlers);
    REQUIRE(server.has_value());
    const auto port = (*server)->port();
    auto guard = asio::make_work_guard(io);
    std::thread loop([&] { io.run(); });
    const auto post = [&](const std::string& auth, const std::string& body, const std::string& extra = "") {
        return send_request(port, "POST /hooks/registry HTTP/1.1\r\nHost: x\r\nAuthorization: " + auth +
                                      "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" + extra + "\r\n" + body);
    };

    CHECK_THAT(post("Bearer t0k", R"({"events":[]})"), Catch::StartsWith("HTTP/1.1 202 Accepted\r\n"));
    CHECK_THAT(post("Bearer nope", "{}"), Catch::StartsWith("HTTP/1.1 401 Unauthorized\r\n"));
    CHECK_THAT(post("Bearer nope", "{}"), Catch::Contains("WWW-Authenticate: Bearer"));
    CHECK_THAT(post("Bearer t0k", std::string(65, 'x')), Catch::StartsWith("HTTP/1.1 413 "));
    // A refused body far larger than the socket buffers still gets its answer, not a reset.
    CHECK_THAT(post("Bearer t0k", std::string(8 << 20, 'x')), Catch::StartsWith("HTTP/1.1 413 "));
    CHECK_THAT(send_request(port, "POST /hooks/registry HTTP/1.1\r\nAuthorization: Bearer t0k\r\n"
                                  "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
               Catch::StartsWith("HTTP/1.1 411 "));
    // A POST without Content-Length (and without a body) is 411, not a parse error of "".
    CHECK_THAT(send_request(port, "POST /hooks/registry HTTP/1.1\r\nAuthorization: Bearer t0k\r\n\r\n"),
               Catch::StartsWith("HTTP/1.1 411 "));
    CHECK_THAT(get(port, "/hooks/registry"), Catch::StartsWith("HTTP/1.1 405 "));
    REQUIRE(bodies == std::vector<std::string>{R"({"events":[]})"});

    // The refusal is decided from the head alone: a body that is announced and never sent gets
    // its 401 (and a too-large one its 413) at once, long before the 30 s request deadline.
    const std::string announce_only = "POST /hooks/registry HTTP/1.1\r\nHost: x\r\nContent-Length: 60\r\n";
    CHECK_THAT(send_head_only(port, announce_only + "Authorization: Bearer nope\r\n\r\n", std::chrono::seconds(3)),
               Catch::StartsWith("HTTP/1.1 401 Unauthorized\r\n"));
    CHECK_THAT(send_head_only(port, "POST /hooks/registry HTTP/1.1\r\nHost: x\r\nContent-Length: 65\r\n"
                                    "Authorization: Bearer t0k\r\n\r\n", std::chrono::seconds(3)),
               Catch::StartsWith("HTTP/1.1 413 "));
    // An admitted head waits for its body: nothing is answered before it arrives.
    CHECK(send_head_only(port, announce_only + "Authorization: Bearer t0k\r\n\r\n", std::chrono::milliseconds(500)).empty());

    const std::string page = get(port, "/");
    CHECK_THAT(page, Catch::Contains("Content-Type: text/html"));
    CHECK_THAT(page, Catch::EndsWith("<title>ferry</title>"));

    guard.reset();
    (*server)->close();
    loop.join();
}

TEST_CASE("request heads") {
    auto head = parse_request_head("POST /a?b=c HTTP/1.1\r\nContent-Length:  12 \r\nX-Y: z\r\n\r\n");
    REQUIRE(head);
    CHECK(head->method == "POST");
    CHECK(head->path == "/a");
    CHECK(head->header("x-y") == "z");
    CHECK(head->content_length() == 12u);
    CHECK_FALSE(parse_request_head("nonsense\r\n\r\n"));
    CHECK_FALSE(parse_request_head("GET / HTTP/1.1\r\nno colon\r\n\r\n"));
    CHECK_FALSE(parse_request_head("GET / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n")->content_length());
    CHECK_FALSE(parse_request_head("GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n")->content_length());
    CHECK(parse_request_head("GET / HTTP/1.1\r\n\r\n")->content_length() == 0u);
    const auto missing = parse_request_head("POST / HTTP/1.1\r\n\r\n")->content_length(true);
    REQUIRE_FALSE(missing);
    CHECK(missing.error().kind == ferry::core::ErrorKind::Unsupported);
    CHECK(parse_request_head("POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n")->content_length(true) == 0u);
}
