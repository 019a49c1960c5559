// SPLIT, SPLIT_V and UNPACK, read as one STRIDED_SLICE per output, and SLICE, read as one
// STRIDED_SLICE (lowering.h). Their semantics follow TFLM's split.cc, split_v.cc, unpack.cc and
// slice.cc: the split axis is a constant (negative values count from the end), SPLIT cuts the
// axis into equal parts, SPLIT_V into the constant sizes given (one of them may be -1: the
// rest), UNPACK into single elements with the axis removed; SLICE takes `size[i]` elements
// from `begin[i]` on each axis (-1: to the end).
#include "ops/lowering.h"

#include <cstring>
#include <string>
#include <vector>

#include "tflite/options.h"

namespace tessera::ops {
namespace {

namespace fb = tflite::fb;

constexpr int kMaxRank = 4;  // STRIDED_SLICE's (TFLM's strided_slice.cc)

[[noreturn]] void LowerFail(const LowerIn& in, const std::string& msg) { throw Error(in.label + ": " + msg); }

const Tensor& TensorAt(const LowerIn& in, const Graph& g, int t, const char* role) {
  if (t < 0 || t >= static_cast<int>(g.tensors.size())) LowerFail(in, std::string(role) + " is missing");
  return g.tensors[t];
}

// The integer values of constant operand `t` (int32 or int64).
std::vector<int64_t> ConstInts(const LowerIn& in, const Graph& g, int t, const char* role) {
  const Tensor& x = TensorAt(in, g, t, role);
  const int es = DTypeSize(x.type);
  if (!x.is_const || (x.type != DType::kInt32 && x.type != DType::kInt64) || x.shape.size() > 1 ||
      static_cast<int64_t>(x.data.size()) != x.num_bytes())
    LowerFail(in, std::string(role) + " tensor '" + x.name + "' must be a constant int32 or int64 scalar or vector");
  std::vector<int64_t> v(static_cast<size_t>(x.num_elements()));
  for (size_t i = 0; i < v.size(); ++i) {
    if (es == 4) {
      int32_t y;
      std::memcpy(&y, x.data.data() + 4 * i, 4);
      v[i] = y;
    } else {
      std::memcpy(&v[i], x.data.data() + 8 * i, 8);
    }
  }
  return v;
}

// The axis constant (one value), normalized to [0, rank).
int Axis(const LowerIn& in, int64_t axis, int rank) {
  if (axis < -rank || axis >= rank)
    LowerFail(in, "axis " + std::to_string(axis) + " is out of range for a rank-" + std::to_string(rank) + " input");
  return static_cast<int>(axis < 0 ? axis + rank : axis);
}

// `constant_ok`: a constant input is accepted (the STRIDED_SLICE it becomes folds at load time).
const Tensor& Input(const LowerIn& in, const Graph& g, int t, bool constant_ok = false) {
  const Tensor& x = TensorAt(in, g, t, "input");
  if (x.is_const && !constant_ok)
    LowerFail(in, "input '" + x.name + "' is a constant; only activations are supported");
  if (x.shape.empty() || x.shape.size() > static_cast<size_t>(kMaxRank))
    LowerFail(in, "input '" + x.name + "' has rank " + std::to_string(x.shape.size()) + "; ranks 1 to " +
                      std::to_string(kMaxRank) + " are supported");
  return x;
}

int AddInt32Const(Graph& g, const std::string& name, const std::vector<int32_t>& v) {
  Tensor t;
  t.name = name;
  t.type = DType::kInt32;
  t.shape = {static_cast<int32_t>(v.size())};
  t.data.resize(v.size() * 4);
  if (!v.empty()) std::memcpy(t.data.data(), v.data(), t.data.size());
  t.is_const = true;
  g.tensors.push_back(std::move(t));
  return static_cast<int>(g.tensors.size()) - 1;
}

// A STRIDED_SLICE of `input` into `output` over [begin, end) with `strides`; its bounds are
// constants named after the output.
void AppendSlice(Graph& g, int input, int output, const std::vector<int32_t>& begin, const std::vector<int32_t>& end,
                 const std::vector<int32_t>& strides, int32_t shrink_axis_mask, std::vector<Operator>* out) {
  const std::string base = g.tensors[output].name;
  Operator s;
  s.type = OpType::kStridedSlice;
  StridedSliceOptions opt;
  opt.shrink_axis_mask = shrink_axis_mask;
  s.options = opt;
  const int b = AddInt32Const(g, base + "/lowered_begin", begin);
  const int e = AddInt32Const(g, base + "/lowered_end", end);
  const int st = AddInt32Const(g, base + "/lowered_strides", strides);
  s.inputs = {input, b, e, st};
  s.outputs = {output};
  out->push_back(std::move(s));
}

// One STRIDED_SLICE per output: output k takes [offsets[k], offsets[k] + sizes[k]) along
// `axis` (removed from its shape when `shrink`).
void Slices(const LowerIn& in, Graph& g, int input, int axis, const std::vector<int32_t>& sizes, bool shrink,
            std::vector<Operator>* out) {
  const std::vector<int32_t> shape = g.tensors[input].shape;
  if (in.outputs.size() != sizes.size())
    LowerFail(in, "has " + std::to_string(in.outputs.size()) + " outputs, expected " + std::to_string(sizes.size()));
  int32_t offset = 0;
  for (size_t k = 0; k < sizes.size(); ++k) {
    const int o = in.outputs[k];
    if (o < 0 || o >= static_cast<int>(g.tensors.size())) LowerFail(in, "output " + std::to_string(k) + " is missing");
    std::vector<int32_t> begin(shape.size(), 0), end = shape, strides(shape.size(), 1);
    begin[axis] = offset;
    end[axis] = offset + sizes[k];
    offset += sizes[k];
    AppendSlice(g, input, o, begin, end, strides, shrink ? 1 << axis : 0, out);
  }
}

void LowerSplit(const LowerIn& in, Graph& g, std::vector<Operator>* out) {
  if (in.inputs.size() != 2) LowerFail(in, "needs 2 inputs (axis, input)");
  const Tensor& x = Input(in, g, in.inputs[1]);
  const std::vector<int64_t> axis_v = ConstInts(in, g, in.inputs[0], "axis");
  if (axis_v.size() != 1) LowerFail(in, "axis must hold one value");
  const int rank = static_cast<int>(x.shape.size());
  const int axis = Axis(in, axis_v[0], rank);
  int num = static_cast<int>(in.outputs.size());
  if (const auto* p = in.options.Table<fb::SplitOptions>(fb::BuiltinOptions::SplitOptions))
    if (p->num_splits() != 0 && p->num_splits() != num)
      LowerFail(in, "num_splits is " + std::to_string(p->num_splits()) + " but it has " + std::to_string(num) +
                        " outputs");
  if (num < 1) LowerFail(in, "has no outputs");
  if (x.shape[axis] % num != 0)
    LowerFail(in, "dimension " + std::to_string(axis) + " of input '" + x.name + "' (" +
                      std::to_string(x.shape[axis]) + ") does not divide into " + std::to_string(num) + " parts");
  Slices(in, g, in.inputs[1], axis, std::vector<int32_t>(num, x.shape[axis] / num), false, out);
}

void LowerSplitV(const LowerIn& in, Graph& g, std::vector<Operator>* out) {
  if (in.inputs.size() != 3) LowerFail(in, "needs 3 inputs (input, size_splits, axis)");
  const Tensor& x = Input(in, g, in.inputs[0]);
  const std::vector<int64_t> sizes_v = ConstInts(in, g, in.inputs[1], "size_splits");
  const std::vector<int64_t> axis_v = ConstInts(in, g, in.inputs[2], "axis");
  if (axis_v.size() != 1) LowerFail(in, "axis must hold one value");
  const int rank = static_cast<int>(x.shape.size());
  const int axis = Axis(in, axis_v[0], rank);
  in.options.Table<fb::SplitVOptions>(fb::BuiltinOptions::SplitVOptions);
  // One size may be -1: whatever the others leave (TensorFlow Lite's split_v.cc).
  int64_t known = 0;
  int unknown = -1;
  for (size_t k = 0; k < sizes_v.size(); ++k) {
    if (sizes_v[k] == -1) {
      if (unknown >= 0) LowerFail(in, "size_splits has more than one -1");
      unknown = static_cast<int>(k);
    } else if (sizes_v[k] == 0) {
      LowerFail(in, "size_splits[" + std::to_string(k) + "] is 0: empty outputs are not supported");
    } else if (sizes_v[k] < 0 || sizes_v[k] > x.shape[axis]) {
      LowerFail(in, "size_splits[" + std::to_string(k) + "] = " + std::to_string(sizes_v[k]) + " is out of range");
    } else {
      known += sizes_v[k];
    }
  }
  std::vector<int32_t> sizes(sizes_v.begin(), sizes_v.end());
  if (unknown >= 0) {
    if (known > x.shape[axis]) LowerFail(in, "size_splits add up to more than the axis holds");
    sizes[unknown] = static_cast<int32_t>(x.shape[axis] - known);
  } else if (known != x.shape[axis]) {
    LowerFail(in, "size_splits add up to " + std::to_string(known) + ", but dimension " + std::to_string(axis) +
                      " of input '" + x.name + "' is " + std::to_string(x.shape[axis]));
  }
  Slices(in, g, in.inputs[0], axis, sizes, false, out);
}

void LowerUnpack(const LowerIn& in, Graph& g, std::vector<Operator>* out) {
  if (in.inputs.size() != 1) LowerFail(in, "needs 1 input");
  const Tensor& x = Input(in, g, in.inputs[0]);
  const int rank = static_cast<int>(x.shape.size());
  int num = 0, axis_raw = 0;
  if (const auto* p = in.options.Table<fb::UnpackOptions>(fb::BuiltinOptions::UnpackOptions)) {
    num = p->num();
    axis_raw = p->axis();
  }
  const int axis = Axis(in, axis_raw, rank);
  if (num != x.shape[axis])
    LowerFail(in, "num is " + std::to_string(num) + " but dimension " + std::to_string(axis) + " of input '" + x.name +
                      "' is " + std::to_string(x.shape[axis]));
  Slices(in, g, in.inputs[0], axis, std::vector<int32_t>(num, 1), true, out);
}

void LowerSlice(const LowerIn& in, Graph& g, std::vector<Operator>* out) {
  if (in.inputs.size() != 3) LowerFail(in, "needs 3 inputs (input, begin, size)");
  if (in.outputs.size() != 1) LowerFail(in, "needs 1 output");
  const Tensor& x = Input(in, g, in.inputs[0], true);
  if (TensorAt(in, g, in.inputs[1], "begin").type != TensorAt(in, g, in.inputs[2], "size").type)
    LowerFail(in, "begin and size must have the same type");
  const std::vector<int64_t> begin_v = ConstInts(in, g, in.inputs[1], "begin");
  const std::vector<int64_t> size_v = ConstInts(in, g, in.inputs[2], "size");
  const size_t rank = x.shape.size();
  if (begin_v.size() != rank || size_v.size() != rank)
    LowerFail(in, "begin and size must hold one value per dimension of input '" + x.name + "' (" +
                      std::to_string(rank) + ")");
  std::vector<int32_t> begin(rank), end(rank), strides(rank, 1);
  for (size_t i = 0; i < rank; ++i) {
    const int64_t dim = x.shape[i];
    if (begin_v[i] < 0 || begin_v[i] > dim)
      LowerFail(in, "begin[" + std::to_string(i) + "] = " + std::to_string(begin_v[i]) + " is outside dimension " +
                        std::to_string(i) + " of input '" + x.name + "' (" + std::to_string(dim) + ")");
    const int64_t size = size_v[i] == -1 ? dim - begin_v[i] : size_v[i];
    if (size < 0 || size > dim - begin_v[i])
      LowerFail(in, "size[" + std::to_string(i) + "] = " + std::to_string(size_v[i]) + " reaches past dimension " +
                        std::to_string(i) + " of input '" + x.name + "' (" + std::to_string(dim) + ")");
    if (size == 0) LowerFail(in, "size[" + std::to_string(i) + "] is 0: empty outputs are not supported");
    begin[i] = static_cast<int32_t>(begin_v[i]);
    end[i] = static_cast<int32_t>(begin_v[i] + size);
  }
  const int o = in.outputs[0];
  if (o < 0 || o >= static_cast<int>(g.tensors.size())) LowerFail(in, "output is missing");
  AppendSlice(g, in.inputs[0], o, begin, end, strides, 0, out);
}

const Lowering kLowerings[] = {
    {static_cast<int32_t>(fb::BuiltinOperator::SLICE), "SLICE", LowerSlice},
    {static_cast<int32_t>(fb::BuiltinOperator::SPLIT), "SPLIT", LowerSplit},
    {static_cast<int32_t>(fb::BuiltinOperator::SPLIT_V), "SPLIT_V", LowerSplitV},
    {static_cast<int32_t>(fb::BuiltinOperator::UNPACK), "UNPACK", LowerUnpack},
};

}  // namespace

const Lowering* FindLowering(int32_t builtin) {
  for (const Lowering& l : kLowerings)
    if (l.builtin == builtin) return &l;
  return nullptr;
}

}  // namespace tessera::ops
