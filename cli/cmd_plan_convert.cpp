// ferry plan convert --from skopeo FILE --dest REGISTRY[/PREFIX] [--scoped] [--all]
//                    [--dest-tls-verify=false]
// ferry plan convert --from regsync FILE
// Prints the equivalent ferry plan on stdout; what does not translate is listed in its header
// comment and counted on stderr. (Registered as the hidden verb "plan-convert"; the command
// line maps "plan convert" onto it, see command_line.cpp.)
#include <filesystem>
#include <algorithm>
#include <fstream>
#include <optional>
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
    bool all = false;
    std::optional<bool> dest_tls_verify;
};

/// The platform skopeo copies without --all on this machine (containers/image picks the
/// running system's).
std::string system_platform() {
#if defined(__aarch64__)
    return "linux/arm64";
#elif defined(__arm__)
    return "linux/arm";
#elif defined(__powerpc64__)
    return "linux/ppc64le";
#elif defined(__s390x__)
    return "linux/s390x";
#else
    return "linux/amd64";
#endif
}

/// The file names in `dir` (relative to the working directory, as skopeo reads it), nullopt
/// when it is not a directory.
std::optional<std::vector<std::string>> list_directory(const std::string& dir) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) return std::nullopt;
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

convert::SkopeoSyncOptions skopeo_options(const ConvertArgs& a) {
    convert::SkopeoSyncOptions o;
    o.destination = a.dest;
    o.scoped = a.scoped;
    o.all = a.all;
    o.dest_tls_verify = a.dest_tls_verify;
    o.system_platform = system_platform();
    // A relative cert-dir is read from the working directory by skopeo; the plan gets the
    // absolute path (ferry resolves relative paths against the plan's directory).
    o.list_directory = [](const std::string& dir) { return list_directory(dir); };
    std::error_code ec;
    o.working_directory = std::filesystem::current_path(ec).string();
    return o;
}

ExitCode run_convert(const ConvertArgs& a) {
    std::ifstream in(a.file);
    if (!in)
        return report_error(core::make_error(core::ErrorKind::Config, "plan convert: cannot read " + a.file));
    std::stringstream text;
    text << in.rdbuf();
    auto converted = a.from == "skopeo"
                         ? convert::convert_skopeo_sync(text.str(), a.file, skopeo_options(a))
                         : convert::convert_regsync(text.str(), a.file);
    if (!converted) return report_error(converted.error());
    if (a.from != "skopeo" && (!a.dest.empty() || a.scoped || a.all || a.dest_tls_verify))
        std::cerr << "ferry: --dest, --scoped, --all and --dest-tls-verify are for --from skopeo (regsync files name "
                     "their targets); ignored\n";
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
    verb->add_flag("--all", args->all, "skopeo: skopeo sync ran with --all (every platform)");
    verb->add_option("--dest-tls-verify", args->dest_tls_verify,
                     "skopeo: the --dest-tls-verify skopeo sync was given (false: https unverified, else plain http)");
    verb->callback([&body, args] { body = [args] { return run_convert(*args); }; });
    if (auto* plan = app.get_subcommand_ptr("plan").get())
        plan->footer("ferry plan convert --from skopeo|regsync FILE [--dest REGISTRY[/PREFIX]] [--scoped] [--all] "
                     "[--dest-tls-verify=false]: print the "
                     "ferry plan equivalent to a skopeo sync or regsync file");
}

}  // namespace ferry::cli
