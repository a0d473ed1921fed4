#include "cli/progress.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>

#include "core/log.hpp"
#include "core/text.hpp"
#include "core/transfer_meter.hpp"
#include "core/units.hpp"
#include "sync/report.hpp"

namespace ferry::cli {
namespace {

constexpr auto kRedrawInterval = std::chrono::milliseconds(250);
constexpr double kRateSmoothing = 0.3;  ///< weight of the newest sample

void write_stderr(const std::string& text) {
    std::fwrite(text.data(), 1, text.size(), stderr);
    std::fflush(stderr);
}

}  // namespace

bool ProgressLine::wanted() {
    return ::isatty(STDERR_FILENO) == 1 && core::log::enabled(core::log::Level::Info);
}

ProgressLine::ProgressLine(std::string label, std::string unit)
    : label_(std::move(label)),
      unit_(std::move(unit)),
      start_bytes_(core::meter::received()),
      last_bytes_(start_bytes_),
      started_(std::chrono::steady_clock::now()),
      last_sample_(started_),
      thread_([this] { loop(); }) {}

ProgressLine::~ProgressLine() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
    write_stderr("\r\033[K");
}

void ProgressLine::set_total(std::size_t images) {
    std::lock_guard lock(mutex_);
    total_ = images;
    total_final_ = true;
    draw_locked();
}

void ProgressLine::found_one() {
    std::lock_guard lock(mutex_);
    ++total_;
    total_final_ = false;
}

void ProgressLine::add_to_total(std::size_t items) {
    std::lock_guard lock(mutex_);
    total_ += items;
}

void ProgressLine::image_done(const sync::TaskOutcome& outcome, const std::string& permanent_line) {
    const bool failed = (outcome.action == sync::Action::Failed && !sync::interrupted(outcome)) ||
                        outcome.action == sync::Action::Rejected;
    item_done(failed, permanent_line);
}

void ProgressLine::item_done(bool failed, const std::string& permanent_line) {
    std::lock_guard lock(mutex_);
    ++done_;
    if (failed) ++failed_;
    if (!permanent_line.empty()) write_stderr("\r\033[K" + core::escape_control(permanent_line) + "\n");
    draw_locked();
}

void ProgressLine::loop() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        wake_.wait_for(lock, kRedrawInterval);
        if (stopping_) break;
        const auto now = std::chrono::steady_clock::now();
        const std::uint64_t bytes = core::meter::received();
        const double seconds = std::chrono::duration<double>(now - last_sample_).count();
        if (seconds > 0) {
            const double sample = static_cast<double>(bytes - last_bytes_) / seconds;
            rate_ = rate_ == 0 ? sample : kRateSmoothing * sample + (1 - kRateSmoothing) * rate_;
        }
        last_bytes_ = bytes;
        last_sample_ = now;
        draw_locked();
    }
}

std::string ProgressLine::render_locked() {
    const auto elapsed = std::chrono::steady_clock::now() - started_;
    std::string items = total_ ? fmt::format("{}/{}{} {}", done_, total_, total_final_ ? "" : "+", unit_)
                               : fmt::format("{} {}", done_, unit_);
    std::string line = fmt::format("{}: {}", label_, items);
    if (failed_) line += fmt::format(", {} not {}", failed_, label_ == "sync" ? "synced" : "done");
    line += fmt::format(", {} received, {}/s, {}", core::format_bytes(core::meter::received() - start_bytes_),
                        core::format_bytes(static_cast<std::uint64_t>(rate_)),
                        core::format_duration(elapsed));
    return line;
}

std::unique_ptr<ProgressLine> blob_progress(const std::string& label, bool suppressed, copy::BlobProgressHooks& hooks) {
    if (suppressed || !ProgressLine::wanted()) return nullptr;
    auto line = std::make_unique<ProgressLine>(label, "blobs");
    ProgressLine* raw = line.get();
    hooks.planned = [raw](std::size_t blobs) { raw->add_to_total(blobs); };
    hooks.done = [raw](std::uint64_t) { raw->item_done(false); };
    return line;
}

void ProgressLine::draw_locked() {
    write_stderr("\r\033[K" + render_locked());
}

}  // namespace ferry::cli
