// UNIDIRECTIONAL_SEQUENCE_LSTM at the graph level: validation accepts TFLM's standard LSTM
// (8x8->16 and 16x8->16) and rejects every variant TFLM's kernel does not run with an error
// naming the operator and what is missing; the options survive a write and a read.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ir/graph.h"
#include "support/all_ops_graph.h"
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
    in[k] = b.Ints("b" + std::to_string(k), v, {s.n_state}, s.s16 ? DType::kInt64 : DType::kInt32);
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

}  // namespace
}  // namespace tessera
