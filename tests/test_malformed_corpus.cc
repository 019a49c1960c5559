// The malformed-model corpus (tests/data/malformed/): every file makes `tessera inspect FILE`
// exit with code 2 and print the SPECIFIC message fragment MANIFEST.tsv gives for it, within
// a time bound, never a crash (a signal), a hang or a huge allocation.
//
// The files are made by this test's generator from tessera's own writer: a small valid model
// (CONV_2D, DEPTHWISE_CONV_2D, AVERAGE_POOL_2D, RESHAPE, FULLY_CONNECTED; a second one with the
// model-zoo operators and shape arithmetic folded at load time), edited as a Graph
// (semantic faults) or byte by byte in the written flatbuffer (structural faults). Regenerate
// them after a writer change with
//   TESSERA_REGENERATE_MALFORMED=1 build/tests/test_malformed_corpus --gtest_filter='*Generator*'
// The generator test also reads every generated image in memory and expects the manifest's
// fragment, so generator, files and manifest cannot drift apart silently.
//
// Allocation limit: the reader refuses tensors of more than kMaxTensorBytes (1 GiB,
// tflite/reader.h) and never allocates for an activation; constant data is copied only after
// its buffer was checked against the shape. The tests below run the CLI under `ulimit -v`
// (address space far below the sizes the files declare) to show that.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "checker/checker.h"
#include "exec/executor.h"
#include "ir/graph.h"
#include "memory/greedy.h"
#include "plan/strategy.h"
#include "schedule/patch.h"
#include "schedule/patch_plan.h"
#include "support/all_ops_graph.h"
#include "support/paths.h"
#include "tflite/reader.h"
#include "tflite/writer.h"
#include "tflite_schema_generated.h"

namespace tessera {
namespace {

namespace fb = ::tessera::tfl;
namespace fs = std::filesystem;

const fs::path kCorpusDir = fs::path(TESSERA_SOURCE_DIR) / "tests" / "data" / "malformed";

// ------------------------------------------------------------------ the base model

// input [1,8,6,3] -> CONV_2D 3x3 (4) -> DEPTHWISE_CONV_2D 3x3 -> AVERAGE_POOL_2D 2x2/2 ->
// RESHAPE [1,48] -> FULLY_CONNECTED (5). Tensor indices are fixed (see the constants).
enum : int { kIn = 0, kConvW, kConvB, kConv, kDwW, kDwB, kDw, kPool, kShape, kFlat, kFcW, kFcB, kFc };

Graph BaseGraph() {
  test::IrBuilder b("base");
  const float s = 0.05f;
  b.Act("input", {1, 8, 6, 3}, s, -1);
  const int cw = b.Weights("conv/w", {4, 3, 3, 3}, 0);
  b.Bias("conv/b", cw, 0, s);
  b.Act("conv", {1, 8, 6, 4}, 0.1f, -5);
  const int dw = b.Weights("dw/w", {1, 3, 3, 4}, 3);
  b.Bias("dw/b", dw, 3, 0.1f);
  b.Act("dw", {1, 8, 6, 4}, 0.1f, 2);
  b.Act("pool", {1, 4, 3, 4}, 0.1f, 2);
  b.Ints("flat/shape", {1, 48});
  b.Act("flat", {1, 48}, 0.1f, 2);
  const int fw = b.Weights("fc/w", {5, 48}, -1);
  b.Bias("fc/b", fw, 0, 0.1f);
  b.Act("fc", {1, 5}, 0.2f, 0);
  Conv2DOptions co;
  co.activation = Activation::kRelu;
  b.Op(OpType::kConv2D, {kIn, kConvW, kConvB}, kConv, co);
  DepthwiseConv2DOptions dwo;
  b.Op(OpType::kDepthwiseConv2D, {kConv, kDwW, kDwB}, kDw, dwo);
  Pool2DOptions po;
  po.filter_h = po.filter_w = 2;
  po.stride_h = po.stride_w = 2;
  po.padding = Padding::kValid;
  b.Op(OpType::kAveragePool2D, {kDw}, kPool, po);
  b.Op(OpType::kReshape, {kPool, kShape}, kFlat, ReshapeOptions{{1, 48}});
  b.Op(OpType::kFullyConnected, {kFlat, kFcW, kFcB}, kFc, FullyConnectedOptions{});
  b.g.inputs = {kIn};
  b.g.outputs = {kFc};
  EXPECT_NO_THROW(b.g.Validate());
  return b.g;
}

// The model-zoo operators: input [1,4,4,2] -> RESIZE_BILINEAR 8x8 -> STRIDED_SLICE (stride 2 on
// H and W) -> TILE [1,1,1,2] -> REDUCE_MAX (axis 3, keep_dims) -> RESHAPE to
// PACK(STRIDED_SLICE(SHAPE(..))[0], 16) = [1,16] (SHAPE, STRIDED_SLICE and PACK fold at load
// time) -> LOG_SOFTMAX. Tensor indices are fixed (see the constants).
enum : int {
  kZIn = 0, kZSize, kZResized, kZBegin, kZEnd, kZStrides, kZSliced, kZMult, kZTiled, kZAxis, kZMax,
  kZShape, kZB0, kZE1, kZS1, kZBatch, kZSixteen, kZPacked, kZFlat, kZOut
};
enum : int { kZOpResize = 0, kZOpSlice, kZOpTile, kZOpReduce, kZOpShape, kZOpShapeSlice, kZOpPack, kZOpReshape,
             kZOpLogSoftmax };

Graph ZooBaseGraph() {
  test::IrBuilder b("zoo_base");
  const float s = 0.05f;
  b.Act("input", {1, 4, 4, 2}, s, -1);
  b.Ints("resize/size", {8, 8});
  b.Act("resize", {1, 8, 8, 2}, s, -1);
  b.Ints("slice/begin", {0, 0, 0, 0});
  b.Ints("slice/end", {1, 8, 8, 2});
  b.Ints("slice/strides", {1, 2, 2, 1});
  b.Act("slice", {1, 4, 4, 2}, s, -1);
  b.Ints("tile/multiples", {1, 1, 1, 2});
  b.Act("tile", {1, 4, 4, 4}, s, -1);
  b.Ints("max/axis", {3});
  b.Act("max", {1, 4, 4, 1}, s, -1);
  b.Act("shape", {4}, 0, 0, DType::kInt32);
  b.Ints("shape/begin", {0});
  b.Ints("shape/end", {1});
  b.Ints("shape/strides", {1});
  b.Act("batch", {}, 0, 0, DType::kInt32);
  b.Ints("sixteen", {16});
  b.Act("packed", {2}, 0, 0, DType::kInt32);
  b.Act("flat", {1, 16}, s, -1);
  b.Act("log_softmax", {1, 16}, 16.0f / 256, 127);
  for (int t : {kZShape, kZBatch, kZPacked}) b.g.tensors[t].quant = {};
  b.g.tensors[kZSixteen].shape = {};
  b.Op(OpType::kResizeBilinear, {kZIn, kZSize}, kZResized, ResizeBilinearOptions{});
  b.Op(OpType::kStridedSlice, {kZResized, kZBegin, kZEnd, kZStrides}, kZSliced, StridedSliceOptions{});
  b.Op(OpType::kTile, {kZSliced, kZMult}, kZTiled);
  b.Op(OpType::kReduceMax, {kZTiled, kZAxis}, kZMax, MeanOptions{true});
  b.Op(OpType::kShape, {kZMax}, kZShape, ShapeOptions{});
  StridedSliceOptions shrink;
  shrink.shrink_axis_mask = 1;
  b.Op(OpType::kStridedSlice, {kZShape, kZB0, kZE1, kZS1}, kZBatch, shrink);
  b.Op(OpType::kPack, {kZBatch, kZSixteen}, kZPacked, PackOptions{2, 0});
  b.Op(OpType::kReshape, {kZMax, kZPacked}, kZFlat, ReshapeOptions{});
  b.Op(OpType::kLogSoftmax, {kZFlat}, kZOut);
  b.g.inputs = {kZIn};
  b.g.outputs = {kZOut};
  return b.g;
}

void SetInts(Tensor& t, const std::vector<int32_t>& v) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(v.data());
  t.data.assign(bytes, bytes + v.size() * sizeof(int32_t));
}

std::vector<uint8_t> Write(const Graph& g) { return WriteTfliteBytes(g); }
std::vector<uint8_t> BaseBytes() { return Write(BaseGraph()); }

// ------------------------------------------------------------------ byte editing helpers

fb::Model* Model(std::vector<uint8_t>& b) { return const_cast<fb::Model*>(fb::GetModel(b.data())); }
const fb::SubGraph* Sg(std::vector<uint8_t>& b) { return Model(b)->subgraphs()->Get(0); }
template <class T>
flatbuffers::Vector<T>* Mut(const flatbuffers::Vector<T>* v) {
  return const_cast<flatbuffers::Vector<T>*>(v);
}
// The writer writes every scalar field (ForceDefaults), so each can be patched in place.
template <class V, class T>
void Set(const T* table, flatbuffers::voffset_t field, V value) {
  auto* t = reinterpret_cast<flatbuffers::Table*>(const_cast<T*>(table));
  if (!t->SetField<V>(field, value, V{})) throw std::runtime_error("field not present");
}
size_t OffsetOf(const std::vector<uint8_t>& b, const void* p) {
  return static_cast<size_t>(static_cast<const uint8_t*>(p) - b.data());
}
std::vector<uint8_t> Cut(std::vector<uint8_t> b, size_t n) {
  b.resize(n);
  return b;
}

// ------------------------------------------------------------------ the cases

using Make = std::function<std::vector<uint8_t>()>;

std::vector<std::pair<std::string, Make>> Cases() {
  std::vector<std::pair<std::string, Make>> c;
  auto graph_case = [&](const std::string& name, std::function<void(Graph&)> edit) {
    c.emplace_back(name, [edit] {
      Graph g = BaseGraph();
      edit(g);
      return Write(g);
    });
  };
  auto byte_case = [&](const std::string& name, std::function<void(std::vector<uint8_t>&)> edit) {
    c.emplace_back(name, [edit] {
      std::vector<uint8_t> b = BaseBytes();
      edit(b);
      return b;
    });
  };

  // --- truncation at every section
  c.emplace_back("truncated_header", [] { return Cut(BaseBytes(), 6); });
  c.emplace_back("truncated_after_identifier", [] { return Cut(BaseBytes(), 12); });
  c.emplace_back("truncated_root_vtable", [] {
    std::vector<uint8_t> b = BaseBytes();
    const uint8_t* root = b.data() + flatbuffers::ReadScalar<flatbuffers::uoffset_t>(b.data());
    const uint8_t* vtable = root - flatbuffers::ReadScalar<flatbuffers::soffset_t>(root);
    return Cut(b, OffsetOf(b, vtable) + 3);  // inside the vtable's first field
  });
  c.emplace_back("truncated_tensors", [] {
    std::vector<uint8_t> b = BaseBytes();
    const auto* t = Sg(b)->tensors();
    return Cut(b, OffsetOf(b, t->Get(t->size() / 2)) + 2);
  });
  c.emplace_back("truncated_operators", [] {
    std::vector<uint8_t> b = BaseBytes();
    return Cut(b, OffsetOf(b, Sg(b)->operators()->Get(2)) + 4);
  });
  c.emplace_back("truncated_buffers", [] {
    std::vector<uint8_t> b = BaseBytes();
    const auto* data = Model(b)->buffers()->Get(Sg(b)->tensors()->Get(kFcW)->buffer())->data();
    return Cut(b, OffsetOf(b, data->data()) + data->size() / 2);
  });
  c.emplace_back("truncated_last_byte", [] {
    std::vector<uint8_t> b = BaseBytes();
    return Cut(b, b.size() - 1);
  });

  // --- not a model / wrong identifier / wrong version
  c.emplace_back("wrong_identifier", [] {
    std::vector<uint8_t> b = BaseBytes();
    b[7] = '2';
    return b;
  });
  c.emplace_back("not_a_model", [] {
    const std::string text = "this is a text file, not a TensorFlow Lite flatbuffer\n";
    return std::vector<uint8_t>(text.begin(), text.end());
  });
  c.emplace_back("identifier_then_garbage", [] {
    std::vector<uint8_t> b(256);
    for (size_t i = 0; i < b.size(); ++i) b[i] = static_cast<uint8_t>(i * 37 + 11);
    b[0] = 0xf0, b[1] = 0xff, b[2] = 0xff, b[3] = 0x7f;
    b[4] = 'T', b[5] = 'F', b[6] = 'L', b[7] = '3';
    return b;
  });
  byte_case("schema_version_2", [](auto& b) { Set<uint32_t>(Model(b), fb::Model::VT_VERSION, 2); });
  byte_case("no_subgraph", [](auto& b) {
    // Point Model.subgraphs at an empty vector: rewrite the vector's length to 0.
    auto* sgs = Mut(Model(b)->subgraphs());
    flatbuffers::WriteScalar<flatbuffers::uoffset_t>(reinterpret_cast<uint8_t*>(sgs), 0);
  });

  // --- cycles and ordering
  graph_case("cycle_self", [](Graph& g) { g.ops[1].inputs[0] = kDw; });  // DW reads its own output
  graph_case("cycle_reads_later_output", [](Graph& g) { g.ops[1].inputs[0] = kFlat; });
  graph_case("cycle_two_ops", [](Graph& g) {
    // CONV reads DW's output and DW reads CONV's: each waits for the other.
    g.ops[0].inputs[0] = kDw;
    g.tensors[kConv].shape = {1, 8, 6, 4};
    g.tensors[kConvW].shape = {4, 3, 3, 4};
    g.tensors[kConvW].data.assign(4 * 3 * 3 * 4, 1);
  });
  graph_case("tensor_written_twice", [](Graph& g) { g.ops[2].outputs[0] = kDw; });

  // --- dangling indices
  byte_case("dangling_operator_input", [](auto& b) { Mut(Sg(b)->operators()->Get(1)->inputs())->Mutate(0, 4096); });
  byte_case("dangling_operator_output", [](auto& b) { Mut(Sg(b)->operators()->Get(3)->outputs())->Mutate(0, -7); });
  byte_case("dangling_graph_input", [](auto& b) { Mut(Sg(b)->inputs())->Mutate(0, 13); });
  byte_case("dangling_graph_output", [](auto& b) { Mut(Sg(b)->outputs())->Mutate(0, 100000); });
  byte_case("dangling_buffer_index", [](auto& b) {
    Set<uint32_t>(Sg(b)->tensors()->Get(kConvW), fb::Tensor::VT_BUFFER, 999);
  });
  byte_case("dangling_opcode_index", [](auto& b) {
    Set<uint32_t>(Sg(b)->operators()->Get(2), fb::Operator::VT_OPCODE_INDEX, 77);
  });
  c.emplace_back("external_buffer_outside_file", [] {
    // Constant data stored after the flatbuffer (Buffer.offset/size); the file then loses its
    // last 100 bytes, so the last buffer lies past its end.
    TfliteWriteOptions o;
    o.buffers_after_flatbuffer = true;
    std::vector<uint8_t> b = WriteTfliteBytes(BaseGraph(), o);
    b.resize(b.size() - 100);
    return b;
  });

  // --- shapes
  graph_case("shape_bytes_overflow_int64", [](Graph& g) {
    // 2^31-1 per dimension: the element count overflows 64 bits by the third factor.
    g.tensors[kConv].shape = {2147483647, 2147483647, 2147483647, 2147483647};
  });
  graph_case("shape_over_reader_limit", [](Graph& g) { g.tensors[kIn].shape = {1, 32768, 32768, 3}; });
  graph_case("constant_declares_512MiB", [](Graph& g) {
    // 512 MiB of weights declared, 108 bytes stored: refused before anything is copied.
    g.tensors[kConvW].shape = {4, 8192, 8192, 2};
  });
  graph_case("negative_dimension", [](Graph& g) { g.tensors[kDw].shape = {1, -8, 6, 4}; });
  graph_case("rank_9", [](Graph& g) { g.tensors[kPool].shape = {1, 1, 1, 1, 1, 1, 4, 3, 4}; });
  graph_case("zero_size_input", [](Graph& g) { g.tensors[kIn].shape = {1, 0, 6, 3}; });
  graph_case("zero_size_activation", [](Graph& g) { g.tensors[kPool].shape = {1, 4, 0, 4}; });
  graph_case("output_shape_mismatch", [](Graph& g) { g.tensors[kDw].shape = {1, 8, 5, 4}; });

  // --- operator options
  graph_case("negative_stride", [](Graph& g) { g.ops[0].opts<Conv2DOptions>().stride_h = -1; });
  graph_case("zero_stride", [](Graph& g) { g.ops[2].opts<Pool2DOptions>().stride_w = 0; });
  graph_case("zero_dilation", [](Graph& g) { g.ops[1].opts<DepthwiseConv2DOptions>().dilation_w = 0; });
  graph_case("zero_pool_filter", [](Graph& g) { g.ops[2].opts<Pool2DOptions>().filter_h = 0; });
  byte_case("bad_padding_enum", [](auto& b) {
    const auto* o = Sg(b)->operators()->Get(0)->builtin_options_as_Conv2DOptions();
    Set<int8_t>(o, fb::Conv2DOptions::VT_PADDING, 9);
  });
  byte_case("bad_fused_activation", [](auto& b) {
    const auto* o = Sg(b)->operators()->Get(0)->builtin_options_as_Conv2DOptions();
    Set<int8_t>(o, fb::Conv2DOptions::VT_FUSED_ACTIVATION_FUNCTION, 4);  // TANH
  });

  // --- quantization
  graph_case("zero_scale", [](Graph& g) { g.tensors[kConv].quant.scale[0] = 0.0f; });
  graph_case("negative_scale", [](Graph& g) { g.tensors[kDw].quant.scale[0] = -0.1f; });
  graph_case("nan_scale", [](Graph& g) { g.tensors[kIn].quant.scale[0] = std::numeric_limits<float>::quiet_NaN(); });
  graph_case("inf_scale", [](Graph& g) { g.tensors[kFc].quant.scale[0] = std::numeric_limits<float>::infinity(); });
  graph_case("per_channel_scale_count_mismatch", [](Graph& g) {
    g.tensors[kConvW].quant.scale.resize(3);
    g.tensors[kConvW].quant.zero_point.resize(3);
  });
  graph_case("scale_zero_point_count_mismatch", [](Graph& g) { g.tensors[kDwW].quant.zero_point.resize(2); });
  graph_case("zero_point_out_of_int8", [](Graph& g) { g.tensors[kPool].quant.zero_point[0] = 300; });
  graph_case("quantized_dimension_out_of_range", [](Graph& g) { g.tensors[kDwW].quant.quantized_dimension = 7; });
  graph_case("unquantized_filter", [](Graph& g) { g.tensors[kConvW].quant = {}; });

  // --- constant data
  graph_case("weights_shorter_than_shape", [](Graph& g) { g.tensors[kFcW].data.resize(200); });
  graph_case("bias_longer_than_shape", [](Graph& g) { g.tensors[kDwB].data.resize(g.tensors[kDwB].data.size() + 4); });

  // --- operators
  byte_case("unsupported_operator", [](auto& b) {
    const auto* oc = Model(b)->operator_codes()->Get(Sg(b)->operators()->Get(2)->opcode_index());
    Set<int8_t>(oc, fb::OperatorCode::VT_DEPRECATED_BUILTIN_CODE, 16);  // LSTM
    Set<int32_t>(oc, fb::OperatorCode::VT_BUILTIN_CODE, 16);
  });
  byte_case("unknown_builtin_code", [](auto& b) {
    const auto* oc = Model(b)->operator_codes()->Get(Sg(b)->operators()->Get(0)->opcode_index());
    Set<int32_t>(oc, fb::OperatorCode::VT_BUILTIN_CODE, 4000);
  });
  byte_case("options_of_wrong_kind", [](auto& b) {
    // The FULLY_CONNECTED operator claims its options table is an AddOptions (whose fields
    // fit the table's bytes, so the verifier passes it).
    const auto* op = Sg(b)->operators()->Get(4);
    Set<uint8_t>(op, fb::Operator::VT_BUILTIN_OPTIONS_TYPE, static_cast<uint8_t>(fb::BuiltinOptions::AddOptions));
  });
  graph_case("missing_filter_operand", [](Graph& g) { g.ops[0].inputs = {kIn}; });
  graph_case("channel_mismatch", [](Graph& g) {
    g.tensors[kConvW].shape = {4, 3, 3, 2};
    g.tensors[kConvW].data.resize(4 * 3 * 3 * 2);
  });
  graph_case("constant_operator_output", [](Graph& g) { g.ops[4].outputs[0] = kFcB; });

  // --- the model-zoo operators (ZooBaseGraph)
  auto zoo_case = [&](const std::string& name, std::function<void(Graph&)> edit) {
    c.emplace_back(name, [edit] {
      Graph g = ZooBaseGraph();
      edit(g);
      return Write(g);
    });
  };
  zoo_case("strided_slice_zero_stride", [](Graph& g) { SetInts(g.tensors[kZStrides], {1, 0, 2, 1}); });
  zoo_case("tile_negative_multiple", [](Graph& g) { SetInts(g.tensors[kZMult], {1, 1, 1, -2}); });
  zoo_case("resize_bilinear_both_flags", [](Graph& g) {
    g.ops[kZOpResize].options = ResizeBilinearOptions{true, true};
  });
  zoo_case("log_softmax_wrong_output_scale", [](Graph& g) { g.tensors[kZOut].quant.scale[0] = 1.0f / 256; });
  zoo_case("reduce_max_requantizes", [](Graph& g) { g.tensors[kZMax].quant.scale[0] = 0.1f; });
  zoo_case("folded_pack_disagrees_with_declared_shape", [](Graph& g) { g.tensors[kZPacked].shape = {3}; });
  zoo_case("folded_reshape_disagrees_with_output", [](Graph& g) { g.tensors[kZFlat].shape = {2, 8}; });
  return c;
}

// ------------------------------------------------------------------ manifest, CLI

std::map<std::string, std::string> Manifest() {
  std::map<std::string, std::string> m;
  std::ifstream f(kCorpusDir / "MANIFEST.tsv");
  std::string line;
  while (std::getline(f, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t tab = line.find('\t');
    if (tab == std::string::npos) {
      ADD_FAILURE() << "MANIFEST.tsv line without a tab: " << line;
      continue;
    }
    m[line.substr(0, tab)] = line.substr(tab + 1);
  }
  return m;
}

struct CliRun {
  int exit_code = -1;
  bool signaled = false;
  std::string output;
  double seconds = 0;
};

// `prefix` runs before the CLI in the same shell (e.g. a ulimit); `timeout` bounds the run.
CliRun RunInspect(const std::string& file, const std::string& prefix = "", int timeout_s = 30) {
  const std::string cmd = prefix + "exec timeout -s KILL " + std::to_string(timeout_s) + " " +
                          test::CliPath() + " inspect '" + file + "' 2>&1";
  const auto t0 = std::chrono::steady_clock::now();
  CliRun r;
  FILE* p = popen(cmd.c_str(), "r");  // /bin/sh -c cmd
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  const int status = pclose(p);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  // timeout -s KILL exits 137; a crash in the CLI (abort, segfault) is 128 + signal via sh.
  r.signaled = !WIFEXITED(status) || r.exit_code >= 124;
  return r;
}

std::string ReadErrorOf(const std::vector<uint8_t>& b) {
  try {
    ReadTfliteBytes(b.data(), b.size(), "m.tflite");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// ------------------------------------------------------------------ tests

TEST(MalformedCorpus, EveryFileIsRefusedWithItsMessage) {
  const auto manifest = Manifest();
  ASSERT_GE(manifest.size(), 40u) << "MANIFEST.tsv missing or short in " << kCorpusDir;
  double slowest = 0;
  for (const auto& [name, fragment] : manifest) {
    SCOPED_TRACE(name);
    const fs::path file = kCorpusDir / (name + ".tflite");
    ASSERT_TRUE(fs::is_regular_file(file)) << file;
    EXPECT_LT(fs::file_size(file), 16384u) << "corpus files stay small";
    const CliRun r = RunInspect(file.string());
    slowest = std::max(slowest, r.seconds);
    EXPECT_FALSE(r.signaled) << "crashed, was killed or timed out: exit " << r.exit_code << "\n" << r.output;
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_EQ(r.output.rfind("tessera: error: " + file.string() + ": ", 0), 0u)
        << "the message must start with the file name:\n" << r.output;
    EXPECT_NE(r.output.find(fragment), std::string::npos) << "expected '" << fragment << "' in:\n" << r.output;
    EXPECT_LT(r.seconds, 10.0);
  }
  std::printf("[ malformed ] %zu files refused, slowest %.3f s\n", manifest.size(), slowest);
}

TEST(MalformedCorpus, GeneratorReproducesTheCorpus) {
  const bool regenerate = std::getenv("TESSERA_REGENERATE_MALFORMED") != nullptr;
  const auto manifest = Manifest();
  const auto cases = Cases();
  int identical = 0;
  for (const auto& [name, make] : cases) {
    SCOPED_TRACE(name);
    const std::vector<uint8_t> bytes = make();
    const fs::path file = kCorpusDir / (name + ".tflite");
    if (regenerate) {
      std::ofstream(file, std::ios::binary)
          .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    }
    auto it = manifest.find(name);
    ASSERT_NE(it, manifest.end()) << "no MANIFEST.tsv entry";
    const std::string m = ReadErrorOf(bytes);
    EXPECT_NE(m.find(it->second), std::string::npos) << "expected '" << it->second << "' in: " << m;
    if (fs::is_regular_file(file) && test::ReadFileBytes(file.string()) == bytes) ++identical;
  }
  for (const auto& [name, fragment] : manifest) {
    bool found = false;
    for (const auto& c : cases) found |= c.first == name;
    EXPECT_TRUE(found) << name << " is in MANIFEST.tsv but the generator does not make it";
  }
  // Informational: a writer change makes the bytes differ while the faults stay the same.
  std::printf("[ malformed ] %zu cases generated, %d byte-identical to the checked-in files%s\n", cases.size(),
              identical, regenerate ? " (regenerated)" : "");
}

TEST(MalformedCorpus, BaseModelIsValid) {
  // The faults above are the only thing wrong with each file.
  for (const Graph& g : {BaseGraph(), ZooBaseGraph()}) {
    SCOPED_TRACE(g.name);
    const auto b = Write(g);
    EXPECT_EQ(ReadErrorOf(b), "");
    const fs::path file = fs::temp_directory_path() / ("tessera_malformed_" + g.name + ".tflite");
    WriteTflite(g, file.string());
    const CliRun r = RunInspect(file.string());
    EXPECT_EQ(r.exit_code, 0) << r.output;
    fs::remove(file);
  }
}

TEST(MalformedCorpus, ZooBaseModelFoldsAndRuns) {
  // The zoo base model folds its shape arithmetic and runs: the faults of the zoo cases are
  // the only thing wrong with them.
  const auto b = Write(ZooBaseGraph());
  const Graph g = ReadTfliteBytes(b.data(), b.size(), "zoo_base.tflite");
  EXPECT_EQ(g.folded.size(), 3u);
  EXPECT_EQ(g.ops.size(), 6u);
  std::vector<uint8_t> in(32);
  for (size_t i = 0; i < in.size(); ++i) in[i] = static_cast<uint8_t>(i * 29);
  EXPECT_NO_THROW(RunPlan(g, PlanLayerByLayer(g), {in}));
}

// ------------------------------------------------------------------ fuzz regressions

const fs::path kRegressionDir = fs::path(TESSERA_SOURCE_DIR) / "tests" / "data" / "fuzz_regressions";

// What fuzz_plan checks for an accepted model: every strategy and, for every split point, a
// 2x2 (or smaller) patch grid with each placement, pass the checker and give the layer-by-layer
// bytes.
void PlansAreCheckedAndExact(const Graph& g) {
  std::vector<std::vector<uint8_t>> in;
  for (int t : g.inputs) {
    std::vector<uint8_t> v(static_cast<size_t>(g.tensors[t].num_bytes()));
    for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<uint8_t>(i * 73 + 5);
    in.push_back(std::move(v));
  }
  const auto want = RunPlan(g, PlanLayerByLayer(g), in);
  auto expect = [&](const Plan& p, const std::string& what) {
    const CheckResult cr = CheckPlan(g, p);
    EXPECT_TRUE(cr.ok) << what << ": " << cr.message;
    if (!cr.ok) return;
    try {
      EXPECT_EQ(RunPlan(g, p, in), want) << what;
    } catch (const Error& e) {
      ADD_FAILURE() << what << ": " << e.what();
    }
  };
  for (const std::string& name : StrategyNames()) expect(MakePlan(g, PlanOptions::FromStrategy(name)), name);
  for (const SplitPoint& sp : ValidSplits(g))
    for (int placement = 0; placement < 3; ++placement)
      for (bool fold : {false, true}) {
        PatchPlanOptions o;
        o.patch.split_op = sp.last_op;
        o.patch.rows = std::min<int32_t>(2, sp.min_cut_h);
        o.patch.cols = std::min<int32_t>(2, sp.min_cut_w);
        o.patch.fold_pads = fold;
        o.placement = static_cast<PatchPlacement>(placement);
        const std::string what = "patch after op " + std::to_string(sp.last_op) + " placement " +
                                 std::to_string(placement) + (fold ? " fold" : "");
        try {
          expect(PlanPatches(g, o), what);
        } catch (const Error& e) {
          ADD_FAILURE() << what << ": " << e.what();
        }
      }
}

// Every input the fuzzers found (tests/data/fuzz_regressions/MANIFEST.tsv): the reader gives
// the listed Error (or accepts the model), in process (the sanitized build of `make test`
// reports any memory or undefined-behaviour fault) and through the CLI (no crash); accepted
// models also go through every planner, the checker and the executor (as in fuzz_plan).
TEST(FuzzRegressions, EveryFindingReadsWithoutFault) {
  std::ifstream f(kRegressionDir / "MANIFEST.tsv");
  ASSERT_TRUE(f) << "no MANIFEST.tsv in " << kRegressionDir;
  std::string line;
  int n = 0;
  while (std::getline(f, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t tab = line.find('\t');
    ASSERT_NE(tab, std::string::npos) << line;
    const std::string name = line.substr(0, tab), want = line.substr(tab + 1);
    SCOPED_TRACE(name);
    const fs::path file = kRegressionDir / (name + ".tflite");
    const std::vector<uint8_t> bytes = test::ReadFileBytes(file.string());
    ASSERT_FALSE(bytes.empty()) << file;
    const std::string m = ReadErrorOf(bytes);
    if (want == "accepted") {
      EXPECT_EQ(m, "");
      if (m.empty()) PlansAreCheckedAndExact(ReadTfliteBytes(bytes.data(), bytes.size(), name));
    } else {
      EXPECT_NE(m.find(want), std::string::npos) << "expected '" << want << "' in: " << m;
    }
    const CliRun r = RunInspect(file.string());
    EXPECT_FALSE(r.signaled) << r.output;
    EXPECT_EQ(r.exit_code, want == "accepted" ? 0 : 2) << r.output;
    ++n;
  }
  EXPECT_GT(n, 0);
}

// The fault behind reader_misaligned_int64_zero_point: the flatbuffer verifier checks the
// alignment of a vector's length, not of its 8-byte elements, so an int64 zero_point vector may
// start 4 bytes off an 8-byte boundary. Move one there (a copy at the end of the file, the
// offset repointed) and check the values read (the sanitized build checks the loads).
TEST(FuzzRegressions, MisalignedInt64ZeroPointsAreReadCorrectly) {
  std::vector<uint8_t> b = BaseBytes();
  for (int t : {int{kConv}, int{kConvW}}) {
    const auto* q = Sg(b)->tensors()->Get(t)->quantization();
    const auto* table = reinterpret_cast<const flatbuffers::Table*>(q);
    const flatbuffers::voffset_t fo = table->GetOptionalFieldOffset(fb::QuantizationParameters::VT_ZERO_POINT);
    ASSERT_NE(fo, 0);
    const size_t field = OffsetOf(b, q) + fo;
    const auto* zp = q->zero_point();
    std::vector<int64_t> values(zp->begin(), zp->end());
    for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<int64_t>(i % 3) - 1 - (t == kConv ? 4 : 0);
    while (b.size() % 8 != 0) b.push_back(0);
    const size_t at = b.size();  // length prefix 8-aligned: elements at 4 (mod 8)
    const uint32_t len = static_cast<uint32_t>(values.size());
    b.insert(b.end(), reinterpret_cast<const uint8_t*>(&len), reinterpret_cast<const uint8_t*>(&len) + 4);
    for (int64_t v : values)
      b.insert(b.end(), reinterpret_cast<const uint8_t*>(&v), reinterpret_cast<const uint8_t*>(&v) + 8);
    const uint32_t rel = static_cast<uint32_t>(at - field);
    std::memcpy(b.data() + field, &rel, 4);
    ASSERT_EQ(reinterpret_cast<uintptr_t>(Sg(b)->tensors()->Get(t)->quantization()->zero_point()->Data()) % 8, 4u);
  }
  Graph g;
  try {
    g = ReadTfliteBytes(b.data(), b.size(), "misaligned.tflite");
  } catch (const Error& e) {
    FAIL() << e.what();
  }
  EXPECT_EQ(g.tensors[kConv].quant.zero_point, (std::vector<int64_t>{-5}));
  EXPECT_EQ(g.tensors[kConvW].quant.zero_point, (std::vector<int64_t>{-1, 0, 1, -1}));
}

// ------------------------------------------------------------------ allocation limit

#if defined(TESSERA_SANITIZE) || defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;  // ASan reserves terabytes of address space: no ulimit -v
#else
constexpr bool kSanitized = false;
#endif

// Address-space limit for the CLI: 256 MiB, a quarter of kMaxTensorBytes.
const std::string kUlimit = "ulimit -v 262144; ";

TEST(MalformedCorpus, HugeDeclaredTensorsAreRefusedWithoutAllocating) {
  if (kSanitized) GTEST_SKIP() << "ulimit -v cannot be used with AddressSanitizer";
  static_assert(kMaxTensorBytes == int64_t{1} << 30, "the documented limit");
  for (const char* name : {"shape_over_reader_limit", "constant_declares_512MiB", "shape_bytes_overflow_int64"}) {
    SCOPED_TRACE(name);
    const CliRun r = RunInspect((kCorpusDir / (std::string(name) + ".tflite")).string(), kUlimit);
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_EQ(r.output.find("out of memory"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("tessera: error: "), std::string::npos) << r.output;
  }
}

TEST(MalformedCorpus, TensorAtTheLimitIsInspectedWithoutAllocating) {
  if (kSanitized) GTEST_SKIP() << "ulimit -v cannot be used with AddressSanitizer";
  // A valid model whose input is exactly kMaxTensorBytes (1 GiB) and whose next activation is
  // 256 MiB: inspect plans it layer by layer (figures only) under a 256 MiB address-space limit.
  test::IrBuilder b("limit");
  b.Act("input", {1, 16384, 16384, 4}, 0.05f, 0);
  const int w = b.Weights("conv/w", {1, 1, 1, 4}, 0);
  b.Bias("conv/b", w, 0, 0.05f);
  b.Act("conv", {1, 16384, 16384, 1}, 0.1f, 0);
  b.Op(OpType::kConv2D, {0, 1, 2}, 3, Conv2DOptions{});
  b.g.inputs = {0};
  b.g.outputs = {3};
  ASSERT_EQ(b.g.tensors[0].num_bytes(), kMaxTensorBytes);
  const fs::path file = fs::temp_directory_path() / "tessera_tensor_at_limit.tflite";
  WriteTflite(b.g, file.string());
  const CliRun ok = RunInspect(file.string(), kUlimit);
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_NE(ok.output.find("1342177280"), std::string::npos) << "input + output bytes of the layer:\n" << ok.output;
  // One more row: over the limit, refused.
  b.g.tensors[0].shape = {1, 16385, 16384, 4};
  b.g.tensors[3].shape = {1, 16385, 16384, 1};
  WriteTflite(b.g, file.string());
  const CliRun over = RunInspect(file.string(), kUlimit);
  EXPECT_EQ(over.exit_code, 2) << over.output;
  EXPECT_NE(over.output.find("shape is too large (more than 1073741824 bytes)"), std::string::npos) << over.output;
  fs::remove(file);
}

}  // namespace
}  // namespace tessera
