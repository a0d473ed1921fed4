/// Fuzzes parse_plan (YAML text to a validated Plan). Properties: an error is a Config error
/// whose every line is located in the named file; a plan's sync entries have unique names.
/// The plan "lives" in a directory that does not exist, so relative password/CA files never
/// resolve to real files.
#include <set>
#include <string>

#include "fuzz_check.hpp"
#include "plan/plan.hpp"

using ferry::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
    if (size > 64 * 1024) return -1;
    auto text = ferry::fuzz::as_text(data, size);
    static const std::string kFile = "/nonexistent-ferry-fuzz/plan.yaml";
    auto plan = ferry::plan::parse_plan(text, kFile);
    if (!plan) {
        const auto& e = plan.error();
        check(e.kind == ferry::core::ErrorKind::Config, "plan error that is not a Config error", e.message);
        check(e.message.starts_with(kFile + ":"), "plan error not located in the file", e.message);
        return 0;
    }
    std::set<std::string> names;
    for (const auto& entry : plan->sync) {
        check(names.insert(entry.name).second, "two sync entries share a name", text);
        check(plan->entry(entry.name) != nullptr, "entry() cannot find a sync entry", text);
    }
    for (const auto& m : plan->manifests) check(m.target.tag.has_value(), "manifest target without a tag", text);
    return 0;
}
