#include <nlohmann/json.hpp>
#include <set>
#include <unordered_set>

#include "http/url.hpp"
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
        if (!walk.accept.empty()) req.headers.set("Accept", walk.accept);
        auto response = send(std::move(req), walk.scopes, context);
        if (!response) return std::unexpected(response.error());
        if (response->status == 404 && page == 0 && walk.absent_on_404) return false;
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
    PageWalk walk{std::move(url), scopes, std::string(context), kListPageCap, "", false};
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

core::Result<std::vector<std::string>> HostClient::list_tags(const std::string& repo) {
    return paginate(config_.base_url + "/v2/" + repo + "/tags/list?n=1000", pull_scope(repo), "tags",
                    "listing tags of " + display_ref(config_.host, repo, ""));
}

core::Result<std::vector<std::string>> HostClient::catalog() {
    return paginate(config_.base_url + "/v2/_catalog?n=1000", {"registry:catalog:*"}, "repositories",
                    "listing the catalog of " + config_.host);
}

}  // namespace ferry::registry
