#include <nlohmann/json.hpp>
#include <set>

#include "manifest/media_type.hpp"
#include "registry/client_impl.hpp"
#include "registry/errors.hpp"
#include "registry/urls.hpp"

namespace ferry::registry {
namespace {

constexpr std::size_t kReferrersPageCap = 4u << 20;

/// The `manifests` of a referrers reply (an OCI image index). Errors: Protocol.
core::Status append_referrers(std::string_view body, std::vector<manifest::Descriptor>& out,
                              std::set<manifest::Digest>& seen, std::string_view context) {
    try {
        const auto doc = nlohmann::json::parse(body);
        auto it = doc.is_object() ? doc.find("manifests") : doc.end();
        if (it == doc.end() || !it->is_array())
            return core::fail(core::ErrorKind::Protocol, std::string(context) + ": reply is not an image index");
        for (const auto& entry : *it) {
            auto descriptor = manifest::Descriptor::from_json(entry);
            if (!descriptor) return std::unexpected(descriptor.error().with_context(context));
            if (seen.insert(descriptor->digest).second) out.push_back(std::move(*descriptor));
        }
        return {};
    } catch (const nlohmann::json::exception& e) {
        return core::fail(core::ErrorKind::Protocol, std::string(context) + ": malformed reply: " + e.what());
    }
}

}  // namespace

core::Result<std::optional<std::vector<manifest::Descriptor>>> HostClient::list_referrers(
    const std::string& repo, const manifest::Digest& subject) {
    if (referrers_api_ == ReferrersApi::Unknown) {
        std::lock_guard probing(referrers_probe_mutex_);  // the first answer decides for all threads
        if (referrers_api_ == ReferrersApi::Unknown) {
            auto first = fetch_referrers(repo, subject);
            if (first) referrers_api_ = *first ? ReferrersApi::Present : ReferrersApi::Absent;
            return first;
        }
    }
    if (referrers_api_ == ReferrersApi::Absent) return std::optional<std::vector<manifest::Descriptor>>{};
    return fetch_referrers(repo, subject);
}

core::Result<std::optional<std::vector<manifest::Descriptor>>> HostClient::fetch_referrers(
    const std::string& repo, const manifest::Digest& subject) {
    PageWalk walk{config_.base_url + "/v2/" + repo + "/referrers/" + subject.str(), pull_scope(repo),
                  "listing referrers of " + display_ref(config_.host, repo, subject.str()), kReferrersPageCap,
                  std::string(manifest::media::kOciIndex), true};
    std::vector<manifest::Descriptor> found;
    std::set<manifest::Digest> seen;
    auto walked = walk_pages(walk, [&](std::string_view body) -> core::Result<std::size_t> {
        const auto before = found.size();
        if (auto st = append_referrers(body, found, seen, walk.context); !st) return std::unexpected(st.error());
        return found.size() - before;
    });
    if (!walked) return std::unexpected(walked.error());
    if (!*walked) return std::optional<std::vector<manifest::Descriptor>>{};
    return std::optional(std::move(found));
}

}  // namespace ferry::registry
