#include "sync/shard.hpp"

#include "core/parse.hpp"

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
    const auto index = core::parse_int<decltype(s.index)>(a);
    const auto count = core::parse_int<decltype(s.count)>(b);
    if (!index || !count || *count == 0 || *index >= *count) return bad();
    s.index = *index;
    s.count = *count;
    return s;
}

bool Shard::owns(std::string_view target_repository) const {
    return count <= 1 || fnv1a64(target_repository) % count == index;
}

}  // namespace ferry::sync
