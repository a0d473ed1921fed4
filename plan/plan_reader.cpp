#include "plan/plan_reader.hpp"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <set>

#include "core/parse.hpp"
#include "core/redact.hpp"
#include "core/text.hpp"

namespace ferry::plan::detail {
namespace {

std::string_view kind_name(PlanNode::Kind kind) {
    switch (kind) {
        case PlanNode::Kind::Null: return "nothing";
        case PlanNode::Kind::Scalar: return "a scalar";
        case PlanNode::Kind::Sequence: return "a list";
        case PlanNode::Kind::Map: return "a map";
    }
    return "?";
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diagonal = above;
        }
    }
    return row[b.size()];
}

std::string unknown_key_message(std::string_view key, std::initializer_list<std::string_view> allowed) {
    std::string message = "unknown key '" + std::string(key) + "'";
    std::string_view best;
    std::size_t best_distance = 3;
    for (std::string_view candidate : allowed) {
        std::size_t d = edit_distance(key, candidate);
        if (d < best_distance) {
            best_distance = d;
            best = candidate;
        }
    }
    if (!best.empty()) return message + " (did you mean '" + std::string(best) + "'?)";
    std::string list;
    for (std::string_view candidate : allowed) list += (list.empty() ? "" : ", ") + std::string(candidate);
    return message + " (expected one of: " + list + ")";
}

bool is_env_name(std::string_view name) {
    if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    });
}

}  // namespace

std::string child_path(std::string_view path, std::string_view key) {
    std::string k = key.find('.') == std::string_view::npos ? std::string(key) : "[\"" + std::string(key) + "\"]";
    if (path.empty()) return k;
    return std::string(path) + (k.starts_with('[') ? "" : ".") + k;
}

std::string item_path(std::string_view path, std::size_t index) {
    return std::string(path) + "[" + std::to_string(index) + "]";
}

const PlanNode* find(const PlanNode& node, std::string_view key) {
    if (node.kind != PlanNode::Kind::Map) return nullptr;
    for (const PlanNode& child : node.children) {
        if (child.key == key) return &child;
    }
    return nullptr;
}

std::expected<std::string, std::string> expand_env(std::string_view text) {
    std::string out;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t start = text.find("${", pos);
        if (start == std::string_view::npos) break;
        out.append(text.substr(pos, start - pos));
        std::size_t end = text.find('}', start);
        if (end == std::string_view::npos) {
            return std::unexpected("unterminated '${' in value");
        }
        std::string_view inner = text.substr(start + 2, end - start - 2);
        std::size_t dash = inner.find(":-");
        std::string_view name = inner.substr(0, dash);
        if (!is_env_name(name)) {
            return std::unexpected("invalid environment variable name '" + std::string(name) + "' in '${" + std::string(inner) + "}'");
        }
        const char* value = std::getenv(std::string(name).c_str());
        if (value != nullptr && (*value != '\0' || dash == std::string_view::npos)) {
            out += value;
        } else if (dash != std::string_view::npos) {
            out.append(inner.substr(dash + 2));
        } else {
            return std::unexpected("environment variable " + std::string(name) + " is not set (use ${" +
                                   std::string(name) + ":-default} to give a default)");
        }
        pos = end + 1;
    }
    out.append(text.substr(std::min(pos, text.size())));
    return out;
}

PlanReader::PlanReader(std::string file, std::filesystem::path base_dir)
    : file_(std::move(file)), base_dir_(std::move(base_dir)) {}

void PlanReader::error(Mark at, std::string_view path, std::string_view message) {
    std::string line = file_ + ":" + std::to_string(at.line) + ":" + std::to_string(at.column) + ": ";
    if (!path.empty()) line += std::string(path) + ": ";
    line += message;
    errors_.push_back({at, std::move(line)});
}

core::Error PlanReader::to_error() const {
    std::vector<Located> sorted = errors_;
    std::stable_sort(sorted.begin(), sorted.end(), [](const Located& a, const Located& b) {
        return std::pair(a.mark.line, a.mark.column) < std::pair(b.mark.line, b.mark.column);
    });
    std::string message;
    for (const Located& e : sorted) message += (message.empty() ? "" : "\n") + e.line;
    return core::make_error(core::ErrorKind::Config, core::redact(message));
}

bool PlanReader::map(const PlanNode& node, std::string_view path, std::initializer_list<std::string_view> allowed) {
    if (node.kind == PlanNode::Kind::Null) return true;
    if (node.kind != PlanNode::Kind::Map) {
        error(node.mark, path, "expected a map, got " + std::string(kind_name(node.kind)));
        return false;
    }
    std::set<std::string_view> seen;
    for (const PlanNode& child : node.children) {
        std::string where = child_path(path, child.key);
        if (std::find(allowed.begin(), allowed.end(), child.key) == allowed.end()) {
            error(child.key_mark, where, unknown_key_message(child.key, allowed));
        } else if (!seen.insert(child.key).second) {
            error(child.key_mark, where, "duplicate key '" + child.key + "'");
        }
    }
    return true;
}

bool PlanReader::sequence(const PlanNode& node, std::string_view path) {
    if (node.kind == PlanNode::Kind::Null || node.kind == PlanNode::Kind::Sequence) return true;
    error(node.mark, path, "expected a list, got " + std::string(kind_name(node.kind)));
    return false;
}

const PlanNode* PlanReader::require(const PlanNode& map, std::string_view path, std::string_view key) {
    if (const PlanNode* child = find(map, key)) return child;
    if (map.kind == PlanNode::Kind::Map || map.kind == PlanNode::Kind::Null) {
        error(map.mark, path, "missing required key '" + std::string(key) + "'");
    }
    return nullptr;
}

std::optional<std::string> PlanReader::text(const PlanNode& node, std::string_view path) {
    if (node.kind != PlanNode::Kind::Scalar) {
        error(node.mark, path, "expected a string, got " + std::string(kind_name(node.kind)));
        return std::nullopt;
    }
    auto expanded = expand_env(node.scalar);
    if (!expanded) {
        error(node.mark, path, expanded.error());
        return std::nullopt;
    }
    return std::move(*expanded);
}

std::optional<int> PlanReader::integer(const PlanNode& node, std::string_view path, int minimum, int maximum) {
    auto value = text(node, path);
    if (!value) return std::nullopt;
    const auto parsed = core::parse_int<int>(*value);
    if (!parsed) {
        error(node.mark, path, "expected an integer, got '" + *value + "'");
        return std::nullopt;
    }
    const int n = *parsed;
    if (n < minimum) {
        error(node.mark, path, "must be at least " + std::to_string(minimum) + ", got " + std::to_string(n));
        return std::nullopt;
    }
    if (n > maximum) {
        error(node.mark, path, "must be at most " + std::to_string(maximum) + ", got " + std::to_string(n));
        return std::nullopt;
    }
    return n;
}

std::optional<double> PlanReader::positive_number(const PlanNode& node, std::string_view path) {
    auto value = text(node, path);
    if (!value) return std::nullopt;
    double n = 0;
    auto [end, ec] = std::from_chars(value->data(), value->data() + value->size(), n);
    if (ec != std::errc{} || end != value->data() + value->size() || !(n > 0)) {
        error(node.mark, path, "expected a positive number, got '" + *value + "'");
        return std::nullopt;
    }
    return n;
}

std::optional<bool> PlanReader::boolean(const PlanNode& node, std::string_view path) {
    auto value = text(node, path);
    if (!value) return std::nullopt;
    std::string v = core::ascii_lower(*value);
    if (v == "true" || v == "yes") return true;
    if (v == "false" || v == "no") return false;
    error(node.mark, path, "expected true or false, got '" + *value + "'");
    return std::nullopt;
}

std::optional<std::size_t> PlanReader::choice(const PlanNode& node, std::string_view path,
                                              std::initializer_list<std::string_view> names) {
    auto value = text(node, path);
    if (!value) return std::nullopt;
    auto it = std::find(names.begin(), names.end(), *value);
    if (it != names.end()) return static_cast<std::size_t>(it - names.begin());
    std::string list;
    for (std::string_view name : names) list += (list.empty() ? "" : "|") + std::string(name);
    error(node.mark, path, "expected " + list + ", got '" + *value + "'");
    return std::nullopt;
}

std::vector<std::pair<std::string, const PlanNode*>> PlanReader::texts(const PlanNode& node, std::string_view path) {
    std::vector<std::pair<std::string, const PlanNode*>> out;
    if (!sequence(node, path)) return out;
    for (std::size_t i = 0; i < node.children.size(); ++i) {
        if (auto value = text(node.children[i], item_path(path, i))) out.emplace_back(std::move(*value), &node.children[i]);
    }
    return out;
}

std::vector<TagPattern> PlanReader::patterns(const PlanNode& node, std::string_view path) {
    std::vector<TagPattern> out;
    if (!sequence(node, path)) return out;
    for (std::size_t i = 0; i < node.children.size(); ++i) {
        const PlanNode& item = node.children[i];
        auto value = text(item, item_path(path, i));
        if (!value) continue;
        if (auto pattern = TagPattern::compile(*value)) {
            out.push_back(std::move(*pattern));
        } else {
            error(item.mark, item_path(path, i), pattern.error().message);
        }
    }
    return out;
}

std::optional<std::filesystem::path> PlanReader::file_path(const PlanNode& node, std::string_view path,
                                                           bool must_exist) {
    auto value = text(node, path);
    if (!value) return std::nullopt;
    if (value->empty()) {
        error(node.mark, path, "expected a file path, got an empty string");
        return std::nullopt;
    }
    std::filesystem::path resolved = base_dir_ / *value;
    std::error_code ec;
    if (must_exist && !std::filesystem::is_regular_file(resolved, ec)) {
        error(node.mark, path, "file '" + resolved.string() + "' does not exist or is not a regular file");
        return std::nullopt;
    }
    return resolved;
}

}  // namespace ferry::plan::detail
