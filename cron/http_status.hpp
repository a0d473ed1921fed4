#pragma once
/// A tiny HTTP/1.1 server for `ferry cron --listen ADDR:PORT`: GET (or HEAD) /healthz,
/// /metrics, /status and / (an HTML page, when a handler is set), and one optional POST route
/// with a body (the webhook); 404 for other paths, 405 for other methods. One request per
/// connection (the reply says `Connection: close`); requests larger than the limit get 413,
/// connections idle past the timeout are closed. At most `max_connections` are served at
/// once (the rest wait in the listen backlog); when the process runs out of descriptors
/// (EMFILE/ENFILE) accepting pauses with a growing back-off (10 ms to 1 s) instead of
/// spinning. Handlers run on the io_context's thread and
/// must be quick and thread-safe with respect to whatever they read.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "cron/http_request.hpp"

namespace ferry::cron {

/// Parses "HOST:PORT", "[IPv6]:PORT", ":PORT" or "PORT". HOST is an IP literal or
/// "localhost". ":PORT" binds every interface (0.0.0.0), as Go tools and Prometheus exporters
/// read it; a bare "PORT" binds 127.0.0.1. Port 0 picks a free port.
core::Result<boost::asio::ip::tcp::endpoint> parse_listen_address(std::string_view text);

struct HttpReply {
    int status = 200;
    std::string content_type = "text/plain; charset=utf-8";
    std::string body;
};

/// A POST endpoint with a body. The server refuses, before reading the body: a wrong method
/// (405), what `admit` refuses (its reply, e.g. 401), a body without Content-Length (411) or
/// longer than max_body_bytes (413). Then `handle` gets the whole body.
struct PostRoute {
    std::string path;
    std::size_t max_body_bytes = 1 << 20;
    std::function<std::optional<HttpReply>(const RequestHead&)> admit;  ///< nullopt = go on
    std::function<HttpReply(const RequestHead&, std::string_view body)> handle;
    /// Told of the server's own refusals of a POST (411, 413, a bad Content-Length), with the reply.
    std::function<void(const HttpReply&)> refused;
};

struct StatusHandlers {
    std::function<bool()> healthy;         ///< /healthz: 200 "ok" if true (or unset), else 503
    std::function<std::string()> metrics;  ///< /metrics body, Prometheus text format
    std::function<std::string()> status;   ///< /status body, JSON
    std::function<std::string()> page;     ///< / body, HTML (404 when unset)
    std::optional<PostRoute> post;
};

struct HttpStatusOptions {
    boost::asio::ip::tcp::endpoint endpoint{boost::asio::ip::make_address_v4("127.0.0.1"), 9090};
    std::size_t max_request_bytes = 8192;
    std::chrono::milliseconds request_timeout{5000};
    /// Connections served at once; further ones wait in the kernel's backlog until one ends.
    std::size_t max_connections = 256;
};

class HttpStatusServer {
public:
    /// Binds and starts accepting on `io` (which the caller runs). Fails with Io if the address
    /// cannot be bound.
    static core::Result<std::unique_ptr<HttpStatusServer>> start(boost::asio::io_context& io,
                                                                 HttpStatusOptions options,
                                                                 StatusHandlers handlers);
    ~HttpStatusServer();

    /// The bound port (useful after binding port 0).
    std::uint16_t port() const;
    /// Stops accepting; connections in progress finish on their own.
    void close();
    /// Replaces the POST route (nullopt = none) for connections accepted from now on.
    void set_post_route(std::optional<PostRoute> post);

private:
    struct State;
    explicit HttpStatusServer(std::shared_ptr<State> state);
    std::shared_ptr<State> state_;
};

}  // namespace ferry::cron
