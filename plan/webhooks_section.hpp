#pragma once
/// The plan's `webhooks:` section: the daemon (`ferry cron --listen`) accepts registry
/// notifications (docker-registry's envelope, Harbor's payload) at `path` from senders that
/// present the bearer token. Keys: path (default /hooks/registry; not one the daemon serves
/// itself), token_env or token_file (exactly one; the token is registered as a secret),
/// debounce (a duration, default 2s, at most 10m: events for one image within it after
/// the first become one run).
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

namespace ferry::plan {

struct WebhookSettings {
    std::string path = "/hooks/registry";
    std::string token;  ///< from token_env or token_file; registered as a secret
    /// Why the token could not be read ("file:line:col: webhooks.token_env: …"; "" = read).
    /// Not a plan error: only `ferry cron` serves webhooks, so only it refuses the plan
    /// (`ferry sync` and `ferry plan` run without the token).
    std::string token_problem;
    std::size_t max_body_bytes = 1 << 20;
    std::chrono::milliseconds debounce{2000};
};

namespace detail {

class PlanReader;
struct PlanNode;

std::optional<WebhookSettings> read_webhooks(PlanReader& reader, const PlanNode& node);

}  // namespace detail
}  // namespace ferry::plan
