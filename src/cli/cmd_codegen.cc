// tessera codegen MODEL.tflite -o DIR [--sram BYTES [--stream-input] | --strategy NAME | --plan PLAN.json]
//                 [--prefix NAME] [--profile]
// Writes C for Cortex-M: DIR/model.h, DIR/model.c and the kernel library (DIR/tessera/).
#include <cstdio>
#include <memory>
#include <string>

#include "cli/command.h"
#include "cli/options.h"
#include "codegen/codegen.h"
#include "memory/greedy.h"
#include "plan/strategy.h"
#include "search/search.h"
#include "tflite/reader.h"
#if __has_include("plan/plan_json.h")
#include "plan/plan_json.h"
#define TESSERA_HAVE_PLAN_JSON 1
#endif

namespace tessera::cli {
namespace {

struct CodegenArgs {
  std::string model, out, plan, strategy, sram, prefix = "model";
  bool no_kernels = false, stream_input = false, profile = false;
};

int RunCodegen(const CodegenArgs& a) {
  const Graph g = ReadTflite(a.model);
  Plan plan;
  if (!a.plan.empty() + !a.strategy.empty() + !a.sram.empty() > 1)
    throw Error("--plan, --strategy and --sram are exclusive");
  if (a.stream_input && a.sram.empty()) throw Error("--stream-input goes with --sram");
  if (!a.sram.empty()) {
    // The plan with the fewest MACs whose arena fits the budget (tessera plan --sram).
    SearchOptions so;
    so.sram_budget = ParseByteCount(a.sram, "--sram");
    so.input_in_arena = !a.stream_input;
    SearchResult r = SearchPlans(g, so);
    if (!r.feasible) {
      std::fprintf(stderr, "tessera: %s\n", r.explanation.c_str());
      return 1;
    }
    plan = std::move(r.plan);
  } else if (!a.plan.empty()) {
#ifdef TESSERA_HAVE_PLAN_JSON
    plan = ReadPlanJson(a.plan, g);
#else
    throw Error("--plan: reading plan files is not available in this build");
#endif
  } else if (!a.strategy.empty() && a.strategy != "greedy") {
    plan = MakePlan(g, PlanOptions::FromStrategy(a.strategy));
  } else {
    plan = PlanLayerByLayer(g);
  }
  CodegenOptions o;
  o.prefix = a.prefix;
  o.copy_kernels = !a.no_kernels;
  o.profile = a.profile;
  const auto files = GenerateC(g, plan, a.out, o);
  std::printf("model '%s', plan '%s': %zu steps, arena %lld bytes\n", g.name.c_str(), plan.strategy.c_str(),
              plan.steps.size(), static_cast<long long>(plan.arena_bytes));
  std::printf("wrote %zu files to %s (%s.h, %s.c%s)\n", files.size(), a.out.c_str(), a.prefix.c_str(),
              a.prefix.c_str(), a.no_kernels ? "" : ", tessera/ kernel library");
  if (a.profile)
    std::printf("profiling on: call %s_profile_report(put) after %s_invoke() for instructions per step\n",
                a.prefix.c_str(), a.prefix.c_str());
  return 0;
}

TESSERA_COMMAND(kCodegenCommand, "codegen", "generate C for Cortex-M (static arena, const weights)",
                [](CLI::App& sub) -> std::function<int()> {
                  auto a = std::make_shared<CodegenArgs>();
                  sub.add_option("model", a->model, "model .tflite file")->required();
                  sub.add_option("-o,--out", a->out, "output directory")->required();
                  sub.add_option("--plan", a->plan, "generate this plan (JSON) instead of the layer-by-layer one");
                  sub.add_option("--strategy", a->strategy,
                                 "plan with this strategy (see `tessera plan`); default: greedy layer-by-layer");
                  sub.add_option("--sram", a->sram,
                                 "search the plan with the fewest MACs whose arena fits this budget "
                                 "(e.g. 65536, 64KiB); exit 1 when none does");
                  sub.add_flag("--stream-input", a->stream_input,
                               "with --sram: the model input lives outside the arena (model_input() points to a "
                               "separate buffer)");
                  sub.add_option("--prefix", a->prefix, "prefix of the generated symbols and files")
                      ->default_val("model");
                  sub.add_flag("--no-kernels", a->no_kernels, "do not copy the kernel library");
                  sub.add_flag("--profile", a->profile,
                               "count instructions per step (PREFIX_PROFILE_CLOCK(), default the firmware "
                               "harness's SysTick counter) and add PREFIX_profile_report() to print them");
                  return [a] { return RunCodegen(*a); };
                });

}  // namespace
}  // namespace tessera::cli
