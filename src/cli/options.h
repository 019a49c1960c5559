// Option parsing shared by the subcommands.
#pragma once
#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "plan/plan.h"

namespace tessera::cli {
// A byte count such as 131072, 131072B, 128KiB (= 128 * 1024), 60KB (= 60 * 1000), 1MiB or 1MB.
// Throws Error naming `option` on anything else.
int64_t ParseByteCount(const std::string& text, const std::string& option);

// Memory regions: NAME:SIZE[:fast],... (SIZE as ParseByteCount; e.g. DTCM:64KiB:fast,SRAM1:240KiB).
// Throws Error naming `option` on bad syntax, a repeated or non-identifier name, or a size of 0.
std::vector<MemoryRegion> ParseMemoryRegions(const std::string& text, const std::string& option);

// The plan a command generates code for: --plan FILE, --strategy NAME or --sram BYTES
// [--stream-input] (at most one of the three); none: layer by layer, TFLM's greedy arena.
struct PlanChoice {
  std::string plan, strategy, sram;
  std::string memory;  // --memory NAME:SIZE[:fast],...: the plan distributed over these regions
  bool stream_input = false;
  // Adds the four options to a subcommand.
  void AddOptions(CLI::App& sub);
  // The chosen plan; std::nullopt (after printing why to stderr) when no plan fits --sram.
  // Throws Error on contradictory options or a bad plan file.
  std::optional<Plan> Make(const Graph& g) const;
};
}  // namespace tessera::cli
