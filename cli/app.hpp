#pragma once
/// The command line: global flags, one subcommand per verb (each in its own cmd_*.cpp),
/// error reporting (one line, redacted) and exit codes (cli/exit_codes.hpp).
namespace ferry::cli {

/// Parses argv, runs the chosen verb, returns the process exit code.
int run(int argc, char** argv);

}  // namespace ferry::cli
