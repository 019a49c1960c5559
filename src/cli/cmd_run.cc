// tessera run MODEL.tflite [--input FILE]... [--output FILE]... [--dequantize] [--seed N]
//             [--plan PLAN.json [--no-check]] [--invokes N]
// Runs the model on the host executor: its layer-by-layer greedy plan (TFLM's arena layout),
// or a plan file (checked by the plan checker first unless --no-check). --invokes N runs N
// invokes in a row on the same inputs (state, e.g. SVDF's, carried over) and writes the last
// invoke's outputs.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "checker/checker.h"
#include "cli/command.h"
#include "cli/tflm_figures.h"
#include "exec/executor.h"
#include "io/tensor_files.h"
#include "memory/greedy.h"
#include "plan/plan_json.h"
#include "tflite/reader.h"

namespace tessera::cli {
namespace {

void PrintTop5(const Graph& g, int out_index, const std::vector<uint8_t>& bytes) {
  const Tensor& t = g.tensors[g.outputs[out_index]];
  if (t.shape.size() != 2 || t.shape[0] != 1) return;
  const int n = t.shape[1];
  std::vector<std::pair<double, int>> scores;
  for (int i = 0; i < n; ++i) {
    double v;
    if (t.type == DType::kInt8) {
      const int q = static_cast<int8_t>(bytes[i]);
      v = t.quant.empty() ? q : t.quant.scale[0] * (q - static_cast<double>(t.quant.zero_point[0]));
    } else if (t.type == DType::kFloat32) {
      float f;
      std::memcpy(&f, &bytes[4 * i], 4);
      v = f;
    } else {
      return;
    }
    scores.emplace_back(v, i);
  }
  std::stable_sort(scores.begin(), scores.end(), [](auto& a, auto& b) { return a.first > b.first; });
  std::printf("top-%d classes of output %d:\n", std::min(5, n), out_index);
  for (int k = 0; k < std::min(5, n); ++k) std::printf("  class %4d  score %.6g\n", scores[k].second, scores[k].first);
}

int Run(const std::string& model, const std::vector<std::string>& inputs, const std::vector<std::string>& outputs,
        uint32_t seed, const std::string& plan_path, bool check, bool dequantize, int invokes) {
  if (invokes < 1) throw Error("--invokes must be at least 1, not " + std::to_string(invokes));
  const Graph g = ReadTflite(model);
  const Plan plan = plan_path.empty() ? PlanLayerByLayer(g) : ReadPlanJson(plan_path, g);
  if (!plan_path.empty() && check) {
    const CheckResult r = CheckPlan(g, plan);
    if (!r.ok) {
      std::fprintf(stderr, "tessera: plan %s rejected by the checker (%s): %s\n", plan_path.c_str(),
                   CheckFailureName(r.failure), r.message.c_str());
      return 1;
    }
  }
  Executor ex(g, plan);
  std::vector<std::vector<uint8_t>> in_bytes;
  if (!inputs.empty()) {
    in_bytes = ReadModelInputs(g, inputs);
    for (int i = 0; i < ex.num_inputs(); ++i)
      std::printf("input %d: %s (%zu bytes)\n", i, inputs[std::min<size_t>(i, inputs.size() - 1)].c_str(),
                  in_bytes[i].size());
  } else {
    for (int i = 0; i < ex.num_inputs(); ++i) in_bytes.push_back(PseudoRandomInput(g.tensors[g.inputs[i]], seed + i));
    std::printf("input: pseudo-random, seed %u\n", seed);
  }
  for (int k = 0; k < invokes; ++k) {
    for (int i = 0; i < ex.num_inputs(); ++i) ex.SetInput(i, in_bytes[i]);
    ex.Invoke();
  }
  if (invokes > 1) std::printf("invokes: %d (outputs of the last)\n", invokes);

  std::string why;
  const int64_t tflm = TflmNonPersistentArena(g.name, &why);
  if (plan_path.empty())
    std::printf("plan: layer-by-layer, greedy arena %lld bytes", static_cast<long long>(plan.arena_bytes));
  else
    std::printf("plan: %s (%s%s), arena %lld bytes%s", plan_path.c_str(), plan.strategy.c_str(),
                check ? ", checked" : ", not checked", static_cast<long long>(plan.arena_bytes),
                plan.accounting.input_in_arena ? "" : " + streamed input");
  if (plan.state_bytes > 0)
    std::printf(" + state %lld bytes = %lld bytes", static_cast<long long>(plan.state_bytes),
                static_cast<long long>(plan.arena_bytes + plan.state_bytes));
  if (tflm >= 0)
    std::printf(" (TFLM non-persistent arena %lld bytes%s)\n", static_cast<long long>(tflm),
                tflm == plan.arena_bytes ? ", equal" : "");
  else
    std::printf(" (%s)\n", why.c_str());

  std::vector<std::vector<uint8_t>> results;
  for (int i = 0; i < ex.num_outputs(); ++i) {
    results.push_back(ex.Output(i));
    const Tensor& t = g.tensors[g.outputs[i]];
    std::printf("output %d: '%s' %s, %zu bytes\n", i, t.name.c_str(), DTypeName(t.type), results[i].size());
    PrintTop5(g, i, results[i]);
  }
  if (dequantize && outputs.empty()) throw Error("--dequantize goes with --output FILE.npy");
  if (!outputs.empty()) {
    WriteModelOutputs(g, results, outputs, dequantize);
    for (const auto& f : outputs) std::printf("wrote %s\n", f.c_str());
  }
  return 0;
}

struct RunOptions {
  std::string model, plan;
  std::vector<std::string> inputs, outputs;
  uint32_t seed = 1234;
  bool no_check = false, dequantize = false;
  int invokes = 1;
};

TESSERA_COMMAND(kRunCommand, "run", "run a model on the host (layer-by-layer plan, TFLM-exact kernels)",
                [](CLI::App& sub) -> std::function<int()> {
                  auto o = std::make_shared<RunOptions>();
                  sub.add_option("model", o->model, "model .tflite file")->required();
                  sub.add_option("--input", o->inputs,
                                 "an input file per model input, in order: .npy (the input's dtype, or float32 "
                                 "quantized with its scale and zero point) or raw bytes; or one raw file with "
                                 "every input's bytes")
                      ->allow_extra_args(false);
                  sub.add_option("--output", o->outputs,
                                 "a file per model output, in order: FILE.npy or raw bytes; or one raw file "
                                 "receiving every output's bytes")
                      ->allow_extra_args(false);
                  sub.add_flag("--dequantize", o->dequantize,
                               "write .npy outputs as float32 through each output's scale and zero point");
                  sub.add_option("--seed", o->seed, "seed of the pseudo-random input used without --input")
                      ->default_val(1234);
                  sub.add_option("--plan", o->plan,
                                 "run this plan (JSON, see `tessera plan`) instead of the layer-by-layer one; "
                                 "the checker proves it safe first (exit 1 when it does not)");
                  sub.add_flag("--no-check", o->no_check, "run a --plan without checking it first");
                  sub.add_option("--invokes", o->invokes,
                                 "invokes in a row on the same inputs, state carried over (SVDF, LSTM); the "
                                 "outputs written are the last invoke's")
                      ->default_val(1);
                  return [o] {
                    return Run(o->model, o->inputs, o->outputs, o->seed, o->plan, !o->no_check, o->dequantize,
                               o->invokes);
                  };
                });

}  // namespace
}  // namespace tessera::cli
