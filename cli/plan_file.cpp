#include "cli/plan_file.hpp"

#include <iostream>

namespace ferry::cli {

core::Result<plan::Plan> load_plan_arg(const std::string& plan_file) {
    if (!plan_from_stdin(plan_file)) return plan::load_plan(plan_file);
    constexpr std::size_t kMaxPlanBytes = 16u << 20;
    std::string text;
    char buffer[65536];
    while (std::cin.read(buffer, sizeof buffer) || std::cin.gcount() > 0) {
        text.append(buffer, static_cast<std::size_t>(std::cin.gcount()));
        if (text.size() > kMaxPlanBytes)
            return core::fail(core::ErrorKind::Config, "-c -: the plan on standard input is larger than 16 MiB");
    }
    if (std::cin.bad()) return core::fail(core::ErrorKind::Io, "-c -: cannot read standard input");
    return plan::parse_plan(text, "<stdin>");
}

}  // namespace ferry::cli
