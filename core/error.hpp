#pragma once
/// Errors as values. Every function that can fail returns `core::Result<T>`
/// (= std::expected<T, core::Error>). Messages put the context first:
/// "pushing manifest 127.0.0.1:5002/app:1.0: 400 MANIFEST_INVALID: ...".
/// Messages never contain secrets: build them from redacted values only.
#include <expected>
#include <string>
#include <string_view>

namespace ferry::core {

/// What went wrong, coarse enough to choose a reaction (retry, exit code).
enum class ErrorKind {
    InvalidInput,  ///< bad reference, flag, plan value, malformed manifest from the user
    Config,        ///< plan/config file error (file:line:col in the message)
    NotFound,      ///< 404 / MANIFEST_UNKNOWN / BLOB_UNKNOWN / missing file
    Auth,          ///< 401 after credentials were tried; bad password; token refused
    Denied,        ///< 403 / DENIED
    Network,       ///< connect/DNS/reset/timeouts: retryable
    Tls,           ///< certificate verification or handshake failure
    Server,        ///< 5xx, 429: retryable
    Protocol,      ///< the peer broke the protocol (bad headers, garbage JSON, loops)
    Integrity,     ///< digest or size mismatch
    Conflict,      ///< immutable tag would be overwritten
    Unsupported,   ///< e.g. mount not supported, feature absent
    Io,            ///< local file system errors
    Cancelled,     ///< SIGINT/SIGTERM
    Internal,      ///< a bug
};

/// A short stable name for the kind ("not-found", "auth", ...), used in JSON output.
std::string_view kind_name(ErrorKind kind);

/// What a caller higher up may do about an error beyond its kind.
enum class ErrorHint {
    None,
    Unreachable,    ///< the host refused a connection or did not resolve (see Error::cause)
    HostDown,       ///< the host has been unreachable for a while: every request to it fails
                    ///< at once for the rest of the run (not retryable)
    RestartUpload,  ///< an upload can succeed if started again from its first byte with a
                    ///< fresh source (credentials renewed, or the upload mode switched)
    QuotaSpent,     ///< the host's rate limit is used up: asking again in this run is futile
    RetriesSpent,   ///< the HTTP layer already retried this request as often as allowed (not
                    ///< retryable: a layer above must not multiply the attempts)
};

struct Error {
    ErrorKind kind = ErrorKind::Internal;
    std::string message;
    int http_status = 0;         ///< HTTP status when the error came from a response, else 0
    std::string registry_code;   ///< distribution error code (MANIFEST_UNKNOWN, ...) if any
    ErrorHint hint = ErrorHint::None;
    /// For Unreachable, HostDown and QuotaSpent: the shared cause without context, the same for every
    /// request to that host ("127.0.0.1:5199: connection refused"), so reports can group.
    std::string cause;

    /// True for kinds worth retrying (network, server/429), unless the hint says the host is
    /// down, its quota spent, or the request's retries already spent.
    bool retryable() const;
    /// Returns a copy whose message is "<context>: <message>" (unchanged when the message
    /// already starts with "<context>: ").
    Error with_context(std::string_view context) const;
};

template <class T>
using Result = std::expected<T, Error>;
using Status = std::expected<void, Error>;

/// Shorthand: `return core::fail(ErrorKind::NotFound, "no such tag {}", tag);` is spelled
/// `return std::unexpected(core::make_error(kind, msg))`.
Error make_error(ErrorKind kind, std::string message, int http_status = 0,
                 std::string registry_code = {});

inline std::unexpected<Error> fail(ErrorKind kind, std::string message) {
    return std::unexpected(make_error(kind, std::move(message)));
}
inline std::unexpected<Error> fail(Error e) { return std::unexpected(std::move(e)); }

}  // namespace ferry::core
