#include "run/auth_failures.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace ferry::run {
namespace {

/// The host the failure came from: the target's when the message names it, else the source's.
std::string failing_host(const sync::TaskOutcome& o) {
    const std::string target = o.task.target.registry;
    if (o.error && !target.empty() && o.error->message.find(target + "/") != std::string::npos) return target;
    return o.source_used.empty() ? o.task.source.registry : o.source_used;
}

std::string reason(const core::Error& error) {
    if (error.message.find("fetching a token") != std::string::npos) return "the token server refused a token";
    if (error.kind == core::ErrorKind::Denied) return "access denied (403): the credentials lack permission";
    return "the registry answered 401";
}

}  // namespace

bool only_auth_failures(const sync::RunResult& result) {
    return result.summary.failed > 0 && result.summary.auth_failed == result.summary.failed;
}

bool only_not_found_failures(const sync::RunResult& result) {
    return result.summary.failed > 0 && result.summary.not_found == result.summary.failed;
}

std::optional<std::string> AuthFailureLog::first_for_host(const sync::TaskOutcome& outcome) {
    if (!sync::auth_failed(outcome)) return std::nullopt;
    const std::string host = failing_host(outcome);
    // An expansion failure names a repository (its listing was refused), not an image.
    const bool listing = !outcome.task.source.tag && !outcome.task.source.digest;
    {
        std::lock_guard lock(mutex_);
        auto& counts = per_host_[host];
        const bool first = counts.images + counts.listings == 0;
        ++(listing ? counts.listings : counts.images);
        if (!first) return std::nullopt;
    }
    return fmt::format("authentication to {} failed: {}; {} (first: {})", host, reason(*outcome.error),
                       credentials_of_(host), outcome.error->message);
}

std::vector<std::string> AuthFailureLog::summary() const {
    std::lock_guard lock(mutex_);
    std::vector<std::string> lines;
    const auto plural = [](std::size_t n, const char* one, const char* many) {
        return fmt::format("{} {}", n, n == 1 ? one : many);
    };
    for (const auto& [host, counts] : per_host_) {
        std::vector<std::string> parts;
        if (counts.listings) parts.push_back(plural(counts.listings, "repository not listed", "repositories not listed"));
        if (counts.images) parts.push_back(plural(counts.images, "image not synced", "images not synced"));
        lines.push_back(fmt::format("{}: {} (authentication failed)", host, fmt::join(parts, ", ")));
    }
    return lines;
}

}  // namespace ferry::run
