#pragma once
/// The live progress line on a terminal: items done of total (images for `ferry sync`, blobs
/// for copy, export and import), failures, bytes received and the current rate, redrawn in
/// place on stderr a few times a second. Lines that must stay (failures, rejections) are
/// printed above it.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <memory>
#include <thread>

#include "copy/copy_image.hpp"
#include "sync/task.hpp"

namespace ferry::cli {

class ProgressLine {
public:
    /// True when stderr is a terminal and info-level logging is on (so the line replaces
    /// the per-image log lines; elsewhere those lines are the progress report).
    static bool wanted();

    /// `label` starts the line ("sync"), `unit` names what is counted ("images").
    explicit ProgressLine(std::string label = "sync", std::string unit = "images");
    ~ProgressLine();  ///< erases the line
    ProgressLine(const ProgressLine&) = delete;
    ProgressLine& operator=(const ProgressLine&) = delete;

    /// The final total (drawn "done/total").
    void set_total(std::size_t images);
    /// One more item found while the total is not known yet (drawn "done/found+" until set_total).
    void found_one();
    void add_to_total(std::size_t items);
    /// Counts the image; prints `permanent_line` above the progress line when not empty.
    void image_done(const sync::TaskOutcome& outcome, const std::string& permanent_line);
    /// Counts one item.
    void item_done(bool failed, const std::string& permanent_line = "");

private:
    void loop();
    void draw_locked();
    std::string render_locked();

    const std::string label_, unit_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::size_t total_ = 0, done_ = 0, failed_ = 0;
    bool total_final_ = true;  ///< false between found_one() and set_total(): drawn with "+"
    std::uint64_t start_bytes_ = 0, last_bytes_ = 0;
    double rate_ = 0;  ///< bytes per second, smoothed
    std::chrono::steady_clock::time_point started_, last_sample_;
    std::thread thread_;  ///< declared last: starts after the members it uses
};

/// A blob progress line for copy, export and import when wanted() and not `suppressed`
/// (JSON output, --quiet), wired to `hooks`; null otherwise. Destroy it before printing.
std::unique_ptr<ProgressLine> blob_progress(const std::string& label, bool suppressed, copy::BlobProgressHooks& hooks);

}  // namespace ferry::cli
