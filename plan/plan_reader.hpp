#pragma once
/// Internal to the plan parser (plan/*.cpp); not part of the plan module's interface.
/// PlanReader: typed access to the YAML tree (yaml_tree.hpp) which records one located error
/// per problem instead of stopping at the first, so a plan's errors are reported all at once.
#include <expected>
#include <filesystem>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "plan/tag_filter.hpp"
#include "plan/yaml_tree.hpp"

namespace ferry::plan::detail {

/// Expands ${VAR} and ${VAR:-default}; on failure the problem ("environment variable X is
/// not set ...") as the error.
std::expected<std::string, std::string> expand_env(std::string_view text);

class PlanReader {
public:
    PlanReader(std::string file, std::filesystem::path base_dir);

    void error(Mark at, std::string_view path, std::string_view message);
    bool failed() const { return !errors_.empty(); }
    /// All errors, sorted by position, one "file:line:col: path: message" per line (redacted).
    core::Error to_error() const;
    const std::string& file() const { return file_; }
    const std::filesystem::path& base_dir() const { return base_dir_; }

    /// Checks that `node` is a map (Null counts as an empty map) and that it has only
    /// `allowed` keys, each once. Reports and returns false if it is not a map.
    bool map(const PlanNode& node, std::string_view path, std::initializer_list<std::string_view> allowed);
    /// Checks that `node` is a sequence (Null counts as empty).
    bool sequence(const PlanNode& node, std::string_view path);
    /// The value under `key`, reporting "missing required key" at the map when absent.
    const PlanNode* require(const PlanNode& map, std::string_view path, std::string_view key);

    /// Scalars, after ${ENV} expansion. Each reports and returns nullopt on a wrong type.
    std::optional<std::string> text(const PlanNode& node, std::string_view path);
    std::optional<int> integer(const PlanNode& node, std::string_view path, int minimum,
                               int maximum = std::numeric_limits<int>::max());
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

}  // namespace ferry::plan::detail
