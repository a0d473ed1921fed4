#include "sync/shard.hpp"

#include <charconv>

namespace ferry::sync {

std::uint64_t fnv1a64(std::string_view text) {
    std::uint64_t hash = 14695981039346656037ull;
    for (unsigned char c : text) {
        hash ^= c;
        hash *= 1099511628211ull;
    }
    return hash;
}

core::Result<Shard> Shard::parse(std::string_view text) {
    auto slash = text.find('/');
    Shard s;
    auto bad = [&] {
        return core::fail(core::ErrorKind::InvalidInput,
                          "invalid shard \"" + std::string(text) + "\": expected I/N with 0 <= I < N");
    };
    if (slash == std::string_view::npos) return bad();
    auto a = text.substr(0, slash), b = text.substr(slash + 1);
    auto r1 = std::from_chars(a.data(), a.data() + a.size(), s.index);
    auto r2 = std::from_chars(b.data(), b.data() + b.size(), s.count);
    if (r1.ec != std::errc{} || r1.ptr != a.data() + a.size() || r2.ec != std::errc{} ||
        r2.ptr != b.data() + b.size() || s.count == 0 || s.index >= s.count)
        return bad();
    return s;
}

bool Shard::owns(std::string_view target_repository) const {
    return count <= 1 || fnv1a64(target_repository) % count == index;
}

}  // namespace ferry::sync
