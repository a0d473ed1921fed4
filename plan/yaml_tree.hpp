#pragma once
/// Internal to the plan parser (plan/*.cpp): the YAML document as a plain tree with 1-based
/// positions, so that only yaml_tree.cpp needs yaml-cpp, plus the helpers that name places
/// in it ("sync[1].tags.semver") for error messages.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace ferry::plan::detail {

struct Mark {
    int line = 0;    ///< 1-based
    int column = 0;  ///< 1-based
};

struct PlanNode {
    enum class Kind { Null, Scalar, Sequence, Map };
    Kind kind = Kind::Null;
    Mark mark;               ///< of the value (of the key, for an empty value in a map)
    std::string scalar;      ///< raw text of a scalar (before ${ENV} expansion)
    std::string key;         ///< set on the children of a map
    Mark key_mark;
    std::vector<PlanNode> children;  ///< sequence items or map values, in document order
};

/// Parses YAML text into a tree (first document; an empty text gives a Null node). Nesting
/// deeper than 64 levels, non-scalar map keys and documents that expand (every alias copied
/// in) to more than 100,000 nodes are refused; the node count is checked before anything is
/// copied, so an alias bomb costs milliseconds and no memory beyond yaml-cpp's shared graph.
/// Errors: Config, "file:line:col: YAML syntax error: …".
core::Result<PlanNode> parse_yaml_tree(std::string_view yaml, std::string_view file);

/// "a.b" / "a[\"127.0.0.1:5000\"]" (keys containing '.' are quoted) and "a[3]".
std::string child_path(std::string_view path, std::string_view key);
std::string item_path(std::string_view path, std::size_t index);

/// The child of map `node` under `key` (the first one if duplicated), or nullptr.
const PlanNode* find(const PlanNode& node, std::string_view key);

}  // namespace ferry::plan::detail
