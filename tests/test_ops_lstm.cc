// UNIDIRECTIONAL_SEQUENCE_LSTM at the graph level: validation accepts TFLM's standard LSTM
// (8x8->16 and 16x8->16) and rejects every variant TFLM's kernel does not run with an error
// naming the operator and what is missing; the options survive a write and a read; Prepare
// gives TFLM's parameters (computed here from the scales as TFLM's Prepare does); 16x8 and
// time-major LSTMs run on the emulated Cortex-M4 to the host executor's bytes over three
// invokes.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include <random>

#include "checker/checker.h"
#include "codegen/device.h"
#include "codegen/emit_ops.h"
#include "exec/executor.h"
#include "ir/graph.h"
#include "ops/ops.h"
#include "plan/strategy.h"
#include "support/all_ops_graph.h"
#include "support/paths.h"
#include "tflite/reader.h"
#include "tflite/writer.h"

namespace tessera {
namespace {

using test::IrBuilder;

struct LstmSpec {
  int batch = 1, steps = 3, n_input = 5, n_state = 4;
  bool s16 = false;
  bool time_major = false;
};

// A one-operator LSTM graph: input [B, T, I] (or [T, B, I]), 24 operands as TFLite's, the two
// states variable tensors.
Graph LstmGraph(const LstmSpec& s, std::vector<int>* operands = nullptr) {
  IrBuilder b("lstm");
  const DType act = s.s16 ? DType::kInt16 : DType::kInt8;
  const std::vector<int32_t> in_shape = s.time_major ? std::vector<int32_t>{s.steps, s.batch, s.n_input}
                                                     : std::vector<int32_t>{s.batch, s.steps, s.n_input};
  const int x = b.Act("x", in_shape, s.s16 ? 1.0f / 4096 : 0.02f, s.s16 ? 0 : -3, act);
  std::vector<int> in(24, kNoTensor);
  in[0] = x;
  for (int k = 1; k <= 4; ++k) in[k] = b.Weights("wi" + std::to_string(k), {s.n_state, s.n_input}, -1, 0.01f);
  for (int k = 5; k <= 8; ++k) in[k] = b.Weights("wr" + std::to_string(k), {s.n_state, s.n_state}, -1, 0.01f);
  for (int k = 12; k <= 15; ++k) {
    std::vector<int64_t> v(static_cast<size_t>(s.n_state), 7);
    in[k] = b.Ints(std::string("b") + std::to_string(k), v, {s.n_state}, s.s16 ? DType::kInt64 : DType::kInt32);
  }
  const int h = b.Act("h", {s.batch, s.n_state}, s.s16 ? 1.0f / 32768 : 1.0f / 128, 0, act);
  const int c = b.Act("c", {s.batch, s.n_state}, 1.0f / 4096, 0, DType::kInt16);
  for (int t : {h, c}) {
    b.g.tensors[t].is_variable = true;
    b.g.tensors[t].data.assign(static_cast<size_t>(b.g.tensors[t].num_bytes()), 0);
  }
  in[18] = h;
  in[19] = c;
  const std::vector<int32_t> out_shape = {in_shape[0], in_shape[1], s.n_state};
  const int y = b.Act("y", out_shape, s.s16 ? 1.0f / 32768 : 1.0f / 128, 0, act);
  UnidirectionalSequenceLstmOptions o;
  o.activation = 4;  // TANH
  o.cell_clip = 10.0f;
  o.time_major = s.time_major;
  b.Op(OpType::kUnidirectionalSequenceLstm, in, y, o);
  b.g.inputs = {x};
  b.g.outputs = {y};
  if (operands) *operands = in;
  return b.g;
}

std::string ValidateError(Graph g) {
  try {
    g.Validate();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

#define EXPECT_INVALID(g, ...)                                                          \
  do {                                                                                  \
    const std::string m_ = ValidateError(g);                                            \
    EXPECT_FALSE(m_.empty()) << "accepted";                                             \
    for (const char* part : {"UNIDIRECTIONAL_SEQUENCE_LSTM", __VA_ARGS__})              \
      EXPECT_NE(m_.find(part), std::string::npos) << "'" << part << "' not in: " << m_; \
  } while (0)

TEST(LstmValidate, StandardLstmIsValid) {
  EXPECT_EQ(ValidateError(LstmGraph({})), "");
  EXPECT_EQ(ValidateError(LstmGraph({.batch = 2, .s16 = true})), "");
  EXPECT_EQ(ValidateError(LstmGraph({.batch = 3, .time_major = true})), "");
}

TEST(LstmValidate, VariantsTflmDoesNotRunAreRejected) {
  {
    std::vector<int> in;
    Graph g = LstmGraph({}, &in);
    IrBuilder b("x");
    b.g = g;
    g.ops[0].inputs[10] = b.Weights("peephole", {4}, -1, 0.01f);
    g.tensors = b.g.tensors;
    EXPECT_INVALID(g, "peephole");
  }
  {
    Graph g = LstmGraph({});
    IrBuilder b("x");
    b.g = g;
    g.ops[0].inputs[16] = b.Weights("proj", {4, 4}, -1, 0.01f);
    g.tensors = b.g.tensors;
    EXPECT_INVALID(g, "projection");
  }
  {
    Graph g = LstmGraph({});
    IrBuilder b("x");
    b.g = g;
    g.ops[0].inputs[21] = b.Weights("ln", {4}, -1, 0.01f);
    g.tensors = b.g.tensors;
    EXPECT_INVALID(g, "layer norm");
  }
  {
    Graph g = LstmGraph({});
    g.ops[0].inputs[1] = kNoTensor;
    g.ops[0].inputs[5] = kNoTensor;
    EXPECT_INVALID(g, "CIFG");
  }
  {
    Graph g = LstmGraph({});
    std::get<UnidirectionalSequenceLstmOptions>(g.ops[0].options).activation = 1;  // RELU
    EXPECT_INVALID(g, "cell gate activation", "TANH");
  }
  {
    Graph g = LstmGraph({});
    g.ops[0].inputs.resize(20);  // no layer norm operands at all
    EXPECT_INVALID(g, "has 20 inputs, expected 24");
  }
  {
    Graph g = LstmGraph({});
    g.tensors[g.ops[0].inputs[19]].type = DType::kInt8;  // int8 cell state
    g.tensors[g.ops[0].inputs[19]].data.resize(4);
    EXPECT_INVALID(g, "cell state", "expected int16");
  }
  {
    Graph g = LstmGraph({.s16 = true});
    g.tensors[g.ops[0].inputs[13]].type = DType::kInt32;  // 16x8 needs int64 biases
    g.tensors[g.ops[0].inputs[13]].data.resize(16);
    EXPECT_INVALID(g, "forget gate bias", "expected int64");
  }
  {
    Graph g = LstmGraph({});
    g.tensors[g.ops[0].inputs[7]].shape = {4, 5};  // recurrent weights [S, I] instead of [S, S]
    g.tensors[g.ops[0].inputs[7]].data.resize(20);
    EXPECT_INVALID(g, "recurrent-to-cell weights", "expected [4,4]");
  }
}

TEST(LstmTflite, OptionsAndStatesSurviveWriteAndRead) {
  const Graph g = LstmGraph({.batch = 2, .time_major = true});
  const Graph r = ReadTfliteBytes(WriteTflite(g).data(), WriteTflite(g).size(), "lstm");
  ASSERT_EQ(r.ops.size(), 1u);
  EXPECT_EQ(r.ops[0].type, OpType::kUnidirectionalSequenceLstm);
  const auto& o = std::get<UnidirectionalSequenceLstmOptions>(r.ops[0].options);
  EXPECT_EQ(o.activation, 4);
  EXPECT_EQ(o.cell_clip, 10.0f);
  EXPECT_TRUE(o.time_major);
  EXPECT_TRUE(r.tensors[r.ops[0].inputs[18]].is_variable);
  EXPECT_TRUE(r.tensors[r.ops[0].inputs[19]].is_variable);
  EXPECT_EQ(r.ops[0].inputs[9], kNoTensor);
}

// Observed through the generated C (the kernel parameters as codegen emits them).
TEST(LstmPrepare, ParametersAreTflms) {
  for (bool s16 : {false, true}) {
    const Graph g = LstmGraph({.batch = 2, .s16 = s16});
    const ops::PreparedOp p = ops::PrepareOp(g, 0);
    ASSERT_EQ(p.state.size(), 2u);
    EXPECT_EQ(p.state[0], g.ops[0].inputs[18]);
    EXPECT_EQ(p.state[1], g.ops[0].inputs[19]);
    EXPECT_EQ(ops::ScratchBytes(p), 0);
    const Plan plan = MakePlan(g, PlanOptions{});
    ModelWriter w(g, plan, "model");
    const std::string call = EmitOpStep(w, 0), params = w.params();
    EXPECT_NE(call.find("ts_lstm("), std::string::npos) << call;
    const float xs = g.tensors[g.ops[0].inputs[0]].quant.scale[0], hs = g.tensors[g.ops[0].inputs[18]].quant.scale[0];
    auto has = [&](const std::string& part) {
      EXPECT_NE(params.find(part), std::string::npos) << "'" << part << "' not in: " << params;
    };
    // GetQuantizedConvolutionMultipler: the float product of the scales, over 2^-12 in double
    int32_t m;
    int sh;
    ts_quantize_multiplier(static_cast<double>(xs * 0.01f) * 4096.0, &m, &sh);
    has(".input_multiplier = " + std::to_string(m) + ", .input_shift = " + std::to_string(sh) + ",");
    ts_quantize_multiplier(static_cast<double>(hs * 0.01f) * 4096.0, &m, &sh);
    has(".recurrent_multiplier = " + std::to_string(m) + ", .recurrent_shift = " + std::to_string(sh) + "}");
    has(".forget_multiplier = 1073741824, .forget_shift = -14");  // 2^-15: forget x cell -> cell
    has(".input_multiplier = 1073741824, .input_shift = -17, ");  // 2^-30 / 2^-12 = 2^-18
    ts_quantize_multiplier(std::ldexp(1.0, -30) / static_cast<double>(hs), &m, &sh);
    has(".hidden_multiplier = " + std::to_string(m) + ", .hidden_shift = " + std::to_string(sh));
    // cell scale 2^-12: 15 - 12 - 3 = 0, Tanh's power-of-two case; clip 10 / 2^-12 clamped
    has(".cell_tanh_multiplier = 0, .cell_tanh_shift = 0, .cell_clip = 32767");
    has(std::string(".s16 = ") + (s16 ? "1" : "0") + ", .input_offset = " + (s16 ? "0" : "3"));
    has(".batches = 2, .time_steps = 3, .n_input = 5, .n_state = 4, .time_major = 0");
    has(s16 ? ".bias32 = NULL" : ".bias64 = NULL");
  }
}

std::vector<std::vector<uint8_t>> RandomInput(const Graph& g, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> x(static_cast<size_t>(g.tensors[g.inputs[0]].num_bytes()));
  for (auto& v : x) v = static_cast<uint8_t>(rng() >> 24);
  return {x};
}

TEST(LstmDevice, Int16AndTimeMajorEqualHostOverThreeInvokes) {
  if (!HaveFirmwareTools()) GTEST_SKIP() << "arm-none-eabi-gcc / qemu-system-arm absent";
  const std::string dir = test::FreshTempDir("lstm_device");
  int n = 0;
  for (const LstmSpec& s : {LstmSpec{.batch = 2, .steps = 4, .n_input = 6, .n_state = 5, .s16 = true},
                            LstmSpec{.batch = 3, .steps = 2, .n_input = 7, .n_state = 3, .time_major = true}}) {
    const Graph g = LstmGraph(s);
    const auto inputs = RandomInput(g, 7u + static_cast<uint32_t>(n));
    const Plan plan = MakePlan(g, PlanOptions::FromStrategy("best"));
    ASSERT_TRUE(CheckPlan(g, plan).ok);
    const auto one = RunPlan(g, plan, inputs, 1), three = RunPlan(g, plan, inputs, 3);
    EXPECT_NE(one, three) << "the state carries nothing over";
    DeviceOptions o;
    o.invokes = 3;
    const DeviceResult r = RunOnDevice(g, plan, inputs, dir + "/" + std::to_string(n++), o);
    ASSERT_TRUE(r.build.ok) << r.build.log;
    ASSERT_EQ(r.run.exit_code, 0) << r.run.output;
    EXPECT_TRUE(r.outputs == three) << (s.s16 ? "16x8" : "time-major") << ": device differs from the host";
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tessera
