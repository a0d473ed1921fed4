#include "copy/blob_mover.hpp"

#include <chrono>
#include <memory>
#include <thread>

#include "core/log.hpp"

namespace ferry::copy {
namespace {

bool same_host_other_repo(const store::Store& a, const store::Store& b) {
    const auto* ra = store::registry_repository(a);
    const auto* rb = store::registry_repository(b);
    return ra && rb && !ra->registry_host().empty() && ra->registry_host() == rb->registry_host() &&
           ra->repository() != rb->repository();
}

void backoff(int attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200 << std::min(attempt, 5)));
}

/// Reads a source blob, reopening it at the offset already read (a Range request for a
/// registry) when the read fails retryably or ends before the blob's size, so a broken
/// download resumes instead of restarting the upload. The target still checks the digest.
class ResumingReader : public store::BlobReader {
public:
    ResumingReader(const manifest::Descriptor& blob, const BlobMoveContext& ctx) : blob_(blob), ctx_(ctx) {}

    core::Result<std::size_t> read(char* buffer, std::size_t size) override {
        for (;;) {
            // Every byte is in hand (the break came after them): a Range request would ask for
            // nothing (416); the target verifies what it got.
            if (!reader_ && offset_ > 0 && offset_ >= static_cast<std::uint64_t>(blob_.size)) return 0;
            if (!reader_) {
                auto opened = ctx_.src.open_blob(blob_, offset_);
                if (!opened) {
                    if (!resume_after(opened.error())) return std::unexpected(opened.error());
                    continue;
                }
                reader_ = std::move(*opened);
            }
            auto got = reader_->read(buffer, size);
            if (got && (*got > 0 || offset_ >= static_cast<std::uint64_t>(blob_.size))) {
                offset_ += *got;
                return got;
            }
            const core::Error why = got ? core::make_error(core::ErrorKind::Network, "the source ended early")
                                        : got.error();
            reader_.reset();
            if (!resume_after(why)) return std::unexpected(why);
        }
    }

private:
    /// Resumes at once after a read that made progress (at most kProgressResumes times), else
    /// after a backoff, at most ctx.retries times in a row.
    bool resume_after(const core::Error& error) {
        if (!error.retryable() || (ctx_.cancel && ctx_.cancel->cancelled())) return false;
        const bool progressed = offset_ > opened_at_ && progress_resumes_ < kProgressResumes;
        if (!progressed && stalled_resumes_ >= ctx_.retries) return false;
        if (progressed) {
            ++progress_resumes_;
            stalled_resumes_ = 0;
        } else {
            ++stalled_resumes_;
        }
        core::log::warn("resuming blob {} from {} at byte {}: {}", blob_.digest.short_str(),
                        ctx_.src.describe(), offset_, error.message);
        if (!progressed) backoff(stalled_resumes_);
        opened_at_ = offset_;
        return true;
    }

    static constexpr int kProgressResumes = 64;

    const manifest::Descriptor& blob_;
    const BlobMoveContext& ctx_;
    std::unique_ptr<store::BlobReader> reader_;
    std::uint64_t offset_ = 0;
    std::uint64_t opened_at_ = 0;
    int progress_resumes_ = 0;
    int stalled_resumes_ = 0;
};

/// Starts over at once (a fresh source, a new upload session) when the target says the
/// upload can succeed that way: credentials renewed after a 401 to a streaming PUT, or the
/// upload mode switched after a refusal. Bounded: a registry cannot keep us here.
constexpr int kMaxUploadRestarts = 2;

/// A slot of BlobMoveContext::transfers for one streaming attempt (none when unbounded).
class TransferSlot {
public:
    explicit TransferSlot(std::counting_semaphore<>* slots) : slots_(slots) {
        if (slots_) slots_->acquire();
    }
    ~TransferSlot() {
        if (slots_) slots_->release();
    }
    TransferSlot(const TransferSlot&) = delete;
    TransferSlot& operator=(const TransferSlot&) = delete;

private:
    std::counting_semaphore<>* slots_;
};

core::Status stream_blob(const manifest::Descriptor& blob, const BlobMoveContext& ctx) {
    core::Status last;
    int restarts = 0;
    for (int attempt = 0; attempt <= ctx.retries; ++attempt) {
        if (ctx.cancel && ctx.cancel->cancelled())
            return core::fail(core::ErrorKind::Cancelled, "cancelled");
        if (!last && last.error().hint == core::ErrorHint::RestartUpload && restarts < kMaxUploadRestarts) {
            ++restarts;
            --attempt;  // not a retry: nothing failed that waiting would mend
            core::log::info("starting the upload of blob {} into {} again: {}", blob.digest.short_str(),
                            ctx.dst.describe(), last.error().message);
        } else if (attempt > 0) {
            core::log::warn("retrying blob {} into {} (attempt {}/{}): {}", blob.digest.short_str(),
                            ctx.dst.describe(), attempt + 1, ctx.retries + 1, last.error().message);
            backoff(attempt);
        }
        {
            TransferSlot slot(ctx.transfers);
            ResumingReader reader(blob, ctx);
            last = ctx.dst.put_blob(blob, reader);
        }
        if (last) return last;
        if (last.error().hint == core::ErrorHint::RestartUpload && restarts < kMaxUploadRestarts) continue;
        if (!last.error().retryable()) return last;
    }
    return last;
}

core::Result<BlobOutcome> move_unclaimed(const manifest::Descriptor& blob, const BlobMoveContext& ctx) {
    if (!ctx.target_empty) {
        auto present = ctx.dst.has_blob(blob);
        if (!present) return std::unexpected(present.error());
        if (*present) return BlobOutcome::Skipped;
    }
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
    auto* dst_registry = store::registry_repository(ctx.dst);
    const std::string host = dst_registry ? dst_registry->registry_host() : std::string();
    if (host.empty()) return move_unclaimed(blob, ctx);
    const std::string repo = dst_registry->repository();
    auto claim = ctx.ledger.claim(host, blob.digest, repo);
    if (!claim.owner) {
        if (claim.mount_from == repo) return BlobOutcome::Skipped;
        if (ctx.dry_run) return BlobOutcome::Mounted;
        auto mounted = dst_registry->mount_from_repository(blob, claim.mount_from);
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
