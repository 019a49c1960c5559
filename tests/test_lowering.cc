// SPLIT, SPLIT_V and UNPACK (multi-output operators) and SLICE (ops/lowering.h), read from
// real TFLite flatbuffers built here with the schema's own builders:
//  - the reader lowers each into one STRIDED_SLICE per output and says so (Graph::lowered);
//  - every strategy's plan passes the checker, and its outputs equal an independent slicing
//    of the input written here and TensorFlow Lite 2.9's outputs for the same file;
//  - malformed operators fail at load with a message naming the operator.
#include <gtest/gtest.h>

#include <flatbuffers/flatbuffers.h>

#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "checker/checker.h"
#include "exec/executor.h"
#include "plan/strategy.h"
#include "support/random_bytes.h"
#include "support/tflite_c.h"
#include "tflite/reader.h"
#include "tflite_schema_generated.h"

namespace tessera {
namespace {

namespace fb = ::tessera::tfl;

struct RawTensor {
  std::string name;
  fb::TensorType type = fb::TensorType::INT8;
  std::vector<int32_t> shape;
  std::vector<uint8_t> data;  // empty: an activation
};

std::vector<uint8_t> Int32Data(const std::vector<int32_t>& v) {
  std::vector<uint8_t> b(v.size() * 4);
  if (!v.empty()) std::memcpy(b.data(), v.data(), b.size());
  return b;
}

using OptionsFn = std::function<flatbuffers::Offset<void>(flatbuffers::FlatBufferBuilder&)>;

// A one-operator model: tensors `ts`, operator `code` reading `ins` and writing `outs`.
// Graph inputs: the activations the operator reads; graph outputs: its outputs.
std::vector<uint8_t> OneOpModel(const std::vector<RawTensor>& ts, fb::BuiltinOperator code, const std::vector<int>& ins,
                                const std::vector<int>& outs, fb::BuiltinOptions otype, const OptionsFn& opts) {
  flatbuffers::FlatBufferBuilder b;
  std::vector<flatbuffers::Offset<fb::Buffer>> buffers = {fb::CreateBuffer(b)};
  std::vector<flatbuffers::Offset<fb::Tensor>> tensors;
  std::vector<int> graph_in;
  for (size_t i = 0; i < ts.size(); ++i) {
    const RawTensor& t = ts[i];
    uint32_t buf = 0;
    if (!t.data.empty()) {
      buf = static_cast<uint32_t>(buffers.size());
      buffers.push_back(fb::CreateBuffer(b, b.CreateVector(t.data)));
    }
    flatbuffers::Offset<fb::QuantizationParameters> q;
    if (t.type == fb::TensorType::INT8)
      q = fb::CreateQuantizationParameters(b, 0, 0, b.CreateVector(std::vector<float>{0.25f}),
                                           b.CreateVector(std::vector<int64_t>{-3}));
    tensors.push_back(fb::CreateTensor(b, b.CreateVector(t.shape), t.type, buf, b.CreateString(t.name), q));
  }
  for (int i : ins)
    if (ts[i].data.empty()) graph_in.push_back(i);
  auto oc = fb::CreateOperatorCode(b, static_cast<int8_t>(code), 0, 1, code);
  auto op = fb::CreateOperator(b, 0, b.CreateVector(ins), b.CreateVector(outs), otype,
                               opts ? opts(b) : flatbuffers::Offset<void>());
  auto sg = fb::CreateSubGraph(b, b.CreateVector(tensors), b.CreateVector(graph_in), b.CreateVector(outs),
                               b.CreateVector(&op, 1), b.CreateString("g"));
  auto model = fb::CreateModel(b, 3, b.CreateVector(&oc, 1), b.CreateVector(&sg, 1), b.CreateString("lowering test"),
                               b.CreateVector(buffers));
  fb::FinishModelBuffer(b, model);
  return std::vector<uint8_t>(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
}

// Independent slicing: the box [lo, hi) along `axis` of a row-major tensor of `shape`.
std::vector<uint8_t> Box(const std::vector<uint8_t>& x, const std::vector<int32_t>& shape, int es, int axis, int lo,
                         int hi) {
  int64_t outer = 1, inner = es;
  for (int d = 0; d < axis; ++d) outer *= shape[d];
  for (size_t d = axis + 1; d < shape.size(); ++d) inner *= shape[d];
  std::vector<uint8_t> r;
  for (int64_t o = 0; o < outer; ++o)
    for (int a = lo; a < hi; ++a) {
      const size_t at = static_cast<size_t>((o * shape[axis] + a) * inner);
      r.insert(r.end(), x.begin() + at, x.begin() + at + inner);
    }
  return r;
}

std::vector<uint8_t> RandomData(test::Rng& r, int n) {
  std::vector<uint8_t> v(static_cast<size_t>(n));
  for (auto& b : v) b = static_cast<uint8_t>(test::Uniform(r, 0, 255));
  return v;
}

// "y3" (appending avoids a spurious -Wrestrict of GCC 12 on const char* + std::string).
std::string Indexed(const char* prefix, int k) {
  std::string s = prefix;
  s += std::to_string(k);
  return s;
}

int ElemBytes(fb::TensorType t) { return t == fb::TensorType::INT8 ? 1 : t == fb::TensorType::INT16 ? 2 : 4; }

// n random elements of `type`; floats are small integers, so that every byte pattern is a
// number TFLite copies as is.
std::vector<uint8_t> RandomValues(test::Rng& r, int n, fb::TensorType type) {
  if (type != fb::TensorType::FLOAT32) return RandomData(r, n * ElemBytes(type));
  std::vector<uint8_t> x;
  for (int i = 0; i < n; ++i) {
    const float f = static_cast<float>(test::Uniform(r, -100, 100));
    const auto* p = reinterpret_cast<const uint8_t*>(&f);
    x.insert(x.end(), p, p + 4);
  }
  return x;
}

// Reads `model`, checks the lowering, runs every strategy and compares with `want` and TFLite.
void CheckLowered(const std::vector<uint8_t>& model, const char* name, size_t num_out,
                  const std::vector<uint8_t>& input, const std::vector<std::vector<uint8_t>>& want) {
  const Graph g = ReadTfliteBytes(model.data(), model.size(), "lowering");
  ASSERT_EQ(g.lowered.size(), 1u);
  EXPECT_EQ(g.lowered[0], std::string(name) + " (op 0) -> " + std::to_string(num_out) + " STRIDED_SLICE");
  ASSERT_EQ(g.ops.size(), num_out);
  for (const Operator& o : g.ops) EXPECT_EQ(o.type, OpType::kStridedSlice);
  for (const std::string& s : StrategyNames()) {
    SCOPED_TRACE(s);
    const Plan plan = MakePlan(g, PlanOptions::FromStrategy(s));
    const CheckResult cr = CheckPlan(g, plan);
    ASSERT_TRUE(cr.ok) << cr.message;
    EXPECT_EQ(RunPlan(g, plan, {input}), want);
  }
  std::string why;
  if (!test::TfliteAvailable(&why)) {
    std::printf("TensorFlow Lite unavailable (%s): the oracle comparison is skipped\n", why.c_str());
    return;
  }
  EXPECT_EQ(test::RunTflite(model, {input}), want) << "TensorFlow Lite 2.9 disagrees";
}

TEST(Lowering, SplitIntoEqualPartsOnEveryAxis) {
  const std::vector<int32_t> shape = {2, 6, 4, 6};
  for (fb::TensorType type : {fb::TensorType::INT8, fb::TensorType::INT16, fb::TensorType::FLOAT32})
    for (int axis = -4; axis < 4; ++axis) {
      const int a = axis < 0 ? axis + 4 : axis;
      const int parts = shape[a] % 3 == 0 ? 3 : 2;
      SCOPED_TRACE("axis " + std::to_string(axis) + " type " + fb::EnumNameTensorType(type));
      std::vector<RawTensor> ts = {{"axis", fb::TensorType::INT32, {}, Int32Data({axis})}, {"x", type, shape, {}}};
      std::vector<int> outs;
      std::vector<int32_t> oshape = shape;
      oshape[a] /= parts;
      for (int k = 0; k < parts; ++k) {
        outs.push_back(static_cast<int>(ts.size()));
        ts.push_back({Indexed("y", k), type, oshape, {}});
      }
      const auto model = OneOpModel(ts, fb::BuiltinOperator::SPLIT, {0, 1}, outs, fb::BuiltinOptions::SplitOptions,
                                    [&](flatbuffers::FlatBufferBuilder& b) {
                                      return fb::CreateSplitOptions(b, parts).Union();
                                    });
      const int es = ElemBytes(type);
      test::Rng r(static_cast<uint32_t>((axis + 10) * 31 + es));
      const std::vector<uint8_t> x = RandomValues(r, 2 * 6 * 4 * 6, type);
      std::vector<std::vector<uint8_t>> want;
      for (int k = 0; k < parts; ++k) want.push_back(Box(x, shape, es, a, k * oshape[a], (k + 1) * oshape[a]));
      CheckLowered(model, "SPLIT", parts, x, want);
    }
}

TEST(Lowering, SplitVWithTheRestAndUnpack) {
  const std::vector<int32_t> shape = {1, 5, 7, 3};
  test::Rng r(7);
  const std::vector<uint8_t> x = RandomData(r, 1 * 5 * 7 * 3);
  {
    // SPLIT_V of the columns into 2, the rest (4) and 1.
    std::vector<RawTensor> ts = {{"x", fb::TensorType::INT8, shape, {}},
                                 {"sizes", fb::TensorType::INT32, {3}, Int32Data({2, -1, 1})},
                                 {"axis", fb::TensorType::INT32, {1}, Int32Data({2})},
                                 {"a", fb::TensorType::INT8, {1, 5, 2, 3}, {}},
                                 {"b", fb::TensorType::INT8, {1, 5, 4, 3}, {}},
                                 {"c", fb::TensorType::INT8, {1, 5, 1, 3}, {}}};
    const auto model = OneOpModel(ts, fb::BuiltinOperator::SPLIT_V, {0, 1, 2}, {3, 4, 5},
                                  fb::BuiltinOptions::SplitVOptions, [](flatbuffers::FlatBufferBuilder& b) {
                                    return fb::CreateSplitVOptions(b, 3).Union();
                                  });
    CheckLowered(model, "SPLIT_V", 3, x, {Box(x, shape, 1, 2, 0, 2), Box(x, shape, 1, 2, 2, 6), Box(x, shape, 1, 2, 6, 7)});
  }
  {
    // UNPACK of the rows: five 1x7x3 outputs.
    std::vector<RawTensor> ts = {{"x", fb::TensorType::INT8, shape, {}}};
    std::vector<int> outs;
    std::vector<std::vector<uint8_t>> want;
    for (int k = 0; k < 5; ++k) {
      outs.push_back(static_cast<int>(ts.size()));
      ts.push_back({Indexed("row", k), fb::TensorType::INT8, {1, 7, 3}, {}});
      want.push_back(Box(x, shape, 1, 1, k, k + 1));
    }
    const auto model = OneOpModel(ts, fb::BuiltinOperator::UNPACK, {0}, outs, fb::BuiltinOptions::UnpackOptions,
                                  [](flatbuffers::FlatBufferBuilder& b) {
                                    return fb::CreateUnpackOptions(b, 5, -3).Union();
                                  });
    CheckLowered(model, "UNPACK", 5, x, want);
  }
}

// Independent slicing: the box [begin[d], begin[d] + size[d]) on every axis d, walked one
// output element at a time.
std::vector<uint8_t> MultiBox(const std::vector<uint8_t>& x, const std::vector<int32_t>& shape, int es,
                              const std::vector<int32_t>& begin, const std::vector<int32_t>& size) {
  const size_t rank = shape.size();
  int64_t n = 1;
  for (int32_t s : size) n *= s;
  std::vector<uint8_t> r;
  std::vector<int32_t> idx(rank, 0);
  for (int64_t k = 0; k < n; ++k) {
    int64_t at = 0;
    for (size_t d = 0; d < rank; ++d) at = at * shape[d] + begin[d] + idx[d];
    r.insert(r.end(), x.begin() + at * es, x.begin() + (at + 1) * es);
    for (size_t d = rank; d-- > 0;) {
      if (++idx[d] < size[d]) break;
      idx[d] = 0;
    }
  }
  return r;
}

std::vector<uint8_t> Int64Data(const std::vector<int64_t>& v) {
  std::vector<uint8_t> b(v.size() * 8);
  if (!v.empty()) std::memcpy(b.data(), v.data(), b.size());
  return b;
}

TEST(Lowering, SliceRandomBoxes) {
  test::Rng r(2026);
  for (int trial = 0; trial < 40; ++trial) {
    const int rank = test::Uniform(r, 1, 4);
    std::vector<int32_t> shape(rank), begin(rank), size(rank), declared(rank);
    for (int d = 0; d < rank; ++d) {
      shape[d] = test::Uniform(r, 1, 7);
      begin[d] = test::Uniform(r, 0, shape[d] - 1);
      size[d] = test::Uniform(r, 1, shape[d] - begin[d]);
      // -1: to the end (TFLM's slice.cc).
      declared[d] = size[d] == shape[d] - begin[d] && test::Uniform(r, 0, 1) ? -1 : size[d];
    }
    const fb::TensorType type =
        trial % 3 == 0 ? fb::TensorType::INT8 : trial % 3 == 1 ? fb::TensorType::INT16 : fb::TensorType::FLOAT32;
    const bool wide = trial % 2 == 1;  // int64 begin and size
    SCOPED_TRACE("trial " + std::to_string(trial));
    auto bounds = [&](const std::vector<int32_t>& v) {
      return wide ? Int64Data(std::vector<int64_t>(v.begin(), v.end())) : Int32Data(v);
    };
    const fb::TensorType itype = wide ? fb::TensorType::INT64 : fb::TensorType::INT32;
    std::vector<RawTensor> ts = {{"x", type, shape, {}},
                                 {"begin", itype, {rank}, bounds(begin)},
                                 {"size", itype, {rank}, bounds(declared)},
                                 {"y", type, size, {}}};
    const auto model = OneOpModel(ts, fb::BuiltinOperator::SLICE, {0, 1, 2}, {3}, fb::BuiltinOptions::SliceOptions,
                                  [](flatbuffers::FlatBufferBuilder& b) { return fb::CreateSliceOptions(b).Union(); });
    const int es = ElemBytes(type);
    int n = 1;
    for (int32_t d : shape) n *= d;
    const std::vector<uint8_t> x = RandomValues(r, n, type);
    CheckLowered(model, "SLICE", 1, x, {MultiBox(x, shape, es, begin, size)});
  }
}

std::string LoadError(const std::vector<uint8_t>& model) {
  try {
    ReadTfliteBytes(model.data(), model.size(), "bad");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Lowering, MalformedOperatorsFailAtLoad) {
  const std::vector<int32_t> shape = {1, 5, 4, 2};
  auto split = [&](int axis, int parts) {
    std::vector<RawTensor> ts = {{"axis", fb::TensorType::INT32, {}, Int32Data({axis})},
                                 {"x", fb::TensorType::INT8, shape, {}}};
    std::vector<int> outs;
    for (int k = 0; k < parts; ++k) {
      outs.push_back(static_cast<int>(ts.size()));
      ts.push_back({Indexed("y", k), fb::TensorType::INT8, {1, 1, 4, 2}, {}});
    }
    return OneOpModel(ts, fb::BuiltinOperator::SPLIT, {0, 1}, outs, fb::BuiltinOptions::SplitOptions,
                      [&](flatbuffers::FlatBufferBuilder& b) { return fb::CreateSplitOptions(b, parts).Union(); });
  };
  EXPECT_NE(LoadError(split(1, 2)).find("SPLIT (op 0): dimension 1 of input 'x' (5) does not divide into 2 parts"),
            std::string::npos)
      << LoadError(split(1, 2));
  EXPECT_NE(LoadError(split(4, 5)).find("SPLIT (op 0): axis 4 is out of range for a rank-4 input"), std::string::npos);
  // The outputs' declared shapes are still validated (the lowered slices' shapes).
  EXPECT_NE(LoadError(split(2, 2)).find("STRIDED_SLICE"), std::string::npos) << LoadError(split(2, 2));

  std::vector<RawTensor> ts = {{"x", fb::TensorType::INT8, shape, {}},
                               {"sizes", fb::TensorType::INT32, {2}, Int32Data({2, 2})},
                               {"axis", fb::TensorType::INT32, {}, Int32Data({1})},
                               {"a", fb::TensorType::INT8, {1, 2, 4, 2}, {}},
                               {"b", fb::TensorType::INT8, {1, 2, 4, 2}, {}}};
  const auto splitv = OneOpModel(ts, fb::BuiltinOperator::SPLIT_V, {0, 1, 2}, {3, 4}, fb::BuiltinOptions::SplitVOptions,
                                 [](flatbuffers::FlatBufferBuilder& b) { return fb::CreateSplitVOptions(b, 2).Union(); });
  EXPECT_NE(LoadError(splitv).find("SPLIT_V (op 0): size_splits add up to 4, but dimension 1 of input 'x' is 5"),
            std::string::npos)
      << LoadError(splitv);

  std::vector<RawTensor> tu = {{"x", fb::TensorType::INT8, shape, {}}, {"r", fb::TensorType::INT8, {1, 4, 2}, {}}};
  const auto unpack = OneOpModel(tu, fb::BuiltinOperator::UNPACK, {0}, {1}, fb::BuiltinOptions::UnpackOptions,
                                 [](flatbuffers::FlatBufferBuilder& b) { return fb::CreateUnpackOptions(b, 1, 1).Union(); });
  EXPECT_NE(LoadError(unpack).find("UNPACK (op 0): num is 1 but dimension 1 of input 'x' is 5"), std::string::npos)
      << LoadError(unpack);
  // A non-constant axis.
  std::vector<RawTensor> tn = {{"axis", fb::TensorType::INT32, {}, {}}, {"x", fb::TensorType::INT8, shape, {}},
                               {"y", fb::TensorType::INT8, shape, {}}};
  const auto dyn = OneOpModel(tn, fb::BuiltinOperator::SPLIT, {0, 1}, {2}, fb::BuiltinOptions::SplitOptions,
                              [](flatbuffers::FlatBufferBuilder& b) { return fb::CreateSplitOptions(b, 1).Union(); });
  EXPECT_NE(LoadError(dyn).find("SPLIT (op 0): axis tensor 'axis' must be a constant"), std::string::npos)
      << LoadError(dyn);

  // SLICE: bounds outside the input, one value per dimension, begin and size of one type.
  auto slice = [&](const std::vector<uint8_t>& begin, const std::vector<uint8_t>& size, fb::TensorType size_type,
                   int n) {
    std::vector<RawTensor> t = {{"x", fb::TensorType::INT8, shape, {}},
                                {"begin", fb::TensorType::INT32, {n}, begin},
                                {"size", size_type, {n}, size},
                                {"y", fb::TensorType::INT8, {1, 2, 2, 2}, {}}};
    return OneOpModel(t, fb::BuiltinOperator::SLICE, {0, 1, 2}, {3}, fb::BuiltinOptions::SliceOptions,
                      [](flatbuffers::FlatBufferBuilder& b) { return fb::CreateSliceOptions(b).Union(); });
  };
  const auto past = slice(Int32Data({0, 4, 0, 0}), Int32Data({1, 2, 2, 2}), fb::TensorType::INT32, 4);
  EXPECT_NE(LoadError(past).find("SLICE (op 0): size[1] = 2 reaches past dimension 1 of input 'x' (5)"),
            std::string::npos)
      << LoadError(past);
  const auto neg = slice(Int32Data({0, -1, 0, 0}), Int32Data({1, 2, 2, 2}), fb::TensorType::INT32, 4);
  EXPECT_NE(LoadError(neg).find("SLICE (op 0): begin[1] = -1 is outside dimension 1 of input 'x' (5)"),
            std::string::npos)
      << LoadError(neg);
  const auto short_bounds = slice(Int32Data({0, 0, 0}), Int32Data({1, 2, 2}), fb::TensorType::INT32, 3);
  EXPECT_NE(LoadError(short_bounds).find("SLICE (op 0): begin and size must hold one value per dimension of input 'x' (4)"),
            std::string::npos)
      << LoadError(short_bounds);
  const auto mixed = slice(Int32Data({0, 0, 0, 0}), Int64Data({1, 2, 2, 2}), fb::TensorType::INT64, 4);
  EXPECT_NE(LoadError(mixed).find("SLICE (op 0): begin and size must have the same type"), std::string::npos)
      << LoadError(mixed);
  // The output's declared shape is validated against the slice (the lowered STRIDED_SLICE's).
  const auto wrong_out = slice(Int32Data({0, 0, 0, 0}), Int32Data({1, 3, 2, 2}), fb::TensorType::INT32, 4);
  EXPECT_NE(LoadError(wrong_out).find("STRIDED_SLICE"), std::string::npos) << LoadError(wrong_out);
}

}  // namespace
}  // namespace tessera
