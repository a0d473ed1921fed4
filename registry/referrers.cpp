#include <nlohmann/json.hpp>
#include <set>

#include "core/log.hpp"
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
        std::lock_guard probing(referrers_probe_mutex_);  // the first clean answer decides for all threads
        if (referrers_api_ == ReferrersApi::Unknown) {
            auto first = fetch_referrers(repo, subject);
            if (!first) return std::unexpected(first.error());
            if (first->decides) referrers_api_ = first->found ? ReferrersApi::Present : ReferrersApi::Absent;
            return std::move(first->found);
        }
    }
    if (referrers_api_ == ReferrersApi::Absent) return std::optional<std::vector<manifest::Descriptor>>{};
    auto answer = fetch_referrers(repo, subject);
    if (!answer) return std::unexpected(answer.error());
    return std::move(answer->found);
}

core::Result<HostClient::ReferrersAnswer> HostClient::fetch_referrers(const std::string& repo,
                                                                      const manifest::Digest& subject) {
    // Only a clean image index means the API exists. Anything else means "use the fallback
    // tag": 404 (docker-registry 2.8; oras-go registry/remote/repository.go), 406
    // (Artifactory: go-containerregistry#1962, #2026), 400 or 405, or a 200 that is no index
    // (oras-go treats that as unsupported). A 404 NAME_UNKNOWN is about this repository
    // only (it does not exist here yet), so it decides nothing for the host.
    bool unknown_repository = false;
    bool not_an_index = false;
    PageWalk walk{config_.base_url + "/v2/" + repo + "/referrers/" + subject.str(), pull_scope(repo),
                  "listing referrers of " + display_ref(config_.host, repo, subject.str()), kReferrersPageCap,
                  std::string(manifest::media::kOciIndex), [&](const http::Response& r) {
                      if (r.status == 404) {
                          for (const auto& e : parse_error_body(r.body))
                              if (e.code == "NAME_UNKNOWN") unknown_repository = true;
                          return true;
                      }
                      return r.status == 400 || r.status == 405 || r.status == 406 || r.status == 501;
                  }};
    std::vector<manifest::Descriptor> found;
    std::set<manifest::Digest> seen;
    bool first_page = true;
    auto walked = walk_pages(walk, [&](std::string_view body) -> core::Result<std::size_t> {
        const auto before = found.size();
        auto st = append_referrers(body, found, seen, walk.context);
        if (!st && first_page) {
            not_an_index = true;
            return std::unexpected(st.error());
        }
        first_page = false;
        if (!st) return std::unexpected(st.error());
        return found.size() - before;
    });
    if (!walked && not_an_index) {
        core::log::debug("{}: no referrers API ({})", walk.context, walked.error().message);
        return ReferrersAnswer{std::nullopt, true};
    }
    if (!walked) return std::unexpected(walked.error());
    if (!*walked) return ReferrersAnswer{std::nullopt, !unknown_repository};
    return ReferrersAnswer{std::optional(std::move(found)), true};
}

}  // namespace ferry::registry
