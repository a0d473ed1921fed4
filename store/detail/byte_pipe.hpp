#pragma once
/// A bounded single-producer/single-consumer byte pipe that turns a push-based stream (a
/// sink callback on a download thread) into a pull-based BlobReader.
/// Memory stays bounded: at most `max_chunks` chunks of `chunk_bytes` are buffered; the
/// producer blocks while the pipe is full. Errors travel both ways: a producer error
/// reaches the reader at its next read (buffered bytes are dropped, they are useless), and
/// a reader that closes early makes the producer's next write fail with Cancelled.
/// Thread-safe for one producer thread and one consumer thread.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace ferry::store {

class BytePipe {
public:
    struct Limits {
        std::size_t chunk_bytes = 256 * 1024;
        std::size_t max_chunks = 4;
    };
    BytePipe() : BytePipe(Limits{}) {}
    explicit BytePipe(Limits limits);

    /// Producer: appends `bytes`, blocking while the pipe is full. Fails (Cancelled) once
    /// the reader has closed.
    core::Status write(std::string_view bytes);
    /// Producer: ends the stream. With an error, the reader's next read returns it;
    /// otherwise the reader sees the end after the buffered bytes. Idempotent (first wins).
    void close_writer(core::Status status = {});

    /// Consumer: copies up to `size` bytes, blocking until data, the end (0) or an error.
    core::Result<std::size_t> read(char* buffer, std::size_t size);
    /// Consumer: gives up; buffered bytes are dropped and further writes fail.
    void close_reader();

    /// Bytes currently buffered (for tests and progress).
    std::size_t buffered() const;

private:
    const Limits limits_;
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<std::string> chunks_;
    std::size_t front_offset_ = 0;
    std::size_t buffered_ = 0;
    bool reader_closed_ = false;
    std::optional<core::Status> writer_end_;
};

}  // namespace ferry::store
