#include "support/scripted_http.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace ferry::testing {
namespace {

using Clock = std::chrono::steady_clock;

bool same_text(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

std::string percent_decode(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '+') {
            out += ' ';
        } else if (s[i] == '%' && i + 2 < s.size() &&
                   std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
                   std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
            out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

const char* reason(int status) {
    switch (status) {
        case 200: return "OK";
        case 201: return "Created";
        case 202: return "Accepted";
        case 204: return "No Content";
        case 206: return "Partial Content";
        case 307: return "Temporary Redirect";
        case 400: return "Bad Request";
        case 401: return "Unauthorized";
        case 404: return "Not Found";
        case 418: return "Unexpected";
        case 429: return "Too Many Requests";
        default: return "Status";
    }
}

/// Parses one complete request from the front of `in`; nullopt while incomplete.
/// Throws on a request it cannot parse.
std::optional<RecordedRequest> take_request(std::string& in) {
    const auto head_end = in.find("\r\n\r\n");
    if (head_end == std::string::npos) return std::nullopt;
    RecordedRequest r;
    std::string_view head(in.data(), head_end);
    auto line_end = head.find("\r\n");
    std::string_view line = head.substr(0, line_end);
    auto sp1 = line.find(' ');
    auto sp2 = line.find(' ', sp1 + 1);
    if (sp1 == std::string_view::npos || sp2 == std::string_view::npos) throw std::runtime_error("bad request line");
    r.method = std::string(line.substr(0, sp1));
    r.target = std::string(line.substr(sp1 + 1, sp2 - sp1 - 1));
    while (line_end != std::string_view::npos) {
        const auto start = line_end + 2;
        line_end = head.find("\r\n", start);
        auto field = head.substr(start, line_end == std::string_view::npos ? std::string_view::npos : line_end - start);
        auto colon = field.find(':');
        if (colon == std::string_view::npos) continue;
        auto value = field.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
        r.headers.emplace_back(std::string(field.substr(0, colon)), std::string(value));
    }
    std::size_t pos = head_end + 4;
    const auto te = r.header("Transfer-Encoding");
    if (te && same_text(*te, "chunked")) {
        for (;;) {
            auto size_end = in.find("\r\n", pos);
            if (size_end == std::string::npos) return std::nullopt;
            const auto size = std::stoull(in.substr(pos, size_end - pos), nullptr, 16);
            if (in.size() < size_end + 2 + size + 2) return std::nullopt;
            r.body.append(in, size_end + 2, size);
            pos = size_end + 2 + size + 2;
            if (size == 0) break;  // no trailers expected from libcurl
        }
    } else if (auto length = r.header("Content-Length")) {
        const auto size = std::stoull(*length);
        if (in.size() < pos + size) return std::nullopt;
        r.body = in.substr(pos, size);
        pos += size;
    }
    in.erase(0, pos);
    r.received_at = Clock::now();
    return r;
}

bool matches(const Exchange& e, const RecordedRequest& r) {
    if (e.method != r.method) return false;
    if (!e.target.empty() && e.target.back() == '*')
        return r.target.starts_with(std::string_view(e.target).substr(0, e.target.size() - 1));
    return e.target == r.target;
}

std::string render(const RecordedRequest& request, const Reply& reply) {
    std::string out = "HTTP/1.1 " + std::to_string(reply.status) + " " + reason(reply.status) + "\r\n";
    bool has_length = false;
    for (const auto& [name, value] : reply.headers) {
        has_length = has_length || same_text(name, "Content-Length");
        out += name + ": " + value + "\r\n";
    }
    if (!has_length) out += "Content-Length: " + std::to_string(reply.body.size()) + "\r\n";
    if (reply.close) out += "Connection: close\r\n";
    out += "\r\n";
    if (request.method != "HEAD") out += reply.body;
    return out;
}

void send_all(int fd, const std::string& data) {
    std::size_t sent = 0;
    while (sent < data.size()) {
        auto n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
        if (n > 0) {
            sent += static_cast<std::size_t>(n);
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
            pollfd p{fd, POLLOUT, 0};
            ::poll(&p, 1, 100);
        } else {
            return;  // the client went away
        }
    }
}

}  // namespace

std::optional<std::string> RecordedRequest::header(std::string_view name) const {
    for (const auto& [n, v] : headers)
        if (same_text(n, name)) return v;
    return std::nullopt;
}

std::string RecordedRequest::path() const { return target.substr(0, target.find('?')); }

std::vector<std::string> RecordedRequest::query(std::string_view name) const {
    std::vector<std::string> out;
    const auto q = target.find('?');
    if (q == std::string::npos) return out;
    std::string_view rest = std::string_view(target).substr(q + 1);
    while (!rest.empty()) {
        auto amp = rest.find('&');
        auto pair = rest.substr(0, amp);
        auto eq = pair.find('=');
        if (percent_decode(pair.substr(0, eq)) == name)
            out.push_back(eq == std::string_view::npos ? "" : percent_decode(pair.substr(eq + 1)));
        if (amp == std::string_view::npos) break;
        rest.remove_prefix(amp + 1);
    }
    return out;
}

struct ScriptedHttp::Impl {
    struct Slot {
        Exchange exchange;
        int used = 0;
    };
    struct Pending {
        Clock::time_point due;
        RecordedRequest request;
        Reply reply;
    };
    struct Connection {
        int fd;
        std::string in;
        std::vector<Pending> pending;  // replies in request order (HTTP/1.1 has no reordering)
    };

    int listener = -1;
    int wake[2] = {-1, -1};
    int port = 0;
    std::thread thread;
    mutable std::mutex mutex;  // guards script, log, problems, in_flight counters
    std::vector<Slot> script;
    std::vector<RecordedRequest> log;
    std::vector<std::string> problems;
    int in_flight = 0;
    int max_in_flight = 0;

    Reply answer(const RecordedRequest& r) {
        std::lock_guard lock(mutex);
        log.push_back(r);
        max_in_flight = std::max(max_in_flight, ++in_flight);
        for (auto& slot : script) {
            if ((slot.exchange.times != 0 && slot.used >= slot.exchange.times) || !matches(slot.exchange, r)) continue;
            ++slot.used;
            if (slot.exchange.check) {
                auto wrong = slot.exchange.check(r);
                if (!wrong.empty()) problems.push_back(r.line() + ": " + wrong);
            }
            return slot.exchange.reply;
        }
        problems.push_back("unexpected request " + r.line());
        return Reply{418, {}, "scripted_http: unexpected request"};
    }

    void answered() {
        std::lock_guard lock(mutex);
        --in_flight;
    }

    void run() {
        std::vector<Connection> connections;
        for (;;) {
            std::vector<pollfd> fds{{wake[0], POLLIN, 0}, {listener, POLLIN, 0}};
            for (const auto& c : connections) fds.push_back({c.fd, POLLIN, 0});
            int timeout = -1;
            const auto now = Clock::now();
            for (const auto& c : connections)
                if (!c.pending.empty()) {
                    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(c.pending.front().due - now).count();
                    timeout = timeout < 0 ? static_cast<int>(std::max<long long>(ms, 0))
                                          : std::min(timeout, static_cast<int>(std::max<long long>(ms, 0)));
                }
            ::poll(fds.data(), fds.size(), timeout);
            if (fds[0].revents) return;
            if (fds[1].revents & POLLIN) {
                int fd = ::accept(listener, nullptr, nullptr);
                if (fd >= 0) {
                    ::fcntl(fd, F_SETFL, O_NONBLOCK);
                    connections.push_back({fd, {}, {}});
                }
            }
            for (std::size_t i = 0; i < connections.size(); ++i) {
                auto& c = connections[i];
                bool closed = false;
                if (i + 2 < fds.size() && fds[i + 2].fd == c.fd && fds[i + 2].revents) {
                    char buf[65536];
                    auto n = ::recv(c.fd, buf, sizeof buf, 0);
                    if (n > 0) {
                        c.in.append(buf, static_cast<std::size_t>(n));
                    } else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
                        closed = true;
                    }
                }
                try {
                    while (auto request = take_request(c.in)) {
                        auto reply = answer(*request);
                        c.pending.push_back({request->received_at + reply.delay, std::move(*request), std::move(reply)});
                    }
                } catch (const std::exception& e) {
                    std::lock_guard lock(mutex);
                    problems.push_back(std::string("unparsable request: ") + e.what());
                    closed = true;
                }
                while (!closed && !c.pending.empty() && c.pending.front().due <= Clock::now()) {
                    const auto p = std::move(c.pending.front());
                    c.pending.erase(c.pending.begin());
                    if (!p.reply.hang_up) send_all(c.fd, render(p.request, p.reply));
                    answered();
                    if (p.reply.close || p.reply.hang_up) closed = true;
                }
                if (closed) {
                    for (std::size_t k = 0; k < c.pending.size(); ++k) answered();
                    ::close(c.fd);
                    connections.erase(connections.begin() + static_cast<std::ptrdiff_t>(i));
                    --i;
                }
            }
        }
    }
};

ScriptedHttp::ScriptedHttp() : impl_(std::make_unique<Impl>()) {
    impl_->listener = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (impl_->listener < 0 || ::bind(impl_->listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(impl_->listener, 64) != 0 || ::pipe(impl_->wake) != 0)
        throw std::runtime_error("scripted_http: cannot listen on 127.0.0.1");
    socklen_t len = sizeof addr;
    ::getsockname(impl_->listener, reinterpret_cast<sockaddr*>(&addr), &len);
    impl_->port = ntohs(addr.sin_port);
    impl_->thread = std::thread([this] { impl_->run(); });
}

ScriptedHttp::~ScriptedHttp() {
    (void)!::write(impl_->wake[1], "x", 1);
    impl_->thread.join();
    ::close(impl_->listener);
    ::close(impl_->wake[0]);
    ::close(impl_->wake[1]);
}

std::string ScriptedHttp::host() const { return "127.0.0.1:" + std::to_string(impl_->port); }
std::string ScriptedHttp::url() const { return "http://" + host(); }

ScriptedHttp& ScriptedHttp::expect(Exchange exchange) {
    std::lock_guard lock(impl_->mutex);
    impl_->script.push_back({std::move(exchange), 0});
    return *this;
}

std::vector<RecordedRequest> ScriptedHttp::received() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->log;
}

std::vector<RecordedRequest> ScriptedHttp::received(std::string_view method, std::string_view prefix) const {
    std::vector<RecordedRequest> out;
    for (auto& r : received())
        if (r.method == method && r.target.starts_with(prefix)) out.push_back(std::move(r));
    return out;
}

std::string ScriptedHttp::problems() const {
    std::lock_guard lock(impl_->mutex);
    std::string out;
    for (const auto& p : impl_->problems) out += p + "\n";
    return out;
}

std::string ScriptedHttp::unused() const {
    std::lock_guard lock(impl_->mutex);
    std::string out;
    for (const auto& s : impl_->script)
        if (s.exchange.times != 0 && s.used < s.exchange.times)
            out += s.exchange.method + " " + s.exchange.target + " (used " + std::to_string(s.used) + " of " +
                   std::to_string(s.exchange.times) + ")\n";
    return out;
}

int ScriptedHttp::max_in_flight() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->max_in_flight;
}

}  // namespace ferry::testing
