#include "copy/blob_mover.hpp"

#include <chrono>
#include <thread>

#include "core/log.hpp"

namespace ferry::copy {
namespace {

bool same_host_other_repo(const store::Store& a, const store::Store& b) {
    return !a.registry_host().empty() && a.registry_host() == b.registry_host() &&
           a.repository() != b.repository();
}

core::Status stream_blob(const manifest::Descriptor& blob, const BlobMoveContext& ctx) {
    core::Status last;
    for (int attempt = 0; attempt <= ctx.retries; ++attempt) {
        if (ctx.cancel && ctx.cancel->cancelled())
            return core::fail(core::ErrorKind::Cancelled, "cancelled");
        if (attempt > 0) {
            core::log::warn("retrying blob {} into {} (attempt {}/{}): {}", blob.digest.short_str(),
                            ctx.dst.describe(), attempt + 1, ctx.retries + 1, last.error().message);
            std::this_thread::sleep_for(std::chrono::milliseconds(200 << std::min(attempt, 5)));
        }
        auto reader = ctx.src.open_blob(blob, 0);
        if (!reader) {
            last = std::unexpected(reader.error());
        } else {
            last = ctx.dst.put_blob(blob, **reader);
        }
        if (last || !last.error().retryable()) return last;
    }
    return last;
}

core::Result<BlobOutcome> move_unclaimed(const manifest::Descriptor& blob, const BlobMoveContext& ctx) {
    auto present = ctx.dst.has_blob(blob);
    if (!present) return std::unexpected(present.error());
    if (*present) return BlobOutcome::Skipped;
    const bool mountable = same_host_other_repo(ctx.src, ctx.dst);
    if (ctx.dry_run) return mountable ? BlobOutcome::Mounted : BlobOutcome::Copied;
    if (mountable) {
        auto mounted = ctx.dst.mount_blob(blob, ctx.src);
        if (mounted && *mounted == store::MountResult::Mounted) return BlobOutcome::Mounted;
        if (!mounted)
            core::log::debug("mount of {} failed, uploading instead: {}", blob.digest.short_str(),
                             mounted.error().message);
    }
    if (auto st = stream_blob(blob, ctx); !st) return std::unexpected(st.error());
    return BlobOutcome::Copied;
}

}  // namespace

core::Result<BlobOutcome> move_blob(const manifest::Descriptor& blob, const BlobMoveContext& ctx) {
    const std::string host = ctx.dst.registry_host();
    if (host.empty()) return move_unclaimed(blob, ctx);
    const std::string repo = ctx.dst.repository();
    auto claim = ctx.ledger.claim(host, blob.digest, repo);
    if (!claim.owner) {
        if (claim.mount_from == repo) return BlobOutcome::Skipped;
        if (ctx.dry_run) return BlobOutcome::Mounted;
        auto mounted = ctx.dst.mount_from_repository(blob, claim.mount_from);
        if (mounted && *mounted == store::MountResult::Mounted) {
            ctx.ledger.remember(host, blob.digest, repo);
            return BlobOutcome::Mounted;
        }
        return move_unclaimed(blob, ctx);
    }
    auto outcome = move_unclaimed(blob, ctx);
    ctx.ledger.finish(host, blob.digest, repo, outcome.has_value());
    return outcome;
}

}  // namespace ferry::copy
