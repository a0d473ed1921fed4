#include <charconv>

#include "plan/plan_reader.hpp"
#include "plan/registries_section.hpp"
#include "plan/sync_section.hpp"
#include "plan/webhooks_section.hpp"

namespace ferry::plan::detail {
namespace {

std::optional<PruneLimit> read_limit(PlanReader& reader, const PlanNode& node, std::string_view path) {
    const std::string bad = "expected a count (0 or more) or a percentage such as '10%'";
    auto text = reader.text(node, path);
    if (!text) return std::nullopt;
    const bool percent = text->ends_with('%');
    const std::string_view digits = percent ? std::string_view(*text).substr(0, text->size() - 1) : std::string_view(*text);
    double value = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || value < 0 ||
        (percent && value > 100) || (!percent && value != static_cast<int>(value))) {
        reader.error(node.mark, path, bad);
        return std::nullopt;
    }
    PruneLimit limit;
    if (percent) limit.percent = value;
    else limit.count = static_cast<int>(value);
    return limit;
}

}  // namespace

void read_prune(PlanReader& reader, const PlanNode& node, std::string_view path, SyncEntry& entry) {
    const PlanNode* prune = find(node, "prune");
    const PlanNode* limit = find(node, "max_prune");
    if (prune) entry.prune = reader.boolean(*prune, child_path(path, "prune")).value_or(false);
    if (limit) {
        const std::string where = child_path(path, "max_prune");
        if (auto parsed = read_limit(reader, *limit, where)) entry.max_prune = *parsed;
        if (!entry.prune) reader.error(limit->key_mark, where, "max_prune applies only with prune: true");
    }
    if (!entry.prune) return;
    const std::string where = child_path(path, "prune");
    if (entry.policy == CopyPolicy::Immutable)
        reader.error(prune->mark, where, "prune is never done under policy immutable");
    if (entry.source_kind == SourceKind::Image)
        reader.error(prune->mark, where, "prune applies to repository and namespace sources, not to one image");
}

}  // namespace ferry::plan::detail
