// Per-layer differential test against TensorFlow Lite 2.9's C library on the REAL models:
// every shared model (../shared/models) and every zoo model.
//
// tessera's layer-by-layer plan runs on a random input (fixed seeds; kInputsPerModel inputs
// per model) and every intermediate tensor is recorded right after the step that produces it. Then, for EACH
// operator, a single-operator model is built from the real layer (the operator with its
// tensors: weights, biases, quantization and options copied unchanged into a new Graph),
// written by tessera's writer and run by TFLite on tessera's own bytes for that operator's
// activation inputs. TFLite's output is compared with tessera's recorded output of that
// operator:
//  - every byte equal, or differing by exactly one where support/ties.h PROVES a rounding tie
//    (exact .5, or a .5 at the second stage of TFLM's double rounding) from the operand bytes;
//  - MEAN is computed differently by TFLite 2.9 on purpose: a one-step difference is accepted
//    there under the ops test's rule ("approximation": both bytes within one step of the exact
//    real mean), which is weaker than a tie proof and counted apart; so is QUANTIZE float32 ->
//    int8, where TFLite 2.9 divides by the scale in double and TFLM in float: accepted only
//    when tessera's byte is exactly the float formula's and TFLite's the double one's;
//  - float outputs (DEQUANTIZE) must be equal byte for byte, but for float32 LOG_SOFTMAX, where
//    TFLite 2.9's optimized kernel may differ from TFLM's reference in the last bits (counted,
//    and bounded by 8 float epsilons of the row's magnitudes; TFLM's own outputs are the bar
//    in test_reference_outputs);
//  - anything else is an "other difference" and fails the test.
// The single-operator model is also run by tessera, which must reproduce its own whole-model
// bytes for that operator: this checks that the extraction is faithful.
//
// An operator with no activation operand (SSD's TILE of a constant) has no single-operator
// model to feed; tessera's output enters the chain below in its place, so the chain's
// equality with TFLite's whole model is what checks it.
//
// Since every operator sees tessera's inputs, a difference cannot come from an earlier layer.
// To close the argument, on the first input TFLite also runs the same single-operator models
// chained on its OWN outputs, and the chain's final output must equal TFLite's whole-model
// output byte for byte ("chained == whole model"): TFLite's whole-model run is exactly the
// composition of the operators checked here. Together this shows that the whole-model
// differences of test_tflite_differential_models come only from rounding ties (and MEAN)
// propagating through later layers.
//
// Printed per model (summed over its inputs): operators compared, bytes compared, differing
// bytes, exact ties, double-rounding ties, MEAN approximations, other differences (must be
// 0), and the accepted differences per operator type. (The ops test also gives SOFTMAX and
// LOGISTIC an approximation rule; this test does not: a difference there is "other".)
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "exec/executor.h"
#include "ir/graph.h"
#include "memory/greedy.h"
#include "support/paths.h"
#include "support/ties.h"
#include "support/tflite_c.h"
#include "tflite/reader.h"
#include "tflite/writer.h"
#include "zoo/zoo.h"

namespace tessera {
namespace {

// Random inputs per model (fixed seeds): each gives every operator new operand bytes.
constexpr int kInputsPerModel = 3;

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

// Operator `op` of `g` alone: its operand and output tensors copied unchanged (constants
// keep their data), its activation operands the graph inputs (once each, in operand order).
// `old_index` receives, per new tensor, the tensor of `g` it copies.
Graph SingleOperatorGraph(const Graph& g, int op, std::vector<int>* old_index) {
  Graph s;
  s.name = g.name + "/op" + std::to_string(op);
  std::map<int, int> remap;
  auto add = [&](int t) {
    if (t == kNoTensor) return kNoTensor;
    auto it = remap.find(t);
    if (it != remap.end()) return it->second;
    s.tensors.push_back(g.tensors[static_cast<size_t>(t)]);
    old_index->push_back(t);
    const int n = static_cast<int>(s.tensors.size()) - 1;
    remap[t] = n;
    if (!g.tensors[static_cast<size_t>(t)].is_const) s.inputs.push_back(n);
    return n;
  };
  Operator o = g.ops[static_cast<size_t>(op)];
  for (int& t : o.inputs) t = add(t);
  const size_t num_inputs = s.inputs.size();
  for (int& t : o.outputs) t = add(t);
  s.inputs.resize(num_inputs);  // outputs are not graph inputs
  s.outputs = o.outputs;
  s.ops.push_back(o);
  return s;
}

struct Tally {
  int ops = 0, failed_ops = 0;  // (operator, input) pairs compared / that could not be run
  int64_t bytes = 0, differing = 0, exact = 0, double_rounding = 0, approx = 0, other = 0;
  // Operators with no activation operand (SSD's TILE of a constant): no single-operator model
  // can feed them; tessera's output enters TFLite's chain instead, so "chained == whole model"
  // on the first input is what checks them (their output does not depend on the input).
  int constant_ops = 0;
  // float32 LOG_SOFTMAX elements where TFLite 2.9's optimized kernel differs from TFLM's
  // reference arithmetic (tessera's) in the last bits, within the bound below.
  int64_t float_log_softmax = 0;
  std::map<std::string, int64_t> ties_by_op;  // "CONV_2D" -> tie bytes
  bool chain_checked = false, chain_equal = true;
  // First input only: CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED output elements, and those
  // the proof calls ties whether or not TFLite's byte differs.
  int64_t requant_elements = 0, requant_tie_elements = 0;
};

// One random input: tessera runs the whole model, then every operator is compared alone.
// With `whole_model` (a .tflite of g), TFLite also runs the single-operator models chained on
// its OWN outputs, and the chain's final outputs must equal TFLite's whole-model outputs.
void CompareLayersOnce(const Graph& g, uint32_t seed, Tally& tally, int& reported,
                       const std::vector<uint8_t>* whole_model) {
  // tessera, whole model; every intermediate recorded.
  std::mt19937 rng(seed);
  std::map<int, std::vector<uint8_t>> values;  // tensor -> bytes
  Executor ex(g, PlanLayerByLayer(g));
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    values[g.inputs[i]] = RandomInput(g.tensors[static_cast<size_t>(g.inputs[i])], rng);
    // A TRANSPOSE_CONV output shape fed as a model input: TFLM (and tessera) ignore its values,
    // TFLite resizes the output from them; it gets the output's real shape.
    for (const Operator& op : g.ops)
      if (op.type == OpType::kTransposeConv && !op.inputs.empty() && op.inputs[0] == g.inputs[i] &&
          values[g.inputs[i]].size() == 16 && g.tensors[static_cast<size_t>(op.outputs[0])].shape.size() == 4)
        std::memcpy(values[g.inputs[i]].data(), g.tensors[static_cast<size_t>(op.outputs[0])].shape.data(), 16);
    ex.SetInput(static_cast<int>(i), values[g.inputs[i]]);
  }
  ex.SetStepHook([&](int s, const Executor& e) {
    const Step& st = e.plan().steps[static_cast<size_t>(s)];
    if (st.kind != StepKind::kOp) return;
    for (int b : st.outputs) {
      const int t = e.plan().buffers[static_cast<size_t>(b)].tensor;
      values[t] = e.ReadWindow(b, FullWindow(e.graph(), t));
    }
  });
  ex.Invoke();
  std::map<int, std::vector<uint8_t>> chained;  // tensor -> TFLite's bytes, operator by operator
  for (int t : g.inputs) chained[t] = values[t];

  for (int op = 0; op < static_cast<int>(g.ops.size()); ++op) {
    const Operator& o = g.ops[static_cast<size_t>(op)];
    const std::string label = g.name + " operator " + std::to_string(op) + " (" +
                              OpTypeName(o.type) + ", output '" +
                              g.tensors[static_cast<size_t>(o.outputs[0])].name + "')";
    bool constant_op = true;
    for (int t : o.inputs)
      if (t != kNoTensor && g.is_activation(t)) constant_op = false;
    if (constant_op) {
      for (int t : o.outputs) chained[t] = values.at(t);
      ++tally.ops;
      ++tally.constant_ops;
      continue;
    }
    std::vector<int> old_index;
    Graph s = SingleOperatorGraph(g, op, &old_index);
    std::map<int, std::vector<uint8_t>> acts;  // tensor of s -> bytes
    std::vector<std::vector<uint8_t>> inputs;
    for (int t : s.inputs) {
      auto it = values.find(old_index[static_cast<size_t>(t)]);
      ASSERT_NE(it, values.end()) << label << ": input tensor was not recorded";
      acts[t] = it->second;
      inputs.push_back(it->second);
    }
    std::vector<std::vector<uint8_t>> ref, mine;
    try {
      s.Validate();
      const std::vector<uint8_t> model = WriteTflite(s);
      ref = test::RunTflite(model, inputs);
      mine = RunPlan(s, PlanLayerByLayer(s), inputs);
      if (whole_model) {
        std::vector<std::vector<uint8_t>> chain_inputs;
        for (int t : s.inputs) chain_inputs.push_back(chained.at(old_index[static_cast<size_t>(t)]));
        const auto chain_out = test::RunTflite(model, chain_inputs);
        for (size_t k = 0; k < s.outputs.size() && k < chain_out.size(); ++k)
          chained[old_index[static_cast<size_t>(s.outputs[k])]] = chain_out[k];
      }
    } catch (const std::exception& e) {
      ADD_FAILURE() << label << ": " << e.what();
      ++tally.failed_ops;
      continue;
    }
    ++tally.ops;
    ASSERT_EQ(ref.size(), s.outputs.size()) << label;
    const std::vector<std::vector<uint8_t>> operands = test::OperandBytes(s, 0, acts);
    for (size_t k = 0; k < s.outputs.size(); ++k) {
      const Tensor& out = s.tensors[static_cast<size_t>(s.outputs[k])];
      const std::vector<uint8_t>& got = values[old_index[static_cast<size_t>(s.outputs[k])]];
      EXPECT_EQ(mine[k], got) << label << ": the single-operator model does not reproduce "
                                          "tessera's whole-model bytes (extraction broken)";
      ASSERT_EQ(ref[k].size(), got.size()) << label;
      tally.bytes += static_cast<int64_t>(got.size());
      if (out.type != DType::kInt8) {
        if (ref[k] == got) continue;
        // float32 LOG_SOFTMAX: TFLite 2.9 runs its optimized float kernel, TFLM (and tessera,
        // whose bytes equal TFLM's reference outputs) the reference one; they may differ in
        // the last bits of x - max - log(sum). Accepted within 8 float epsilons of
        // |x| + |max| + |log(sum)| (row of `depth` elements), nothing else.
        if (o.type == OpType::kLogSoftmax && out.type == DType::kFloat32) {
          const std::vector<uint8_t>& in = operands[0];
          const size_t n = got.size() / 4, depth = static_cast<size_t>(out.shape.back());
          bool within = true;
          for (size_t row = 0; row < n / depth; ++row) {
            float x[4096], a, b;
            if (depth > 4096) within = false;
            if (!within) break;
            std::memcpy(x, in.data() + row * depth * 4, depth * 4);
            const float mx = *std::max_element(x, x + depth);
            double sum = 0;
            for (size_t c = 0; c < depth; ++c) sum += std::exp(static_cast<double>(x[c]) - mx);
            for (size_t c = 0; c < depth; ++c) {
              std::memcpy(&a, got.data() + (row * depth + c) * 4, 4);
              std::memcpy(&b, ref[k].data() + (row * depth + c) * 4, 4);
              if (a == b) continue;
              const double bound = 8 * 1.1920929e-7 * (std::abs(x[c]) + std::abs(mx) + std::abs(std::log(sum)));
              if (std::abs(static_cast<double>(a) - b) > bound) within = false;
              else ++tally.float_log_softmax;
            }
          }
          if (within) continue;
        }
        ++tally.other;
        ADD_FAILURE() << label << ": " << DTypeName(out.type) << " output differs from TFLite's";
        continue;
      }
      // How selective the proof is: on the first input, the elements of CONV_2D,
      // DEPTHWISE_CONV_2D and FULLY_CONNECTED outputs that are ties at all, differing or not.
      if (whole_model && k == 0 &&
          (o.type == OpType::kConv2D || o.type == OpType::kDepthwiseConv2D ||
           o.type == OpType::kFullyConnected)) {
        for (size_t i = 0; i < got.size(); ++i) {
          const int a = static_cast<int8_t>(got[i]);
          ++tally.requant_elements;
          if (test::ProveTie(s, 0, operands, i, a, a == 127 ? 126 : a + 1) != test::Tie::kNone)
            ++tally.requant_tie_elements;
        }
      }
      for (size_t i = 0; i < got.size(); ++i) {
        const int a = static_cast<int8_t>(got[i]), b = static_cast<int8_t>(ref[k][i]);
        if (a == b) continue;
        ++tally.differing;
        test::Tie tie = k == 0 ? test::ProveTie(s, 0, operands, i, a, b) : test::Tie::kNone;
        // Only MEAN and float32 -> int8 QUANTIZE (tessera's byte TFLM's float division, TFLite's
        // its double one, both recomputed exactly) are allowed the approximation rule here (no
        // SOFTMAX/LOGISTIC leeway).
        if (tie == test::Tie::kApproximation && o.type != OpType::kMean && o.type != OpType::kQuantize)
          tie = test::Tie::kNone;
        switch (tie) {
          case test::Tie::kExact: ++tally.exact; break;
          case test::Tie::kDoubleRounding: ++tally.double_rounding; break;
          case test::Tie::kApproximation: ++tally.approx; break;
          case test::Tie::kNone:
            ++tally.other;
            if (reported < 10) {
              ++reported;
              ADD_FAILURE() << label << ": output byte " << i << " tessera " << a << " TFLite "
                            << b << " (not a proven tie)";
            }
            break;
        }
        if (tie != test::Tie::kNone) ++tally.ties_by_op[OpTypeName(o.type)];
      }
    }
  }
  if (whole_model) {
    std::vector<std::vector<uint8_t>> in;
    for (int t : g.inputs) in.push_back(values[t]);
    const auto whole = test::RunTflite(*whole_model, in);
    ASSERT_EQ(whole.size(), g.outputs.size());
    for (size_t k = 0; k < g.outputs.size(); ++k) {
      auto it = chained.find(g.outputs[k]);
      const bool same = it != chained.end() && it->second == whole[k];
      EXPECT_TRUE(same) << g.name << ": TFLite's single-operator models chained on its own "
                                     "outputs do not give its whole-model output " << k;
      tally.chain_checked = true;
      tally.chain_equal = tally.chain_equal && same;
    }
  }
}

// `whole_model`: the .tflite TFLite runs for the whole-model test (the chain check, input 0).
void CompareLayers(const Graph& g, const std::vector<uint8_t>& whole_model) {
  Tally tally;
  int reported = 0;
  for (int k = 0; k < kInputsPerModel; ++k) {
    CompareLayersOnce(g, 20240607u + static_cast<uint32_t>(k), tally, reported,
                      k == 0 ? &whole_model : nullptr);
    if (::testing::Test::HasFatalFailure()) return;
  }
  std::string by_op;
  for (const auto& [name, n] : tally.ties_by_op)
    by_op += (by_op.empty() ? "" : ", ") + name + " " + std::to_string(n);
  std::printf("%-34s operators %3zu x %d inputs: compared %3d  bytes %9lld  differing %6lld  exact ties %5lld  "
              "double-rounding ties %6lld  MEAN / float QUANTIZE approximations %4lld  float LOG_SOFTMAX last-bit %lld  other differences %lld  "
              "constant operators (checked by the chain) %d  chained == whole model: %s%s%s%s\n",
              g.name.c_str(), g.ops.size(), kInputsPerModel, tally.ops, static_cast<long long>(tally.bytes),
              static_cast<long long>(tally.differing), static_cast<long long>(tally.exact),
              static_cast<long long>(tally.double_rounding), static_cast<long long>(tally.approx),
              static_cast<long long>(tally.float_log_softmax), static_cast<long long>(tally.other), tally.constant_ops,
              !tally.chain_checked ? "not checked" : tally.chain_equal ? "yes" : "NO",
              by_op.empty() ? "" : "  [", by_op.c_str(),
              by_op.empty() ? "" : "]");
  std::printf("%-34s   input 0: %lld conv/depthwise/fully-connected output elements, %lld of "
              "them rounding ties (differing from TFLite or not)\n",
              "", static_cast<long long>(tally.requant_elements),
              static_cast<long long>(tally.requant_tie_elements));
  std::fflush(stdout);
  EXPECT_EQ(tally.failed_ops, 0) << g.name << ": operators that could not be compared";
  EXPECT_EQ(tally.ops, static_cast<int>(g.ops.size()) * kInputsPerModel) << g.name;
  EXPECT_EQ(tally.other, 0) << g.name << ": differences that are not proven ties";
}

std::string TestName(const std::string& s) {
  std::string r = s;
  for (char& c : r)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return r;
}

class SharedModelLayers : public ::testing::TestWithParam<std::string> {};

TEST_P(SharedModelLayers, EveryOperatorMatchesTfliteUpToProvenTies) {
  TESSERA_REQUIRE_SHARED();
  TESSERA_REQUIRE_TFLITE();
  if (const std::string why = test::TfliteCannotRun(GetParam()); !why.empty()) GTEST_SKIP() << why;
  const std::string path = test::SharedModel(GetParam());
  const Graph g = ReadTflite(path);
  // The file itself, unless TFLite refuses it (person_detect's bias quantized_dimension):
  // then tessera's rewrite, as in test_tflite_differential_models.
  std::vector<uint8_t> model = test::ReadFileBytes(path);
  try {
    test::TfliteInterpreter probe(model);
  } catch (const test::TfliteError&) {
    model = WriteTflite(g);
  }
  CompareLayers(g, model);
}

std::vector<std::string> SharedStems() {
  std::vector<std::string> s = test::SharedModelStems();
  // SSD has no TFLM reference (TFLM has no TILE): TensorFlow Lite 2.9 is its oracle, here.
  const std::string ssd = "coverage/st_ssd_mobilenet_v1_025_192";
  if (!s.empty() && std::filesystem::is_regular_file(test::SharedModel(ssd))) s.push_back(ssd);
  if (s.empty()) s.push_back("none");  // keeps the suite instantiated; the test skips
  return s;
}

INSTANTIATE_TEST_SUITE_P(Shared, SharedModelLayers, ::testing::ValuesIn(SharedStems()),
                         [](const ::testing::TestParamInfo<std::string>& p) { return TestName(p.param); });

class ZooModelLayers : public ::testing::TestWithParam<std::string> {};

TEST_P(ZooModelLayers, EveryOperatorMatchesTfliteUpToProvenTies) {
  TESSERA_REQUIRE_TFLITE();
  Graph g = BuildZooModel(GetParam());
  g.Validate();
  CompareLayers(g, WriteTflite(g));
}

INSTANTIATE_TEST_SUITE_P(Zoo, ZooModelLayers, ::testing::ValuesIn(ZooNames()),
                         [](const ::testing::TestParamInfo<std::string>& p) { return TestName(p.param); });

}  // namespace
}  // namespace tessera
