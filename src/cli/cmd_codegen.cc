// tessera codegen MODEL.tflite -o DIR [--sram BYTES [--stream-input] | --strategy NAME | --plan PLAN.json]
//                 [--prefix NAME] [--profile] [--fast-weights REGION[:BYTES]]
// Writes C for Cortex-M: DIR/model.h, DIR/model.c and the kernel library (DIR/tessera/).
#include <cstdio>
#include <memory>
#include <string>

#include "cli/command.h"
#include "cli/options.h"
#include "checker/checker.h"
#include "codegen/codegen.h"
#include "memory/regions.h"
#include "tflite/reader.h"

namespace tessera::cli {
namespace {

struct CodegenArgs {
  std::string model, out, prefix = "model";
  PlanChoice plan_choice;
  bool no_kernels = false, profile = false;
  std::string fast_weights;  // REGION[:BYTES]: copy the hottest filters into that memory region
};

int RunCodegen(const CodegenArgs& a) {
  const Graph g = ReadTflite(a.model);
  const std::optional<Plan> chosen = a.plan_choice.Make(g);
  if (!chosen) return 1;
  Plan plan = *chosen;
  if (!a.fast_weights.empty()) {
    const size_t colon = a.fast_weights.find(':');
    const std::string region = a.fast_weights.substr(0, colon);
    const int64_t max_bytes =
        colon == std::string::npos ? -1 : ParseByteCount(a.fast_weights.substr(colon + 1), "--fast-weights");
    const PinnedWeightsResult pr = PinHotWeights(g, plan, region, max_bytes);
    CheckPlanOrThrow(g, plan);
    std::printf("fast weights: %zu filter(s), %lld bytes in region '%s' (%lld bytes were free), %.1f%% of the "
                "estimated filter reads; checked\n",
                plan.pinned_weights.size(), static_cast<long long>(pr.bytes), region.c_str(),
                static_cast<long long>(pr.room),
                100.0 * pr.read_bytes / std::max<int64_t>(1, pr.all_read_bytes));
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
                  a->plan_choice.AddOptions(sub);
                  sub.add_option("--prefix", a->prefix, "prefix of the generated symbols and files")
                      ->default_val("model");
                  sub.add_flag("--no-kernels", a->no_kernels, "do not copy the kernel library");
                  sub.add_flag("--profile", a->profile,
                               "count instructions per step (PREFIX_PROFILE_CLOCK(), default the firmware "
                               "harness's SysTick counter) and add PREFIX_profile_report() to print them");
                  sub.add_option("--fast-weights", a->fast_weights,
                                 "REGION[:BYTES]: copy the most read filters into memory region REGION (of a "
                                 "--memory plan) beyond its arena, up to BYTES (default: the room it has), at "
                                 "PREFIX_init()");
                  return [a] { return RunCodegen(*a); };
                });

}  // namespace
}  // namespace tessera::cli
