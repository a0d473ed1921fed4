#include "daemon/webhook_service.hpp"

#include "core/log.hpp"
#include "events/webhook.hpp"
#include "sync/event_match.hpp"

namespace ferry::daemon {
namespace {

/// Events waiting to be matched beyond this are refused (503 would make registries retry; a
/// flood of deliveries must not grow memory without bound).
constexpr std::size_t kMaxInbox = 10000;

}  // namespace

WebhookService::WebhookService(Hooks hooks, RunHistory& history)
    : hooks_(std::move(hooks)), history_(history), matcher_([this] { match_loop(); }), runner_([this] { run_loop(); }) {}

WebhookService::~WebhookService() { stop(); }

void WebhookService::stop() {
    {
        std::lock_guard lock(inbox_mutex_);
        if (stopping_ && !matcher_.joinable()) return;
        stopping_ = true;
    }
    cancel_.cancel();
    inbox_ready_.notify_all();
    queue_.close();
    if (matcher_.joinable()) matcher_.join();
    if (runner_.joinable()) runner_.join();
}

cron::PostRoute WebhookService::route(const plan::WebhookSettings& settings) {
    cron::PostRoute route;
    route.path = settings.path;
    route.max_body_bytes = settings.max_body_bytes;
    route.admit = [this](const cron::RequestHead& head) -> std::optional<cron::HttpReply> {
        const auto plan = hooks_.plan();
        const std::string token = plan && plan->webhooks ? plan->webhooks->token : std::string();
        if (events::bearer_matches(head.header("authorization"), token)) return std::nullopt;
        history_.count_refused();
        core::log::warn("webhook: {} {}: refused (401): {} bearer token", head.method, head.path,
                        head.header("authorization").empty() ? "missing" : "wrong");
        return cron::HttpReply{401, "text/plain; charset=utf-8", "a valid bearer token is required\n"};
    };
    route.refused = [this](const cron::HttpReply& reply) {
        history_.count_refused();
        core::log::warn("webhook: refused ({}): {}", reply.status, reply.body.substr(0, reply.body.find('\n')));
    };
    route.handle = [this](const cron::RequestHead& head, std::string_view body) {
        return receive(head.header("authorization"), body);
    };
    return route;
}

cron::HttpReply WebhookService::receive(std::string_view authorization, std::string_view body) {
    const auto plan = hooks_.plan();
    auto verdict = events::judge_webhook(authorization, plan && plan->webhooks ? plan->webhooks->token : "", body);
    if (!verdict.payload) {
        history_.count_refused();
        core::log::warn("webhook: refused ({}): {}", verdict.status, verdict.message);
        return cron::HttpReply{verdict.status, "text/plain; charset=utf-8", verdict.message + "\n"};
    }
    {
        std::lock_guard lock(inbox_mutex_);
        if (inbox_.size() + verdict.payload->pushes.size() > kMaxInbox) {
            history_.count_refused();
            core::log::warn("webhook: refused (503): {} events are waiting to be matched", inbox_.size());
            return cron::HttpReply{503, "text/plain; charset=utf-8", "too many events waiting; retry later\n"};
        }
        received_ += verdict.payload->pushes.size();
        for (auto& push : verdict.payload->pushes) inbox_.push_back(std::move(push));
    }
    inbox_ready_.notify_all();
    core::log::info("webhook: accepted ({}): {}", to_string(verdict.payload->format), verdict.message);
    return cron::HttpReply{202, "text/plain; charset=utf-8", verdict.message + "\n"};
}

void WebhookService::match_loop() {
    for (;;) {
        std::vector<events::PushEvent> batch;
        {
            std::unique_lock lock(inbox_mutex_);
            inbox_ready_.wait(lock, [&] { return stopping_ || !inbox_.empty(); });
            if (stopping_) return;
            batch.swap(inbox_);
        }
        for (const auto& event : batch) match_one(event);
    }
}

void WebhookService::match_one(const events::PushEvent& event) {
    WebhookEventRecord record{std::chrono::system_clock::now(), std::string(to_string(event.format)), event.display(), {}, {}, {}};
    const auto plan = hooks_.plan();
    if (!plan || !hooks_.list_tags) return;
    if (plan->webhooks) queue_.set_debounce(plan->webhooks->debounce);
    auto match = sync::match_push(*plan, event, hooks_.list_tags);
    record.notes = std::move(match.notes);
    std::size_t queued = 0;
    for (auto& task : match.tasks) {
        record.triggered.push_back(task.entry + ": " + task.source.str() + " -> " + task.target.str());
        const std::string key = task.entry + " " + task.target.str();
        if (queue_.push(key, std::move(task)) == events::Enqueued::Queued) ++queued;
    }
    if (record.triggered.empty()) record.result = "no matching entry";
    else if (queued == 0) record.result = "coalesced";
    else record.result = "queued";
    core::log::info("webhook: {}: {}{}", record.event, record.result,
                    record.triggered.empty() ? "" : " (" + std::to_string(record.triggered.size()) + " image(s))");
    for (const auto& note : record.notes) core::log::info("webhook: {}: {}", record.event, note);
    history_.record_event(std::move(record));
}

WebhookService::Counts WebhookService::counts() const {
    return Counts{received_.load(), queue_.counts().coalesced, runs_started_.load()};
}

void WebhookService::run_loop() {
    while (!cancel_.cancelled()) {
        auto batch = queue_.take(std::chrono::seconds(1));
        if (batch.empty()) continue;
        std::vector<sync::ImageTask> tasks;
        std::vector<std::string> keys;
        for (auto& item : batch) {
            keys.push_back(item.key);
            tasks.push_back(std::move(item.item));
        }
        ++runs_started_;
        try {
            hooks_.run(std::move(tasks), cancel_);
        } catch (const std::exception& e) {
            core::log::error("webhook: sync failed: {}", e.what());
        }
        queue_.finish(keys);
    }
}

}  // namespace ferry::daemon
