#include <nlohmann/json.hpp>
#include <set>
#include <unordered_set>

#include <algorithm>

#include "core/log.hpp"
#include "http/url.hpp"
#include "manifest/reference.hpp"
#include "registry/client_impl.hpp"
#include "registry/errors.hpp"
#include "registry/urls.hpp"

namespace ferry::registry {
namespace {

constexpr std::size_t kListPageCap = 16u << 20;
constexpr int kMaxPages = 100000;
/// Pages in a row that add no new entry before the Link chain counts as a loop (a server
/// minting fresh next-URLs over the same entries would otherwise keep us for kMaxPages).
constexpr int kMaxBarrenPages = 5;

/// The strings of `doc[field]` (null counts as empty). Errors: Protocol.
core::Result<std::vector<std::string>> string_list(std::string_view body, const std::string& field,
                                                   std::string_view context) {
    try {
        const auto doc = nlohmann::json::parse(body);
        std::vector<std::string> out;
        auto it = doc.is_object() ? doc.find(field) : doc.end();
        if (it == doc.end() || it->is_null()) return out;
        if (!it->is_array())
            return core::fail(core::ErrorKind::Protocol, std::string(context) + ": malformed reply: " + field + " is not an array");
        for (const auto& v : *it)
            if (v.is_string()) out.push_back(v.get<std::string>());
        return out;
    } catch (const nlohmann::json::exception& e) {
        return core::fail(core::ErrorKind::Protocol, std::string(context) + ": malformed reply: " + e.what());
    }
}

/// Warnings per listing beyond which invalid names are only counted (a Nexus tag list full of
/// digests must not flood the log).
constexpr std::size_t kMaxNameWarnings = 10;

/// Drops the names `valid` refuses, with one warning each (at most kMaxNameWarnings, then one
/// count) naming `source`. The log facade shows the name with its control characters escaped.
void drop_invalid(std::vector<std::string>& names, bool (*valid)(std::string_view), std::string_view what,
                  std::string_view source) {
    std::size_t dropped = 0;
    std::erase_if(names, [&](const std::string& name) {
        if (valid(name)) return false;
        if (++dropped <= kMaxNameWarnings)
            core::log::warn("ignored {} \"{}\" in {}: not a valid {} (distribution grammar)", what, name, source, what);
        return true;
    });
    if (dropped > kMaxNameWarnings)
        core::log::warn("ignored {} more invalid {} names in {}", dropped - kMaxNameWarnings, what, source);
}

}  // namespace

core::Result<bool> HostClient::walk_pages(const PageWalk& walk, const PageReader& read_page) {
    const std::string_view context = walk.context;
    std::string url = walk.url;
    std::set<std::string> visited;
    int barren = 0;
    for (int page = 0; page < kMaxPages; ++page) {
        if (!visited.insert(url).second)
            return core::fail(core::ErrorKind::Protocol, std::string(context) + ": pagination loops back to " + url);
        http::Request req;
        req.url = url;
        req.max_body_bytes = walk.max_page_bytes;
        req.lookup = true;  // a tag list or catalog page
        if (!walk.accept.empty()) req.headers.set("Accept", walk.accept);
        auto response = send(std::move(req), walk.scopes, context);
        if (!response) return std::unexpected(response.error());
        if (page == 0 && walk.absent && walk.absent(*response)) return false;
        if (!response->ok()) return std::unexpected(response_error(context, *response));
        auto added = read_page(response->body);
        if (!added) return std::unexpected(added.error());
        auto next = next_link(response->headers.get_all("Link"));
        if (!next) return true;
        barren = *added == 0 ? barren + 1 : 0;
        if (barren >= kMaxBarrenPages)
            return core::fail(core::ErrorKind::Protocol, std::string(context) + ": pagination loops: " +
                                                             std::to_string(barren) +
                                                             " pages in a row brought no new entry but a Link to more");
        auto resolved = http::resolve_url(response->effective_url.empty() ? url : response->effective_url, *next);
        if (!resolved) return std::unexpected(resolved.error().with_context(context));
        url = std::move(*resolved);
    }
    return core::fail(core::ErrorKind::Protocol, std::string(context) + ": more than " + std::to_string(kMaxPages) + " pages");
}

core::Result<std::vector<std::string>> HostClient::paginate(std::string url, const std::vector<std::string>& scopes,
                                                            const std::string& field, std::string_view context) {
    std::vector<std::string> items;
    std::unordered_set<std::string> known;
    PageWalk walk{std::move(url), scopes, std::string(context), kListPageCap, "", {}};
    auto walked = walk_pages(walk, [&](std::string_view body) -> core::Result<std::size_t> {
        auto values = string_list(body, field, context);
        if (!values) return std::unexpected(values.error());
        const auto before = items.size();
        for (auto& v : *values)
            if (known.insert(v).second) items.push_back(std::move(v));
        return items.size() - before;
    });
    if (!walked) return std::unexpected(walked.error());
    return items;
}

core::Result<std::vector<std::string>> HostClient::paginate_capped(const std::string& path, const std::vector<std::string>& scopes,
                                                                   const std::string& field, std::string_view context) {
    // distribution 3.1 and ACR answer 400 PAGINATION_NUMBER_INVALID to an n above their cap
    // (100 and 1000: distribution registry/handlers/tags.go @v3.1.0; Azure/acr#749): ask for
    // a smaller page, then let the registry choose.
    const std::string base = config_.base_url + path;
    const std::string starts[] = {base + "?n=1000", base + "?n=100", base};
    for (std::size_t i = 0;; ++i) {
        auto listed = paginate(starts[i], scopes, field, context);
        if (listed || i + 1 == std::size(starts) || listed.error().http_status != 400)
            return listed;
        core::log::debug("{}; asking again with {}", listed.error().message, i + 2 < std::size(starts) ? "n=100" : "no n");
    }
}

core::Result<std::vector<std::string>> HostClient::list_tags(const std::string& repo) {
    const std::string context = "listing tags of " + display_ref(config_.host, repo, "");
    auto listed = paginate_capped("/v2/" + repo + "/tags/list", pull_scope(repo), "tags", context);
    if (!listed) return listed;
    // A tag list is text from outside: only names of the distribution grammar are tags (Nexus
    // and Artifactory also put null and digests into tag lists, skopeo#2409, #2346; a hostile
    // registry puts "../x" there). Nothing else reaches a URL or a target path.
    drop_invalid(*listed, manifest::is_valid_tag, "tag", "the tag list of " + display_ref(config_.host, repo, ""));
    return listed;
}

core::Result<std::vector<std::string>> HostClient::catalog() {
    const std::string context = "listing the catalog of " + config_.host;
    auto listed = paginate_capped("/v2/_catalog", {"registry:catalog:*"}, "repositories", context);
    // GHCR and Docker Hub have no /v2/_catalog (microsoft/vscode-docker#1525).
    if (!listed && (listed.error().http_status == 404 || listed.error().http_status == 405 ||
                    listed.error().kind == core::ErrorKind::Unsupported)) {
        core::Error e = listed.error();
        e.kind = core::ErrorKind::Unsupported;
        e.message = context + ": catalog not supported by " + config_.host + " (" + std::to_string(e.http_status) +
                    "): name its repositories in the plan instead of " + config_.host + "/*";
        return std::unexpected(std::move(e));
    }
    // A catalog is text from outside: "x/../../mirror/nginx" or "%2e%2e/x" would otherwise be
    // joined to a target prefix and leave it.
    if (listed) drop_invalid(*listed, manifest::is_valid_repository, "repository name", "the catalog of " + config_.host);
    return listed;
}

}  // namespace ferry::registry
