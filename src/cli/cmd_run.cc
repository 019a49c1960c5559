// tessera run MODEL.tflite [--input FILE] [--output FILE] [--seed N] [--plan PLAN.json [--no-check]]
// Runs the model on the host executor: its layer-by-layer greedy plan (TFLM's arena layout),
// or a plan file (checked by the plan checker first unless --no-check).
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
#include "memory/greedy.h"
#include "plan/plan_json.h"
#include "tflite/reader.h"

namespace tessera::cli {
namespace {

std::vector<uint8_t> ReadBytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw Error("cannot open input file '" + path + "'");
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), {});
}

// Deterministic pseudo-random bytes for a tensor: int8/uint8 one uniform byte per element,
// float32 uniform in [-1, 1) per element (std::mt19937 is specified bit for bit).
std::vector<uint8_t> PseudoRandomInput(const Tensor& t, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> r(static_cast<size_t>(t.num_bytes()));
  if (t.type == DType::kFloat32) {
    for (size_t i = 0; i + 4 <= r.size(); i += 4) {
      const float v = static_cast<float>(static_cast<double>(rng()) / 4294967296.0 * 2.0 - 1.0);
      std::memcpy(&r[i], &v, 4);
    }
  } else {
    for (auto& b : r) b = static_cast<uint8_t>(rng() >> 24);
  }
  return r;
}

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

int Run(const std::string& model, const std::string& input, const std::string& output, uint32_t seed,
        const std::string& plan_path, bool check) {
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
  if (!input.empty()) {
    const auto bytes = ReadBytes(input);
    int64_t total = 0;
    for (int t : g.inputs) total += g.tensors[t].num_bytes();
    if (static_cast<int64_t>(bytes.size()) != total)
      throw Error("input file '" + input + "' has " + std::to_string(bytes.size()) + " bytes, model '" + g.name +
                  "' expects " + std::to_string(total) + " (its input tensors, in order, raw)");
    int64_t at = 0;
    for (int i = 0; i < ex.num_inputs(); ++i) {
      const int64_t n = g.tensors[g.inputs[i]].num_bytes();
      ex.SetInput(i, bytes.data() + at, static_cast<size_t>(n));
      at += n;
    }
    std::printf("input: %s (%zu bytes)\n", input.c_str(), bytes.size());
  } else {
    for (int i = 0; i < ex.num_inputs(); ++i) ex.SetInput(i, PseudoRandomInput(g.tensors[g.inputs[i]], seed + i));
    std::printf("input: pseudo-random, seed %u\n", seed);
  }
  ex.Invoke();

  std::string why;
  const int64_t tflm = TflmNonPersistentArena(g.name, &why);
  if (plan_path.empty())
    std::printf("plan: layer-by-layer, greedy arena %lld bytes", static_cast<long long>(plan.arena_bytes));
  else
    std::printf("plan: %s (%s%s), arena %lld bytes%s", plan_path.c_str(), plan.strategy.c_str(),
                check ? ", checked" : ", not checked", static_cast<long long>(plan.arena_bytes),
                plan.accounting.input_in_arena ? "" : " + streamed input");
  if (tflm >= 0)
    std::printf(" (TFLM non-persistent arena %lld bytes%s)\n", static_cast<long long>(tflm),
                tflm == plan.arena_bytes ? ", equal" : "");
  else
    std::printf(" (%s)\n", why.c_str());

  std::vector<uint8_t> all;
  for (int i = 0; i < ex.num_outputs(); ++i) {
    const auto out = ex.Output(i);
    const Tensor& t = g.tensors[g.outputs[i]];
    std::printf("output %d: '%s' %s, %zu bytes\n", i, t.name.c_str(), DTypeName(t.type), out.size());
    PrintTop5(g, i, out);
    all.insert(all.end(), out.begin(), out.end());
  }
  if (!output.empty()) {
    std::ofstream f(output, std::ios::binary);
    if (!f) throw Error("cannot write output file '" + output + "'");
    f.write(reinterpret_cast<const char*>(all.data()), static_cast<std::streamsize>(all.size()));
    if (!f) throw Error("cannot write output file '" + output + "'");
    std::printf("wrote %zu output bytes to %s\n", all.size(), output.c_str());
  }
  return 0;
}

struct RunOptions {
  std::string model, input, output, plan;
  uint32_t seed = 1234;
  bool no_check = false;
};

TESSERA_COMMAND(kRunCommand, "run", "run a model on the host (layer-by-layer plan, TFLM-exact kernels)",
                [](CLI::App& sub) -> std::function<int()> {
                  auto o = std::make_shared<RunOptions>();
                  sub.add_option("model", o->model, "model .tflite file")->required();
                  sub.add_option("--input", o->input, "raw input bytes (model input layout; all inputs, in order)");
                  sub.add_option("--output", o->output, "write the raw output bytes here (all outputs, in order)");
                  sub.add_option("--seed", o->seed, "seed of the pseudo-random input used without --input")
                      ->default_val(1234);
                  sub.add_option("--plan", o->plan,
                                 "run this plan (JSON, see `tessera plan`) instead of the layer-by-layer one; "
                                 "the checker proves it safe first (exit 1 when it does not)");
                  sub.add_flag("--no-check", o->no_check, "run a --plan without checking it first");
                  return [o] { return Run(o->model, o->input, o->output, o->seed, o->plan, !o->no_check); };
                });

}  // namespace
}  // namespace tessera::cli
