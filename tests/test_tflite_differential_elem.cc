// Differential tests of the element-wise operators SUB, MAXIMUM, MINIMUM, SQUARED_DIFFERENCE,
// PRELU, LEAKY_RELU, TANH, ABS, RSQRT and ELU, the reductions SUM, ARG_MAX and ARG_MIN, and
// DEPTH_TO_SPACE, SPACE_TO_DEPTH, SQUEEZE, EXPAND_DIMS, SPACE_TO_BATCH_ND, BATCH_TO_SPACE_ND,
// GATHER, MIRROR_PAD and NEG against TensorFlow Lite 2.9's C library (an interpreter nobody here
// wrote): random single-operator models (random ranks 1-4, shapes, broadcasting, constant
// operands, quantizations, fused activations, alphas, axes, keep_dims, int32/int64 indices, block
// sizes, squeezed axes, batches, block shapes, paddings and crops, gather axes and batch_dims,
// mirror modes and paddings, special float values) written by
// tessera's writer, run by TFLite and by tessera's executor. Every output byte must equal
// TFLite's, or differ by one where support/ties.h proves a rounding tie; anything else fails,
// printing the seed of the case and the element. A summary line per operator is printed.
//
// SUM: TFLite 2.9's int8 SUM with rescaling computes in float and does not clamp its result
// to int8 (a value beyond the range wraps around), while TFLM's requantizes with
// MultiplyByQuantizedMultiplier and clamps. tessera's SUM bytes must equal an independent naive
// TFLM-semantics SUM (NaiveSum below); TFLite's byte is accepted (counted as a known TFLite
// difference) when it equals it, or is within one step of it (float vs integer rounding), or,
// for a value beyond the int8 range, within one step of that value wrapped to int8.
//
// TANH is the other exception, by design: TFLite 2.9's (non-micro) int8 TANH looks its output up
// in a table it builds from float tanh, while TFLM (whose reference kernels tessera
// reproduces) computes gemmlowp's fixed-point tanh. For TANH tessera's bytes must equal an
// independent naive TFLM-semantics implementation (the Prepare parameters recomputed here
// from TFLM tanh.cc, the element from support/naive_elem.h), and TFLite's bytes are only
// required to be within one step of them (the differences are counted and printed).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "exec/executor.h"
#include "ir/graph.h"
#include "memory/greedy.h"
#include "support/naive_elem.h"
#include "support/naive_kernels.h"
#include "support/random_case.h"
#include "support/ties.h"
#include "support/tflite_c.h"
#include "tflite/writer.h"

namespace tessera {
namespace {

using test::AddTensor;
using test::Q;
using test::Rand;
using test::RandomBytes;
using test::RandQ;
using test::Tie;

constexpr int kCasesPerOp = 200;

struct Case {
  Graph g;
  std::vector<std::vector<uint8_t>> inputs;
  std::string desc;
};

// Rank 1-4 (batch 1 at rank 4), at most ~500 elements.
std::vector<int32_t> RandShape(Rand& r) {
  const int rank = r.I(1, 4);
  std::vector<int32_t> s(rank);
  for (int d = 0; d < rank; ++d) s[d] = r.I(1, rank == 1 ? 40 : 8);
  if (rank == 4) s[0] = 1;
  return s;
}

// A shape that broadcasts to `out`: some axes 1, possibly fewer leading axes.
std::vector<int32_t> BroadcastFrom(Rand& r, const std::vector<int32_t>& out) {
  std::vector<int32_t> s = out;
  for (int32_t& d : s)
    if (r.P(0.3)) d = 1;
  while (!s.empty() && r.P(0.2)) s.erase(s.begin());
  if (s.empty()) s = {1};
  return s;
}

int64_t Elements(const std::vector<int32_t>& s) {
  int64_t n = 1;
  for (int32_t d : s) n *= d;
  return n;
}

std::string ShapeText(const std::vector<int32_t>& s) { return ShapeStr(s); }

// One operator `type` reading operands (a, b) or a, writing y; inputs as activations unless
// `const_b` (then b is a constant holding `b_bytes`).
Case Finish(Graph g, OpType type, std::vector<int> ins, int y, OpOptions opts, std::vector<std::vector<uint8_t>> in_bytes,
            std::string desc) {
  Case c;
  Operator op;
  op.type = type;
  op.inputs = std::move(ins);
  op.outputs = {y};
  op.options = std::move(opts);
  g.ops.push_back(op);
  for (int t : g.ops[0].inputs)
    if (!g.tensors[t].is_const) g.inputs.push_back(t);
  g.outputs = {y};
  c.g = std::move(g);
  c.inputs = std::move(in_bytes);
  c.desc = std::move(desc);
  return c;
}

Case MakeBinary(OpType type, Rand& r) {
  Graph g;
  const std::vector<int32_t> out = RandShape(r);
  std::vector<int32_t> sa = out, sb = BroadcastFrom(r, out);
  if (type != OpType::kPrelu && r.P(0.5)) std::swap(sa, sb);
  if (type == OpType::kPrelu && r.P(0.5)) sb = {out.back()};  // per-channel alpha, as converters write it
  // The broadcast of sa and sb must be `out`: make sa full when neither is.
  if (Elements(sa) != Elements(out) && Elements(sb) != Elements(out)) sa = out;
  Quantization qa = RandQ(r), qb = RandQ(r), qy = RandQ(r);
  OpOptions opts = std::monostate{};
  std::string what = OpTypeName(type);
  switch (type) {
    case OpType::kSub: {
      SubOptions o;
      o.activation = test::RandAct(r);
      what += std::string(" act ") + ActivationName(o.activation);
      opts = o;
      break;
    }
    case OpType::kMaximum:
    case OpType::kMinimum: qb = qy = qa; break;
    case OpType::kSquaredDifference: {
      const double s = std::max(qa.scale[0], qb.scale[0]);
      qy = Q(static_cast<float>(s * s * r.U(20, 400)), r.I(-128, 0));
      break;
    }
    case OpType::kPrelu:
      qb = Q(static_cast<float>(std::pow(10.0, r.U(-3, -1))), r.I(-128, 127));
      qy = Q(static_cast<float>(qa.scale[0] * r.U(0.5, 2)), r.I(-128, 127));
      break;
    default: break;
  }
  const bool const_b = r.P(type == OpType::kPrelu ? 0.8 : 0.25);
  const int a = AddTensor(g, "a", DType::kInt8, sa, qa);
  std::vector<std::vector<uint8_t>> bytes = {RandomBytes(r, Elements(sa))};
  const std::vector<uint8_t> bb = RandomBytes(r, Elements(sb));
  const int b = AddTensor(g, "b", DType::kInt8, sb, qb, const_b ? bb : std::vector<uint8_t>{});
  if (!const_b) bytes.push_back(bb);
  const int y = AddTensor(g, "y", DType::kInt8, out, qy);
  return Finish(std::move(g), type, {a, b}, y, opts, std::move(bytes),
                what + " " + ShapeText(sa) + (const_b ? " const " : " ") + ShapeText(sb) + " -> " + ShapeText(out));
}

Case MakeUnary(OpType type, Rand& r) {
  Graph g;
  const std::vector<int32_t> s = RandShape(r);
  const Quantization qx = RandQ(r);
  const double sx = qx.scale[0];
  const int64_t zx = qx.zero_point[0];
  Quantization qy = Q(static_cast<float>(sx * r.U(0.5, 2)), r.I(-128, 127));
  OpOptions opts = std::monostate{};
  std::string what = OpTypeName(type);
  std::vector<uint8_t> in = RandomBytes(r, Elements(s));
  switch (type) {
    case OpType::kLeakyRelu: {
      LeakyReluOptions o;
      o.alpha = static_cast<float>(r.P(0.8) ? r.U(0, 0.5) : r.U(-1, 2));
      what += " alpha " + std::to_string(o.alpha);
      opts = o;
      break;
    }
    case OpType::kTanh: qy = Q(1.0f / 128, 0); break;
    case OpType::kAbs:
      if (r.P(0.3)) qy = Q(qx.scale[0], r.I(-128, 127));  // equal scales: no rescaling
      break;
    case OpType::kRsqrt:
      // Real inputs >= 0 only (TFLM fails on negative ones); outputs up to 1/sqrt(scale).
      in = test::RangeBytes(r, Elements(s), static_cast<int>(zx), 127);
      qy = Q(static_cast<float>(1.0 / std::sqrt(sx) / r.U(30, 250)), r.I(-128, 0));
      break;
    default: break;
  }
  const int x = AddTensor(g, "x", DType::kInt8, s, qx);
  const int y = AddTensor(g, "y", DType::kInt8, s, qy);
  return Finish(std::move(g), type, {x}, y, opts, {in}, what + " " + ShapeText(s) + " scale " + std::to_string(sx) +
                                                             " zp " + std::to_string(zx));
}

std::vector<uint8_t> I64Bytes(const std::vector<int64_t>& v, DType t) {
  std::vector<uint8_t> b;
  for (int64_t x : v) {
    const int n = t == DType::kInt64 ? 8 : 4;
    for (int i = 0; i < n; ++i) b.push_back(static_cast<uint8_t>(static_cast<uint64_t>(x) >> (8 * i)));
  }
  return b;
}

// SUM over a random non-empty set of axes (keep_dims either way), ARG_MAX / ARG_MIN over one
// axis (int32 or int64 indices); axes as int32 or int64 constants, possibly negative.
Case MakeReduce(OpType type, Rand& r) {
  Graph g;
  const std::vector<int32_t> s = RandShape(r);
  const int rank = static_cast<int>(s.size());
  const Quantization qx = RandQ(r);
  std::vector<int64_t> axes;
  std::vector<char> reduced(rank, 0);
  if (type == OpType::kSum) {
    for (int d = 0; d < rank; ++d)
      if (r.P(0.5)) reduced[d] = 1;
    reduced[r.I(0, rank - 1)] = 1;
    for (int d = 0; d < rank; ++d)
      if (reduced[d]) axes.push_back(r.P(0.3) ? d - rank : d);
  } else {
    const int d = r.I(0, rank - 1);
    reduced[d] = 1;
    axes.push_back(r.P(0.3) ? d - rank : d);
  }
  // TFLite 2.9's SUM takes int32 axes only; ARG_MAX / ARG_MIN either.
  const DType axis_type = type == OpType::kSum || r.P(0.7) ? DType::kInt32 : DType::kInt64;
  const int ax = AddTensor(g, "axes", axis_type,
                           type == OpType::kSum || r.P(0.5) ? std::vector<int32_t>{static_cast<int32_t>(axes.size())}
                                                            : std::vector<int32_t>{},
                           Quantization{}, I64Bytes(axes, axis_type));
  int64_t count = 1;
  std::vector<int32_t> out;
  bool keep = false;
  if (type == OpType::kSum) keep = r.P(0.5);
  for (int d = 0; d < rank; ++d) {
    if (reduced[d]) count *= s[d];
    if (!reduced[d]) out.push_back(s[d]);
    else if (keep) out.push_back(1);
  }
  const int x = AddTensor(g, "x", DType::kInt8, s, qx);
  std::string what = OpTypeName(type);
  what += " ";
  what += ShapeText(s);
  what += " axes";
  for (int64_t a : axes) {
    what += ' ';
    what += std::to_string(a);
  }
  int y;
  OpOptions opts;
  if (type == OpType::kSum) {
    y = AddTensor(g, "y", DType::kInt8, out,
                  // sums mostly inside the output's range: the real sum is centred on
                  // -count * zero point * scale and spreads as sqrt(count)
                  Q(static_cast<float>(qx.scale[0] *
                                       (static_cast<double>(count) * std::abs(static_cast<double>(qx.zero_point[0])) +
                                        80 * std::sqrt(static_cast<double>(count))) /
                                       100 * r.U(0.5, 1.5)),
                    r.I(-20, 20)));
    MeanOptions o;
    o.keep_dims = keep;
    opts = o;
    what += keep ? " keep_dims" : "";
  } else {
    ArgMinMaxOptions o;
    o.out_type = r.P(0.5) ? DType::kInt32 : DType::kInt64;
    y = AddTensor(g, "y", o.out_type, out, Quantization{});
    opts = o;
    what += std::string(" -> ") + DTypeName(o.out_type);
  }
  // Few distinct values sometimes, so that ARG_MAX / ARG_MIN meet ties.
  std::vector<uint8_t> in = r.P(0.3) ? test::RangeBytes(r, Elements(s), -2, 2) : RandomBytes(r, Elements(s));
  return Finish(std::move(g), type, {x, ax}, y, opts, {in}, what);
}

// DEPTH_TO_SPACE / SPACE_TO_DEPTH: block 1-4, 1 x h x w x c, int8 sharing its quantization
// or float32.
Case MakeSpaceDepth(OpType type, Rand& r) {
  Graph g;
  const int b = r.I(1, 4);
  const bool d2s = type == OpType::kDepthToSpace;
  const int h = r.I(1, d2s ? 6 : 4) * (d2s ? 1 : b), w = r.I(1, d2s ? 6 : 4) * (d2s ? 1 : b);
  const int c = d2s ? b * b * r.I(1, 3) : r.I(1, 5);
  const std::vector<int32_t> in = {1, h, w, c};
  const std::vector<int32_t> out = d2s ? std::vector<int32_t>{1, h * b, w * b, c / (b * b)}
                                       : std::vector<int32_t>{1, h / b, w / b, c * b * b};
  const bool f32 = r.P(0.2);
  const Quantization q = f32 ? Quantization{} : RandQ(r);
  const DType t = f32 ? DType::kFloat32 : DType::kInt8;
  const int x = AddTensor(g, "x", t, in, q);
  const int y = AddTensor(g, "y", t, out, q);
  SpaceDepthOptions o;
  o.block_size = b;
  std::string what = OpTypeName(type);
  what += " block ";
  what += std::to_string(b);
  what += ' ';
  what += ShapeText(in);
  what += f32 ? " float32" : " int8";
  return Finish(std::move(g), type, {x}, y, o, {RandomBytes(r, Elements(in) * (f32 ? 4 : 1))}, what);
}

// SPACE_TO_BATCH_ND / BATCH_TO_SPACE_ND: rank 3 (NHC) or 4 (NHWC), batch 1-3, blocks 1-3 per
// spatial axis, paddings 0-4 per side (the padded size a multiple of the block) or crops 0-4
// in all (the output at least one), int8 (output zero point random: it pads) or float32.
Case MakeSpaceBatch(OpType type, Rand& r) {
  Graph g;
  const bool s2b = type == OpType::kSpaceToBatchNd;
  const int rank = r.P(0.25) ? 3 : 4, m = rank - 2;
  const int c = r.I(1, 4);
  std::vector<int64_t> blk(m), pads(2 * m);
  std::vector<int32_t> in(rank), out(rank);
  int64_t prod = 1;
  for (int d = 0; d < m; ++d) blk[d] = r.I(1, 3), prod *= blk[d];
  const int batch = r.I(1, s2b ? 3 : 2);
  in[0] = s2b ? batch : batch * static_cast<int32_t>(prod);
  out[0] = s2b ? batch * static_cast<int32_t>(prod) : batch;
  for (int d = 0; d < m; ++d) {
    const int b = static_cast<int>(blk[d]);
    if (s2b) {
      in[d + 1] = r.I(1, 7);
      const int lo = r.I(0, 4);
      int hi = r.I(0, 4);
      hi += (b - (in[d + 1] + lo + hi) % b) % b;  // padded size a multiple of the block
      pads[2 * d] = lo, pads[2 * d + 1] = hi;
      out[d + 1] = (in[d + 1] + lo + hi) / b;
    } else {
      in[d + 1] = r.I(1, 5);
      const int crop = r.I(0, std::min(4, in[d + 1] * b - 1));
      const int lo = r.I(0, crop);
      pads[2 * d] = lo, pads[2 * d + 1] = crop - lo;
      out[d + 1] = in[d + 1] * b - crop;
    }
  }
  in[rank - 1] = out[rank - 1] = c;
  const bool f32 = r.P(0.2);
  const DType t = f32 ? DType::kFloat32 : DType::kInt8;
  const Quantization qx = f32 ? Quantization{} : RandQ(r);
  const Quantization qy = f32 ? Quantization{} : r.P(0.5) ? qx : RandQ(r);
  const int x = AddTensor(g, "x", t, in, qx);
  const int bs = AddTensor(g, "block_shape", DType::kInt32, {m}, Quantization{}, I64Bytes(blk, DType::kInt32));
  const int pd = AddTensor(g, s2b ? "paddings" : "crops", DType::kInt32, {m, 2}, Quantization{},
                           I64Bytes(pads, DType::kInt32));
  const int y = AddTensor(g, "y", t, out, qy);
  std::string what = OpTypeName(type);
  what += ' ' + ShapeText(in) + " block";
  for (int64_t b : blk) what += ' ' + std::to_string(b);
  what += s2b ? " paddings" : " crops";
  for (int64_t v : pads) what += ' ' + std::to_string(v);
  what += f32 ? " float32" : " int8";
  return Finish(std::move(g), type, {x, bs, pd}, y, std::monostate{},
                {RandomBytes(r, Elements(in) * (f32 ? 4 : 1))}, what);
}

bool IsSpaceBatch(OpType t) { return t == OpType::kSpaceToBatchNd || t == OpType::kBatchToSpaceNd; }

// SQUEEZE (some or all axes of size 1) and EXPAND_DIMS (an int32/int64 axis, possibly
// negative) of int8 tensors whose shapes have axes of size 1.
Case MakeView(OpType type, Rand& r) {
  Graph g;
  std::vector<int32_t> s = RandShape(r);
  for (int32_t& d : s)
    if (r.P(0.4)) d = 1;
  const int rank = static_cast<int>(s.size());
  const Quantization q = RandQ(r);
  std::vector<int32_t> out;
  std::string what = OpTypeName(type);
  what += ' ';
  what += ShapeText(s);
  const int x = AddTensor(g, "x", DType::kInt8, s, q);
  std::vector<int> ins = {x};
  OpOptions opts = std::monostate{};
  if (type == OpType::kSqueeze) {
    SqueezeOptions o;
    for (int d = 0; d < rank; ++d)
      if (s[d] == 1 && r.P(0.5)) o.squeeze_dims.push_back(r.P(0.3) ? d - rank : d);
    std::vector<char> drop(rank, o.squeeze_dims.empty() ? 1 : 0);
    for (int32_t d : o.squeeze_dims) drop[(d + rank) % rank] = 1;
    for (int d = 0; d < rank; ++d)
      if (!drop[d] || s[d] != 1) out.push_back(s[d]);
    what += " dims";
    for (int32_t d : o.squeeze_dims) {
      what += ' ';
      what += std::to_string(d);
    }
    opts = o;
  } else {
    const int a = r.I(-rank - 1, rank);
    out = s;
    out.insert(out.begin() + (a < 0 ? a + rank + 1 : a), 1);
    const DType at = r.P(0.5) ? DType::kInt32 : DType::kInt64;
    ins.push_back(AddTensor(g, "axis", at, r.P(0.5) ? std::vector<int32_t>{1} : std::vector<int32_t>{}, Quantization{},
                            I64Bytes({a}, at)));
    what += " axis ";
    what += std::to_string(a);
  }
  const int y = AddTensor(g, "y", DType::kInt8, out, q);
  return Finish(std::move(g), type, ins, y, opts, {RandomBytes(r, Elements(s))}, what);
}

// Bytes of n int32 values.
std::vector<uint8_t> I32Bytes(const std::vector<int64_t>& v) { return I64Bytes(v, DType::kInt32); }

// GATHER: params of rank 1-4 (int8 sharing its quantization, or float32), int32 indices of rank
// 0-2 (constant or an input), axis and batch_dims each possibly negative; the output shape from
// the operator's definition: params[:axis] + indices[batch_dims:] + params[axis + 1:].
Case MakeGather(Rand& r) {
  Graph g;
  const int pr = r.I(1, 4);
  std::vector<int32_t> ps(pr);
  for (int32_t& d : ps) d = r.I(1, pr == 1 ? 12 : 5);
  const int axis = r.I(0, pr - 1);
  const int bd = r.I(0, std::min(axis, 2));
  std::vector<int32_t> is(ps.begin(), ps.begin() + bd);
  const int extra = r.I(0, 2);
  for (int k = 0; k < extra; ++k) is.push_back(r.I(1, 4));
  const int ir = static_cast<int>(is.size());
  std::vector<int64_t> idx(static_cast<size_t>(Elements(is)));
  for (int64_t& v : idx) v = r.I(0, ps[axis] - 1);
  std::vector<int32_t> out(ps.begin(), ps.begin() + axis);
  out.insert(out.end(), is.begin() + bd, is.end());
  out.insert(out.end(), ps.begin() + axis + 1, ps.end());
  GatherOptions o;
  o.axis = r.P(0.3) ? axis - pr : axis;
  o.batch_dims = bd > 0 && bd < ir && r.P(0.3) ? bd - ir : bd;  // -0 would be 0
  const bool f32 = r.P(0.25);
  const DType t = f32 ? DType::kFloat32 : DType::kInt8;
  const Quantization q = f32 ? Quantization{} : RandQ(r);
  const bool const_params = r.P(0.2), const_idx = !const_params && r.P(0.5);
  const std::vector<uint8_t> pb = RandomBytes(r, Elements(ps) * (f32 ? 4 : 1));
  const int x = AddTensor(g, "params", t, ps, q, const_params ? pb : std::vector<uint8_t>{});
  const int ix = AddTensor(g, "indices", DType::kInt32, is, Quantization{}, const_idx ? I32Bytes(idx) : std::vector<uint8_t>{});
  const int y = AddTensor(g, "y", t, out, q);
  std::vector<std::vector<uint8_t>> in;
  if (!const_params) in.push_back(pb);
  if (!const_idx) in.push_back(I32Bytes(idx));
  std::string what = "GATHER " + ShapeText(ps) + (const_params ? " const" : "") + " indices " + ShapeText(is) +
                     (const_idx ? " const" : "") + " axis " + std::to_string(o.axis) + " batch_dims " +
                     std::to_string(o.batch_dims) + (f32 ? " float32" : " int8");
  return Finish(std::move(g), OpType::kGather, {x, ix}, y, o, std::move(in), what);
}

// MIRROR_PAD: rank 1-4 (batch 1 unpadded at rank 4), REFLECT or SYMMETRIC, every padding in its
// range (up to size - 1 or size), int32 or int64 paddings, int8 or float32.
Case MakeMirrorPad(Rand& r) {
  Graph g;
  const std::vector<int32_t> s = RandShape(r);
  const int rank = static_cast<int>(s.size());
  MirrorPadOptions o;
  o.mode = r.P(0.5) ? MirrorPadMode::kReflect : MirrorPadMode::kSymmetric;
  const int off = o.mode == MirrorPadMode::kReflect ? 1 : 0;
  std::vector<int64_t> pads;
  std::vector<int32_t> out;
  for (int d = 0; d < rank; ++d) {
    const bool batch = rank == 4 && d == 0;
    const int64_t a = batch || r.P(0.2) ? 0 : r.I(0, s[d] - off), b = batch || r.P(0.2) ? 0 : r.I(0, s[d] - off);
    pads.push_back(a);
    pads.push_back(b);
    out.push_back(static_cast<int32_t>(s[d] + a + b));
  }
  const bool f32 = r.P(0.25);
  const DType t = f32 ? DType::kFloat32 : DType::kInt8;
  const Quantization q = f32 ? Quantization{} : RandQ(r);
  const DType pt = r.P(0.5) ? DType::kInt32 : DType::kInt64;
  const int x = AddTensor(g, "x", t, s, q);
  const int p = AddTensor(g, "paddings", pt, {rank, 2}, Quantization{}, I64Bytes(pads, pt));
  const int y = AddTensor(g, "y", t, out, q);
  std::string what = std::string("MIRROR_PAD ") + (off ? "REFLECT " : "SYMMETRIC ") + ShapeText(s) + " -> " +
                     ShapeText(out) + (f32 ? " float32" : " int8");
  return Finish(std::move(g), OpType::kMirrorPad, {x, p}, y, o, {RandomBytes(r, Elements(s) * (f32 ? 4 : 1))}, what);
}

// NEG float32 (TFLM's only type): random finite values and the special ones (signed zeros,
// infinities, NaNs with payloads, subnormals).
Case MakeNeg(Rand& r) {
  Graph g;
  const std::vector<int32_t> s = RandShape(r);
  std::vector<uint8_t> in;
  for (int64_t i = 0; i < Elements(s); ++i) {
    float f;
    const int kind = r.I(0, 9);
    if (kind == 0) {
      const float special[] = {0.0f, -0.0f, std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity(),
                               std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::denorm_min(),
                               -std::numeric_limits<float>::max()};
      f = special[r.I(0, 6)];
    } else if (kind == 1) {
      uint32_t u = static_cast<uint32_t>(r.I(0, 0x7fffff)) | 0x7f800001u | (r.P(0.5) ? 0x80000000u : 0u);  // NaN
      std::memcpy(&f, &u, 4);
    } else {
      f = static_cast<float>(r.U(-1, 1) * std::pow(10.0, r.I(-6, 6)));
    }
    uint8_t b[4];
    std::memcpy(b, &f, 4);
    in.insert(in.end(), b, b + 4);
  }
  const int x = AddTensor(g, "x", DType::kFloat32, s, Quantization{});
  const int y = AddTensor(g, "y", DType::kFloat32, s, Quantization{});
  return Finish(std::move(g), OpType::kNeg, {x}, y, std::monostate{}, {in}, "NEG " + ShapeText(s));
}

bool IsCopyOp(OpType t) { return t == OpType::kGather || t == OpType::kMirrorPad || t == OpType::kNeg; }

bool IsView(OpType t) { return t == OpType::kSqueeze || t == OpType::kExpandDims; }

bool IsRearrange(OpType t) { return t == OpType::kDepthToSpace || t == OpType::kSpaceToDepth; }

bool IsReduce(OpType t) { return t == OpType::kSum || t == OpType::kArgMax || t == OpType::kArgMin; }

bool IsBinary(OpType t) {
  return t == OpType::kSub || t == OpType::kMaximum || t == OpType::kMinimum || t == OpType::kSquaredDifference ||
         t == OpType::kPrelu;
}

// TFLM tanh.cc's Prepare for int8, recomputed here: frexp of scale * 2^27, the mantissa
// rounded to Q31, and CalculateInputRadius(4, left_shift, 31).
ts_logistic_params NaiveTanhParams(const Tensor& x) {
  ts_logistic_params p{};
  int left_shift = 0;
  const double q = std::frexp(static_cast<double>(x.quant.scale[0]) * static_cast<double>(1 << 27), &left_shift);
  p.input_multiplier = static_cast<int32_t>(std::round(q * 2147483648.0));
  p.input_left_shift = left_shift;
  p.input_zero_point = static_cast<int32_t>(x.quant.zero_point[0]);
  p.input_range_radius = static_cast<int32_t>(std::floor(15.0 * 134217728.0 / std::ldexp(1.0, left_shift)));
  return p;
}

// TFLM's SUM (reduce.cc EvalSum, QuantizedMeanOrSum with compute_sum), recomputed here over the
// whole tensor: per output element the int32 sum of its input bytes, minus count * input zero
// point, requantized by QuantizeMultiplier(input_scale / output_scale), plus the output zero
// point; `unclamped` gets the value before the clamp to int8.
std::vector<int> NaiveSum(const Graph& g, const std::vector<uint8_t>& in, std::vector<int64_t>* unclamped) {
  const Operator& o = g.ops[0];
  const Tensor& x = g.tensors[o.inputs[0]];
  const Tensor& y = g.tensors[o.outputs[0]];
  const int rank = static_cast<int>(x.shape.size());
  std::vector<char> reduced(rank, 0);
  const Tensor& ax = g.tensors[o.inputs[1]];
  for (size_t i = 0; i < ax.data.size() / 4; ++i) {
    int32_t a;
    std::memcpy(&a, ax.data.data() + 4 * i, 4);
    reduced[(a + rank) % rank] = 1;
  }
  const int64_t n_out = y.num_elements();
  std::vector<int64_t> sum(static_cast<size_t>(n_out), 0);
  int64_t count = 1;
  for (int d = 0; d < rank; ++d)
    if (reduced[d]) count *= x.shape[d];
  std::vector<int32_t> idx(rank, 0);
  for (int64_t e = 0; e < x.num_elements(); ++e) {
    int64_t out = 0;
    for (int d = 0; d < rank; ++d)
      if (!reduced[d]) out = out * x.shape[d] + idx[d];
    sum[static_cast<size_t>(out)] += static_cast<int8_t>(in[static_cast<size_t>(e)]);
    for (int d = rank - 1; d >= 0 && ++idx[d] == x.shape[d]; --d) idx[d] = 0;
  }
  const test::QMul q = test::QuantizeMultiplier(static_cast<double>(x.quant.scale[0]) / y.quant.scale[0]);
  std::vector<int> r;
  unclamped->clear();
  for (int64_t v : sum) {
    const int64_t u = y.quant.zero_point[0] + naive::Mbqm(v - count * x.quant.zero_point[0], q.m, q.shift);
    unclamped->push_back(u);
    r.push_back(static_cast<int>(std::clamp<int64_t>(u, -128, 127)));
  }
  return r;
}

struct Tally {
  int cases = 0, failed_cases = 0;
  int64_t bytes = 0, equal = 0, ties = 0, known_diff = 0, wrapped = 0, bad = 0;
  bool seen[256] = {};  // output byte values seen (the cases must not all saturate)
  int Distinct() const { return static_cast<int>(std::count(std::begin(seen), std::end(seen), true)); }
};

class DifferentialElem : public ::testing::TestWithParam<OpType> {};

TEST_P(DifferentialElem, MatchesTfliteUpToProvenTies) {
  TESSERA_REQUIRE_TFLITE();
  const OpType type = GetParam();
  Tally t;
  int reported = 0;
  auto report = [&](uint64_t seed, const Case& c, const std::string& msg) {
    if (reported++ < 8) ADD_FAILURE() << "seed " << seed << " (" << c.desc << "): " << msg;
  };
  for (int k = 0; k < kCasesPerOp; ++k) {
    const uint64_t seed = static_cast<uint64_t>(static_cast<int>(type)) * 1000003ull + k;
    Rand r(seed);
    Case c = type == OpType::kGather      ? MakeGather(r)
             : type == OpType::kMirrorPad ? MakeMirrorPad(r)
             : type == OpType::kNeg       ? MakeNeg(r)
             : IsSpaceBatch(type)  ? MakeSpaceBatch(type, r)
             : IsView(type)        ? MakeView(type, r)
             : IsRearrange(type) ? MakeSpaceDepth(type, r)
             : IsReduce(type)  ? MakeReduce(type, r)
             : IsBinary(type)  ? MakeBinary(type, r)
                               : MakeUnary(type, r);
    c.g.name = std::string(OpTypeName(type)) + "-" + std::to_string(seed);
    ++t.cases;
    std::vector<std::vector<uint8_t>> ref, got;
    try {
      c.g.Validate();
      ref = test::RunTflite(WriteTflite(c.g), c.inputs);
    } catch (const std::exception& e) {
      ++t.failed_cases;
      report(seed, c, std::string("TFLite/validation: ") + e.what());
      continue;
    }
    try {
      got = RunPlan(c.g, PlanLayerByLayer(c.g), c.inputs);
    } catch (const std::exception& e) {
      ++t.failed_cases;
      report(seed, c, std::string("tessera: ") + e.what());
      continue;
    }
    ASSERT_EQ(ref.size(), 1u);
    ASSERT_EQ(got.size(), 1u);
    ASSERT_EQ(ref[0].size(), got[0].size()) << "seed " << seed;
    if (std::getenv("ELEM_DUMP")) {
      std::printf("%s\n in:", c.desc.c_str());
      for (uint8_t v : c.inputs[0]) std::printf(" %d", static_cast<int8_t>(v));
      std::printf("\n sx %g zx %lld sy %g zy %lld\n tessera:", c.g.tensors[c.g.inputs[0]].quant.scale[0],
                  static_cast<long long>(c.g.tensors[c.g.inputs[0]].quant.zero_point[0]),
                  c.g.tensors[c.g.outputs[0]].quant.scale.empty() ? 0.0 : c.g.tensors[c.g.outputs[0]].quant.scale[0],
                  c.g.tensors[c.g.outputs[0]].quant.zero_point.empty() ? 0LL
                                                                         : static_cast<long long>(c.g.tensors[c.g.outputs[0]].quant.zero_point[0]));
      for (uint8_t v : got[0]) std::printf(" %d", static_cast<int8_t>(v));
      std::printf("\n TFLite:");
      for (uint8_t v : ref[0]) std::printf(" %d", static_cast<int8_t>(v));
      std::printf("\n");
    }
    std::map<int, std::vector<uint8_t>> activations;
    for (size_t i = 0; i < c.g.inputs.size(); ++i) activations[c.g.inputs[i]] = c.inputs[i];
    const auto operands = test::OperandBytes(c.g, 0, activations);
    const ts_logistic_params tanh_p =
        type == OpType::kTanh ? NaiveTanhParams(c.g.tensors[c.g.ops[0].inputs[0]]) : ts_logistic_params{};
    std::vector<int64_t> sum_unclamped;
    const std::vector<int> sum_want = type == OpType::kSum ? NaiveSum(c.g, c.inputs[0], &sum_unclamped) : std::vector<int>{};
    bool case_bad = false;
    if (c.g.tensors[c.g.outputs[0]].type != DType::kInt8 || IsRearrange(type) || IsView(type) ||
        IsSpaceBatch(type) || IsCopyOp(type)) {  // every byte equal
      t.bytes += ref[0].size();
      for (uint8_t v : got[0]) t.seen[v] = true;
      if (ref[0] == got[0]) {
        t.equal += ref[0].size();
      } else {
        ++t.bad, ++t.failed_cases;
        report(seed, c, "indices differ from TFLite's");
      }
      continue;
    }
    for (size_t i = 0; i < ref[0].size(); ++i) {
      ++t.bytes;
      const int a = static_cast<int8_t>(got[0][i]), b = static_cast<int8_t>(ref[0][i]);
      t.seen[got[0][i]] = true;
      if (type == OpType::kTanh) {
        const int want = naive::TanhElement(tanh_p, static_cast<int8_t>(operands[0][i]));
        if (a != want) {
          ++t.bad, case_bad = true;
          report(seed, c, "output byte " + std::to_string(i) + " tessera " + std::to_string(a) +
                              " naive TFLM " + std::to_string(want));
        } else if (std::abs(a - b) > 1) {
          ++t.bad, case_bad = true;
          report(seed, c, "output byte " + std::to_string(i) + " TFLite " + std::to_string(b) +
                              " more than one step from TFLM's " + std::to_string(a));
        } else if (a == b) {
          ++t.equal;
        } else {
          ++t.known_diff;
        }
        continue;
      }
      if (type == OpType::kSum) {
        const int64_t u = sum_unclamped[i];
        const bool wrapped = (u < -128 || u > 127) && std::abs(static_cast<int8_t>(static_cast<uint8_t>(u)) - b) <= 1;
        if (a != sum_want[i]) {
          ++t.bad, case_bad = true;
          report(seed, c, "output byte " + std::to_string(i) + " tessera " + std::to_string(a) + " naive TFLM " +
                              std::to_string(sum_want[i]));
        } else if (a == b) {
          ++t.equal;
        } else if (wrapped || std::abs(a - b) == 1) {
          ++t.known_diff;
          t.wrapped += wrapped;
        } else {
          ++t.bad, case_bad = true;
          report(seed, c, "output byte " + std::to_string(i) + " TFLite " + std::to_string(b) + " is neither TFLM's " +
                              std::to_string(a) + " nor its known deviation");
        }
        continue;
      }
      if (a == b) {
        ++t.equal;
        continue;
      }
      const Tie tie = test::ProveTie(c.g, 0, operands, i, a, b);
      if (tie == Tie::kExact || tie == Tie::kDoubleRounding) {
        ++t.ties;
      } else {
        ++t.bad, case_bad = true;
        report(seed, c, "output byte " + std::to_string(i) + " tessera " + std::to_string(a) + " TFLite " +
                            std::to_string(b) + " (not a proven tie)");
      }
    }
    if (case_bad) ++t.failed_cases;
  }
  std::printf("%-20s cases %4d  failed %4d  bytes %8lld  equal %8lld  proven ties %5lld  "
              "known TFLite difference %5lld (wrapped %5lld)  unexplained %6lld  distinct outputs %3d\n",
              OpTypeName(type), t.cases, t.failed_cases, static_cast<long long>(t.bytes),
              static_cast<long long>(t.equal), static_cast<long long>(t.ties), static_cast<long long>(t.known_diff), static_cast<long long>(t.wrapped),
              static_cast<long long>(t.bad), t.Distinct());
  EXPECT_EQ(t.failed_cases, 0);
  if (!IsReduce(type) || type == OpType::kSum) {
    EXPECT_GE(t.Distinct(), 64) << "the random cases should reach most of the output range";
  }
  EXPECT_EQ(t.bad, 0);
  EXPECT_GT(t.equal, t.bytes / 2) << "most bytes should agree exactly";
}

INSTANTIATE_TEST_SUITE_P(Elem, DifferentialElem,
                         ::testing::Values(OpType::kSub, OpType::kMaximum, OpType::kMinimum,
                                           OpType::kSquaredDifference, OpType::kPrelu, OpType::kLeakyRelu,
                                           OpType::kTanh, OpType::kAbs, OpType::kRsqrt, OpType::kElu, OpType::kSum,
                                           OpType::kArgMax, OpType::kArgMin, OpType::kDepthToSpace,
                                           OpType::kSpaceToDepth, OpType::kSqueeze, OpType::kExpandDims,
                                           OpType::kSpaceToBatchNd, OpType::kBatchToSpaceNd, OpType::kNeg,
                                           OpType::kMirrorPad, OpType::kGather),
                         [](const ::testing::TestParamInfo<OpType>& p) { return std::string(OpTypeName(p.param)); });

}  // namespace
}  // namespace tessera
