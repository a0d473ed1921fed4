#include "multiarch/entries.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "manifest/media_type.hpp"

namespace ferry::multiarch {
namespace {

using manifest::Descriptor;
using manifest::Platform;

bool is_image_entry(const Descriptor& d) { return d.platform && !d.is_attestation(); }

bool same_platform(const Platform& a, const Platform& b) { return a.normalized() == b.normalized(); }

core::Result<std::string> optional_string(const nlohmann::json& j, const char* field) {
    auto it = j.find(field);
    if (it == j.end() || it->is_null()) return std::string();
    if (!it->is_string())
        return core::fail(core::ErrorKind::InvalidInput,
                          fmt::format("image config field '{}' must be a string", field));
    return it->get<std::string>();
}

core::Result<std::vector<std::string>> optional_strings(const nlohmann::json& j, const char* field) {
    std::vector<std::string> out;
    auto it = j.find(field);
    if (it == j.end() || it->is_null()) return out;
    if (!it->is_array())
        return core::fail(core::ErrorKind::InvalidInput,
                          fmt::format("image config field '{}' must be a list of strings", field));
    for (const auto& item : *it) {
        if (!item.is_string())
            return core::fail(core::ErrorKind::InvalidInput,
                              fmt::format("image config field '{}' must be a list of strings", field));
        out.push_back(item.get<std::string>());
    }
    return out;
}

/// The incoming image (index into `incoming`) whose platform equals `d`'s, if any.
std::optional<std::size_t> replacement_for(const Descriptor& d, const std::vector<SourcedEntry>& incoming) {
    for (std::size_t i = 0; i < incoming.size(); ++i)
        if (is_image_entry(incoming[i].descriptor) &&
            same_platform(*incoming[i].descriptor.platform, *d.platform))
            return i;
    return std::nullopt;
}

void place(std::size_t i, const std::vector<SourcedEntry>& incoming, std::vector<bool>& placed,
           std::vector<SourcedEntry>& out) {
    if (placed[i]) return;
    placed[i] = true;
    out.push_back(incoming[i]);
}

/// Appends the incoming attestations that describe `subject`, once.
void place_attestations(const manifest::Digest& subject, const std::vector<SourcedEntry>& incoming,
                        std::vector<bool>& placed, std::vector<SourcedEntry>& out) {
    for (std::size_t k = 0; k < incoming.size(); ++k)
        if (incoming[k].descriptor.is_attestation() && incoming[k].descriptor.attests_to() == subject)
            place(k, incoming, placed, out);
}

bool has_attestation(const manifest::Digest& subject, const std::vector<SourcedEntry>& entries) {
    return std::ranges::any_of(entries, [&](const SourcedEntry& e) {
        return e.descriptor.is_attestation() && e.descriptor.attests_to() == subject;
    });
}

}  // namespace

Platform as_stated(const Platform& stated) {
    Platform p = stated.normalized();
    if (p.architecture == "arm64" && stated.variant.empty()) p.variant.clear();
    return p;
}

core::Result<Platform> parse_as_stated(std::string_view text) {
    auto parsed = Platform::parse(text);
    if (!parsed) return parsed;
    if (std::ranges::count(text, '/') < 2 && parsed->architecture == "arm64") parsed->variant.clear();
    return parsed;
}

core::Result<std::pair<std::string, Platform>> parse_platform_override(std::string_view text) {
    auto eq = text.rfind('=');
    if (eq == std::string_view::npos || eq == 0 || eq + 1 == text.size())
        return core::fail(core::ErrorKind::InvalidInput,
                          fmt::format("--platform-for \"{}\": expected SRC=os/arch[/variant]", text));
    auto platform = parse_as_stated(text.substr(eq + 1));
    if (!platform) return core::fail(platform.error().with_context(fmt::format("--platform-for \"{}\"", text)));
    return std::pair{std::string(text.substr(0, eq)), std::move(*platform)};
}

core::Result<Platform> platform_from_config(std::string_view config_json) {
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(config_json);
    } catch (const nlohmann::json::exception& e) {
        return core::fail(core::ErrorKind::InvalidInput, fmt::format("image config is not JSON: {}", e.what()));
    }
    if (!j.is_object()) return core::fail(core::ErrorKind::InvalidInput, "image config is not a JSON object");
    Platform p;
    auto os = optional_string(j, "os");
    auto arch = optional_string(j, "architecture");
    auto variant = optional_string(j, "variant");
    auto os_version = optional_string(j, "os.version");
    auto features = optional_strings(j, "os.features");
    for (const auto* r : {&os, &arch, &variant, &os_version})
        if (!*r) return core::fail(r->error());
    if (!features) return core::fail(features.error());
    if (os->empty() || arch->empty())
        return core::fail(core::ErrorKind::InvalidInput,
                          "image config names no os/architecture; give the platform with --platform-for");
    p.os = *os;
    p.architecture = *arch;
    p.variant = *variant;
    p.os_version = *os_version;
    p.os_features = std::move(*features);
    return as_stated(p);
}

core::Status check_unique_platforms(const std::vector<SourcedEntry>& entries) {
    for (std::size_t i = 0; i < entries.size(); ++i) {
        const auto& a = entries[i].descriptor;
        if (!is_image_entry(a)) continue;
        for (std::size_t k = 0; k < i; ++k) {
            const auto& b = entries[k].descriptor;
            if (is_image_entry(b) && same_platform(*a.platform, *b.platform))
                return core::fail(core::ErrorKind::InvalidInput,
                                  fmt::format("duplicate platform {}: {} and {}", a.platform->normalized().str(),
                                              entries[k].source, entries[i].source));
        }
    }
    return {};
}

core::Status check_docker_children(const std::vector<SourcedEntry>& entries) {
    for (const auto& e : entries) {
        if (manifest::media::is_docker(e.descriptor.media_type)) continue;
        return core::fail(core::ErrorKind::InvalidInput,
                          fmt::format("{} is an OCI manifest ({}); a Docker manifest list can only list "
                                      "Docker schema2 manifests: use --format oci",
                                      e.source, e.descriptor.media_type));
    }
    return {};
}

std::vector<SourcedEntry> merge_for_append(const std::vector<SourcedEntry>& existing,
                                           const std::vector<SourcedEntry>& incoming) {
    std::map<manifest::Digest, std::size_t> replaced_by;  // existing image -> incoming image
    for (const auto& e : existing)
        if (is_image_entry(e.descriptor))
            if (auto with = replacement_for(e.descriptor, incoming)) replaced_by[e.descriptor.digest] = *with;
    std::vector<SourcedEntry> out;
    std::vector<bool> placed(incoming.size(), false);
    for (const auto& e : existing) {
        const auto& d = e.descriptor;
        auto subject = d.is_attestation() ? d.attests_to() : std::optional<manifest::Digest>(d.digest);
        auto it = subject ? replaced_by.find(*subject) : replaced_by.end();
        if (it == replaced_by.end()) {
            out.push_back(e);
            continue;
        }
        const auto& replacement = incoming[it->second].descriptor.digest;
        if (d.is_attestation()) {  // the new image's attestations take the old ones' place
            place_attestations(replacement, incoming, placed, out);
            continue;
        }
        place(it->second, incoming, placed, out);
        if (!has_attestation(d.digest, existing)) place_attestations(replacement, incoming, placed, out);
    }
    for (std::size_t i = 0; i < incoming.size(); ++i) {
        if (incoming[i].descriptor.is_attestation() || placed[i]) continue;
        place(i, incoming, placed, out);
        place_attestations(incoming[i].descriptor.digest, incoming, placed, out);
    }
    for (std::size_t i = 0; i < incoming.size(); ++i) place(i, incoming, placed, out);  // orphan attestations
    return out;
}

std::vector<manifest::Descriptor> descriptors_of(const std::vector<SourcedEntry>& entries) {
    std::vector<manifest::Descriptor> out;
    out.reserve(entries.size());
    for (const auto& e : entries) out.push_back(e.descriptor);
    return out;
}

}  // namespace ferry::multiarch
