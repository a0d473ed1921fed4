#include "cli/suggest.hpp"

#include <algorithm>

namespace ferry::cli {

std::size_t edit_distance(const std::string& a, const std::string& b) {
    // Optimal string alignment distance: Levenshtein plus transposition of neighbours.
    std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
    for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
    for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i)
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
        }
    return d[a.size()][b.size()];
}

std::optional<std::string> closest(const std::string& typed, const std::vector<std::string>& candidates) {
    std::optional<std::string> best;
    std::size_t best_distance = 0;
    for (const auto& c : candidates) {
        const std::size_t distance = edit_distance(typed, c);
        const std::size_t allowed = std::max<std::size_t>(1, std::max(typed.size(), c.size()) / 3);
        if (distance > allowed) continue;
        if (!best || distance < best_distance) best = c, best_distance = distance;
    }
    if (best || typed.size() < 2) return best;
    for (const auto& c : candidates)
        if (c.starts_with(typed)) return c;
    return std::nullopt;
}

}  // namespace ferry::cli
