#pragma once
/// "Did you mean …?": the closest of a set of names to what the user typed.
#include <optional>
#include <string>
#include <vector>

namespace ferry::cli {

/// Edit distance (insertions, deletions, substitutions; an adjacent swap counts as one).
std::size_t edit_distance(const std::string& a, const std::string& b);

/// The candidate nearest to `typed`, when it is near enough to be a plausible typo
/// (distance at most a third of the longer word, and at least 1 allowed), or a candidate
/// that starts with `typed`. None otherwise.
std::optional<std::string> closest(const std::string& typed, const std::vector<std::string>& candidates);

}  // namespace ferry::cli
