#include "cli/app.hpp"

#include <csignal>
#include <iostream>

#include "cli/runtime.hpp"
#include "core/cancel.hpp"
#include "core/log.hpp"
#include "core/redact.hpp"

#ifndef FERRY_VERSION
#define FERRY_VERSION "0.0.0"
#endif

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

bool init_logging(const GlobalOptions& o) {
    const auto level = core::log::parse_level(o.log_level);
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

void add_global_flags(CLI::App& app, GlobalOptions& o) {
    app.add_option("--authfile", o.authfile, "docker config.json with credentials")->envname("REGISTRY_AUTH_FILE");
    app.add_option("--ca-file", o.ca_file, "extra CA certificate bundle (PEM) for TLS");
    app.add_option("--insecure-registry", o.insecure_registries, "talk plain HTTP to this host[:port]");
    app.add_option("--path-prefix", o.path_prefixes,
                   "HOST=PREFIX: the registry API of HOST lives under PREFIX/v2/ (e.g. Artifactory's "
                   "/artifactory/api/docker/REPO); repeatable")
        ->check([](const std::string& v) {
            return v.find('=') == std::string::npos || v.front() == '=' ? std::string("expected HOST=PREFIX") : std::string();
        });
    app.add_option("--log-level", o.log_level, "debug|info|warn|error|off")->capture_default_str();
    app.add_option("--log-format", o.log_format, "text|json")->capture_default_str();
    app.add_option("--max-manifest-size", o.max_manifest_bytes,
                   "refuse manifests larger than this many bytes (default 4 MiB)")
        ->check(CLI::Range(std::size_t{1024}, std::size_t{1} << 30))
        ->capture_default_str();
}

}  // namespace

ExitCode report_error(const core::Error& error) {
    std::cerr << "ferry: " << core::redact(error.message) << "\n";
    return exit_code_for(error);
}

void add_output_flag(CLI::App& verb, std::string& output) {
    verb.add_option("-o,--output", output, "output format: text|json")
        ->check(CLI::IsMember({"text", "json"}))
        ->capture_default_str();
}

int run(int argc, char** argv) {
    CLI::App app{"ferry: keeps container images in step between registries and disk"};
    app.require_subcommand(1);
    app.fallthrough();
    Runtime rt;
    add_global_flags(app, rt.options);
    VerbBody body;
    app.add_subcommand("version", "print the version")->callback([&] {
        body = [] {
            std::cout << "ferry " << FERRY_VERSION << "\n";
            return ExitCode::Ok;
        };
    });
    add_inspect_verb(app, rt, body);
    add_tags_verbs(app, rt, body);
    add_copy_verb(app, rt, body);
    add_manifest_verbs(app, rt, body);
    add_sync_verbs(app, rt, body);
    add_bundle_verbs(app, rt, body);
    add_cron_verb(app, rt, body);
    add_verify_verb(app, rt, body);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int rc = app.exit(e);
        return rc == 0 ? 0 : static_cast<int>(ExitCode::Usage);
    }
    if (!init_logging(rt.options)) return static_cast<int>(ExitCode::Usage);
    install_signal_handlers();
    if (!body) return static_cast<int>(ExitCode::Usage);
    try {
        return static_cast<int>(body());
    } catch (const std::exception& e) {
        std::cerr << "ferry: internal error: " << core::redact(e.what()) << "\n";
        return static_cast<int>(ExitCode::Failed);
    }
}

}  // namespace ferry::cli
