#include "cron/http_status.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include <charconv>
#include <exception>

#include <fmt/format.h>

#include "core/log.hpp"
#include "core/parse.hpp"

namespace ferry::cron {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

struct Response {
    int status = 200;
    std::string_view reason = "OK";
    std::string_view content_type = "text/plain; charset=utf-8";
    std::string body;
    std::string_view extra_headers;
};

Response text_response(int status, std::string_view reason, std::string body) {
    return Response{status, reason, "text/plain; charset=utf-8", std::move(body), {}};
}

Response route(std::string_view method, std::string_view path, const StatusHandlers& handlers) {
    if (path != "/healthz" && path != "/metrics" && path != "/status") {
        return text_response(404, "Not Found", "not found\n");
    }
    if (method != "GET" && method != "HEAD") {
        Response r = text_response(405, "Method Not Allowed", "method not allowed\n");
        r.extra_headers = "Allow: GET, HEAD\r\n";
        return r;
    }
    if (path == "/healthz") {
        const bool ok = !handlers.healthy || handlers.healthy();
        return ok ? text_response(200, "OK", "ok\n") : text_response(503, "Service Unavailable", "unhealthy\n");
    }
    if (path == "/metrics") {
        return Response{200, "OK", "text/plain; version=0.0.4; charset=utf-8",
                        handlers.metrics ? handlers.metrics() : std::string(), {}};
    }
    return Response{200, "OK", "application/json", handlers.status ? handlers.status() : "{}", {}};
}

/// Answers one request from the head "METHOD TARGET HTTP/1.x\r\n...".
Response answer(std::string_view head, const StatusHandlers& handlers, bool& is_head) {
    const std::string_view line = head.substr(0, head.find("\r\n"));
    const auto sp1 = line.find(' ');
    const auto sp2 = line.find(' ', sp1 == std::string_view::npos ? sp1 : sp1 + 1);
    if (sp1 == std::string_view::npos || sp2 == std::string_view::npos ||
        !line.substr(sp2 + 1).starts_with("HTTP/1.")) {
        return text_response(400, "Bad Request", "bad request\n");
    }
    const std::string_view method = line.substr(0, sp1);
    std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    target = target.substr(0, target.find('?'));
    is_head = method == "HEAD";
    try {
        return route(method, target, handlers);
    } catch (const std::exception& e) {
        core::log::error("cron: http {} {}: {}", method, target, e.what());
        return text_response(500, "Internal Server Error", "internal error\n");
    }
}

std::string serialize(const Response& r, bool is_head) {
    std::string out = fmt::format(
        "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n{}\r\n",
        r.status, r.reason, r.content_type, r.body.size(), r.extra_headers);
    if (!is_head) out += r.body;
    return out;
}

class Session : public std::enable_shared_from_this<Session> {
public:
    Session(tcp::socket socket, const HttpStatusOptions& options,
            std::shared_ptr<const StatusHandlers> handlers)
        : socket_(std::move(socket)),
          buffer_(options.max_request_bytes),
          deadline_(socket_.get_executor()),
          handlers_(std::move(handlers)),
          timeout_(options.request_timeout) {}

    void start() {
        auto self = shared_from_this();
        deadline_.expires_after(timeout_);
        deadline_.async_wait([self](const boost::system::error_code& ec) {
            if (!ec) self->socket_.close();
        });
        asio::async_read_until(socket_, buffer_, "\r\n\r\n",
                               [self](const boost::system::error_code& ec, std::size_t) { self->on_read(ec); });
    }

private:
    void on_read(const boost::system::error_code& ec) {
        bool is_head = false;
        Response response;
        if (ec == asio::error::not_found) {
            response = text_response(413, "Payload Too Large", "request too large\n");
        } else if (ec) {
            deadline_.cancel();
            return;
        } else {
            const auto data = buffer_.data();
            const std::string head(asio::buffers_begin(data), asio::buffers_end(data));
            response = answer(head, *handlers_, is_head);
        }
        reply_ = serialize(response, is_head);
        auto self = shared_from_this();
        asio::async_write(socket_, asio::buffer(reply_), [self](const boost::system::error_code&, std::size_t) {
            boost::system::error_code ignored;
            self->socket_.shutdown(tcp::socket::shutdown_both, ignored);
            self->socket_.close(ignored);
            self->deadline_.cancel();
        });
    }

    tcp::socket socket_;
    asio::streambuf buffer_;
    asio::steady_timer deadline_;
    std::shared_ptr<const StatusHandlers> handlers_;
    std::chrono::milliseconds timeout_;
    std::string reply_;
};

}  // namespace

struct HttpStatusServer::State : std::enable_shared_from_this<State> {
    State(asio::io_context& io, HttpStatusOptions o, StatusHandlers h)
        : acceptor(io), options(std::move(o)), handlers(std::make_shared<const StatusHandlers>(std::move(h))) {}
    tcp::acceptor acceptor;
    HttpStatusOptions options;
    std::shared_ptr<const StatusHandlers> handlers;

    void accept() {
        acceptor.async_accept([self = shared_from_this()](const boost::system::error_code& ec, tcp::socket socket) {
            if (ec == asio::error::operation_aborted || !self->acceptor.is_open()) return;
            if (!ec) std::make_shared<Session>(std::move(socket), self->options, self->handlers)->start();
            self->accept();
        });
    }
};

core::Result<std::unique_ptr<HttpStatusServer>> HttpStatusServer::start(asio::io_context& io,
                                                                        HttpStatusOptions options,
                                                                        StatusHandlers handlers) {
    auto state = std::make_shared<State>(io, std::move(options), std::move(handlers));
    const tcp::endpoint endpoint = state->options.endpoint;
    boost::system::error_code ec;
    state->acceptor.open(endpoint.protocol(), ec);
    if (!ec) state->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) state->acceptor.bind(endpoint, ec);
    if (!ec) state->acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
        return core::fail(core::ErrorKind::Io,
                          fmt::format("listening on {}:{}: {}", endpoint.address().to_string(),
                                      endpoint.port(), ec.message()));
    }
    state->accept();
    return std::unique_ptr<HttpStatusServer>(new HttpStatusServer(std::move(state)));
}

HttpStatusServer::HttpStatusServer(std::shared_ptr<State> state) : state_(std::move(state)) {}

HttpStatusServer::~HttpStatusServer() { close(); }

std::uint16_t HttpStatusServer::port() const {
    boost::system::error_code ec;
    return state_->acceptor.local_endpoint(ec).port();
}

void HttpStatusServer::close() {
    asio::post(state_->acceptor.get_executor(), [state = state_] {
        boost::system::error_code ignored;
        state->acceptor.close(ignored);
    });
}

core::Result<tcp::endpoint> parse_listen_address(std::string_view text) {
    auto bad = [&](std::string_view why) {
        return core::fail(core::ErrorKind::InvalidInput,
                          fmt::format("listen address \"{}\": {}", text, why));
    };
    std::string_view host;
    std::string_view port_text = text;
    if (text.starts_with('[')) {
        const auto close = text.find("]:");
        if (close == std::string_view::npos) return bad("expected [IPv6]:PORT");
        host = text.substr(1, close - 1);
        port_text = text.substr(close + 2);
    } else if (const auto colon = text.rfind(':'); colon != std::string_view::npos) {
        host = text.substr(0, colon);
        port_text = text.substr(colon + 1);
    }
    const auto port = core::parse_int<unsigned>(port_text);
    if (!port || *port > 65535) return bad("bad port");
    if (host.empty() || host == "localhost") host = "127.0.0.1";
    boost::system::error_code addr_ec;
    const auto address = asio::ip::make_address(std::string(host), addr_ec);
    if (addr_ec) return bad("host must be an IP address");
    return tcp::endpoint(address, static_cast<std::uint16_t>(*port));
}

}  // namespace ferry::cron
