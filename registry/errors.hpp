#pragma once
/// Registry error replies -> core::Error. Pure.
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "http/message.hpp"

namespace ferry::registry {

struct RegistryErrorEntry {
    std::string code;     ///< "MANIFEST_UNKNOWN", ...
    std::string message;  ///< "manifest unknown"
};

/// Parses {"errors":[{"code","message","detail"}]}; empty when the body is something else.
std::vector<RegistryErrorEntry> parse_error_body(std::string_view body);

/// A non-JSON body for a message: tags stripped, whitespace collapsed, control characters
/// dropped, at most 200 characters, redacted.
std::string sanitize_body(std::string_view body);

/// The kind for a failed response: 401 Auth, 403 Denied, 404 NotFound, 408/429/5xx
/// Server, DIGEST_INVALID/SIZE_INVALID Integrity, other 4xx InvalidInput or Protocol.
core::ErrorKind kind_for_status(int status, std::string_view registry_code);

/// "<context>: <status> <CODE>: <message>[; <CODE>: <message>]" (or the sanitised body),
/// with http_status and registry_code (the first code) set.
core::Error response_error(std::string_view context, const http::Response& response);

/// A TLS error gets the hint that says what to do: a certificate of an unknown issuer (or
/// self-signed; the transport names the issuer) -> trust the CA with --ca-file / `ca_file:`
/// or skip verification; a handshake that met a plain-HTTP server ("wrong version number",
/// "packet length too long") -> allow it with --insecure-registry HOST or `tls: disabled` in
/// a plan. Other errors are returned as they are.
core::Error with_tls_hint(core::Error error, std::string_view host);

/// True for a 5xx whose registry error says the repository or project does not exist (Harbor
/// answers a push into a missing project with 500: goharbor/harbor-helm#849): such an answer
/// is final, not retried.
bool says_missing(const http::Response& response);

/// response_error for a write (upload, manifest PUT) into `repository` ("host/repo"):
/// - a missing repository (404 NAME_UNKNOWN or "does not exist"/"not found", or
///   says_missing) is NotFound "repository HOST/REPO does not exist at the registry: create
///   it first" (ECR, GAR, Harbor and Quay do not create repositories on push);
/// - a refused overwrite of an immutable tag (ECR 400 TAG_INVALID "...cannot be overwritten
///   because the repository is immutable"; Harbor 412 "...configured as immutable") is Conflict.
core::Error write_error(std::string_view context, const http::Response& response, std::string_view repository);

/// response_error made NotFound: "...: repository HOST/REPO does not exist at the registry:
/// create it first (this registry does not create repositories on push)".
core::Error missing_repository_error(std::string_view context, const http::Response& response,
                                     std::string_view repository);

}  // namespace ferry::registry
