#include "cli/help_formats.hpp"

#include <fmt/format.h>

#include <functional>
#include <sstream>

namespace ferry::cli {
namespace {

std::vector<const CLI::App*> visible_subcommands(const CLI::App& app) {
    return app.get_subcommands([](const CLI::App* s) { return !s->get_name().empty() && !s->get_group().empty(); });
}

/// Every verb path below `app` ("", "copy", "manifest", "manifest create", …) in tree order.
void walk(const CLI::App& app, const std::string& path,
          const std::function<void(const CLI::App&, const std::string&)>& visit) {
    visit(app, path);
    for (const auto* sub : visible_subcommands(app))
        walk(*sub, path.empty() ? sub->get_name() : path + " " + sub->get_name(), visit);
}

/// Verbs typed as two words that the parser knows by another name: "plan convert" is the
/// hidden verb "plan-convert" (cli/command_line.cpp rewrites it).
struct TwoWordVerb {
    const char* parent;
    const char* word;
    const char* verb;
};
constexpr TwoWordVerb kTwoWordVerbs[] = {{"plan", "convert", "plan-convert"}};

/// Values a flag or a verb's positional takes, for completion.
struct Values {
    const char* after;  ///< a flag ("--log-level") or a verb path ("completion")
    const char* words;
};
constexpr Values kFlagValues[] = {{"--log-level", "debug info warn error off"}, {"--log-format", "text json"},
                                  {"-o", "text json"}, {"--output", "text json"}, {"--from", "skopeo regsync"},
                                  {"--format", "oci docker"}, {"--tls-verify", "true false"}};
constexpr Values kPositionalValues[] = {{"completion", "bash zsh"}};

/// The verb `name` of `app`, hidden ones included (null when there is none).
const CLI::App* subcommand_named(const CLI::App& app, const std::string& name) {
    for (const auto* sub : app.get_subcommands([](const CLI::App*) { return true; }))
        if (sub->get_name() == name) return sub;
    return nullptr;
}

std::vector<std::string> flag_spellings(const CLI::App& app) {
    std::vector<std::string> flags;
    for (const auto* opt : app.get_options()) {
        for (const auto& l : opt->get_lnames()) flags.push_back("--" + l);
        for (const auto& s : opt->get_snames()) flags.push_back("-" + s);
    }
    return flags;
}

std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& i : items) out += (out.empty() ? "" : " ") + i;
    return out;
}

/// roff needs backslashes and leading dots/quotes escaped.
std::string roff(std::string text) {
    std::string out;
    for (char c : text) {
        if (c == '\\') out += "\\e";
        else if (c == '-') out += "\\-";
        else out += c;
    }
    if (!out.empty() && (out[0] == '.' || out[0] == '\'')) out = "\\&" + out;
    return out;
}

void man_options(std::ostringstream& out, const CLI::App& app) {
    for (const auto* opt : app.get_options()) {
        if (!opt->nonpositional() || opt->get_name() == "--help,-h" || opt->get_lnames() == std::vector<std::string>{"help"})
            continue;
        std::string names = opt->get_name(false, true);
        if (opt->get_expected_min() > 0) names += " " + (opt->get_type_name().empty() ? "VALUE" : opt->get_type_name());
        out << ".TP\n.B " << roff(names) << "\n" << roff(opt->get_description()) << "\n";
    }
}

/// Every variable ferry reads (cli/help_formats.cpp is the place to add one).
constexpr const char* kEnvironment = R"(.SH ENVIRONMENT
.TP
.B REGISTRY_AUTH_FILE
docker config.json with credentials, as \fB\-\-authfile\fR (the flag wins); must exist when set.
.TP
.B DOCKER_CONFIG
directory of config.json when neither \fB\-\-authfile\fR nor REGISTRY_AUTH_FILE is given (default ~/.docker).
.TP
.B HOME
for ~/.docker/config.json.
.TP
.B PATH
where the credential helpers docker\-credential\-NAME (credsStore, credHelpers) are found.
.TP
.B HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY
proxies, as libcurl reads them (lower\-case spellings too).
.TP
.B FERRY_HTTP_STALL_SECONDS
abort (and retry or resume) a transfer that moves almost nothing for this many seconds (default 60).
.TP
.B TZ
the local time zone of \fBtimezone: local\fR schedules (\fBferry cron\fR).
.TP
.B variables a plan names
\fB${VAR}\fR anywhere in a plan, \fBpassword_env\fR under registries:, \fBtoken_env\fR under webhooks: (read by
\fBferry cron\fR only); \fBferry plan convert\fR writes FERRY_PASSWORD_<HOST> for the passwords it moves out of the file.
)";

constexpr const char* kExamples = R"(.SH EXAMPLES
.TP
Copy every platform of an image, digests kept (skopeo copy \-\-all):
ferry copy registry.example.com/app:1.0 mirror.example.com/app
.TP
One platform's image manifest, from a registry with its own CA:
ferry \-\-ca\-file ca.pem copy \-\-platform linux/arm64 registry.example.com/app:1.0 oci\-archive:app.tar
.TP
Tags of a repository that needs credentials (skopeo list\-tags):
ferry tags \-\-creds user registry.example.com/app
.TP
What a plan would do, then do it:
ferry plan \-c plan.yaml; ferry sync \-c plan.yaml
.TP
A plan from a skopeo sync file, checked without writing it to disk:
ferry plan convert \-\-from skopeo sync.yml \-\-dest mirror.example.com/prefix | ferry plan \-c \-
.TP
A manifest list from two images, then one entry annotated and a platform dropped:
ferry manifest create mirror.example.com/app:1.0 mirror.example.com/app:1.0\-amd64 mirror.example.com/app:1.0\-arm64
.br
ferry manifest annotate mirror.example.com/app:1.0 linux/arm64 \-\-variant v8
.br
ferry manifest rm mirror.example.com/app:1.0 linux/arm64
.TP
Bash completion:
ferry completion bash > /etc/bash_completion.d/ferry
)";

}  // namespace

std::string bash_completion(const CLI::App& root) {
    std::ostringstream subs, flags, values, positionals;
    const auto global = flag_spellings(root);
    const auto add_flags = [&](const CLI::App& app, const std::string& path) {
        auto own = path.empty() ? std::vector<std::string>{} : flag_spellings(app);
        own.insert(own.end(), global.begin(), global.end());
        flags << fmt::format("        \"{}\") flags=\"{}\" ;;\n", path, joined(own));
    };
    walk(root, "", [&](const CLI::App& app, const std::string& path) {
        std::vector<std::string> names;
        for (const auto* s : visible_subcommands(app)) names.push_back(s->get_name());
        for (const auto& two : kTwoWordVerbs)
            if (path == two.parent) names.push_back(two.word);
        if (!names.empty()) subs << fmt::format("        \"{}\") subs=\"{}\" ;;\n", path, joined(names));
        add_flags(app, path);
    });
    for (const auto& two : kTwoWordVerbs)
        if (const auto* verb = subcommand_named(root, two.verb))
            add_flags(*verb, std::string(two.parent) + " " + two.word);
    for (const auto& v : kFlagValues)
        values << fmt::format("        {}) COMPREPLY=($(compgen -W \"{}\" -- \"$cur\")); return ;;\n", v.after, v.words);
    for (const auto& v : kPositionalValues)
        positionals << fmt::format("        \"{}\") COMPREPLY=($(compgen -W \"{}\" -- \"$cur\")); return ;;\n", v.after,
                                   v.words);
    return fmt::format(R"(# bash completion for ferry (generated by `ferry completion bash`)
# Install: ferry completion bash > /etc/bash_completion.d/ferry
_ferry() {{
    local cur="${{COMP_WORDS[COMP_CWORD]}}" prev="${{COMP_WORDS[COMP_CWORD-1]}}"
    local path="" subs flags w i
    _ferry_subs() {{
        subs=""
        case "$1" in
{}        esac
    }}
    for ((i = 1; i < COMP_CWORD; i++)); do
        w="${{COMP_WORDS[i]}}"
        [[ "$w" == -* ]] && continue
        _ferry_subs "$path"
        if [[ " $subs " == *" $w "* ]]; then path="${{path:+$path }}$w"; fi
    done
    case "$prev" in
        -c|--config|--authfile|--ca-file|--key|--report|--state|--metrics-file|--since|--src-authfile|--dest-authfile)
            COMPREPLY=($(compgen -f -- "$cur")); return ;;
{}    esac
    _ferry_subs "$path"
    case "$path" in
{}    esac
    if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "$flags" -- "$cur"))
    elif [[ -n "$subs" ]]; then
        COMPREPLY=($(compgen -W "$subs" -- "$cur"))
    else
        case "$path" in
{}        esac
        COMPREPLY=($(compgen -f -- "$cur"))
    fi
}}
complete -o filenames -F _ferry ferry
)", subs.str(), values.str(), flags.str(), positionals.str());
}

std::string zsh_completion(const CLI::App& root) {
    return "#compdef ferry\n# zsh completion for ferry (generated by `ferry completion zsh`)\n"
           "# Install: ferry completion zsh > \"${fpath[1]}/_ferry\"\n"
           "autoload -U +X bashcompinit && bashcompinit\n" +
           bash_completion(root);
}

std::string man_page(const CLI::App& root, const std::string& version) {
    std::ostringstream out;
    out << ".TH FERRY 1 \"\" \"" << roff(version) << "\" \"User Commands\"\n"
        << ".SH NAME\nferry \\- " << roff(root.get_description().substr(root.get_description().find(':') + 2)) << "\n"
        << ".SH SYNOPSIS\n.B ferry\n[\\fIGLOBAL OPTIONS\\fR] \\fICOMMAND\\fR [\\fIARGS\\fR]\n"
        << ".SH GLOBAL OPTIONS\nThese work anywhere on the command line.\n";
    man_options(out, root);
    out << ".SH COMMANDS\n";
    walk(root, "", [&](const CLI::App& app, const std::string& path) {
        if (path.empty()) return;
        std::string usage = "ferry " + path;
        for (const auto* opt : app.get_options())
            if (!opt->nonpositional()) usage += " " + opt->get_name();
        out << ".SS " << roff(usage) << "\n" << roff(app.get_description()) << "\n";
        man_options(out, app);
        for (const auto& two : kTwoWordVerbs)
            if (path == two.parent)
                if (const auto* verb = subcommand_named(root, two.verb)) {
                    std::string two_usage = "ferry " + path + " " + two.word;
                    for (const auto* opt : verb->get_options())
                        if (!opt->nonpositional()) two_usage += " " + opt->get_name();
                    out << ".SS " << roff(two_usage) << "\n" << roff(verb->get_description()) << "\n";
                    man_options(out, *verb);
                }
    });
    out << ".SH EXIT STATUS\n0 success; 1 failures; 2 usage or plan error; 3 conflicts; 4 invalid input; "
           "5 not found; 6 authentication; 7 network; 8 TLS; 9 integrity; 10 rejected by signature policy; "
           "130 interrupted.\n"
        << kEnvironment << kExamples
        << ".SH SEE ALSO\nskopeo(1), the README of ferry, config.example.yaml.\n";
    return out.str();
}

}  // namespace ferry::cli
