// Each `tessera` subcommand lives in its own cmd_<name>.cc and registers itself here.
#pragma once
#include <CLI/CLI.hpp>
#include <functional>
#include <string>

namespace tessera::cli {

// A subcommand: `setup` adds its options to the CLI11 subcommand and returns the action
// to run when the subcommand is chosen (returning the process exit code).
struct Command {
  std::string name;
  std::string help;
  std::function<std::function<int()>(CLI::App& sub)> setup;
};

// Registers a command at static-initialisation time.
bool Register(Command c);

}  // namespace tessera::cli

#define TESSERA_COMMAND(var, ...) \
  static const bool var = ::tessera::cli::Register(::tessera::cli::Command{__VA_ARGS__})
