#include "store/detail/byte_pipe.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace ferry::store {

BytePipe::BytePipe(Limits limits) : limits_(limits) {
    if (limits_.chunk_bytes == 0 || limits_.max_chunks == 0)
        throw std::invalid_argument("BytePipe limits must be positive");
}

core::Status BytePipe::write(std::string_view bytes) {
    std::unique_lock lock(mutex_);
    while (!bytes.empty()) {
        changed_.wait(lock, [&] {
            if (reader_closed_ || writer_end_) return true;
            if (chunks_.size() < limits_.max_chunks) return true;
            return chunks_.back().size() < limits_.chunk_bytes;
        });
        if (reader_closed_) return core::fail(core::ErrorKind::Cancelled, "reader closed the stream");
        if (writer_end_) return core::fail(core::ErrorKind::Internal, "write after close_writer");
        if (chunks_.empty() || chunks_.back().size() >= limits_.chunk_bytes) {
            chunks_.emplace_back();
            chunks_.back().reserve(limits_.chunk_bytes);
        }
        std::string& tail = chunks_.back();
        const std::size_t n = std::min(bytes.size(), limits_.chunk_bytes - tail.size());
        tail.append(bytes.data(), n);
        buffered_ += n;
        bytes.remove_prefix(n);
        changed_.notify_all();
    }
    return {};
}

void BytePipe::close_writer(core::Status status) {
    std::lock_guard lock(mutex_);
    if (writer_end_) return;
    writer_end_ = std::move(status);
    changed_.notify_all();
}

core::Result<std::size_t> BytePipe::read(char* buffer, std::size_t size) {
    std::unique_lock lock(mutex_);
    if (reader_closed_) return core::fail(core::ErrorKind::Internal, "read after close_reader");
    if (size == 0) return std::size_t{0};
    changed_.wait(lock, [&] { return buffered_ > 0 || writer_end_.has_value(); });
    if (writer_end_ && !*writer_end_) return std::unexpected(writer_end_->error());
    if (buffered_ == 0) return std::size_t{0};
    std::size_t copied = 0;
    while (copied < size && !chunks_.empty()) {
        const std::string& front = chunks_.front();
        const std::size_t n = std::min(size - copied, front.size() - front_offset_);
        std::memcpy(buffer + copied, front.data() + front_offset_, n);
        copied += n;
        front_offset_ += n;
        if (front_offset_ == front.size()) {
            chunks_.pop_front();
            front_offset_ = 0;
        }
    }
    buffered_ -= copied;
    changed_.notify_all();
    return copied;
}

void BytePipe::close_reader() {
    std::lock_guard lock(mutex_);
    reader_closed_ = true;
    chunks_.clear();
    front_offset_ = 0;
    buffered_ = 0;
    changed_.notify_all();
}

std::size_t BytePipe::buffered() const {
    std::lock_guard lock(mutex_);
    return buffered_;
}

}  // namespace ferry::store
