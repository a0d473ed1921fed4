#pragma once
/// One HTTP exchange over libcurl, with connection reuse. No retries, no auth: see Session.
/// Thread-safe: easy handles are pooled per origin, each keeping its own keep-alive
/// connection, and share one CURLSH for the DNS cache and TLS sessions (not connections:
/// libcurl's shared connection cache is not thread-safe). Requests speak HTTP/1.1, also
/// where h2 is offered (see set_common in transport.cpp for why).
/// Proxies come from the environment (HTTP(S)_PROXY, NO_PROXY), as libcurl reads them.
#include <chrono>
#include <memory>
#include <string>

#include "core/cancel.hpp"
#include "core/error.hpp"
#include "http/message.hpp"

namespace ferry::http {

struct TlsOptions {
    bool verify = true;        ///< verify peer certificate and host name
    std::string ca_file;       ///< extra CA bundle (PEM) in addition to the system CAs
    std::string client_cert;   ///< PEM client certificate (mTLS)
    std::string client_key;    ///< PEM private key for client_cert
};

struct TransferOptions {
    TlsOptions tls;
    std::chrono::seconds connect_timeout{30};
    /// A transfer slower than low_speed_bytes/s for low_speed_time is aborted (Network).
    long low_speed_bytes = 1024;
    std::chrono::seconds low_speed_time{60};
    long max_redirects = 10;
    /// Besides the process-wide token (SIGINT/SIGTERM), this one (null = none) also stops
    /// waits: retry back-offs, 429 pauses, token fetches, and a transfer in progress (checked
    /// by libcurl's progress callback, at least about once a second even when stalled).
    const core::CancellationToken* cancel = nullptr;
};

class Transport {
public:
    Transport();
    ~Transport();
    Transport(const Transport&) = delete;
    Transport& operator=(const Transport&) = delete;

    /// Sends `request` once and returns the final response (after redirects, which never
    /// carry Authorization to another host and only go to http/https URLs).
    /// HTTP error statuses are responses, not errors. Errors: Network (DNS, connect, reset,
    /// timeouts), Tls (certificate, handshake), Protocol (oversized body, bad redirect),
    /// InvalidInput (malformed URL), or the error a body source/sink returned.
    /// Logs one debug line: method, redacted URL, status, bytes, milliseconds.
    core::Result<Response> perform(const Request& request, const TransferOptions& options);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// Maps a libcurl result code to an error kind (exposed for tests).
core::ErrorKind kind_for_curl_code(int curl_code);

}  // namespace ferry::http
