// Whole models, tessera's layer-by-layer plan on the host executor against TensorFlow Lite
// 2.9's C library, on many random inputs: every shared model (../shared/models) and every zoo
// model.
//
// Why bytes may differ at all: TFLite's optimized convolutions requantize with one rounding,
// TFLM's reference kernels (which tessera reproduces bit for bit) with two, and the rare
// elements where that matters propagate through later layers; int8 MEAN is computed
// differently by the two interpreters. test_tflite_layers proves, operator by operator on
// these same models, that every single-layer difference is a one-step rounding tie (or a MEAN
// approximation); this test measures what those differences become at the output.
//
// Printed per model: inputs run, share of differing output values, largest difference (in
// output steps for int8 outputs, and dequantized), the RAW top-1 agreement over all inputs,
// and the top-1 agreement over the "decided" inputs.
//
// The asserted rule (one rule, the same for every model): let D be the largest dequantized
// difference between tessera's and TFLite's outputs over every element of every input of
// this run. An input is "decided" when TFLite's top-1 margin (dequantized top-1 minus
// runner-up) exceeds D. On decided inputs top-1 agreement must be >= 99%.
// Why this is sound and not vacuous: random inputs give many near-ties between the top two
// classes, where a one-LSB propagated difference legitimately flips the decision, so raw
// agreement is no claim about correctness. Above D, a flip needs the top class to drop AND
// the runner-up to rise by a combined amount larger than D while each moves by at most D:
// possible, but it requires two large opposite differences on the two deciding elements.
// When no input is decided on a model, the rule cannot be tested there and the output says
// "untested" (no assertion is made; this is reported, not hidden).
// Every disagreement on a decided input is printed with the two deciding changes. Finding
// (kept, not tuned away): the rule fails on some models by one input, e.g. mcunet_vww1_80,
// whose two-class softmax moves both outputs by the same amount in opposite directions, so a
// margin in (D, 2D] can flip; and inputs where tessera's top two outputs become exactly equal
// (the lower index wins). Only margin > 2D would make a flip impossible, and that rule could
// never fail, so it is not asserted.
// No bound is asserted on D itself: how far a one-LSB tie grows through a deep network
// depends on the trained weights and is not derivable from the per-layer proof; D is
// reported for every model.
//
// Inputs: int8 models get uniformly random bytes; float32 inputs (mcunet_vww1_80) get
// uniform values in [-1, 1). 100 inputs per model.
// Shared model preparation: person_detect's bias tensors carry quantized_dimension 3, which
// TFLite 2.9 refuses ("quantized_dimension must be in range [0, 1)"). When TFLite refuses an
// original file, it is given the graph tessera read, rewritten by tessera's writer (the
// reader keeps quantized_dimension within each tensor's rank); the test says so.
#include <gtest/gtest.h>

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
  ASSERT_EQ(it.num_inputs(), static_cast<int>(g.inputs.size()));
  ASSERT_EQ(it.num_outputs(), static_cast<int>(g.outputs.size()));
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
    ASSERT_EQ(ref.size(), got.size());
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
  EXPECT_GE(decided_agree * 100, decided * 99)
      << g.name << ": top-1 agreement " << decided_agree << "/" << decided
      << " on inputs whose TFLite margin exceeds the largest difference " << largest;
}

class SharedModel : public ::testing::TestWithParam<std::string> {};

TEST_P(SharedModel, AgreesWithTflite) {
  TESSERA_REQUIRE_SHARED();
  TESSERA_REQUIRE_TFLITE();
  const std::string path = test::SharedModel(GetParam());
  Graph g = ReadTflite(path);
  std::vector<uint8_t> model = test::ReadFileBytes(path);
  try {
    test::TfliteInterpreter probe(model);
  } catch (const test::TfliteError& e) {
    // The graph tessera read (whose reader keeps quantized_dimension within each tensor's
    // rank), written by tessera's writer.
    std::printf("%s: TFLite refuses the original file (%.120s...); using tessera's rewrite\n",
                GetParam().c_str(), e.what());
    model = WriteTflite(g);
  }
  Compare(g, model, kInputs);
}

std::vector<std::string> SharedStems() {
  std::vector<std::string> s = test::SharedModelStems();
  if (s.empty()) s.push_back("none");  // keeps the suite instantiated; the test skips
  return s;
}

INSTANTIATE_TEST_SUITE_P(Shared, SharedModel, ::testing::ValuesIn(SharedStems()),
                         [](const ::testing::TestParamInfo<std::string>& p) {
                           std::string s = p.param;
                           for (char& c : s)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return s;
                         });

class ZooModel : public ::testing::TestWithParam<std::string> {};

TEST_P(ZooModel, AgreesWithTflite) {
  TESSERA_REQUIRE_TFLITE();
  Graph g = BuildZooModel(GetParam());
  g.Validate();
  Compare(g, WriteTflite(g), kInputs);
}

INSTANTIATE_TEST_SUITE_P(Zoo, ZooModel, ::testing::ValuesIn(ZooNames()),
                         [](const ::testing::TestParamInfo<std::string>& p) {
                           std::string s = p.param;
                           for (char& c : s)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return s;
                         });

}  // namespace
}  // namespace tessera
