#pragma once
/// Cosign signatures in keyed mode, as cosign stores them in a registry: an OCI image manifest
/// at tag "sha256-<hex of the signed manifest>.sig" whose layers are simple-signing payloads
/// (media type application/vnd.dev.cosign.simplesigning.v1+json). Each payload is JSON
/// {"critical":{"identity":{"docker-reference":…},"image":{"docker-manifest-digest":…},
///  "type":"cosign container image signature"},"optional":…}; its signature over sha256(payload)
/// is base64 in the layer annotation dev.cosignproject.cosign/signature.
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "manifest/digest.hpp"
#include "store/store.hpp"
#include "verify/key.hpp"

namespace ferry::verify {

inline constexpr std::string_view kSimpleSigningMediaType =
    "application/vnd.dev.cosign.simplesigning.v1+json";
inline constexpr std::string_view kSignatureAnnotation = "dev.cosignproject.cosign/signature";
inline constexpr std::string_view kCosignSignatureType = "cosign container image signature";
/// Largest simple-signing payload read (bytes).
inline constexpr std::size_t kMaxPayloadBytes = 1024 * 1024;

enum class Outcome { Verified, Unsigned, Invalid };

/// "verified", "unsigned" or "invalid".
std::string_view outcome_name(Outcome outcome);

struct Verdict {
    Outcome outcome = Outcome::Unsigned;
    std::string detail;  ///< human-readable reason, names the digest
};

/// Name of the cosign signature tag for a subject: "sha256-<hex>.sig".
std::string signature_tag(const manifest::Digest& subject);

/// Looks for the cosign signature manifest of `subject` in `store` (tag sha256-<hex>.sig),
/// reads each simple-signing layer (at most kMaxPayloadBytes, digest checked), checks that the
/// payload's critical.image.docker-manifest-digest equals `subject` and that its annotation
/// signature verifies with `key`. Verified if any layer passes; Unsigned if there is no
/// signature tag; Invalid (with the reasons) otherwise. Errors only for transport/IO failures.
core::Result<Verdict> verify_cosign(store::Store& store, const manifest::Digest& subject,
                                    const PublicKey& key);

}  // namespace ferry::verify
