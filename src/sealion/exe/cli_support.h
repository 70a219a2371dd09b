#pragma once
// Shared CLI11 handling for the subcommands.

#include <CLI/CLI.hpp>

namespace sealion {

// Parses argv into `app`. Returns -1 when the command should go on, or the exit code to return
// at once (0 after --help, non-zero for a bad flag, with CLI11's message printed).
inline int ParseCommandLine(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error);
  }
  return -1;
}

}  // namespace sealion
