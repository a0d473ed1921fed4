#pragma once
// Shared by the registry quirk tests: a real registry::Client (ClientPool, libcurl) talking
// plain HTTP to a ScriptedHttp server, with no retries unless a test asks for them.
#include <algorithm>
#include <functional>
#include <memory>
#include <string>

#include "manifest/digest.hpp"
#include "registry/client.hpp"
#include "support/scripted_http.hpp"

namespace ferry::testing {

struct ScriptedRegistry {
    std::unique_ptr<registry::ClientPool> pool;
    std::shared_ptr<registry::Client> client;
    registry::Client* operator->() const { return client.get(); }
};

/// A client for `server`'s host. `host` tweaks the host's options (plain HTTP and
/// retries = 0 are set first), `options` the pool's.
inline ScriptedRegistry scripted_registry(const ScriptedHttp& server,
                                          std::function<void(registry::HostOptions&)> host = {},
                                          std::function<void(registry::ClientOptions&)> options = {}) {
    registry::HostOptions h;
    h.plain_http = true;
    h.retries = 0;
    if (host) host(h);
    registry::ClientOptions o;
    o.authfile = "/nonexistent/ferry-test/config.json";  // never the developer's credentials
    o.host_options = [h](std::string_view) { return std::optional<registry::HostOptions>(h); };
    if (options) options(o);
    ScriptedRegistry r{std::make_unique<registry::ClientPool>(std::move(o)), nullptr};
    auto got = r.pool->get(server.host());
    if (got) r.client = *got;
    return r;
}

/// The user name and password of the authenticated tests; base64 of "user:s3cr3t-pw".
inline constexpr const char* kUser = "user";
inline constexpr const char* kPassword = "s3cr3t-pw";
inline constexpr const char* kBasicValue = "Basic dXNlcjpzM2NyM3QtcHc=";

inline void with_credentials(registry::HostOptions& h) {
    h.username = kUser;
    h.password = kPassword;
}

/// Hands out `bytes` (copied) as an upload source, in pieces as large as asked for.
inline registry::ByteSource source_of(std::string bytes) {
    auto at = std::make_shared<std::size_t>(0);
    return [bytes = std::move(bytes), at](char* buffer, std::size_t room) -> core::Result<std::size_t> {
        const auto n = std::min(room, bytes.size() - *at);
        std::copy_n(bytes.data() + *at, n, buffer);
        *at += n;
        return n;
    };
}

/// A ping that needs no credentials.
inline void open_ping(ScriptedHttp& server) { server.expect("GET", "/v2/", Reply{200, {}, "{}"}); }

/// A check that fails when the request carries an Authorization header.
inline std::string no_authorization(const RecordedRequest& r) {
    return r.header("Authorization") ? "carries Authorization \"" + *r.header("Authorization") + "\"" : "";
}

}  // namespace ferry::testing
