// Benchmark-style report: whole models, tessera's layer-by-layer plan on the host executor
// against TensorFlow Lite 2.9's C library, on 100 random inputs each: every shared model
// (../shared/models) and every zoo model. Prints a table; asserts nothing.
//
// Why this is a report and not a test: TFLite's optimized convolutions requantize with one
// rounding, TFLM's reference kernels (which tessera reproduces bit for bit, see
// tests/test_reference_outputs.cc) with two, and int8 MEAN is computed differently by the two
// interpreters. tests/test_tflite_layers.cc proves, operator by operator on these same models,
// that every single-layer difference is a one-step double-rounding tie (or MEAN's documented
// approximation) and that TFLite's whole-model output is exactly those layers chained. What
// those one-step differences become at the output of a deep network on random inputs (whose
// top-1 margins are tiny) is measured here: a top-1 flip near a tie is not a kernel error,
// so no threshold on agreement is asserted.
//
// Printed per model: inputs run, share of differing output values, largest difference D (in
// output steps for int8 outputs, and dequantized), the raw top-1 agreement over all inputs,
// and the top-1 agreement over the "decided" inputs (TFLite's top-1 margin > D), with every
// disagreement on a decided input and its two deciding changes.
//
// Inputs: int8 models get uniformly random bytes; float32 inputs (mcunet_vww1_80) get
// uniform values in [-1, 1). Shared model preparation: person_detect's bias tensors carry
// quantized_dimension 3, which TFLite 2.9 refuses; it is then given the graph tessera read,
// rewritten by tessera's writer (the output says so).
//
// Run: build/bench/bench_tflite_differential [MODEL ...]   (about 10 minutes for all)
#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "exec/executor.h"
#include "ir/graph.h"
#include "memory/greedy.h"
#include "support/paths.h"
#include "support/tflite_c.h"
#include "tflite/reader.h"
#include "tflite/writer.h"
#include "zoo/zoo.h"

namespace tessera {
namespace {

// 100 inputs on every model, MobileNetV2 at 224 included (about 75 s each on the host).
constexpr int kInputs = 100;

std::vector<uint8_t> RandomInput(const Tensor& t, std::mt19937& rng) {
  std::vector<uint8_t> r(static_cast<size_t>(t.num_bytes()));
  if (t.type == DType::kFloat32) {
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    for (size_t i = 0; i + 4 <= r.size(); i += 4) {
      const float v = u(rng);
      std::memcpy(&r[i], &v, 4);
    }
  } else {
    for (auto& b : r) b = static_cast<uint8_t>(rng() >> 24);
  }
  return r;
}

// Dequantized output values (int8: (q - zero point) * scale; float32 as is).
std::vector<double> Values(const Tensor& t, const std::vector<uint8_t>& bytes) {
  const int64_t n = t.num_elements();
  std::vector<double> v(static_cast<size_t>(n));
  const double scale = t.quant.scale.empty() ? 1.0 : t.quant.scale[0];
  const double zp = t.quant.zero_point.empty() ? 0.0 : static_cast<double>(t.quant.zero_point[0]);
  for (int64_t i = 0; i < n; ++i) {
    if (t.type == DType::kFloat32) {
      float f;
      std::memcpy(&f, &bytes[static_cast<size_t>(i) * 4], 4);
      v[static_cast<size_t>(i)] = f;
    } else {
      v[static_cast<size_t>(i)] = (static_cast<int8_t>(bytes[static_cast<size_t>(i)]) - zp) * scale;
    }
  }
  return v;
}

// Top class (ties go to the lowest index) and its margin over the runner-up.
struct Top {
  int index = 0;
  double margin = 0;
};
Top Top1(const std::vector<double>& v) {
  Top t;
  for (size_t i = 1; i < v.size(); ++i)
    if (v[i] > v[static_cast<size_t>(t.index)]) t.index = static_cast<int>(i);
  double second = -1e300;
  for (size_t i = 0; i < v.size(); ++i)
    if (static_cast<int>(i) != t.index) second = std::max(second, v[i]);
  t.margin = v.size() > 1 ? v[static_cast<size_t>(t.index)] - second : 0.0;
  return t;
}

void Compare(const Graph& g, const std::vector<uint8_t>& tflite_model, int num_inputs) {
  test::TfliteInterpreter it(tflite_model);
  if (it.num_inputs() != static_cast<int>(g.inputs.size()) || it.num_outputs() != static_cast<int>(g.outputs.size()))
    throw Error(g.name + ": TFLite and tessera disagree on the number of inputs/outputs");
  Executor ex(g, PlanLayerByLayer(g));
  std::mt19937 rng(20240601);
  const Tensor& out = g.tensors[g.outputs[0]];
  const bool float_out = out.type == DType::kFloat32;
  const double scale = float_out || out.quant.scale.empty() ? 1.0 : out.quant.scale[0];
  int64_t values = 0, differ = 0;
  double largest = 0;  // dequantized
  std::vector<Top> ref_top, got_top;
  std::vector<std::vector<double>> ref_values, got_values;
  for (int k = 0; k < num_inputs; ++k) {
    std::vector<std::vector<uint8_t>> in;
    for (size_t i = 0; i < g.inputs.size(); ++i) {
      in.push_back(RandomInput(g.tensors[g.inputs[i]], rng));
      it.SetInput(static_cast<int>(i), in.back());
      ex.SetInput(static_cast<int>(i), in.back());
    }
    it.Invoke();
    ex.Invoke();
    const std::vector<uint8_t> ref = it.Output(0);
    const std::vector<uint8_t> got = ex.Output(0);
    if (ref.size() != got.size()) throw Error(g.name + ": output sizes differ");
    const std::vector<double> a = Values(out, got), b = Values(out, ref);
    for (size_t i = 0; i < a.size(); ++i) {
      ++values;
      if (got != ref && std::memcmp(&got[i * (float_out ? 4 : 1)], &ref[i * (float_out ? 4 : 1)],
                                    float_out ? 4 : 1) != 0)
        ++differ;
      largest = std::max(largest, std::fabs(a[i] - b[i]));
    }
    got_top.push_back(Top1(a));
    ref_top.push_back(Top1(b));
    got_values.push_back(a);
    ref_values.push_back(b);
  }
  int agree = 0, decided = 0, decided_agree = 0;
  std::string flips;  // decided inputs whose top-1 differs, with the two deciding changes
  for (int k = 0; k < num_inputs; ++k) {
    const bool same = got_top[k].index == ref_top[k].index;
    agree += same;
    if (ref_top[k].margin > largest) {
      ++decided;
      decided_agree += same;
      if (!same) {
        const size_t t = static_cast<size_t>(ref_top[k].index), m = static_cast<size_t>(got_top[k].index);
        char line[320];
        std::snprintf(line, sizeof line,
                      "    disagreement on decided input %d: TFLite top-1 class %zu, margin %g; "
                      "tessera top-1 class %zu; tessera - TFLite on class %zu: %+g, on class "
                      "%zu: %+g (together %g >= margin, each <= D)%s\n",
                      k, t, ref_top[k].margin, m, t, got_values[k][t] - ref_values[k][t], m,
                      got_values[k][m] - ref_values[k][m],
                      (ref_values[k][t] - got_values[k][t]) + (got_values[k][m] - ref_values[k][m]),
                      got_values[k][t] == got_values[k][m]
                          ? "; tessera's two classes are EQUAL, the lower index is its top-1"
                          : "");
        flips += line;
      }
    }
  }
  char steps[32] = "";
  if (!float_out) std::snprintf(steps, sizeof steps, "%g steps = ", largest / scale);
  char decided_text[96];
  if (decided > 0)
    std::snprintf(decided_text, sizeof decided_text, "%6.2f%% (%d/%d)",
                  100.0 * decided_agree / decided, decided_agree, decided);
  else
    std::snprintf(decided_text, sizeof decided_text, "untested (no input has margin > D)");
  std::printf("%-34s inputs %4d  differing outputs %7.3f%%  largest difference D %s%-10g  raw "
              "top-1 agreement %6.2f%% (%d/%d)  decided inputs (TFLite margin > D) %3d  their "
              "top-1 agreement %s\n",
              g.name.c_str(), num_inputs, 100.0 * differ / std::max<int64_t>(1, values), steps,
              largest, 100.0 * agree / num_inputs, agree, num_inputs, decided, decided_text);
  std::printf("%s", flips.c_str());
  std::fflush(stdout);
}

void RunShared(const std::string& stem) {
  const std::string path = test::SharedModel(stem);
  Graph g = ReadTflite(path);
  std::vector<uint8_t> model = test::ReadFileBytes(path);
  try {
    test::TfliteInterpreter probe(model);
  } catch (const test::TfliteError& e) {
    // The graph tessera read (whose reader keeps quantized_dimension within each tensor's
    // rank), written by tessera's writer.
    std::printf("%s: TFLite refuses the original file (%.120s...); using tessera's rewrite\n", stem.c_str(),
                e.what());
    model = WriteTflite(g);
  }
  Compare(g, model, kInputs);
}

void RunZoo(const std::string& name) {
  Graph g = BuildZooModel(name);
  g.Validate();
  Compare(g, WriteTflite(g), kInputs);
}

}  // namespace
}  // namespace tessera

int main(int argc, char** argv) {
  using namespace tessera;
  if (!test::TfliteAvailable()) {
    std::printf("TensorFlow Lite C library not found (run scripts/setup.sh)\n");
    return 2;
  }
  std::vector<std::string> shared = test::SharedModelStems(), zoo = ZooNames(), only;
  for (int i = 1; i < argc; ++i) only.push_back(argv[i]);
  auto wanted = [&](const std::string& n) { return only.empty() || std::find(only.begin(), only.end(), n) != only.end(); };
  if (shared.empty()) std::printf("(../shared/models absent: shared models skipped)\n");
  try {
    for (const auto& s : shared) {
      if (const std::string why = test::TfliteCannotRun(s); !why.empty()) {
        std::printf("%s: skipped: %s\n", s.c_str(), why.c_str());
        continue;
      }
      if (wanted(s)) RunShared(s);
    }
    for (const auto& z : zoo)
      if (wanted(z)) RunZoo(z);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
