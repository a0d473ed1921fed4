#pragma once
/// Internal to the plan parser (sync/plan*.cpp); not part of the sync module's interface.
/// PlanNode: the YAML document as a plain tree with 1-based positions, so that only
/// plan_yaml.cpp needs yaml-cpp. PlanReader: typed access to that tree which records one
/// located error per problem instead of stopping at the first.
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "sync/tag_filter.hpp"

namespace ferry::sync::detail {

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

/// Parses YAML text into a tree (first document; an empty text gives a Null node).
/// Errors: Config, "file:line:col: YAML syntax error: …".
core::Result<PlanNode> parse_yaml_tree(std::string_view yaml, std::string_view file);

/// "a.b" / "a[\"127.0.0.1:5000\"]" (keys containing '.' are quoted) and "a[3]".
std::string child_path(std::string_view path, std::string_view key);
std::string item_path(std::string_view path, std::size_t index);

/// The child of map `node` under `key` (the first one if duplicated), or nullptr.
const PlanNode* find(const PlanNode& node, std::string_view key);

/// Expands ${VAR} and ${VAR:-default}; on failure returns nullopt and sets `problem`.
std::optional<std::string> expand_env(std::string_view text, std::string& problem);

class PlanReader {
public:
    PlanReader(std::string file, std::filesystem::path base_dir);

    void error(Mark at, std::string_view path, std::string_view message);
    bool failed() const { return !errors_.empty(); }
    /// All errors, sorted by position, one "file:line:col: path: message" per line (redacted).
    core::Error to_error() const;
    const std::string& file() const { return file_; }

    /// Checks that `node` is a map (Null counts as an empty map) and that it has only
    /// `allowed` keys, each once. Reports and returns false if it is not a map.
    bool map(const PlanNode& node, std::string_view path, std::initializer_list<std::string_view> allowed);
    /// Checks that `node` is a sequence (Null counts as empty).
    bool sequence(const PlanNode& node, std::string_view path);
    /// The value under `key`, reporting "missing required key" at the map when absent.
    const PlanNode* require(const PlanNode& map, std::string_view path, std::string_view key);

    /// Scalars, after ${ENV} expansion. Each reports and returns nullopt on a wrong type.
    std::optional<std::string> text(const PlanNode& node, std::string_view path);
    std::optional<int> integer(const PlanNode& node, std::string_view path, int minimum);
    std::optional<double> positive_number(const PlanNode& node, std::string_view path);
    std::optional<bool> boolean(const PlanNode& node, std::string_view path);
    /// One of `names` (exact match); the error lists them.
    std::optional<std::size_t> choice(const PlanNode& node, std::string_view path,
                                      std::initializer_list<std::string_view> names);
    /// A sequence of strings, each with its node (for positions).
    std::vector<std::pair<std::string, const PlanNode*>> texts(const PlanNode& node, std::string_view path);
    /// Regexes (ECMAScript), one error per bad pattern.
    std::vector<TagPattern> patterns(const PlanNode& node, std::string_view path);
    /// A path resolved against the plan's directory; `must_exist` checks for a regular file.
    std::optional<std::filesystem::path> file_path(const PlanNode& node, std::string_view path, bool must_exist);

private:
    struct Located {
        Mark mark;
        std::string line;
    };
    std::string file_;
    std::filesystem::path base_dir_;
    std::vector<Located> errors_;
};

}  // namespace ferry::sync::detail
