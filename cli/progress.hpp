#pragma once
/// The live progress line of `ferry sync` on a terminal: images done of total, failures,
/// bytes received and the current rate, redrawn in place on stderr a few times a second.
/// Lines that must stay (failures, rejections) are printed above it.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "sync/task.hpp"

namespace ferry::cli {

class ProgressLine {
public:
    /// True when stderr is a terminal and info-level logging is on (so the line replaces
    /// the per-image log lines; elsewhere those lines are the progress report).
    static bool wanted();

    ProgressLine();
    ~ProgressLine();  ///< erases the line
    ProgressLine(const ProgressLine&) = delete;
    ProgressLine& operator=(const ProgressLine&) = delete;

    void set_total(std::size_t images);
    /// Counts the image; prints `permanent_line` above the progress line when not empty.
    void image_done(const sync::TaskOutcome& outcome, const std::string& permanent_line);

private:
    void loop();
    void draw_locked();
    std::string render_locked();

    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::size_t total_ = 0, done_ = 0, failed_ = 0;
    std::uint64_t start_bytes_ = 0, last_bytes_ = 0;
    double rate_ = 0;  ///< bytes per second, smoothed
    std::chrono::steady_clock::time_point started_, last_sample_;
    std::thread thread_;  ///< declared last: starts after the members it uses
};

}  // namespace ferry::cli
