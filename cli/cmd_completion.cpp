// ferry completion bash|zsh     ferry man
#include <iostream>

#include "cli/help_formats.hpp"
#include "cli/runtime.hpp"

namespace ferry::cli {

void add_completion_verb(CLI::App& app, Runtime&, VerbBody& body) {
    auto shell = std::make_shared<std::string>();
    auto* verb = app.add_subcommand("completion", "print a shell completion script (bash or zsh)");
    verb->add_option("shell", *shell, "bash or zsh")->required()->check(CLI::IsMember({"bash", "zsh"}));
    verb->callback([&app, &body, shell] {
        body = [&app, shell] {
            std::cout << (*shell == "bash" ? bash_completion(app) : zsh_completion(app));
            return ExitCode::Ok;
        };
    });
    auto* man = app.add_subcommand("man", "print the man page ferry(1) in roff (man -l <(ferry man))");
    man->callback([&app, &body] {
        body = [&app] {
            std::cout << man_page(app, version_line());
            return ExitCode::Ok;
        };
    });
}

}  // namespace ferry::cli
