#include "cron/http_status.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <exception>

#include <malloc.h>

#include <fmt/format.h>

#include "core/log.hpp"
#include "core/parse.hpp"

namespace ferry::cron {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

std::string_view reason_of(int status) {
    switch (status) {
        case 200: return "OK";
        case 202: return "Accepted";
        case 400: return "Bad Request";
        case 401: return "Unauthorized";
        case 404: return "Not Found";
        case 405: return "Method Not Allowed";
        case 411: return "Length Required";
        case 413: return "Payload Too Large";
        case 500: return "Internal Server Error";
        case 503: return "Service Unavailable";
        default: return "Unknown";
    }
}

struct Response {
    HttpReply reply;
    std::string extra_headers;
};

Response text_response(int status, std::string body, std::string extra_headers = {}) {
    return Response{HttpReply{status, "text/plain; charset=utf-8", std::move(body)}, std::move(extra_headers)};
}

Response method_not_allowed(std::string_view allow) {
    return text_response(405, "method not allowed\n", fmt::format("Allow: {}\r\n", allow));
}

Response route_get(const RequestHead& head, const StatusHandlers& handlers) {
    const std::string& path = head.path;
    const bool page = path == "/" && handlers.page;
    if (path != "/healthz" && path != "/metrics" && path != "/status" && !page) {
        return text_response(404, "not found\n");
    }
    if (head.method != "GET" && head.method != "HEAD") return method_not_allowed("GET, HEAD");
    if (path == "/healthz") {
        const bool ok = !handlers.healthy || handlers.healthy();
        return ok ? text_response(200, "ok\n") : text_response(503, "unhealthy\n");
    }
    if (path == "/metrics") {
        return Response{{200, "text/plain; version=0.0.4; charset=utf-8", handlers.metrics ? handlers.metrics() : ""}, {}};
    }
    if (page) return Response{{200, "text/html; charset=utf-8", handlers.page()}, {}};
    return Response{{200, "application/json", handlers.status ? handlers.status() : "{}"}, {}};
}

/// What to do with a request whose head has been read: answer now, or read `body_length`
/// bytes of body first and then ask the POST route.
struct Decision {
    std::optional<Response> answer;
    std::uint64_t body_length = 0;
};

Decision decide(const RequestHead& head, const StatusHandlers& handlers) {
    if (!handlers.post || head.path != handlers.post->path) return {route_get(head, handlers), 0};
    const PostRoute& post = *handlers.post;
    if (head.method != "POST") return {method_not_allowed("POST"), 0};
    if (post.admit)
        if (auto refused = post.admit(head)) return {Response{std::move(*refused), {}}, 0};
    auto length = head.content_length(/*required=*/true);  // a POST without one: 411
    std::optional<Response> refusal;
    if (!length) {
        const int status = length.error().kind == core::ErrorKind::Unsupported ? 411 : 400;
        refusal = text_response(status, length.error().message + "\n");
    } else if (*length > post.max_body_bytes) {
        refusal = text_response(413, fmt::format("body of {} bytes is over the limit of {} bytes\n", *length,
                                                 post.max_body_bytes));
    }
    if (refusal) {
        if (post.refused) post.refused(refusal->reply);
        return {std::move(refusal), 0};
    }
    return {std::nullopt, *length};
}

std::string serialize(const Response& r, bool is_head) {
    const HttpReply& reply = r.reply;
    std::string out = fmt::format(
        "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n{}\r\n",
        reply.status, reason_of(reply.status), reply.content_type, reply.body.size(), r.extra_headers);
    if (!is_head) out += reply.body;
    return out;
}

/// Runs a handler, turning an exception into a 500.
template <class F>
Response guarded(const RequestHead& head, F&& f) {
    try {
        return f();
    } catch (const std::exception& e) {
        core::log::error("cron: http {} {}: {}", head.method, head.path, e.what());
        return text_response(500, "internal error\n");
    }
}

class Session : public std::enable_shared_from_this<Session> {
public:
    Session(tcp::socket socket, const HttpStatusOptions& options,
            std::shared_ptr<const StatusHandlers> handlers, std::shared_ptr<void> slot)
        : slot_(std::move(slot)),
          socket_(std::move(socket)),
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
                               [self](const boost::system::error_code& ec, std::size_t n) { self->on_head(ec, n); });
    }

private:
    void on_head(const boost::system::error_code& ec, std::size_t head_size) {
        if (ec == asio::error::not_found) return respond(text_response(413, "request too large\n"));
        if (ec) {
            deadline_.cancel();
            return;
        }
        const auto data = buffer_.data();
        const std::string head_text(asio::buffers_begin(data), asio::buffers_begin(data) + head_size);
        buffer_.consume(head_size);
        auto head = parse_request_head(head_text);
        if (!head) return respond(text_response(400, "bad request\n"));
        head_ = std::move(*head);
        is_head_ = head_.method == "HEAD";
        Decision decision = decide_safely();
        if (decision.answer) return respond(std::move(*decision.answer));
        read_body(decision.body_length);
    }

    Decision decide_safely() {
        try {
            return decide(head_, *handlers_);
        } catch (const std::exception& e) {
            core::log::error("cron: http {} {}: {}", head_.method, head_.path, e.what());
            return {text_response(500, "internal error\n"), 0};
        }
    }

    void read_body(std::uint64_t length) {
        const auto buffered = buffer_.data();
        body_.assign(asio::buffers_begin(buffered), asio::buffers_end(buffered));
        buffer_.consume(buffer_.size());
        if (body_.size() >= length) {
            body_.resize(length);
            return on_body();
        }
        const std::size_t have = body_.size();
        body_.resize(length);
        auto self = shared_from_this();
        asio::async_read(socket_, asio::buffer(body_.data() + have, length - have),
                         [self](const boost::system::error_code& ec, std::size_t) {
                             if (ec) {
                                 self->deadline_.cancel();
                                 return;
                             }
                             self->on_body();
                         });
    }

    void on_body() {
        respond(guarded(head_, [&] { return Response{handlers_->post->handle(head_, body_), {}}; }));
    }

    /// Writes the reply, then reads and drops whatever the client still sends (a refused
    /// body) until it closes, so it sees the reply instead of a reset.
    void respond(Response response) {
        if (response.reply.status == 401) response.extra_headers += "WWW-Authenticate: Bearer realm=\"ferry\"\r\n";
        reply_ = serialize(response, is_head_);
        auto self = shared_from_this();
        asio::async_write(socket_, asio::buffer(reply_), [self](const boost::system::error_code& ec, std::size_t) {
            boost::system::error_code ignored;
            self->socket_.shutdown(tcp::socket::shutdown_send, ignored);
            if (ec) return self->finish();
            self->drain();
        });
    }

    void drain() {
        if (!scratch_) scratch_ = std::make_unique<std::array<char, 16384>>();
        auto self = shared_from_this();
        socket_.async_read_some(asio::buffer(*scratch_), [self](const boost::system::error_code& ec, std::size_t n) {
            self->drained_ += n;
            if (ec || self->drained_ > kMaxDrainBytes) return self->finish();
            self->drain();
        });
    }

    void finish() {
        boost::system::error_code ignored;
        socket_.close(ignored);
        deadline_.cancel();
    }

    static constexpr std::size_t kMaxDrainBytes = 64u << 20;

    std::shared_ptr<void> slot_;  ///< the server's count of open connections, released with this
    tcp::socket socket_;
    asio::streambuf buffer_;
    asio::steady_timer deadline_;
    std::shared_ptr<const StatusHandlers> handlers_;
    std::chrono::milliseconds timeout_;
    RequestHead head_;
    bool is_head_ = false;
    std::string body_;
    std::string reply_;
    std::unique_ptr<std::array<char, 16384>> scratch_;  ///< only for draining a refused body
    std::size_t drained_ = 0;
};

}  // namespace

struct HttpStatusServer::State : std::enable_shared_from_this<State> {
    State(asio::io_context& io, HttpStatusOptions o, StatusHandlers h)
        : acceptor(io), retry(io), options(std::move(o)), handlers(std::make_shared<const StatusHandlers>(std::move(h))) {}
    tcp::acceptor acceptor;
    asio::steady_timer retry;  ///< the back-off after running out of descriptors
    HttpStatusOptions options;
    std::shared_ptr<const StatusHandlers> handlers;  ///< io thread only
    // The rest: io thread only.
    std::size_t open = 0;        ///< connections being served
    std::size_t peak = 0;        ///< most open at once since connections last dropped to none
    bool accepting = false;      ///< an accept is pending or backing off
    bool backing_off = false;    ///< out of descriptors: `retry` runs
    std::chrono::milliseconds backoff{0};

    /// A token each Session holds: its destruction frees the connection's place (and, while
    /// backing off, a descriptor: accepting resumes at once).
    std::shared_ptr<void> slot() {
        peak = std::max(peak, ++open);
        return std::shared_ptr<void>(nullptr, [weak = weak_from_this()](void*) {
            auto self = weak.lock();
            if (!self) return;
            --self->open;
            if (self->open == 0 && self->peak >= kTrimAfter) {
                // A flood is over: hand the freed session memory back to the system
                // (glibc keeps it otherwise, and RSS would stay at the flood's level).
                self->peak = 0;
                ::malloc_trim(0);
            }
            if (!self->acceptor.is_open()) return;
            if (self->backing_off) {
                self->backing_off = false;
                self->retry.cancel();
                self->accept();
            } else if (!self->accepting) {
                self->accept();
            }
        });
    }

    void accept() {
        if (open >= std::max<std::size_t>(options.max_connections, 1)) {
            accepting = false;  // resumed when a connection ends
            return;
        }
        accepting = true;
        acceptor.async_accept([self = shared_from_this()](const boost::system::error_code& ec, tcp::socket socket) {
            if (ec == asio::error::operation_aborted || !self->acceptor.is_open()) return;
            if (ec == asio::error::no_descriptors || ec.value() == ENFILE || ec == asio::error::no_buffer_space ||
                ec == asio::error::no_memory) {
                // Out of descriptors: accepting again at once would fail again (the pending
                // connection stays in the backlog), so wait for a connection to end or for
                // a growing back-off (10 ms to 1 s), whichever comes first.
                self->backoff = std::clamp(self->backoff * 2, std::chrono::milliseconds(10), std::chrono::milliseconds(1000));
                if (self->backoff == std::chrono::milliseconds(10))
                    core::log::warn("cron: http: accepting a connection: {}; backing off", ec.message());
                self->backing_off = true;
                self->retry.expires_after(self->backoff);
                self->retry.async_wait([self](const boost::system::error_code& wait_ec) {
                    if (wait_ec || !self->backing_off || !self->acceptor.is_open()) return;
                    self->backing_off = false;
                    self->accept();
                });
                return;
            }
            self->backoff = std::chrono::milliseconds(0);
            if (!ec) std::make_shared<Session>(std::move(socket), self->options, self->handlers, self->slot())->start();
            self->accept();
        });
    }

    static constexpr std::size_t kTrimAfter = 64;
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
        state->retry.cancel();
    });
}

void HttpStatusServer::set_post_route(std::optional<PostRoute> post) {
    asio::post(state_->acceptor.get_executor(), [state = state_, post = std::move(post)]() mutable {
        auto handlers = std::make_shared<StatusHandlers>(*state->handlers);
        handlers->post = std::move(post);
        state->handlers = std::move(handlers);
    });
}

core::Result<tcp::endpoint> parse_listen_address(std::string_view text) {
    auto bad = [&](std::string_view why) {
        return core::fail(core::ErrorKind::InvalidInput,
                          fmt::format("listen address \"{}\": {}", text, why));
    };
    std::string_view host = "127.0.0.1";  // a bare PORT
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
    if (host.empty()) host = "0.0.0.0";  // ":PORT": every interface
    if (host == "localhost") host = "127.0.0.1";
    boost::system::error_code addr_ec;
    const auto address = asio::ip::make_address(std::string(host), addr_ec);
    if (addr_ec) return bad("host must be an IP address");
    return tcp::endpoint(address, static_cast<std::uint16_t>(*port));
}

}  // namespace ferry::cron
