#include "http/transport.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <array>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <vector>

#include "core/log.hpp"
#include "core/parse.hpp"
#include "core/transfer_meter.hpp"
#include "core/redact.hpp"
#include "http/url.hpp"

namespace ferry::http {
namespace {

constexpr std::size_t kErrorBodyCap = 64 * 1024;
/// Idle connections kept in each easy handle's connection cache. libcurl's default (5) counts
/// the connections in use too, so with more requests in flight than that every finished
/// request closed the oldest idle connection and the next one opened a new one (a TLS
/// handshake on https).
constexpr long kConnectionCacheSize = 256;

void global_init_once() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

/// A CURLSH sharing DNS and TLS sessions, with one mutex per data kind. Not connections:
/// libcurl's shared connection cache is not thread-safe (curl KNOWN_BUGS "A shared connection
/// cache is not thread-safe", curl/curl#4915; the maintainers on curl/curl#13347: documented,
/// not supported between concurrent threads). Sharing it corrupted the heap under parallel
/// requests ("corrupted size vs. prev_size", a connection freed by one thread and written by
/// another under valgrind). Connections are reused through the easy handles instead: each
/// keeps its own cache across requests, and handles are pooled per origin (Transport::Impl).
class SharedCache {
public:
    SharedCache() : share_(curl_share_init()) {
        curl_share_setopt(share_, CURLSHOPT_LOCKFUNC, &SharedCache::lock);
        curl_share_setopt(share_, CURLSHOPT_UNLOCKFUNC, &SharedCache::unlock);
        curl_share_setopt(share_, CURLSHOPT_USERDATA, this);
        curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
        curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    }
    ~SharedCache() { curl_share_cleanup(share_); }
    SharedCache(const SharedCache&) = delete;
    SharedCache& operator=(const SharedCache&) = delete;
    CURLSH* get() const { return share_; }

private:
    static void lock(CURL*, curl_lock_data data, curl_lock_access, void* self) {
        static_cast<SharedCache*>(self)->mutexes_.at(static_cast<std::size_t>(data)).lock();
    }
    static void unlock(CURL*, curl_lock_data data, void* self) {
        static_cast<SharedCache*>(self)->mutexes_.at(static_cast<std::size_t>(data)).unlock();
    }
    CURLSH* share_;
    std::array<std::mutex, CURL_LOCK_DATA_LAST + 1> mutexes_;
};

struct CurlListDeleter {
    void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using HeaderList = std::unique_ptr<curl_slist, CurlListDeleter>;

/// State of one exchange, reached from the libcurl callbacks.
struct Exchange {
    const Request& request;
    Response response;
    std::size_t upload_offset = 0;
    std::optional<core::Error> callback_error;
    bool started = false;  // a 2xx body has begun
    const core::CancellationToken* cancel = nullptr;  // besides the process-wide token
};

bool is_redirect(int status) { return status >= 300 && status < 400; }

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
    auto& ex = *static_cast<Exchange*>(user);
    std::string_view line(data, size * count);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    if (line.starts_with("HTTP/")) {
        ex.response.headers.clear();
        auto sp = line.find(' ');
        ex.response.status = sp == std::string_view::npos ? 0 : core::parse_int<int>(line.substr(sp + 1, 3)).value_or(0);
        return size * count;
    }
    auto colon = line.find(':');
    if (colon == std::string_view::npos) return size * count;
    auto value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    ex.response.headers.add(std::string(line.substr(0, colon)), std::string(value));
    return size * count;
}

/// libcurl's progress callback: aborts the transfer once a stop was requested (also while
/// it is stalled: libcurl calls this about once a second when nothing moves).
int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    auto& ex = *static_cast<Exchange*>(user);
    if (!core::stop_requested(ex.cancel)) return 0;
    ex.callback_error = core::make_error(core::ErrorKind::Cancelled,
                                         ex.request.method + " " + core::redact(ex.request.url) + ": cancelled");
    return 1;
}

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
    auto& ex = *static_cast<Exchange*>(user);
    const std::size_t n = size * count;
    auto& resp = ex.response;
    if (is_redirect(resp.status)) return n;  // body of a redirect being followed
    resp.body_bytes += n;
    core::meter::add_received(n);
    if (resp.ok() && !ex.started) {
        ex.started = true;
        if (ex.request.on_response_start) {
            if (auto st = ex.request.on_response_start(resp); !st) {
                ex.callback_error = st.error();
                return 0;
            }
        }
    }
    if (resp.ok() && ex.request.sink) {
        if (auto st = ex.request.sink(std::string_view(data, n)); !st) {
            ex.callback_error = st.error();
            return 0;
        }
        resp.sink_bytes += n;
        return n;
    }
    if (!resp.ok()) {  // an error body is only for messages: keep its start
        const std::size_t room = kErrorBodyCap - std::min(kErrorBodyCap, resp.body.size());
        resp.body.append(data, std::min(n, room));
        return n;
    }
    if (resp.body.size() + n > ex.request.max_body_bytes) {
        ex.callback_error = core::make_error(
            core::ErrorKind::Protocol,
            "response body exceeds " + std::to_string(ex.request.max_body_bytes) + " bytes");
        return 0;
    }
    resp.body.append(data, n);
    return n;
}

std::size_t on_read(char* buffer, std::size_t size, std::size_t count, void* user) {
    auto& ex = *static_cast<Exchange*>(user);
    const std::size_t room = size * count;
    if (ex.request.body_source) {
        auto got = ex.request.body_source(buffer, room);
        if (!got) {
            ex.callback_error = got.error();
            return CURL_READFUNC_ABORT;
        }
        return *got;
    }
    const auto& body = ex.request.body;
    std::size_t n = std::min(room, body.size() - ex.upload_offset);
    body.copy(buffer, n, ex.upload_offset);
    ex.upload_offset += n;
    return n;
}

void set_method(CURL* h, const Request& req, Exchange& ex) {
    const std::uint64_t length = req.body_source ? req.body_length : req.body.size();
    if (req.method == "HEAD") {
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (req.method == "POST" && !req.body_source) {
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, req.body.data());
    } else if (req.method == "PUT" || req.has_body()) {
        curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(length));
        curl_easy_setopt(h, CURLOPT_READFUNCTION, &on_read);
        curl_easy_setopt(h, CURLOPT_READDATA, &ex);
        if (req.method != "PUT") curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req.method.c_str());
    } else if (req.method != "GET") {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req.method.c_str());
    }
}

void set_tls(CURL* h, const TlsOptions& tls) {
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, tls.verify ? 1L : 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, tls.verify ? 2L : 0L);
    if (!tls.ca_file.empty()) {
        // CAINFO alone would replace the system bundle; CAPATH keeps the system CAs.
        curl_easy_setopt(h, CURLOPT_CAINFO, tls.ca_file.c_str());
        std::error_code ec;
        if (std::filesystem::is_directory("/etc/ssl/certs", ec))
            curl_easy_setopt(h, CURLOPT_CAPATH, "/etc/ssl/certs");
    }
    if (!tls.client_cert.empty()) curl_easy_setopt(h, CURLOPT_SSLCERT, tls.client_cert.c_str());
    if (!tls.client_key.empty()) curl_easy_setopt(h, CURLOPT_SSLKEY, tls.client_key.c_str());
}

HeaderList build_headers(const Request& req) {
    curl_slist* list = nullptr;
    for (const auto& [name, value] : req.headers.fields()) {
        std::string line = value.empty() ? name + ";" : name + ": " + value;
        list = curl_slist_append(list, line.c_str());
    }
    if (!req.headers.contains("Expect")) list = curl_slist_append(list, "Expect:");
    return HeaderList(list);
}

/// The stall limit in seconds: FERRY_HTTP_STALL_SECONDS (a positive integer; for tests and
/// links known to be slow) wins over TransferOptions::low_speed_time.
long low_speed_seconds(const TransferOptions& o) {
    static const long from_env = [] {
        const char* value = std::getenv("FERRY_HTTP_STALL_SECONDS");
        return value ? std::max(0L, core::parse_int<long>(value).value_or(0L)) : 0L;
    }();
    return from_env > 0 ? from_env : static_cast<long>(o.low_speed_time.count());
}

void set_common(CURL* h, const Request& req, const TransferOptions& o, Exchange& ex) {
    curl_easy_setopt(h, CURLOPT_URL, req.url.c_str());
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    // HTTP/1.1 even where the server offers h2 over TLS. Each request in flight has its own
    // connection here (easy handles on worker threads), so h2 would bring no multiplexing,
    // only its framing and flow control, and those cost blob transfers dearly: measured
    // against docker-registry over TLS, a 1.1 GiB cold sync took 12.9 s with h2 and 8.6 s
    // with HTTP/1.1 (plain HTTP 7.4 s; BENCHMARKS.md, sync-auth, session 6). Over a long
    // round trip the h2 window also caps one stream's throughput at window/RTT (curl/curl
    // #1102, #8965 on libcurl's h2 upload and download windows).
    curl_easy_setopt(h, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_MAXCONNECTS, kConnectionCacheSize);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, req.follow_redirects ? 1L : 0L);
    // A redirect from https never downgrades to http (a CDN or proxy answering with an
    // http:// Location would otherwise get the bytes, and any signed query, in clear).
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, req.url.starts_with("https://") ? "https" : "http,https");
    curl_easy_setopt(h, CURLOPT_MAXREDIRS, o.max_redirects);
    curl_easy_setopt(h, CURLOPT_UNRESTRICTED_AUTH, 0L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(o.connect_timeout.count() * 1000));
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, o.low_speed_bytes);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, low_speed_seconds(o));
    curl_easy_setopt(h, CURLOPT_USERAGENT, "ferry/0.1");
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &ex);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &ex);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, &on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, &ex);
}

}  // namespace

core::ErrorKind kind_for_curl_code(int curl_code) {
    switch (static_cast<CURLcode>(curl_code)) {
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_SSL_CIPHER:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_ENGINE_NOTFOUND:
        case CURLE_SSL_ENGINE_SETFAILED:
        case CURLE_SSL_ENGINE_INITFAILED:
        case CURLE_SSL_ISSUER_ERROR:
        case CURLE_SSL_CRL_BADFILE:
        case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
        case CURLE_SSL_INVALIDCERTSTATUS:
        case CURLE_SSL_SHUTDOWN_FAILED:
        case CURLE_USE_SSL_FAILED:
        case CURLE_SSL_CLIENTCERT: return core::ErrorKind::Tls;
        case CURLE_URL_MALFORMAT: return core::ErrorKind::InvalidInput;
        case CURLE_UNSUPPORTED_PROTOCOL:
        case CURLE_TOO_MANY_REDIRECTS:
        case CURLE_WEIRD_SERVER_REPLY: return core::ErrorKind::Protocol;
        case CURLE_OUT_OF_MEMORY: return core::ErrorKind::Internal;
        default: return core::ErrorKind::Network;
    }
}

namespace {

/// Like kind_for_curl_code, except that bytes which are no HTTP status line where a response
/// should start ("HTTP/0.9") are the leftovers of a broken exchange on a reused connection
/// (e.g. a body longer than its Content-Length): Network, so a fresh connection is tried.
core::ErrorKind failure_kind(CURLcode rc, std::string_view detail) {
    if (rc == CURLE_UNSUPPORTED_PROTOCOL && detail.find("HTTP/0.9") != std::string_view::npos)
        return core::ErrorKind::Network;
    return kind_for_curl_code(rc);
}

/// "host:port" of an absolute URL, for the cause of an unreachable host.
std::string host_port(std::string_view url) {
    std::string origin = url_origin(url);
    if (auto scheme = origin.find("://"); scheme != std::string::npos) origin.erase(0, scheme + 3);
    return origin;
}

/// A connect that was refused or a name that did not resolve: the error says so in the
/// words a user expects ("127.0.0.1:5199: connection refused") and carries the Unreachable
/// hint, so the session can declare the host down.
core::Error unreachable_error(CURLcode rc, long os_errno, const std::string& url, const std::string& detail) {
    const std::string where = host_port(url);
    std::string what = rc == CURLE_COULDNT_CONNECT
                           ? (os_errno == ECONNREFUSED ? "connection refused"
                                                       : os_errno ? std::string("cannot connect: ") + std::strerror(static_cast<int>(os_errno))
                                                                  : std::string("cannot connect"))
                           : "cannot resolve the host name";
    core::Error e = core::make_error(core::ErrorKind::Network, where + ": " + what + " (" + core::redact(detail) + ")");
    e.hint = core::ErrorHint::Unreachable;
    e.cause = where + ": " + what;
    return e;
}

/// The issuer of the certificate the server at `url` presents, read over a second handshake
/// that verifies nothing (only to name it in an error); "" when it cannot be read. The text
/// comes from the server: control characters are dropped and it is cut at 200 characters.
std::string peer_certificate_issuer(const std::string& url) {
    CURL* h = curl_easy_init();
    if (h == nullptr) return {};
    curl_easy_setopt(h, CURLOPT_URL, url_origin(url).c_str());
    curl_easy_setopt(h, CURLOPT_CONNECT_ONLY, 1L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    curl_easy_setopt(h, CURLOPT_CERTINFO, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 10L);
    std::string issuer;
    curl_certinfo* info = nullptr;
    if (curl_easy_perform(h) == CURLE_OK && curl_easy_getinfo(h, CURLINFO_CERTINFO, &info) == CURLE_OK && info != nullptr &&
        info->num_of_certs > 0)
        for (const curl_slist* field = info->certinfo[0]; field != nullptr; field = field->next)
            if (std::string_view text = field->data; text.starts_with("Issuer:")) {
                for (char c : text.substr(7))
                    if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f && issuer.size() < 200) issuer.push_back(c);
                break;
            }
    curl_easy_cleanup(h);
    return issuer;
}

}  // namespace

/// Idle easy handles by origin ("scheme://host:port"): a handle taken for an origin holds the
/// connections it opened there before, so requests to a host reuse its connections.
struct Transport::Impl {
    SharedCache cache;
    std::mutex mutex;
    std::map<std::string, std::vector<CURL*>, std::less<>> idle;

    ~Impl() {
        for (auto& [origin, handles] : idle)
            for (CURL* h : handles) curl_easy_cleanup(h);
    }
    CURL* acquire(std::string_view origin) {
        std::lock_guard lock(mutex);
        auto it = idle.find(origin);
        if (it == idle.end() || it->second.empty()) return curl_easy_init();
        CURL* h = it->second.back();
        it->second.pop_back();
        return h;
    }
    void release(const std::string& origin, CURL* h) {
        curl_easy_reset(h);  // keeps the handle's connection cache and the shared DNS/TLS caches
        std::lock_guard lock(mutex);
        idle[origin].push_back(h);
    }
};

Transport::Transport() {
    global_init_once();
    impl_ = std::make_unique<Impl>();
}

Transport::~Transport() = default;

core::Result<Response> Transport::perform(const Request& request, const TransferOptions& options) {
    const std::string origin = url_origin(request.url);
    CURL* h = impl_->acquire(origin);
    if (!h) return core::fail(core::ErrorKind::Internal, "curl_easy_init failed");
    struct Releaser {
        Impl& impl;
        const std::string& origin;
        CURL* h;
        ~Releaser() { impl.release(origin, h); }
    } releaser{*impl_, origin, h};

    Exchange ex{request, {}, 0, std::nullopt, false, options.cancel};
    std::array<char, CURL_ERROR_SIZE> errbuf{};
    set_common(h, request, options, ex);
    curl_easy_setopt(h, CURLOPT_SHARE, impl_->cache.get());
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf.data());
    set_tls(h, options.tls);
    set_method(h, request, ex);
    HeaderList headers = build_headers(request);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());

    const auto start = std::chrono::steady_clock::now();
    CURLcode rc = curl_easy_perform(h);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - start).count();
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    char* effective = nullptr;
    curl_easy_getinfo(h, CURLINFO_EFFECTIVE_URL, &effective);
    long connects = 0;  // a connection opened for this request (a TLS handshake on https)
    curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &connects);
    core::log::debug("{} {} {} {}B {}ms{}", request.method, request.url,  // the log redacts
                     rc == CURLE_OK ? std::to_string(status) : "failed", ex.response.body_bytes, ms,
                     connects > 0 ? " new-connection" : "");
    if (ex.callback_error) return core::fail(*ex.callback_error);
    if (rc != CURLE_OK) {
        std::string detail = errbuf[0] ? std::string(errbuf.data()) : curl_easy_strerror(rc);
        if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST) {
            long os_errno = 0;
            curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &os_errno);
            return std::unexpected(unreachable_error(rc, os_errno, request.url, detail));
        }
        // The redirect that libcurl refused to follow is the last response it saw.
        const auto location = ex.response.headers.get("Location");
        if (rc == CURLE_UNSUPPORTED_PROTOCOL && request.url.starts_with("https://") && is_redirect(ex.response.status) &&
            location && !location->starts_with("https://"))
            return core::fail(core::ErrorKind::Protocol, "refused a redirect from https to " +
                                                             core::redact(url_origin(*location)) +
                                                             " (never downgraded to plain http)");
        if (rc == CURLE_PEER_FAILED_VERIFICATION && options.tls.verify && request.url.starts_with("https://"))
            if (const std::string issuer = peer_certificate_issuer(request.url); !issuer.empty())
                detail += " (the certificate is issued by \"" + issuer + "\")";
        return core::fail(failure_kind(rc, detail), core::redact(detail));
    }
    ex.response.status = static_cast<int>(status);
    if (effective) ex.response.effective_url = effective;
    return std::move(ex.response);
}

}  // namespace ferry::http
