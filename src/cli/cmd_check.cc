// tessera check MODEL PLAN.json
// Proves a plan file safe for a model with the independent plan checker (src/checker).
// Exit 0: the plan is safe; 1: the checker rejects it (the first failure is printed);
// 2: bad input (unreadable model or plan file, malformed JSON, indices out of range).
// MODEL may also be `zoo:NAME` for a built-in model.
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "checker/checker.h"
#include "cli/command.h"
#include "plan/plan_json.h"
#include "report/report.h"
#include "tflite/reader.h"
#include "zoo/zoo.h"

namespace tessera::cli {
namespace {

Graph LoadCheckedModel(const std::string& spec) {
  if (spec.rfind("zoo:", 0) == 0) return BuildZooModel(spec.substr(4));
  return ReadTflite(spec);
}

struct CheckArgs {
  std::string model, plan;
};

int RunCheck(const CheckArgs& a) {
  const Graph g = LoadCheckedModel(a.model);
  const Plan p = ReadPlanJson(a.plan, g);
  const auto t0 = std::chrono::steady_clock::now();
  const CheckResult r = CheckPlan(g, p);
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  if (!r.ok) {
    std::printf("REJECTED (%s): %s\n", CheckFailureName(r.failure), r.message.c_str());
    return 1;
  }
  std::printf("OK: %s, strategy %s: %zu steps, %zu buffers, arena %lld B (%s, model input %s); %lld bytes "
              "checked in %.1f ms\n",
              g.name.c_str(), p.strategy.c_str(), p.steps.size(), p.buffers.size(),
              static_cast<long long>(p.arena_bytes), FormatKiB(p.arena_bytes).c_str(),
              p.accounting.input_in_arena ? "counted" : "streamed, not counted",
              static_cast<long long>(r.bytes_checked), ms);
  return 0;
}

TESSERA_COMMAND(kCheckCommand, "check", "prove a plan file safe for a model (exit 1 if the checker rejects it)",
                [](CLI::App& sub) -> std::function<int()> {
                  auto a = std::make_shared<CheckArgs>();
                  sub.add_option("model", a->model, "model .tflite file, or zoo:NAME")->required();
                  sub.add_option("plan", a->plan, "plan JSON file (tessera plan -o)")->required();
                  return [a] { return RunCheck(*a); };
                });

}  // namespace
}  // namespace tessera::cli
