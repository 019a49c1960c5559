#include "cli/options.h"

#include <cstdio>

#include "ir/graph.h"
#include "memory/greedy.h"
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

void PlanChoice::AddOptions(CLI::App& sub) {
  sub.add_option("--plan", plan, "use this plan (JSON, see `tessera plan -o`) instead of the layer-by-layer one");
  sub.add_option("--strategy", strategy,
                 "plan with this strategy (see `tessera plan`); default: greedy layer-by-layer");
  sub.add_option("--sram", sram,
                 "search the plan with the fewest MACs whose arena fits this budget (e.g. 65536, 64KiB); "
                 "exit 1 when none does");
  sub.add_flag("--stream-input", stream_input,
               "with --sram: the model input lives outside the arena (model_input() points to a separate "
               "buffer)");
}

std::optional<Plan> PlanChoice::Make(const Graph& g) const {
  if (!plan.empty() + !strategy.empty() + !sram.empty() > 1)
    throw Error("--plan, --strategy and --sram are exclusive");
  if (stream_input && sram.empty()) throw Error("--stream-input goes with --sram");
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
