#include "core/error.hpp"

namespace ferry::core {

std::string_view kind_name(ErrorKind kind) {
    switch (kind) {
        case ErrorKind::InvalidInput: return "invalid-input";
        case ErrorKind::Config: return "config";
        case ErrorKind::NotFound: return "not-found";
        case ErrorKind::Auth: return "auth";
        case ErrorKind::Denied: return "denied";
        case ErrorKind::Network: return "network";
        case ErrorKind::Tls: return "tls";
        case ErrorKind::Server: return "server";
        case ErrorKind::Protocol: return "protocol";
        case ErrorKind::Integrity: return "integrity";
        case ErrorKind::Conflict: return "conflict";
        case ErrorKind::Unsupported: return "unsupported";
        case ErrorKind::Io: return "io";
        case ErrorKind::Cancelled: return "cancelled";
        case ErrorKind::Internal: return "internal";
    }
    return "internal";
}

bool Error::retryable() const {
    if (hint == ErrorHint::HostDown || hint == ErrorHint::QuotaSpent || hint == ErrorHint::RetriesSpent) return false;
    return kind == ErrorKind::Network || kind == ErrorKind::Server;
}

Error Error::with_context(std::string_view context) const {
    Error e = *this;
    // A message that already starts with this context (an inner layer said the same) keeps
    // it once: "listing the catalog of H: 401 …", not "listing the catalog of H: listing …".
    if (message.starts_with(context) && message.substr(context.size()).starts_with(": ")) return e;
    e.message = std::string(context) + ": " + message;
    return e;
}

Error make_error(ErrorKind kind, std::string message, int http_status, std::string registry_code) {
    return Error{kind, std::move(message), http_status, std::move(registry_code), ErrorHint::None, {}};
}

}  // namespace ferry::core
