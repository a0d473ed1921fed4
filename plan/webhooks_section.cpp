#include <algorithm>
#include <array>

#include "plan/plan_reader.hpp"
#include "plan/registries_section.hpp"
#include "plan/schedule_section.hpp"
#include "plan/sync_section.hpp"
#include "plan/webhooks_section.hpp"

namespace ferry::plan::detail {
namespace {

/// Paths the daemon serves itself.
constexpr std::array<std::string_view, 4> kReservedPaths{"/", "/healthz", "/metrics", "/status"};

bool valid_path(std::string_view path) {
    if (!path.starts_with('/') || path.size() > 256) return false;
    for (unsigned char c : path)
        if (c <= 0x20 || c >= 0x7f || c == '?' || c == '#') return false;
    return true;
}

}  // namespace

std::optional<WebhookSettings> read_webhooks(PlanReader& reader, const PlanNode& node) {
    const std::string path = "webhooks";
    if (!reader.map(node, path, {"path", "token_env", "token_file", "token", "debounce"})) return std::nullopt;
    WebhookSettings out;
    bool ok = true;
    if (const PlanNode* p = find(node, "path")) {
        const std::string where = child_path(path, "path");
        auto text = reader.text(*p, where);
        if (!text) {
            ok = false;
        } else if (!valid_path(*text)) {
            reader.error(p->mark, where, "'" + *text + "' is not a URL path (starts with '/', no spaces, '?' or '#')");
            ok = false;
        } else if (std::find(kReservedPaths.begin(), kReservedPaths.end(), *text) != kReservedPaths.end()) {
            reader.error(p->mark, where, "'" + *text + "' is served by the daemon itself; choose another path");
            ok = false;
        } else {
            out.path = *text;
        }
    }
    if (const PlanNode* d = find(node, "debounce")) {
        const std::string where = child_path(path, "debounce");
        auto text = reader.text(*d, where);
        auto duration = text ? parse_duration(*text) : std::nullopt;
        if (!text) {
            ok = false;
        } else if (!duration || *duration > std::chrono::minutes(10)) {
            reader.error(d->mark, where, "expected a duration from 0 to 10m such as 2s or 500ms, got '" + *text + "'");
            ok = false;
        } else {
            out.debounce = *duration;
        }
    }
    if (const PlanNode* inline_token = find(node, "token")) {
        reader.error(inline_token->key_mark, child_path(path, "token"),
                     "tokens are not written into the plan; use token_env or token_file");
        return std::nullopt;
    }
    const PlanNode* env = find(node, "token_env");
    const PlanNode* file = find(node, "token_file");
    if (env && file) {
        reader.error(node.mark, path, "give either token_env or token_file, not both");
        return std::nullopt;
    }
    if (!env && !file) {
        reader.error(node.mark, path, "missing token_env or token_file: webhooks are never accepted without a token");
        return std::nullopt;
    }
    if (!ok) return std::nullopt;
    PlanReader token_reader(reader.file(), reader.base_dir());  // its errors are the cron's, not the plan's
    if (auto token = read_password(token_reader, env ? *env : *file, path, "token")) out.token = std::move(*token);
    else out.token_problem = token_reader.to_error().message;
    return out;
}

}  // namespace ferry::plan::detail
