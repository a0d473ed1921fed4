#include "plan/yaml_tree.hpp"

#include <yaml-cpp/yaml.h>

namespace ferry::plan::detail {
namespace {

constexpr int kMaxDepth = 64;

Mark mark_of(const YAML::Mark& m) {
    if (m.is_null()) return {};
    return Mark{m.line + 1, m.column + 1};
}

struct ConversionError {
    Mark mark;
    std::string message;
};

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
