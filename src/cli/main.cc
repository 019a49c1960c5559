// tessera: plans int8 neural networks into microcontroller SRAM.
// Exit codes: 0 success, 1 a check failed (e.g. a plan the checker rejects, a budget that
// cannot be met), 2 bad input (malformed model, unsupported operator, bad option).
#include <algorithm>
#include <cstdio>
#include <exception>
#include <memory>
#include <vector>

#include "cli/command.h"
#include "ir/graph.h"
#include "tessera_version.h"  // generated at build time (cmake/version.cmake)

namespace tessera::cli {
static std::vector<Command>& Registry() {
  static std::vector<Command> r;
  return r;
}
bool Register(Command c) {
  Registry().push_back(std::move(c));
  return true;
}
}  // namespace tessera::cli

int main(int argc, char** argv) {
  using namespace tessera::cli;
  CLI::App app{"tessera: fit int8 neural networks into microcontroller SRAM"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("tessera ") + TESSERA_VERSION,
                       "print the version (git describe of the source tree at build time) and exit");
  std::vector<std::pair<CLI::App*, std::function<int()>>> actions;
  auto& reg = Registry();
  std::sort(reg.begin(), reg.end(), [](const Command& a, const Command& b) { return a.name < b.name; });
  for (auto& c : reg) {
    CLI::App* sub = app.add_subcommand(c.name, c.help);
    actions.emplace_back(sub, c.setup(*sub));
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  try {
    for (auto& [sub, action] : actions)
      if (sub->parsed()) return action();
  } catch (const tessera::Error& e) {
    std::fprintf(stderr, "tessera: error: %s\n", e.what());
    return 2;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "tessera: error: out of memory\n");
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tessera: internal error: %s\n", e.what());
    return 3;
  }
  return 0;
}
