#include <catch2/catch.hpp>

#include <atomic>
#include <semaphore>
#include <thread>
#include <vector>

#include "copy/blob_mover.hpp"
#include "support/memory_store.hpp"

using namespace ferry;
using ferry::testing::MemoryStore;

namespace {

/// A source whose readers break after `piece` bytes: with `error` set they fail with it, else
/// they end early (like a body cut short by a wrong Content-Length). Records every open offset.
class BreakingSource : public MemoryStore {
public:
    using MemoryStore::MemoryStore;
    std::size_t piece = 4;
    std::optional<core::ErrorKind> error = core::ErrorKind::Network;
    bool break_at_end = false;  ///< fail even after the last byte (a body cut after its end)
    std::vector<std::uint64_t> opened_at;

    core::Result<std::unique_ptr<store::BlobReader>> open_blob(const manifest::Descriptor& blob,
                                                               std::uint64_t offset) override {
        opened_at.push_back(offset);
        const std::string rest = blobs.at(blob.digest).substr(offset);
        return std::unique_ptr<store::BlobReader>(new Breaking(rest.substr(0, piece), rest.size() > piece || break_at_end ? error : std::nullopt));
    }

private:
    class Breaking : public store::BlobReader {
    public:
        Breaking(std::string data, std::optional<core::ErrorKind> error) : data_(std::move(data)), error_(error) {}
        core::Result<std::size_t> read(char* buffer, std::size_t size) override {
            if (pos_ == data_.size() && error_) return core::fail(*error_, "connection reset");
            const std::size_t n = std::min(size, data_.size() - pos_);
            std::copy_n(data_.data() + pos_, n, buffer);
            pos_ += n;
            return n;
        }

    private:
        std::string data_;
        std::optional<core::ErrorKind> error_;
        std::size_t pos_ = 0;
    };
};

}  // namespace

TEST_CASE("a blob download broken by a network error resumes at the offset read, uploading once") {
    BreakingSource src("src.example", "app");
    MemoryStore dst("", "app");
    copy::BlobLedger ledger;
    const auto blob = src.add_blob("0123456789", "application/octet-stream");
    auto moved = copy::move_blob(blob, {src, dst, ledger, 1});  // progress needs no retry budget
    REQUIRE(moved);
    CHECK(*moved == copy::BlobOutcome::Copied);
    CHECK(src.opened_at == std::vector<std::uint64_t>{0, 4, 8});
    CHECK(dst.blob_puts == 1);
    CHECK(dst.blobs.at(blob.digest) == "0123456789");
}

TEST_CASE("a blob download that ends before the blob's size resumes instead of failing the digest") {
    BreakingSource src("src.example", "app");
    src.error = std::nullopt;
    src.piece = 6;
    MemoryStore dst("", "app");
    copy::BlobLedger ledger;
    const auto blob = src.add_blob("0123456789", "application/octet-stream");
    auto moved = copy::move_blob(blob, {src, dst, ledger, 3});
    REQUIRE(moved);
    CHECK(src.opened_at == std::vector<std::uint64_t>{0, 6});
    CHECK(dst.blobs.at(blob.digest) == "0123456789");
}

TEST_CASE("a break after the last byte ends the blob without asking for an empty range") {
    BreakingSource src("src.example", "app");
    src.piece = 10;
    src.break_at_end = true;
    MemoryStore dst("", "app");
    copy::BlobLedger ledger;
    const auto blob = src.add_blob("0123456789", "application/octet-stream");
    auto moved = copy::move_blob(blob, {src, dst, ledger, 3});
    REQUIRE(moved);
    CHECK(src.opened_at == std::vector<std::uint64_t>{0});
    CHECK(dst.blobs.at(blob.digest) == "0123456789");
}

TEST_CASE("non-retryable read errors are not resumed, and resumes are bounded by retries") {
    BreakingSource src("src.example", "app");
    MemoryStore dst("", "app");
    copy::BlobLedger ledger;
    const auto blob = src.add_blob("0123456789", "application/octet-stream");
    SECTION("non-retryable") {
        src.error = core::ErrorKind::Denied;
        auto moved = copy::move_blob(blob, {src, dst, ledger, 3});
        REQUIRE_FALSE(moved);
        CHECK(moved.error().kind == core::ErrorKind::Denied);
        CHECK(src.opened_at.size() == 1);
    }
    SECTION("bounded when no byte arrives") {
        src.piece = 0;
        auto moved = copy::move_blob(blob, {src, dst, ledger, 1});
        REQUIRE_FALSE(moved);
        CHECK(moved.error().kind == core::ErrorKind::Network);
        CHECK(dst.blobs.count(blob.digest) == 0);
        CHECK(src.opened_at.size() == 4);  // two uploads, each reading with one resume
    }
}

TEST_CASE("a blob streams only while it holds a slot of the run's transfers") {
    MemoryStore src("src.example", "app");
    MemoryStore dst("", "app");
    copy::BlobLedger ledger;
    const auto blob = src.add_blob("0123456789", "application/octet-stream");
    std::counting_semaphore<> transfers(1);
    transfers.acquire();  // another blob of the run is streaming
    copy::BlobMoveContext ctx{src, dst, ledger, 1};
    ctx.target_empty = true;  // straight to the stream: no HEAD
    ctx.transfers = &transfers;
    std::atomic<bool> done{false};
    std::thread mover([&] {
        auto moved = copy::move_blob(blob, ctx);
        CHECK(moved);
        done = true;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    CHECK_FALSE(done.load());  // waits for the slot
    CHECK(dst.blob_puts == 0);
    transfers.release();
    mover.join();
    CHECK(done.load());
    CHECK(dst.blob_puts == 1);
    CHECK(transfers.try_acquire());  // and gives its slot back
}
