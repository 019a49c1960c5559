#include "cli/options.h"

#include <cstdio>

#include "ir/graph.h"
#include "memory/greedy.h"
#include "memory/regions.h"
#include "plan/plan_json.h"
#include "plan/strategy.h"
#include "search/search.h"

namespace tessera::cli {
int64_t ParseByteCount(const std::string& text, const std::string& option) {
  size_t i = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
  const std::string num = text.substr(0, i), unit = text.substr(i);
  int64_t mult = 0;
  if (unit.empty() || unit == "B") mult = 1;
  else if (unit == "K" || unit == "k" || unit == "KiB" || unit == "kiB") mult = 1024;
  else if (unit == "KB" || unit == "kB") mult = 1000;
  else if (unit == "M" || unit == "MiB") mult = 1 << 20;
  else if (unit == "MB") mult = 1000000;
  if (num.empty() || num.size() > 12 || mult == 0)
    throw Error(option + " '" + text + "': expected a byte count such as 131072, 128KiB or 60KB");
  return std::stoll(num) * mult;
}

std::vector<MemoryRegion> ParseMemoryRegions(const std::string& text, const std::string& option) {
  std::vector<MemoryRegion> regions;
  size_t start = 0;
  while (true) {
    const size_t comma = text.find(',', start);
    const std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    std::vector<std::string> parts;
    size_t p0 = 0;
    while (true) {
      const size_t colon = item.find(':', p0);
      parts.push_back(item.substr(p0, colon == std::string::npos ? std::string::npos : colon - p0));
      if (colon == std::string::npos) break;
      p0 = colon + 1;
    }
    if (parts.size() < 2 || parts.size() > 3 || parts[0].empty() || parts[1].empty())
      throw Error(option + " '" + item + "': expected NAME:SIZE or NAME:SIZE:fast (e.g. DTCM:64KiB:fast,SRAM1:240KiB)");
    MemoryRegion m;
    m.name = parts[0];
    m.bytes = ParseByteCount(parts[1], option + " region '" + m.name + "' size");
    if (parts.size() == 3) {
      if (parts[2] != "fast" && parts[2] != "slow")
        throw Error(option + " '" + item + "': the third field is 'fast' or 'slow', not '" + parts[2] + "'");
      m.fast = parts[2] == "fast";
    }
    if (m.bytes == 0) throw Error(option + " region '" + m.name + "': size 0");
    regions.push_back(m);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  ValidateRegions(regions);
  return regions;
}

void PlanChoice::AddOptions(CLI::App& sub) {
  sub.add_option("--plan", plan, "use this plan (JSON, see `tessera plan -o`) instead of the layer-by-layer one");
  sub.add_option("--strategy", strategy,
                 "plan with this strategy (see `tessera plan`); default: greedy layer-by-layer");
  sub.add_option("--sram", sram,
                 "search the plan with the fewest MACs whose arena fits this budget (e.g. 65536, 64KiB); "
                 "exit 1 when none does");
  sub.add_option("--memory", memory,
                 "memory regions NAME:SIZE[:fast],... (e.g. DTCM:64KiB:fast,SRAM1:240KiB): the plan distributed over "
                 "them, searched when the layer-by-layer plan does not fit; one arena per region");
  sub.add_flag("--stream-input", stream_input,
               "with --sram: the model input lives outside the arena (model_input() points to a separate "
               "buffer)");
}

std::optional<Plan> PlanChoice::Make(const Graph& g) const {
  if (!plan.empty() + !strategy.empty() + !sram.empty() > 1)
    throw Error("--plan, --strategy and --sram are exclusive");
  if (stream_input && sram.empty() && memory.empty()) throw Error("--stream-input goes with --sram or --memory");
  if (!memory.empty()) {
    if (!sram.empty() || !strategy.empty())
      throw Error("--memory cannot be combined with --sram or --strategy");
    const std::vector<MemoryRegion> regions = ParseMemoryRegions(memory, "--memory");
    if (!plan.empty()) {
      // A plan file distributed over the regions (its own offsets are ignored).
      Plan p = ReadPlanJson(plan, g);
      const RegionPlacement rp = PlaceInRegions(g, p, regions);
      if (!rp.fits) {
        std::fprintf(stderr, "tessera: the plan does not fit the memory regions: %s\n", rp.why.c_str());
        return std::nullopt;
      }
      return p;
    }
    SearchOptions so;
    so.input_in_arena = !stream_input;
    SearchResult r = SearchPlansInRegions(g, so, regions);
    if (!r.feasible) {
      std::fprintf(stderr, "tessera: %s\n", r.explanation.c_str());
      return std::nullopt;
    }
    return std::move(r.plan);
  }
  if (!sram.empty()) {
    // The plan with the fewest MACs whose arena fits the budget (tessera plan --sram).
    SearchOptions so;
    so.sram_budget = ParseByteCount(sram, "--sram");
    so.input_in_arena = !stream_input;
    SearchResult r = SearchPlans(g, so);
    if (!r.feasible) {
      std::fprintf(stderr, "tessera: %s\n", r.explanation.c_str());
      return std::nullopt;
    }
    return std::move(r.plan);
  }
  if (!plan.empty()) return ReadPlanJson(plan, g);
  if (!strategy.empty() && strategy != "greedy") return MakePlan(g, PlanOptions::FromStrategy(strategy));
  return PlanLayerByLayer(g);
}

}  // namespace tessera::cli
