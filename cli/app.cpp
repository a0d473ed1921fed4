#include "cli/app.hpp"

#include <csignal>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/command_line.hpp"
#include "cli/runtime.hpp"
#include "core/cancel.hpp"
#include "core/log.hpp"
#include "core/redact.hpp"
#include "core/text.hpp"
#include "core/units.hpp"

namespace ferry::cli {
namespace {

extern "C" void on_terminate_signal(int) { core::process_cancellation().cancel(); }

void install_signal_handlers() {
    struct sigaction action {};
    action.sa_handler = on_terminate_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
    std::signal(SIGPIPE, SIG_IGN);
}

bool init_logging(const GlobalOptions& o, bool level_given) {
    const auto level = core::log::parse_level(o.quiet && !level_given ? "warn" : o.log_level);
    if (!level) {
        std::cerr << "ferry: --log-level must be debug, info, warn, error or off\n";
        return false;
    }
    if (o.log_format != "text" && o.log_format != "json") {
        std::cerr << "ferry: --log-format must be text or json\n";
        return false;
    }
    core::log::init(*level, o.log_format == "json" ? core::log::Format::Json : core::log::Format::Text);
    return true;
}

/// Global flags go on the root; subcommands fall through to it, so they work anywhere.
void add_global_flags(CLI::App& app, GlobalOptions& o) {
    app.add_option("--authfile", o.authfile, "docker config.json with credentials (must exist when named)")
        ->envname("REGISTRY_AUTH_FILE");
    app.add_option("--ca-file", o.ca_file, "extra CA certificate bundle (PEM) for TLS");
    add_repeatable(app, "--insecure-registry", o.insecure_registries,
                   "talk plain HTTP to this host[:port] (repeatable; http://HOST accepted)");
    add_repeatable(app, "--path-prefix", o.path_prefixes,
                   "HOST=PREFIX: the registry API of HOST lives under PREFIX/v2/ (e.g. Artifactory's "
                   "/artifactory/api/docker/REPO); repeatable")
        ->check([](const std::string& v) {
            return v.find('=') == std::string::npos || v.front() == '=' ? std::string("expected HOST=PREFIX") : std::string();
        });
    app.add_flag("--tls-verify", o.tls_verify,
                 "=false: https without certificate verification, every host (skopeo's flag; plain HTTP is "
                 "--insecure-registry HOST, an own CA --ca-file)");
    app.add_option("--log-level", o.log_level, "debug|info|warn|error|off")->capture_default_str();
    app.add_option("--log-format", o.log_format, "text|json")->capture_default_str();
    app.add_option("--max-manifest-size", o.max_manifest_bytes,
                   "refuse manifests larger than this many bytes (default 4 MiB)")
        ->check(CLI::Range(std::size_t{1024}, std::size_t{1} << 30))
        ->capture_default_str();
    app.add_flag("-q,--quiet", o.quiet, "no progress, no info logs, no summary lines (errors still print)");
    app.set_version_flag("--version", version_line(), "print the version and exit");
}

/// "http://h:5000" -> "h:5000"; "https://…" is refused: it is not plain HTTP.
core::Status normalise_insecure_hosts(std::vector<std::string>& hosts) {
    for (auto& host : hosts) {
        if (host.starts_with("https://"))
            return core::fail(core::ErrorKind::Config,
                              "--insecure-registry " + host +
                                  ": this flag means plain HTTP; for https with an own CA use --ca-file, "
                                  "or tls: skip-verify in a plan");
        if (host.starts_with("http://")) host = host.substr(7);
        while (host.ends_with('/')) host.pop_back();
        if (host.empty() || host.find('/') != std::string::npos)
            return core::fail(core::ErrorKind::Config, "--insecure-registry wants HOST[:PORT], got \"" + host + "\"");
    }
    return {};
}

/// A plan file named by -c must exist: a usage error (exit 2), like every other bad argument.
/// (`inspect --config` is a flag, not a plan file: only a --config that takes a value counts.)
core::Status check_plan_file(const CLI::App& app) {
    for (const CLI::App* verb : app.get_subcommands()) {
        for (; verb != nullptr;) {
            if (const auto* opt = verb->get_option_no_throw("--config");
                opt != nullptr && opt->count() > 0 && opt->get_expected_min() > 0) {
                const std::string file = opt->as<std::string>();
                std::error_code ec;  // "-": standard input (cli/plan_file.hpp)
                if (file != "-" && !std::filesystem::is_regular_file(file, ec))
                    return core::fail(core::ErrorKind::Config, "-c " + file + ": no such plan file");
            }
            const auto chosen = verb->get_subcommands();
            verb = chosen.empty() ? nullptr : chosen.front();
        }
    }
    return {};
}

/// A named authfile must exist (login and logout may create it).
core::Status check_authfile(const GlobalOptions& o, const std::string& verb) {
    if (o.authfile.empty() || verb == "login" || verb == "logout") return {};
    std::error_code ec;
    if (!std::filesystem::exists(o.authfile, ec))
        return core::fail(core::ErrorKind::Config,
                          "--authfile " + o.authfile + ": no such file" +
                              (std::getenv("REGISTRY_AUTH_FILE") != nullptr ? " (from $REGISTRY_AUTH_FILE)" : "") +
                              "; run 'ferry login HOST' to create it, or leave the flag out");
    return {};
}

void register_verbs(CLI::App& app, Runtime& rt, VerbBody& body) {
    add_version_verb(app, rt, body);
    add_inspect_verb(app, rt, body);
    add_tags_verbs(app, rt, body);
    add_copy_verb(app, rt, body);
    add_manifest_verbs(app, rt, body);
    add_sync_verbs(app, rt, body);
    add_bundle_verbs(app, rt, body);
    add_cron_verb(app, rt, body);
    add_verify_verb(app, rt, body);
    add_login_verbs(app, rt, body);
    add_completion_verb(app, rt, body);
    add_plan_convert_verb(app, body);
}

int usage_error(const std::string& message) {
    std::cerr << message << "\n";
    return static_cast<int>(ExitCode::Usage);
}

}  // namespace

ExitCode report_error(const core::Error& error) {
    const ExitCode code = exit_code_for(error);
    if (core::log::json_format()) {
        nlohmann::json line = {{"time", core::format_rfc3339(std::chrono::system_clock::now(), true)}, {"level", "error"},
                               {"msg", core::redact(error.message)}, {"exitCode", static_cast<int>(code)}};
        std::cerr << line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    } else {
        // Lines of a composed message (a plan's errors) stay lines; any other control
        // character (an escape sequence in a registry's text) is shown escaped.
        std::cerr << "ferry: " << core::escape_control_keep_lines(core::redact(error.message)) << "\n";
    }
    return code;
}

void add_output_flag(CLI::App& verb, std::string& output) {
    verb.add_option("-o,--output", output, "output format: text|json")
        ->check(CLI::IsMember({"text", "json"}))
        ->capture_default_str();
}

CLI::Option* add_repeatable(CLI::App& app, const std::string& name, std::vector<std::string>& values,
                            const std::string& description) {
    // One value per occurrence, so a flag before the positionals never swallows them.
    return app.add_option(name, values, description)
        ->allow_extra_args(false)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
}

void build_command_line(CLI::App& app, Runtime& rt, VerbBody& body) {
    app.fallthrough();
    app.footer("Run 'ferry help VERB' for a verb's flags. Global flags work anywhere on the line.");
    add_global_flags(app, rt.options);
    register_verbs(app, rt, body);
}

int run(int argc, char** argv) {
    CLI::App app{"ferry: keeps container images in step between registries and disk", "ferry"};
    Runtime rt;
    VerbBody body;
    build_command_line(app, rt, body);
    auto args = prepare_arguments(app, std::vector<std::string>(argv, argv + argc));
    if (!args) return usage_error("ferry: " + args.error().message);
    if (args->size() == 1) {
        std::cerr << app.help() << "\nferry: no command given\n";
        return static_cast<int>(ExitCode::Usage);
    }
    try {
        std::vector<std::string> reversed(args->rbegin(), args->rend() - 1);
        app.parse(reversed);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        return usage_error(describe_parse_error(app, e));
    }
    if (!init_logging(rt.options, app.get_option("--log-level")->count() > 0)) return static_cast<int>(ExitCode::Usage);
    if (auto st = normalise_insecure_hosts(rt.options.insecure_registries); !st) return static_cast<int>(report_error(st.error()));
    if (auto st = check_authfile(rt.options, chosen_verb_path(app)); !st) return static_cast<int>(report_error(st.error()));
    if (auto st = check_plan_file(app); !st) return static_cast<int>(report_error(st.error()));
    install_signal_handlers();
    if (!body) return usage_error(describe_parse_error(app, CLI::RequiredError("a subcommand")));
    try {
        return static_cast<int>(body());
    } catch (const std::exception& e) {
        std::cerr << "ferry: internal error: " << core::redact(e.what()) << "\n";
        return static_cast<int>(ExitCode::Failed);
    }
}

}  // namespace ferry::cli
