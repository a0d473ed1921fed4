#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "core/sha256.hpp"
#include "store/detail/byte_pipe.hpp"

using namespace ferry;
using store::BytePipe;

namespace {
std::string pattern(std::size_t n) {
    std::string s(n, '\0');
    for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + i / 7) & 0xff);
    return s;
}
}  // namespace

TEST_CASE("BytePipe moves every byte in order between two threads", "[store][pipe]") {
    const std::string data = pattern(3 * 1024 * 1024 + 17);
    BytePipe pipe(BytePipe::Limits{4096, 3});
    std::atomic<std::size_t> max_buffered{0};
    std::atomic<bool> write_failed{false};
    std::thread producer([&] {
        std::size_t pos = 0, step = 1;
        while (pos < data.size()) {
            const std::size_t n = std::min(step, data.size() - pos);
            if (!pipe.write(std::string_view(data).substr(pos, n))) {
                write_failed = true;
                break;
            }
            pos += n;
            step = step * 3 % 10007 + 1;  // odd sizes, some larger than a chunk
            max_buffered = std::max(max_buffered.load(), pipe.buffered());
        }
        pipe.close_writer();
    });
    std::string got;
    char buffer[1000];
    for (;;) {
        auto n = pipe.read(buffer, sizeof buffer);
        REQUIRE(n);
        if (*n == 0) break;
        got.append(buffer, *n);
    }
    producer.join();
    CHECK_FALSE(write_failed);
    CHECK(got.size() == data.size());
    CHECK(core::sha256_hex(got) == core::sha256_hex(data));
    CHECK(max_buffered.load() <= 3 * 4096);
}

TEST_CASE("BytePipe delivers a producer error to the reader", "[store][pipe]") {
    BytePipe pipe;
    std::thread producer([&] {
        (void)pipe.write("partial");
        pipe.close_writer(core::fail(core::ErrorKind::Network, "connection reset"));
    });
    producer.join();
    char buffer[64];
    auto n = pipe.read(buffer, sizeof buffer);
    REQUIRE_FALSE(n);
    CHECK(n.error().kind == core::ErrorKind::Network);
}

TEST_CASE("BytePipe: closing the reader unblocks and fails a full producer", "[store][pipe]") {
    BytePipe pipe(BytePipe::Limits{16, 2});
    std::atomic<bool> producer_failed{false};
    std::thread producer([&] {
        const std::string block(16, 'x');
        for (int i = 0; i < 1000; ++i) {
            auto st = pipe.write(block);
            if (!st) {
                producer_failed = st.error().kind == core::ErrorKind::Cancelled;
                return;
            }
        }
    });
    char buffer[8];
    REQUIRE(pipe.read(buffer, sizeof buffer));
    pipe.close_reader();
    producer.join();
    CHECK(producer_failed);
    CHECK(pipe.buffered() == 0);
}

TEST_CASE("BytePipe: clean end after buffered bytes", "[store][pipe]") {
    BytePipe pipe;
    REQUIRE(pipe.write("abc"));
    pipe.close_writer();
    char buffer[8];
    auto n = pipe.read(buffer, sizeof buffer);
    REQUIRE(n);
    CHECK(std::string(buffer, *n) == "abc");
    auto end = pipe.read(buffer, sizeof buffer);
    REQUIRE(end);
    CHECK(*end == 0);
}
