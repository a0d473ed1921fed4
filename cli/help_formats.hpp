#pragma once
/// The command line, described from the parser's own tree (so it never drifts from it): shell
/// completion scripts for bash and zsh, and a man page in roff.
#include <string>

#include <CLI/CLI.hpp>

namespace ferry::cli {

/// A bash completion script: verbs and sub-verbs, each verb's flags and the global ones,
/// file names for positionals and flag values.
std::string bash_completion(const CLI::App& root);

/// The same for zsh (through zsh's bashcompinit).
std::string zsh_completion(const CLI::App& root);

/// ferry(1) in roff: synopsis, global options, then every verb with its usage and flags.
std::string man_page(const CLI::App& root, const std::string& version);

}  // namespace ferry::cli
