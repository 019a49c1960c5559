// .tflite reader: every shared model loads; malformed files (truncated, wrong identifier,
// flipped bytes, out-of-range indices, absurd shapes, short constant buffers, bad scales,
// unsupported operators, cycles) give a tessera::Error naming what is wrong, never a crash.
// Broken files are made by writing an edited Graph with our writer (semantic errors) or by
// editing the bytes of a written file in place (structural errors).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "support/all_ops_graph.h"
#include "support/paths.h"
#include "tflite/reader.h"
#include "tflite/writer.h"
#include "tflite_schema_generated.h"

namespace tessera {
namespace {

namespace fb = ::tessera::tfl;

// The message of the Error reading `bytes` throws; "" if it reads fine. Any other exception
// propagates (and fails the test).
std::string ReadError(const std::vector<uint8_t>& bytes, const std::string& name = "m.tflite") {
  try {
    ReadTfliteBytes(bytes.data(), bytes.size(), name);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

#define EXPECT_ERROR_HAS(msg, ...)                                                 \
  do {                                                                             \
    const std::string m_ = (msg);                                                  \
    EXPECT_FALSE(m_.empty()) << "no error";                                        \
    for (const char* part : {__VA_ARGS__})                                         \
      EXPECT_NE(m_.find(part), std::string::npos) << "'" << part << "' not in: " << m_; \
  } while (0)

std::vector<uint8_t> AllOpsBytes() { return WriteTfliteBytes(test::AllOpsGraph()); }

fb::Model* Mutable(std::vector<uint8_t>& b) { return const_cast<fb::Model*>(fb::GetModel(b.data())); }

template <class V, class T>
void SetScalar(const T* table, flatbuffers::voffset_t field, V value) {
  // The writer writes every field (ForceDefaults), so every scalar can be patched in place.
  auto* t = reinterpret_cast<flatbuffers::Table*>(const_cast<T*>(table));
  ASSERT_TRUE(t->SetField<V>(field, value, V{})) << "field not present";
}

template <class T>
flatbuffers::Vector<T>* Mut(const flatbuffers::Vector<T>* v) {
  return const_cast<flatbuffers::Vector<T>*>(v);
}

const fb::SubGraph* Sg(std::vector<uint8_t>& b) { return Mutable(b)->subgraphs()->Get(0); }

int TensorIndex(const Graph& g, const std::string& name) {
  for (size_t i = 0; i < g.tensors.size(); ++i)
    if (g.tensors[i].name == name) return static_cast<int>(i);
  ADD_FAILURE() << "no tensor " << name;
  return 0;
}

// ---------------------------------------------------------------- real models

TEST(TfliteReader, LoadsEverySharedModel) {
  TESSERA_REQUIRE_SHARED();
  const auto stems = test::SharedModelStems();
  ASSERT_FALSE(stems.empty());
  for (const auto& stem : stems) {
    SCOPED_TRACE(stem);
    Graph g = ReadTflite(test::SharedModel(stem));
    EXPECT_EQ(g.name, test::ModelName(stem));
    EXPECT_FALSE(g.ops.empty());
    std::map<std::string, int> counts;
    for (const auto& op : g.ops) counts[OpTypeName(op.type)]++;
    std::string line;
    for (const auto& [n, c] : counts) line += " " + n + "=" + std::to_string(c);
    std::printf("%-32s %3zu ops, %4zu tensors:%s\n", stem.c_str(), g.ops.size(), g.tensors.size(),
                line.c_str());
  }
}

TEST(TfliteReader, ModelFacts) {
  TESSERA_REQUIRE_SHARED();
  // Facts stated by the models' README (their sources), not derived from our reader.
  const Graph mb = ReadTflite(test::SharedModel("mobilenet_v2_1.0_224_nchw_int8"));
  ASSERT_EQ(mb.inputs.size(), 1u);
  EXPECT_EQ(mb.tensors[mb.inputs[0]].shape, (std::vector<int32_t>{1, 3, 224, 224}));
  EXPECT_EQ(mb.ops[0].type, OpType::kTranspose);
  int pads = 0;
  for (const auto& op : mb.ops) pads += op.type == OpType::kPad;
  EXPECT_EQ(pads, 18);

  const Graph mc = ReadTflite(test::SharedModel("mcunet_vww1_80"));
  ASSERT_EQ(mc.inputs.size(), 1u);
  EXPECT_EQ(mc.tensors[mc.inputs[0]].type, DType::kFloat32);
  EXPECT_EQ(mc.tensors[mc.inputs[0]].shape, (std::vector<int32_t>{1, 80, 80, 3}));
  EXPECT_EQ(mc.ops.front().type, OpType::kQuantize);
  EXPECT_EQ(mc.ops.back().type, OpType::kDequantize);

  const Graph ad = ReadTflite(test::SharedModel("ad01_fc_autoencoder_int8"));
  EXPECT_EQ(ad.tensors[ad.inputs[0]].shape, (std::vector<int32_t>{1, 640}));

  // Constants are flagged and hold their bytes; activations hold none.
  for (const Graph* g : {&mb, &mc, &ad})
    for (size_t t = 0; t < g->tensors.size(); ++t) {
      const Tensor& x = g->tensors[t];
      EXPECT_EQ(x.is_const, !x.data.empty()) << g->name << " tensor " << t;
      if (x.is_const) {
        EXPECT_EQ(static_cast<int64_t>(x.data.size()), x.num_bytes());
      }
    }
}

TEST(TfliteReader, MissingFileIsAnError) {
  try {
    ReadTflite("/nonexistent/dir/model.tflite");
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/dir/model.tflite"), std::string::npos);
  }
}

TEST(TfliteReader, FileErrorsNameTheFile) {
  const auto dir = std::filesystem::temp_directory_path() / "tessera_reader_test";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "broken.tflite").string();
  {
    std::ofstream f(path, std::ios::binary);
    f << "definitely not a flatbuffer";
  }
  try {
    ReadTflite(path);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind(path + ": ", 0), 0u) << e.what();
  }
  // A good file read from disk is named after its stem.
  WriteTflite(test::AllOpsGraph(), (dir / "stem_name.tflite").string(), {});
  EXPECT_EQ(ReadTflite((dir / "stem_name.tflite").string()).name, "stem_name");
  std::filesystem::remove_all(dir);
}

// ---------------------------------------------------------------- structural damage

TEST(TfliteReader, TruncatedFilesAreErrors) {
  std::vector<std::vector<uint8_t>> files = {AllOpsBytes()};
  if (test::HaveShared()) files.push_back(test::ReadFileBytes(test::SharedModel("kws_dscnn_int8")));
  for (const auto& full : files) {
    std::vector<size_t> lengths;
    for (size_t n = 0; n < 64 && n < full.size(); ++n) lengths.push_back(n);
    for (size_t k = 0; k < 64; ++k) lengths.push_back(full.size() * k / 64);
    lengths.push_back(full.size() - 1);
    for (size_t n : lengths) {
      std::vector<uint8_t> cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
      const std::string m = ReadError(cut);
      EXPECT_FALSE(m.empty()) << "truncated at " << n << " of " << full.size() << " accepted";
      EXPECT_EQ(m.rfind("m.tflite: ", 0), 0u) << m;
      if (n < 8) {
        EXPECT_NE(m.find("too small"), std::string::npos) << m;
      }
    }
  }
}

TEST(TfliteReader, WrongIdentifierIsAnError) {
  auto b = AllOpsBytes();
  b[4] = 'T', b[5] = 'F', b[6] = 'L', b[7] = '2';
  EXPECT_ERROR_HAS(ReadError(b), "file identifier is 'TFL2', expected 'TFL3'");
  std::vector<uint8_t> junk(4096);
  std::mt19937 rng(1);
  for (auto& x : junk) x = static_cast<uint8_t>(rng());
  EXPECT_ERROR_HAS(ReadError(junk), "not a TFLite model");
  // Right identifier, garbage elsewhere: the verifier rejects it.
  junk[4] = 'T', junk[5] = 'F', junk[6] = 'L', junk[7] = '3';
  junk[0] = 0xff, junk[1] = 0xff, junk[2] = 0xff, junk[3] = 0x7f;
  EXPECT_ERROR_HAS(ReadError(junk), "malformed");
}

// Flipping bytes anywhere gives an Error or a graph that passes Validate, never a crash or
// another exception (bad_alloc, out_of_range, ...).
void FlipFuzz(const std::vector<uint8_t>& full, const std::vector<size_t>& positions,
              const char* what) {
  int errors = 0, graphs = 0;
  std::vector<uint8_t> b = full;
  for (size_t pos : positions)
    for (uint8_t mask : {0x01, 0x80, 0xff, 0x3c}) {
      b[pos] = full[pos] ^ mask;
      try {
        Graph g = ReadTfliteBytes(b.data(), b.size(), "fuzz");
        g.Validate();
        ++graphs;
      } catch (const Error&) {
        ++errors;
      }
      b[pos] = full[pos];
    }
  std::printf("%s: %zu bytes, %zu positions x 4 flips: %d errors, %d valid graphs\n", what,
              full.size(), positions.size(), errors, graphs);
  EXPECT_GT(errors, 0);
}

TEST(TfliteReader, FlippedBytesNeverCrash) {
  const auto all_ops = AllOpsBytes();
  std::vector<size_t> every(all_ops.size());
  for (size_t i = 0; i < every.size(); ++i) every[i] = i;
  FlipFuzz(all_ops, every, "all_ops (every byte)");
  if (!test::HaveShared()) return;
  for (const char* stem : {"kws_dscnn_int8", "mcunet_vww1_80"}) {
    const auto full = test::ReadFileBytes(test::SharedModel(stem));
    std::vector<size_t> pos;
    for (size_t i = 0; i < 512 && i < full.size(); ++i) pos.push_back(i);
    std::mt19937 rng(42);
    for (int k = 0; k < 1500; ++k) pos.push_back(rng() % full.size());
    FlipFuzz(full, pos, stem);
  }
}

TEST(TfliteReader, OutOfRangeOperatorTensorIndex) {
  auto b = AllOpsBytes();
  Mut(Sg(b)->operators()->Get(1)->inputs())->Mutate(0, 999);
  EXPECT_ERROR_HAS(ReadError(b), "CONV_2D (op 1)", "input 0 is tensor index 999", "out of range");
  b = AllOpsBytes();
  Mut(Sg(b)->operators()->Get(2)->outputs())->Mutate(0, -5);
  EXPECT_ERROR_HAS(ReadError(b), "DEPTHWISE_CONV_2D (op 2)", "output 0 is tensor index -5");
  b = AllOpsBytes();
  Mut(Sg(b)->inputs())->Mutate(0, 1000);
  EXPECT_ERROR_HAS(ReadError(b), "subgraph input 0 is tensor index 1000");
  b = AllOpsBytes();
  Mut(Sg(b)->outputs())->Mutate(0, -1);
  EXPECT_ERROR_HAS(ReadError(b), "subgraph output 0 is tensor index -1");
}

TEST(TfliteReader, OutOfRangeBufferIndex) {
  const Graph g = test::AllOpsGraph();
  const int w = TensorIndex(g, "conv/w");
  auto b = AllOpsBytes();
  SetScalar<uint32_t>(Sg(b)->tensors()->Get(w), fb::Tensor::VT_BUFFER, 500);
  const std::string ref = "tensor " + std::to_string(w) + " 'conv/w'";
  EXPECT_ERROR_HAS(ReadError(b), ref.c_str(), "buffer index 500 is out of range");
}

TEST(TfliteReader, OutOfRangeOpcodeIndex) {
  auto b = AllOpsBytes();
  SetScalar<uint32_t>(Sg(b)->operators()->Get(3), fb::Operator::VT_OPCODE_INDEX, 77);
  EXPECT_ERROR_HAS(ReadError(b), "operator 3: opcode_index 77 is out of range");
}

TEST(TfliteReader, WrongSchemaVersion) {
  auto b = AllOpsBytes();
  SetScalar<uint32_t>(Mutable(b), fb::Model::VT_VERSION, 2);
  EXPECT_ERROR_HAS(ReadError(b), "schema version 2");
}

TEST(TfliteReader, UnsupportedTensorType) {
  const Graph g = test::AllOpsGraph();
  const int t = TensorIndex(g, "relu");
  auto b = AllOpsBytes();
  SetScalar<int8_t>(Sg(b)->tensors()->Get(t), fb::Tensor::VT_TYPE,
                    static_cast<int8_t>(fb::TensorType::STRING));
  EXPECT_ERROR_HAS(ReadError(b), "'relu'", "tensor type STRING is not supported");
}

TEST(TfliteReader, UnsupportedFusedActivation) {
  auto b = AllOpsBytes();
  const auto* opts = Sg(b)->operators()->Get(1)->builtin_options_as_Conv2DOptions();
  ASSERT_NE(opts, nullptr);
  SetScalar<int8_t>(opts, fb::Conv2DOptions::VT_FUSED_ACTIVATION_FUNCTION,
                    static_cast<int8_t>(fb::ActivationFunctionType::TANH));
  EXPECT_ERROR_HAS(ReadError(b), "CONV_2D (op 1)", "fused_activation_function TANH");
}

TEST(TfliteReader, BadPaddingValue) {
  auto b = AllOpsBytes();
  const auto* opts = Sg(b)->operators()->Get(4)->builtin_options_as_Pool2DOptions();
  ASSERT_NE(opts, nullptr);
  SetScalar<int8_t>(opts, fb::Pool2DOptions::VT_PADDING, 9);
  EXPECT_ERROR_HAS(ReadError(b), "AVERAGE_POOL_2D (op 4)", "padding 9");
}

TEST(TfliteReader, OptionsOfTheWrongKind) {
  auto b = AllOpsBytes();
  // PadOptions has no fields, so the Conv2DOptions table still verifies as one.
  SetScalar<uint8_t>(Sg(b)->operators()->Get(1), fb::Operator::VT_BUILTIN_OPTIONS_TYPE,
                     static_cast<uint8_t>(fb::BuiltinOptions::PadOptions));
  EXPECT_ERROR_HAS(ReadError(b), "CONV_2D (op 1)", "builtin_options is PadOptions, expected Conv2DOptions");
  // Likewise for an operator whose options table is empty.
  b = AllOpsBytes();
  SetScalar<uint8_t>(Sg(b)->operators()->Get(3), fb::Operator::VT_BUILTIN_OPTIONS_TYPE,
                     static_cast<uint8_t>(fb::BuiltinOptions::TransposeOptions));
  EXPECT_ERROR_HAS(ReadError(b), "PAD (op 3)", "builtin_options is TransposeOptions, expected PadOptions");
}

// ---------------------------------------------------------------- semantic damage

std::string WriteAndReadError(const Graph& g) { return ReadError(WriteTfliteBytes(g)); }

TEST(TfliteReader, AbsurdShapes) {
  Graph g = test::AllOpsGraph();
  const int conv = TensorIndex(g, "conv");
  g.tensors[conv].shape = {2147483647, 2147483647, 2147483647, 2147483647};
  EXPECT_ERROR_HAS(WriteAndReadError(g), "'conv'", "too large");

  g = test::AllOpsGraph();
  g.tensors[conv].shape = {1, 65536, 65536, 4};  // 16 GiB
  EXPECT_ERROR_HAS(WriteAndReadError(g), "'conv'", "too large");

  g = test::AllOpsGraph();
  g.tensors[conv].shape = {1, -8, 8, 4};
  EXPECT_ERROR_HAS(WriteAndReadError(g), "'conv'", "dimension 1 is -8");

  g = test::AllOpsGraph();
  g.tensors[conv].shape = {1, 1, 1, 1, 1, 1, 1, 1, 1, 4};
  EXPECT_ERROR_HAS(WriteAndReadError(g), "'conv'", "rank 10");

  // A constant whose shape claims far more than its bytes.
  g = test::AllOpsGraph();
  const int w = TensorIndex(g, "conv/w");
  g.tensors[w].shape = {1 << 20, 1 << 20, 3, 3};
  EXPECT_ERROR_HAS(WriteAndReadError(g), "'conv/w'", "too large");
}

TEST(TfliteReader, ConstantBufferShorterThanShape) {
  Graph g = test::AllOpsGraph();
  const int w = TensorIndex(g, "conv/w");
  g.tensors[w].data.pop_back();  // 4*3*3*3 = 108 bytes expected
  EXPECT_ERROR_HAS(WriteAndReadError(g), "'conv/w'", "holds 107 bytes", "need 108");
  g = test::AllOpsGraph();
  const int bias = TensorIndex(g, "conv/b");
  g.tensors[bias].data.resize(8);  // int32[4] = 16 bytes
  EXPECT_ERROR_HAS(WriteAndReadError(g), "'conv/b'", "holds 8 bytes", "need 16");
}

TEST(TfliteReader, BadScales) {
  for (float bad : {0.0f, -0.5f, std::numeric_limits<float>::quiet_NaN(),
                    std::numeric_limits<float>::infinity()}) {
    Graph g = test::AllOpsGraph();
    g.tensors[TensorIndex(g, "dw")].quant.scale[0] = bad;
    EXPECT_ERROR_HAS(WriteAndReadError(g), "'dw'", "scale[0] is");
    // Per-channel filter scales too.
    g = test::AllOpsGraph();
    g.tensors[TensorIndex(g, "dw/w")].quant.scale[5] = bad;
    EXPECT_ERROR_HAS(WriteAndReadError(g), "'dw/w'", "scale[5] is");
  }
}

TEST(TfliteReader, PerChannelScaleCountMismatch) {
  Graph g = test::AllOpsGraph();
  auto& q = g.tensors[TensorIndex(g, "conv/w")].quant;
  q.scale.pop_back();
  q.zero_point.pop_back();
  EXPECT_ERROR_HAS(WriteAndReadError(g), "'conv/w'", "3 scales", "dimension 0 has 4");

  g = test::AllOpsGraph();
  g.tensors[TensorIndex(g, "conv/w")].quant.quantized_dimension = 7;
  EXPECT_ERROR_HAS(WriteAndReadError(g), "'conv/w'", "quantized_dimension 7");

  g = test::AllOpsGraph();
  g.tensors[TensorIndex(g, "conv/w")].quant.zero_point.push_back(0);
  EXPECT_ERROR_HAS(WriteAndReadError(g), "'conv/w'", "4 scales but 5 zero points");

  // Per-channel along the wrong axis of a convolution filter (shape-consistent: 3 = kh).
  g = test::AllOpsGraph();
  auto& q2 = g.tensors[TensorIndex(g, "conv/w")].quant;
  q2.scale.resize(3);
  q2.zero_point.resize(3);
  q2.quantized_dimension = 1;
  EXPECT_ERROR_HAS(WriteAndReadError(g), "CONV_2D (op 1)", "quantized along dimension 1, expected 0");
}

// A chain RELU, RELU6, RELU, LOGISTIC whose operator codes are then rewritten to operators
// tessera does not support.
Graph ActivationChain() {
  test::IrBuilder b("chain");
  int x = b.Act("x", {1, 4});
  b.g.inputs = {x};
  const OpType types[] = {OpType::kRelu, OpType::kRelu6, OpType::kRelu, OpType::kLogistic};
  for (int i = 0; i < 4; ++i) {
    std::string name = "y";
    name += std::to_string(i);
    const int y = b.Act(name, {1, 4}, i == 3 ? 1.0f / 256 : 0.05f, i == 3 ? -128 : 0);
    b.Op(types[i], {x}, y);
    x = y;
  }
  b.g.outputs = {x};
  return b.g;
}

TEST(TfliteReader, UnsupportedOperatorsListedInOneError) {
  auto b = WriteTfliteBytes(ActivationChain());
  ASSERT_EQ(ReadError(b), "");
  auto* codes = Mutable(b)->operator_codes();
  ASSERT_EQ(codes->size(), 3u);  // RELU, RELU6, LOGISTIC in order of first use
  SetScalar<int8_t>(codes->Get(0), fb::OperatorCode::VT_DEPRECATED_BUILTIN_CODE, 8);
  SetScalar<int32_t>(codes->Get(0), fb::OperatorCode::VT_BUILTIN_CODE, 8);  // FLOOR
  // GELU (150) is only in the 32-bit field; the 8-bit one holds 127.
  SetScalar<int8_t>(codes->Get(2), fb::OperatorCode::VT_DEPRECATED_BUILTIN_CODE, 127);
  SetScalar<int32_t>(codes->Get(2), fb::OperatorCode::VT_BUILTIN_CODE, 150);
  EXPECT_EQ(ReadError(b), "m.tflite: unsupported operators: FLOOR (ops 0, 2), GELU (op 3)");

  // A file written before the 32-bit field existed: only the 8-bit code (here
  // L2_NORMALIZATION = 11).
  SetScalar<int32_t>(codes->Get(1), fb::OperatorCode::VT_BUILTIN_CODE, 0);
  SetScalar<int8_t>(codes->Get(1), fb::OperatorCode::VT_DEPRECATED_BUILTIN_CODE, 11);
  EXPECT_EQ(ReadError(b),
            "m.tflite: unsupported operators: FLOOR (ops 0, 2), L2_NORMALIZATION (op 1), GELU (op 3)");

  // Codes beyond the schema's list are named by number.
  SetScalar<int32_t>(codes->Get(2), fb::OperatorCode::VT_BUILTIN_CODE, 4000);
  EXPECT_ERROR_HAS(ReadError(b), "BUILTIN_4000 (op 3)");
}

TEST(TfliteReader, CycleIsAnError) {
  // op 0 reads the output of op 1, which reads the output of op 0.
  test::IrBuilder b("cycle");
  const int x = b.Act("x", {1, 4});
  const int t1 = b.Act("t1", {1, 4});
  const int t2 = b.Act("t2", {1, 4});
  const int y = b.Act("y", {1, 4});
  b.Op(OpType::kAdd, {x, t2}, t1, AddOptions{});
  b.Op(OpType::kRelu, {t1}, t2);
  b.Op(OpType::kRelu, {t2}, y);
  b.g.inputs = {x};
  b.g.outputs = {y};
  EXPECT_ERROR_HAS(WriteAndReadError(b.g), "ADD (op 0)", "tensor 2 't2'",
                   "read before it is written by RELU (op 1)");
}

TEST(TfliteReader, ShapeMismatchNamesOperatorAndTensor) {
  Graph g = test::AllOpsGraph();
  g.tensors[TensorIndex(g, "dw")].shape = {1, 4, 4, 9};
  EXPECT_ERROR_HAS(WriteAndReadError(g), "m.tflite: ", "DEPTHWISE_CONV_2D (op 2)", "'dw'",
                   "[1,4,4,9]", "[1,4,4,8]");
}

}  // namespace
}  // namespace tessera
