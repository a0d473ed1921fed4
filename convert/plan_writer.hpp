#pragma once
/// Builds the ferry plan a converter produces: registries, sync entries, schedules, and the
/// notes on what did not translate; renders it as commented YAML. Private to convert/.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "convert/convert.hpp"

namespace ferry::convert {

class PlanWriter {
public:
    /// `origin` names the converted file in the header comment ("skopeo sync file sync.yml").
    explicit PlanWriter(std::string origin) : origin_(std::move(origin)) {}

    /// The settings map of `host` under registries: (created on first use).
    YAML::Node registry(const std::string& host);
    /// Adds a sync entry; its name is made unique from `name_hint`. Returns the name.
    std::string add_entry(const std::string& name_hint, YAML::Node entry);
    void add_schedule(const std::string& name, const std::string& cron, const std::vector<std::string>& jobs);
    YAML::Node defaults() { return defaults_; }
    /// Adds a line to the header's list of what did not carry over (a repeated line once).
    void note(std::string text);

    Conversion finish() const;

private:
    std::string origin_;
    YAML::Node defaults_{YAML::NodeType::Map};
    YAML::Node registries_{YAML::NodeType::Map};
    YAML::Node sync_{YAML::NodeType::Sequence};
    YAML::Node schedule_{YAML::NodeType::Sequence};
    std::map<std::string, int> names_;
    std::vector<std::string> notes_;
};

/// "^(?:a|b)$" for a list of literal tags (regex metacharacters escaped).
std::string exact_tags_regex(const std::vector<std::string>& tags);

/// A Go duration ("60m", "1h", "90s", "1h30m") as a cron expression when it divides a
/// minute, hour or day evenly; nullopt otherwise.
std::optional<std::string> interval_as_cron(const std::string& interval);

/// "line:col" of a node (1-based) for notes and errors.
std::string where(const std::string& file, const YAML::Node& node);

/// The last path component of a repository ("coreos/etcd" -> "etcd").
std::string base_name(const std::string& repository);

/// The environment variable a converted plan reads `host`'s password from
/// ("r.io:5000" -> "FERRY_PASSWORD_R_IO_5000").
std::string password_variable(const std::string& host);

/// A reference split as written: "h:5000/a/b:1.0@sha256:…" -> name "h:5000/a/b", tag "1.0",
/// digest "sha256:…" (a ':' before the last '/' belongs to the host).
struct ReferenceParts {
    std::string name;
    std::string tag;
    std::string digest;
};
ReferenceParts split_reference(const std::string& reference);

/// True when ferry's tag filters (ECMAScript std::regex, plan/tag_filter.cpp) accept `pattern`.
bool ecmascript_regex_ok(const std::string& pattern);

}  // namespace ferry::convert
