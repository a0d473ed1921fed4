#include "verify/cosign.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "core/log.hpp"
#include "http/base64.hpp"
#include "store/store.hpp"

namespace ferry::verify {
namespace {

/// One layer's result: passed, or the reason it did not.
struct LayerCheck {
    bool passed = false;
    std::string reason;
};

LayerCheck failed(std::string reason) { return {false, std::move(reason)}; }

/// Errors that say something about the signature rather than about the way to it.
bool is_signature_defect(const core::Error& e) {
    using K = core::ErrorKind;
    return e.kind == K::NotFound || e.kind == K::Integrity || e.kind == K::Protocol;
}

/// The string at `key` of a JSON object, or "" when absent or not a string.
std::string string_at(const nlohmann::json& object, const char* key) {
    auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

/// The payload's claims, checked after its signature: type and signed digest.
LayerCheck check_payload(std::string_view payload, const manifest::Digest& subject) {
    auto j = nlohmann::json::parse(payload, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return failed("payload is not JSON");
    auto critical = j.find("critical");
    if (critical == j.end() || !critical->is_object()) return failed("payload has no critical section");
    if (string_at(*critical, "type") != kCosignSignatureType)
        return failed(fmt::format("payload type is not \"{}\"", kCosignSignatureType));
    auto image = critical->find("image");
    std::string named = image != critical->end() && image->is_object()
                            ? string_at(*image, "docker-manifest-digest") : std::string();
    if (named.empty()) return failed("payload names no critical.image.docker-manifest-digest");
    if (named != subject.str()) return failed(fmt::format("payload signs {}, not {}", named, subject.str()));
    return {true, {}};
}

core::Result<LayerCheck> check_layer(store::Store& store, const manifest::Descriptor& layer,
                                     const manifest::Digest& subject, const PublicKey& key) {
    auto annotation = layer.annotations.find(std::string(kSignatureAnnotation));
    if (annotation == layer.annotations.end()) return failed("no signature annotation");
    auto signature = http::base64_decode(annotation->second);
    if (!signature || signature->empty()) return failed("signature annotation is not base64");
    auto payload = store::read_blob_text(store, layer, kMaxPayloadBytes);
    if (!payload) {
        if (is_signature_defect(payload.error())) return failed(payload.error().message);
        return std::unexpected(payload.error());
    }
    if (!verify_signature(key, *payload, *signature))
        return failed(fmt::format("signature does not verify with the {} key", key.algorithm()));
    return check_payload(*payload, subject);
}

std::string join_reasons(const std::vector<std::string>& reasons) {
    std::string out;
    for (const auto& r : reasons) out += (out.empty() ? "" : "; ") + r;
    return out;
}

}  // namespace

std::string_view outcome_name(Outcome outcome) {
    switch (outcome) {
        case Outcome::Verified: return "verified";
        case Outcome::Unsigned: return "unsigned";
        case Outcome::Invalid: return "invalid";
    }
    return "invalid";
}

std::string signature_tag(const manifest::Digest& subject) {
    return manifest::cosign_tag(subject, manifest::kCosignSignatureSuffix);
}

core::Result<Verdict> verify_cosign(store::Store& store, const manifest::Digest& subject,
                                    const PublicKey& key) {
    const std::string tag = signature_tag(subject);
    auto sig = store.get_manifest(tag);
    if (!sig && sig.error().kind == core::ErrorKind::NotFound)
        return Verdict{Outcome::Unsigned, fmt::format("{} has no signature (no tag {})", subject.str(), tag)};
    if (!sig) return std::unexpected(sig.error().with_context("reading signature " + tag));
    if (sig->is_index())
        return Verdict{Outcome::Invalid, fmt::format("{}: tag {} holds an index, not a signature", subject.str(), tag)};
    std::vector<std::string> reasons;
    std::size_t number = 0;
    for (const auto& layer : sig->image().layers) {
        ++number;
        if (layer.media_type != kSimpleSigningMediaType) continue;
        auto check = check_layer(store, layer, subject, key);
        if (!check) return std::unexpected(check.error().with_context("reading signature " + tag));
        if (check->passed) {
            core::log::debug("{}: signature layer {} of {} verifies", subject.str(), number, tag);
            return Verdict{Outcome::Verified,
                           fmt::format("{} is signed ({} key)", subject.str(), key.algorithm())};
        }
        reasons.push_back(fmt::format("layer {}: {}", number, check->reason));
    }
    if (reasons.empty()) reasons.push_back("no simple-signing layer");
    return Verdict{Outcome::Invalid,
                   fmt::format("{} has no valid signature: {}", subject.str(), join_reasons(reasons))};
}

}  // namespace ferry::verify
