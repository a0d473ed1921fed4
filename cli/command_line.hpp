#pragma once
/// What the parser library does not say well, said before and after it parses: unknown
/// commands and flags with "did you mean", `ferry help [VERB…]`, and usage errors that name
/// the verb and how to get its help.
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "core/error.hpp"

namespace ferry::cli {

/// Walks the arguments as the parser will (flags of the verbs chosen so far, their values,
/// subcommand names) and returns them ready to parse: `help VERB…` becomes `VERB… --help`.
/// Errors (ErrorKind::Config, exit 2): an unknown command at any level ("unknown command
/// 'inpsect' (did you mean 'inspect'?)"), a flag unknown before any verb.
core::Result<std::vector<std::string>> prepare_arguments(const CLI::App& app, std::vector<std::string> args);

/// One usage error, as the user reads it: "ferry copy: unknown flag '--platfrom' (did you
/// mean '--platform'?)", then how to get help. `app` is the root, after the failed parse.
std::string describe_parse_error(const CLI::App& app, const CLI::ParseError& error);

/// The full command path of the deepest verb the parser chose ("manifest create"; "" if none).
std::string chosen_verb_path(const CLI::App& app);

}  // namespace ferry::cli
