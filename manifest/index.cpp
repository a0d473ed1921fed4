#include "manifest/index.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "manifest/media_type.hpp"

namespace ferry::manifest {
namespace {

/// An image entry that platform filters consider: has a platform and is no attestation.
bool is_platform_entry(const Descriptor& d) { return d.platform && !d.is_attestation(); }

bool matches_any(const Platform& platform, const std::vector<Platform>& wanted) {
    return std::ranges::any_of(wanted, [&](const Platform& w) { return platform.matches(w); });
}

std::string platform_list(const std::vector<Platform>& platforms) {
    std::vector<std::string> names;
    for (const auto& p : platforms) names.push_back(p.str());
    return fmt::format("{}", fmt::join(names, ", "));
}

/// Identity of an index entry's platform for duplicate detection.
std::string platform_key(const Platform& p) {
    Platform n = p.normalized();
    std::string key = n.str() + "|" + n.os_version;
    for (const auto& feature : n.os_features) key += "|" + feature;
    return key;
}

core::Status check_docker_entry(const Descriptor& d) {
    if (!d.annotations.empty())
        return core::fail(core::ErrorKind::InvalidInput,
                          fmt::format("entry {} has annotations, which a Docker manifest list cannot "
                                      "carry; build an OCI index instead",
                                      d.digest.short_str()));
    if (!media::is_docker(d.media_type))
        return core::fail(core::ErrorKind::InvalidInput,
                          fmt::format("entry {} is an OCI manifest ({}), which a Docker manifest list "
                                      "cannot reference; build an OCI index instead",
                                      d.digest.short_str(), d.media_type));
    return {};
}

core::Status check_entry(const Descriptor& d, IndexFormat format) {
    if (d.digest.empty())
        return core::fail(core::ErrorKind::InvalidInput, "index entry has no digest");
    if (!media::is_known_manifest(d.media_type))
        return core::fail(core::ErrorKind::InvalidInput,
                          fmt::format("entry {} has media type '{}', which is not a manifest type",
                                      d.digest.short_str(), d.media_type));
    if (!d.platform && !d.is_attestation())
        return core::fail(core::ErrorKind::InvalidInput,
                          fmt::format("entry {} has no platform", d.digest.short_str()));
    if (format == IndexFormat::Docker) return check_docker_entry(d);
    return {};
}

core::Status check_unique_platforms(const std::vector<Descriptor>& entries) {
    std::map<std::string, const Descriptor*> seen;
    for (const auto& d : entries) {
        if (!is_platform_entry(d)) continue;
        auto [it, inserted] = seen.emplace(platform_key(*d.platform), &d);
        if (!inserted)
            return core::fail(core::ErrorKind::InvalidInput,
                              fmt::format("duplicate platform {}: {} and {}", d.platform->str(),
                                          it->second->digest.str(), d.digest.str()));
    }
    return {};
}

}  // namespace

std::string available_platforms(const Index& index) {
    std::vector<std::string> names;
    for (const auto& d : index.manifests) {
        if (!is_platform_entry(d)) continue;
        auto name = d.platform->str();
        if (std::ranges::find(names, name) == names.end()) names.push_back(std::move(name));
    }
    return names.empty() ? "none" : fmt::format("{}", fmt::join(names, ", "));
}

core::Result<Index> filter_platforms(const Index& source, const std::vector<Platform>& wanted) {
    if (wanted.empty()) return source;
    std::set<Digest> kept_images;
    for (const auto& d : source.manifests)
        if (is_platform_entry(d) && matches_any(*d.platform, wanted)) kept_images.insert(d.digest);
    if (kept_images.empty())
        return core::fail(core::ErrorKind::NotFound,
                          fmt::format("no entry of the index matches {}; available platforms: {}",
                                      platform_list(wanted), available_platforms(source)));
    Index out = source;
    out.manifests.clear();
    for (const auto& d : source.manifests) {
        bool keep = d.is_attestation() ? d.attests_to() && kept_images.contains(*d.attests_to())
                                       : is_platform_entry(d) && matches_any(*d.platform, wanted);
        if (keep) out.manifests.push_back(d);
    }
    return out;
}

bool filter_keeps_all(const Index& index, const std::vector<Platform>& wanted) {
    auto filtered = filter_platforms(index, wanted);
    return filtered && filtered->manifests.size() == index.manifests.size();
}

core::Result<Index> build_index(IndexFormat format, const std::vector<Descriptor>& entries,
                                const std::map<std::string, std::string>& annotations) {
    auto fail_with_context = [](const core::Error& e) {
        return core::fail(e.with_context("building index"));
    };
    if (format == IndexFormat::Docker && !annotations.empty())
        return fail_with_context(core::make_error(
            core::ErrorKind::InvalidInput,
            "a Docker manifest list cannot carry annotations; build an OCI index instead"));
    for (const auto& d : entries)
        if (auto ok = check_entry(d, format); !ok) return fail_with_context(ok.error());
    if (auto ok = check_unique_platforms(entries); !ok) return fail_with_context(ok.error());
    Index index;
    index.media_type = std::string(format == IndexFormat::Docker ? media::kDockerList : media::kOciIndex);
    index.manifests = entries;
    index.annotations = annotations;
    return index;
}

}  // namespace ferry::manifest
