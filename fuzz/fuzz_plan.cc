// libFuzzer target: .tflite bytes -> reader; if the model is accepted and small (operator,
// tensor, activation-byte and MAC limits below), then
//   - the layer-by-layer greedy plan must pass the checker and run in the executor;
//   - every MakePlan strategy (input in the arena and streamed) must pass the checker and give
//     exactly the layer-by-layer output bytes;
//   - for the first and last valid split point, a 2x2 (or smaller) patch grid with each
//     placement must do the same.
// A checker rejection or a byte difference is reported as a finding (abort). tessera::Error
// from the planners or the executor on an accepted model is allowed only where a model can
// legitimately be unplannable (e.g. a requantization multiplier out of range): it ends the
// input quietly.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "analysis/macs.h"
#include "checker/checker.h"
#include "exec/executor.h"
#include "fuzz_common.h"
#include "memory/greedy.h"
#include "plan/strategy.h"
#include "schedule/patch.h"
#include "schedule/patch_plan.h"
#include "tflite/reader.h"

using namespace tessera;

namespace {

constexpr int kMaxOps = 48;
constexpr int kMaxTensors = 256;
constexpr int64_t kMaxActivationBytes = 512 * 1024;  // sum over activation tensors
constexpr int64_t kMaxMacs = 4'000'000;

bool Small(const Graph& g) {
  if (static_cast<int>(g.ops.size()) > kMaxOps || static_cast<int>(g.tensors.size()) > kMaxTensors) return false;
  int64_t act = 0;
  for (int t = 0; t < static_cast<int>(g.tensors.size()); ++t)
    if (g.is_activation(t)) act += g.tensors[t].num_bytes();
  if (act > kMaxActivationBytes) return false;
  return GraphMacs(g) <= kMaxMacs;
}

void Expect(const Graph& g, const Plan& plan, const std::vector<std::vector<uint8_t>>& inputs,
            const std::vector<std::vector<uint8_t>>& want, const std::string& what) {
  const CheckResult cr = CheckPlan(g, plan);
  if (!cr.ok) fuzz::Finding(what + ": the checker rejects the plan: " + cr.message);
  std::vector<std::vector<uint8_t>> got;
  try {
    got = RunPlan(g, plan, inputs);
  } catch (const Error& e) {
    fuzz::Finding(what + ": the executor refuses a plan the checker accepts: " + e.what());
  }
  if (got != want) fuzz::Finding(what + ": output bytes differ from the layer-by-layer plan");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Graph g;
  try {
    g = ReadTfliteBytes(data, size, "fuzz.tflite");
    if (!Small(g)) return 0;
  } catch (const Error&) {
    return 0;
  }
  const auto inputs = fuzz::FuzzInputs(g, fuzz::HashBytes(data, size));
  Plan base;
  std::vector<std::vector<uint8_t>> want;
  try {
    base = PlanLayerByLayer(g);
  } catch (const Error& e) {
    fuzz::Finding(std::string("PlanLayerByLayer throws on an accepted model: ") + e.what());
  }
  {
    const CheckResult cr = CheckPlan(g, base);
    if (!cr.ok) fuzz::Finding("the checker rejects the layer-by-layer plan: " + cr.message);
  }
  try {
    want = RunPlan(g, base, inputs);
  } catch (const Error&) {
    return 0;  // e.g. an operator whose quantization PrepareOp refuses
  }
  for (const std::string& name : StrategyNames()) {
    for (bool in_arena : {true, false}) {
      PlanOptions o = PlanOptions::FromStrategy(name);
      o.input_in_arena = in_arena;
      o.node_limit = 20000;  // keep each input fast
      o.restarts = 4;
      Plan plan;
      try {
        plan = MakePlan(g, o);
      } catch (const Error& e) {
        fuzz::Finding("MakePlan(" + name + ") throws on a plannable model: " + e.what());
      }
      Expect(g, plan, inputs, want, "strategy " + name + (in_arena ? "" : " (input streamed)"));
    }
  }
  std::vector<SplitPoint> splits;
  try {
    splits = ValidSplits(g);
  } catch (const Error& e) {
    fuzz::Finding(std::string("ValidSplits throws on a plannable model: ") + e.what());
  }
  if (splits.empty()) return 0;
  for (const SplitPoint* sp : {&splits.front(), &splits.back()}) {
    for (int placement = 0; placement < 3; ++placement) {
      PatchPlanOptions o;
      o.patch.split_op = sp->last_op;
      o.patch.rows = std::min<int32_t>(2, sp->min_cut_h);
      o.patch.cols = std::min<int32_t>(2, sp->min_cut_w);
      o.patch.fold_pads = placement == 2;
      o.placement = static_cast<PatchPlacement>(placement);
      const std::string what = "patch split after op " + std::to_string(sp->last_op) + " placement " +
                               std::to_string(placement);
      Plan plan;
      try {
        plan = PlanPatches(g, o);
      } catch (const Error& e) {
        fuzz::Finding(what + ": PlanPatches throws for a split ValidSplits offers: " + e.what());
      }
      Expect(g, plan, inputs, want, what);
    }
  }
  return 0;
}
