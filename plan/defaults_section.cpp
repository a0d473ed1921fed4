#include "plan/defaults_section.hpp"

#include "core/defaults.hpp"
#include "plan/plan_reader.hpp"

namespace ferry::plan::detail {

Defaults read_defaults(PlanReader& reader, const PlanNode& node) {
    Defaults out;
    const std::string path = "defaults";
    if (!reader.map(node, path, {"jobs", "platforms", "policy", "retries", "referrers", "verify", "state_file"})) {
        return out;
    }
    for (const PlanNode& child : node.children) {
        std::string where = child_path(path, child.key);
        if (child.key == "jobs") {
            out.jobs = reader.integer(child, where, 1, core::kMaxJobs).value_or(out.jobs);
        } else if (child.key == "retries") {
            out.retries = reader.integer(child, where, 0).value_or(out.retries);
        } else if (child.key == "platforms") {
            out.platforms = read_platforms(reader, child, where);
        } else if (child.key == "policy") {
            out.policy = read_policy(reader, child, where).value_or(out.policy);
        } else if (child.key == "referrers") {
            out.referrers = read_referrers(reader, child, where);
        } else if (child.key == "verify") {
            out.verify = read_verify(reader, child, where);
        } else if (child.key == "state_file") {
            out.state_file = reader.file_path(child, where, false).value_or(std::filesystem::path{});
        }
    }
    return out;
}

}  // namespace ferry::plan::detail
