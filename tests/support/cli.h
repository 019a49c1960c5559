// Runs the tessera command line in tests: exit code and captured stdout+stderr.
#pragma once
#include <string>

namespace tessera::test {
struct CliResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr, interleaved
};
// Runs `tessera <args>` (args are passed to /bin/sh: quote as needed).
CliResult RunCli(const std::string& args);
}  // namespace tessera::test
