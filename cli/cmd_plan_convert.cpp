// ferry plan convert --from skopeo FILE --dest REGISTRY[/PREFIX] [--scoped]
// ferry plan convert --from regsync FILE
// Prints the equivalent ferry plan on stdout; what does not translate is listed in its header
// comment and counted on stderr. (Registered as the hidden verb "plan-convert"; the command
// line maps "plan convert" onto it, see command_line.cpp.)
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/runtime.hpp"
#include "convert/convert.hpp"

namespace ferry::cli {
namespace {

struct ConvertArgs {
    std::string from;
    std::string file;
    std::string dest;
    bool scoped = false;
};

ExitCode run_convert(const ConvertArgs& a) {
    std::ifstream in(a.file);
    if (!in)
        return report_error(core::make_error(core::ErrorKind::Config, "plan convert: cannot read " + a.file));
    std::stringstream text;
    text << in.rdbuf();
    auto converted = a.from == "skopeo"
                         ? convert::convert_skopeo_sync(text.str(), a.file, {a.dest, a.scoped})
                         : convert::convert_regsync(text.str(), a.file);
    if (!converted) return report_error(converted.error());
    if (a.from != "skopeo" && !a.dest.empty())
        std::cerr << "ferry: --dest is for --from skopeo (regsync files name their targets); ignored\n";
    std::cout << converted->plan_yaml;
    if (!converted->notes.empty())
        std::cerr << "ferry: converted with " << converted->notes.size()
                  << (converted->notes.size() == 1 ? " note" : " notes")
                  << " on what ferry does differently or cannot express (in the plan's header comment)\n";
    return ExitCode::Ok;
}

}  // namespace

void add_plan_convert_verb(CLI::App& app, VerbBody& body) {
    auto args = std::make_shared<ConvertArgs>();
    auto* verb = app.add_subcommand("plan-convert", "print the ferry plan equivalent to a skopeo sync or regsync file");
    verb->group("");  // typed as "ferry plan convert"
    verb->add_option("file", args->file, "the skopeo sync YAML or regsync configuration")->required();
    verb->add_option("--from", args->from, "skopeo or regsync")->required()->check(CLI::IsMember({"skopeo", "regsync"}));
    verb->add_option("--dest", args->dest, "skopeo: the destination given to skopeo sync (REGISTRY[/PREFIX])");
    verb->add_flag("--scoped", args->scoped, "skopeo: the file was used with skopeo sync --scoped");
    verb->callback([&body, args] { body = [args] { return run_convert(*args); }; });
    if (auto* plan = app.get_subcommand_ptr("plan").get())
        plan->footer("ferry plan convert --from skopeo|regsync FILE [--dest REGISTRY[/PREFIX]] [--scoped]: print the "
                     "ferry plan equivalent to a skopeo sync or regsync file");
}

}  // namespace ferry::cli
