// SPACE_TO_BATCH_ND and BATCH_TO_SPACE_ND (TFLM space_to_batch_nd.cc / batch_to_space_nd.cc
// over reference_ops SpaceToBatchND / BatchToSpaceND): rank 3 (NHC, as NH1C) or rank 4 (NHWC),
// int8 or float32, block_shape and paddings / crops constant int32 tensors of shapes [M] and
// [M, 2] (M = rank - 2), as TFLM reads them.
//
// Pad value: reference_ops pads with SpaceToBatchParams::output_offset. TensorFlow Lite sets it
// to the output's zero point for int8 (0 for float32); TFLM's Prepare never writes it (its Init
// allocates the params struct, which then holds whatever its arena held). tessera pads int8
// with the output's zero point (a real 0, what the Keras dilated-convolution pattern needs and
// what TFLM gives whenever that zero point is 0 or nothing is padded) and float32 with 0.0f.
//
// Whole-tensor units: the output's batch index interleaves spatial offsets (output batch
// b = shift * in_b + i holds the input pixels at offset (shift / block_w, shift % block_w) of
// every block), so one side always has batch above 1 when a block exceeds 1, and tessera's
// windows are row and column ranges of batch-1 tensors (the planners, the receptive field and
// the checker's windowed models address one image). The kernels move whole pixels. Between
// the two, CONV_2D and DEPTHWISE_CONV_2D run over the batch as whole-tensor steps (op_conv.cc).
#include <string>

#include "codegen/emit_ops.h"
#include "ir/op_check.h"
#include "ops/prepare_util.h"
#include "ops/unit.h"
#include "tflite/options.h"

namespace tessera::ops {
namespace {

using tflite::fb::BuiltinOptions;

constexpr int64_t kMaxDim = int64_t{1} << 24;

class SpaceBatch final : public OpUnit {
 public:
  explicit SpaceBatch(bool s2b)
      : OpUnit(s2b ? OpType::kSpaceToBatchNd : OpType::kBatchToSpaceNd,
               s2b ? "SPACE_TO_BATCH_ND" : "BATCH_TO_SPACE_ND",
               static_cast<int32_t>(s2b ? tflite::fb::BuiltinOperator::SPACE_TO_BATCH_ND
                                        : tflite::fb::BuiltinOperator::BATCH_TO_SPACE_ND)),
        s2b_(s2b) {}

  OpOptions ReadOptions(const tflite::OptionsIn& in) const override {
    return in.Empty(s2b_ ? BuiltinOptions::SpaceToBatchNDOptions : BuiltinOptions::BatchToSpaceNDOptions);
  }
  void WriteOptions(tflite::OptionsOut& out, const Operator& op) const override {
    out.Opts<std::monostate>(op);
    if (s2b_)
      out.Set(BuiltinOptions::SpaceToBatchNDOptions, tflite::fb::CreateSpaceToBatchNDOptions(out.b).Union());
    else
      out.Set(BuiltinOptions::BatchToSpaceNDOptions, tflite::fb::CreateBatchToSpaceNDOptions(out.b).Union());
  }

  void Validate(OpCheck& c) const override {
    c.Arity(3, 3);
    c.NoOptions();
    const char* pads_role = s2b_ ? "paddings" : "crops";
    const int in = c.In(0, "input"), bs = c.In(1, "block_shape"), pd = c.In(2, pads_role), out = c.Out();
    c.Activation(in, "input");
    c.Type(in, "input", {DType::kInt8, DType::kFloat32});
    c.SameType(in, out, "input", "output");
    if (s2b_ && c.T(out).type == DType::kInt8) c.PerTensor(out, "output");  // its zero point pads
    const auto& s = c.T(in).shape;
    const int rank = static_cast<int>(s.size());
    if (rank != 3 && rank != 4)
      c.OpFail(c.Role("input", in) + " has shape " + ShapeStr(s) + ", expected rank 3 or 4");
    const int m = rank - 2;
    c.Type(bs, "block_shape", {DType::kInt32});
    c.Type(pd, pads_role, {DType::kInt32});
    if (c.T(bs).shape != std::vector<int32_t>{m})
      c.OpFail(c.Role("block_shape", bs) + " has shape " + ShapeStr(c.T(bs).shape) + ", expected [" +
               std::to_string(m) + "]");
    if (c.T(pd).shape != std::vector<int32_t>{m, 2})
      c.OpFail(c.Role(pads_role, pd) + " has shape " + ShapeStr(c.T(pd).shape) + ", expected [" + std::to_string(m) +
               ",2]");
    const std::vector<int64_t> blk = c.Ints(bs, "block_shape"), pad = c.Ints(pd, pads_role);
    int64_t prod = 1;
    std::vector<int32_t> want = s;
    for (int d = 0; d < m; ++d) {
      const int64_t b = blk[d], lo = pad[2 * d], hi = pad[2 * d + 1];
      if (b < 1 || b > 1024) c.OpFail("block_shape[" + std::to_string(d) + "] " + std::to_string(b) + " is out of range");
      if (lo < 0 || hi < 0 || lo > kMaxDim || hi > kMaxDim)
        c.OpFail(std::string(pads_role) + " of axis " + std::to_string(d + 1) + " (" + std::to_string(lo) + ", " +
                 std::to_string(hi) + ") " + (lo < 0 || hi < 0 ? "must be non-negative" : "are out of range"));
      prod *= b;
      if (s2b_) {
        const int64_t padded = s[d + 1] + lo + hi;
        if (padded % b != 0)
          c.OpFail("axis " + std::to_string(d + 1) + " of " + c.Role("input", in) + " padded to " +
                   std::to_string(padded) + " is not a multiple of block_shape[" + std::to_string(d) + "] " +
                   std::to_string(b));
        if (padded / b > kMaxDim) c.OpFail("output too large");
        want[d + 1] = static_cast<int32_t>(padded / b);
      } else {
        const int64_t size = s[d + 1] * b - lo - hi;
        if (size < 1)
          c.OpFail("axis " + std::to_string(d + 1) + " of the output would be " + std::to_string(size) + " (input " +
                   std::to_string(s[d + 1]) + " x block " + std::to_string(b) + " minus crops " + std::to_string(lo) +
                   " and " + std::to_string(hi) + ")");
        if (size > kMaxDim) c.OpFail("output too large");
        want[d + 1] = static_cast<int32_t>(size);
      }
    }
    if (s2b_) {
      if (s[0] * prod > kMaxDim) c.OpFail("output batch too large");
      want[0] = static_cast<int32_t>(s[0] * prod);
    } else {
      if (s[0] % prod != 0)
        c.OpFail(c.Role("input", in) + " has batch " + std::to_string(s[0]) +
                 ", not a multiple of the block_shape product " + std::to_string(prod));
      want[0] = static_cast<int32_t>(s[0] / prod);
    }
    c.ExpectShape(want);
  }

  void Prepare(const Graph& g, const Operator& o, PreparedOp& p, int) const override {
    const std::string& label = p.label;
    const char* pads_role = s2b_ ? "paddings" : "crops";
    const Tensor& x = OperandTensor(g, label, o, 0, "input");
    const Tensor& bs = OperandTensor(g, label, o, 1, "block_shape");
    const Tensor& pd = OperandTensor(g, label, o, 2, pads_role);
    const Tensor& y = OutputTensor(g, label, o);
    if (x.type != y.type) Fail(label, "input and output types differ");
    if (x.type != DType::kInt8 && x.type != DType::kFloat32) Fail(label, "input must be int8 or float32");
    RequireRank(label, x, 3, 4, "input");
    RequireRank(label, y, x.shape.size(), x.shape.size(), "output");
    RequireType(label, bs, DType::kInt32, "block_shape");
    RequireType(label, pd, DType::kInt32, pads_role);
    const std::vector<int64_t> blk = ConstInts(label, bs, "block_shape"), pad = ConstInts(label, pd, pads_role);
    const bool r4 = x.shape.size() == 4;
    const size_t m = r4 ? 2 : 1;
    if (blk.size() != m || pad.size() != 2 * m) Fail(label, "block_shape or " + std::string(pads_role) + " has the wrong size");
    ts_batch_space_params k{};
    k.in_b = x.shape[0], k.in_h = x.shape[1], k.in_w = r4 ? x.shape[2] : 1;
    k.out_b = y.shape[0], k.out_h = y.shape[1], k.out_w = r4 ? y.shape[2] : 1;
    k.depth = x.shape.back();
    k.block_h = static_cast<int32_t>(blk[0]);
    k.block_w = r4 ? static_cast<int32_t>(blk[1]) : 1;
    k.pad_top = static_cast<int32_t>(pad[0]);
    k.pad_left = r4 ? static_cast<int32_t>(pad[2]) : 0;
    k.elem_bytes = ElemBytes(x.type);
    k.pad_value = 0;
    if (s2b_ && x.type == DType::kInt8) k.pad_value = static_cast<int8_t>(ZeroPoint(label, y, "output"));
    // The geometry the kernel assumes (Validate's shape inference, checked again here).
    const int64_t nb = int64_t{k.block_h} * k.block_w;
    const bool ok = y.shape.back() == k.depth && k.block_h >= 1 && k.block_w >= 1 && k.pad_top >= 0 &&
                    k.pad_left >= 0 &&
                    (s2b_ ? (k.out_b == k.in_b * nb && int64_t{k.out_h} * k.block_h >= k.in_h + k.pad_top &&
                             int64_t{k.out_w} * k.block_w >= k.in_w + k.pad_left)
                          : (k.in_b == k.out_b * nb && int64_t{k.in_h} * k.block_h >= k.out_h + k.pad_top &&
                             int64_t{k.in_w} * k.block_w >= k.out_w + k.pad_left));
    if (!ok)
      Fail(label, "output '" + y.name + "' does not have the shape block_shape and " + pads_role + " give");
    UnitParams<ts_batch_space_params>(p) = k;
    p.inputs = {o.inputs[0]};
    p.in_shape = AsNHWC(x.shape);
    p.in_elem_bytes = p.out_elem_bytes = k.elem_bytes;
    p.kind = Kind::kWhole;
    p.impl = Impl::kUnit;
  }

  void Run(const PreparedOp& p, const std::vector<ConstView>& inputs, const MutView& out, Window,
           uint8_t*, uint8_t*) const override {
    const ts_batch_space_params& k = UnitParams<ts_batch_space_params>(p);
    if (s2b_)
      ts_space_to_batch_nd(&k, inputs[0].data, out.data);
    else
      ts_batch_to_space_nd(&k, inputs[0].data, out.data);
  }

  std::string Emit(const EmitContext& e) const override {
    const ts_batch_space_params& k = UnitParams<ts_batch_space_params>(e.p);
    const std::string params = e.w.Params("ts_batch_space_params", Init()
                                                                       .F("in_b", k.in_b).F("in_h", k.in_h)
                                                                       .F("in_w", k.in_w).F("out_b", k.out_b)
                                                                       .F("out_h", k.out_h).F("out_w", k.out_w)
                                                                       .F("depth", k.depth)
                                                                       .F("block_h", k.block_h)
                                                                       .F("block_w", k.block_w)
                                                                       .F("pad_top", k.pad_top)
                                                                       .F("pad_left", k.pad_left)
                                                                       .F("elem_bytes", k.elem_bytes)
                                                                       .F("pad_value", static_cast<int32_t>(k.pad_value))
                                                                       .str());
    return "  " + std::string(s2b_ ? "ts_space_to_batch_nd" : "ts_batch_to_space_nd") + "(&" + params + ", " +
           e.in_ptr(0) + ", " + e.out_ptr() + ");\n";
  }

 private:
  bool s2b_;
};

}  // namespace

const OpUnit& SpaceToBatchNdUnit() {
  static const SpaceBatch u(true);
  return u;
}
const OpUnit& BatchToSpaceNdUnit() {
  static const SpaceBatch u(false);
  return u;
}

}  // namespace tessera::ops
