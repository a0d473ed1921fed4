#include "plan/yaml_tree.hpp"

#include <yaml-cpp/yaml.h>

namespace ferry::plan::detail {
namespace {

constexpr int kMaxDepth = 64;
/// Nodes of the document with every alias expanded. A real plan has a few thousand; a YAML
/// alias bomb ("billion laughs": nine anchors of nine aliases each, ~350 bytes) has 387 million.
constexpr std::size_t kMaxNodes = 100'000;

Mark mark_of(const YAML::Mark& m) {
    if (m.is_null()) return {};
    return Mark{m.line + 1, m.column + 1};
}

struct ConversionError {
    Mark mark;
    std::string message;
};

/// Counts the nodes `node` expands to, aliases included, and throws as soon as the running
/// total passes kMaxNodes. yaml-cpp shares an aliased node instead of copying it, so the
/// parsed graph of a bomb is small; this walk stops it before convert() would materialise it,
/// after at most kMaxNodes steps and without allocating.
void count_nodes(const YAML::Node& node, int depth, std::size_t& count) {
    if (depth > kMaxDepth) throw ConversionError{mark_of(node.Mark()), "nesting deeper than 64 levels"};
    if (++count > kMaxNodes) {
        throw ConversionError{mark_of(node.Mark()), "the document expands to more than " + std::to_string(kMaxNodes) +
                                                        " nodes (YAML aliases expanded): refused"};
    }
    if (node.IsSequence()) {
        for (const YAML::Node& item : node) count_nodes(item, depth + 1, count);
    } else if (node.IsMap()) {
        for (const auto& kv : node) count_nodes(kv.second, depth + 1, count);
    }
}

PlanNode convert(const YAML::Node& node, int depth) {
    PlanNode out;
    out.mark = mark_of(node.Mark());
    if (depth > kMaxDepth) throw ConversionError{out.mark, "nesting deeper than 64 levels"};
    switch (node.Type()) {
        case YAML::NodeType::Scalar:
            out.kind = PlanNode::Kind::Scalar;
            out.scalar = node.Scalar();
            break;
        case YAML::NodeType::Sequence:
            out.kind = PlanNode::Kind::Sequence;
            for (const YAML::Node& item : node) out.children.push_back(convert(item, depth + 1));
            break;
        case YAML::NodeType::Map:
            out.kind = PlanNode::Kind::Map;
            for (const auto& kv : node) {
                if (!kv.first.IsScalar()) {
                    throw ConversionError{mark_of(kv.first.Mark()), "map keys must be plain strings"};
                }
                PlanNode value = convert(kv.second, depth + 1);
                value.key = kv.first.Scalar();
                value.key_mark = mark_of(kv.first.Mark());
                if (value.kind == PlanNode::Kind::Null) value.mark = value.key_mark;
                out.children.push_back(std::move(value));
            }
            break;
        default:
            out.kind = PlanNode::Kind::Null;
            break;
    }
    return out;
}

core::Error located(std::string_view file, Mark mark, std::string_view message) {
    return core::make_error(core::ErrorKind::Config, std::string(file) + ":" + std::to_string(mark.line) + ":" +
                                                         std::to_string(mark.column) + ": " + std::string(message));
}

}  // namespace

core::Result<PlanNode> parse_yaml_tree(std::string_view yaml, std::string_view file) {
    try {
        YAML::Node root = YAML::Load(std::string(yaml));
        std::size_t nodes = 0;
        count_nodes(root, 0, nodes);
        PlanNode tree = convert(root, 0);
        if (tree.mark.line == 0) tree.mark = Mark{1, 1};
        return tree;
    } catch (const YAML::Exception& e) {
        return std::unexpected(located(file, mark_of(e.mark), "YAML syntax error: " + e.msg));
    } catch (const ConversionError& e) {
        return std::unexpected(located(file, e.mark, e.message));
    }
}

}  // namespace ferry::plan::detail
