// Helpers shared by the operator units' Prepare and Run (op_*.cc): operand lookup and checks
// whose errors name the operator (`label`, PreparedOp::label), quantization parameters as
// TensorFlow Lite Micro's Prepare computes them, and the views the kernels take.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "ops/ops.h"
#include "tessera/kernels.h"

namespace tessera::ops {

[[noreturn]] void Fail(const std::string& label, const std::string& msg);
std::string WinStr(const Window& w);

const Tensor& OperandTensor(const Graph& g, const std::string& label, const Operator& o, int pos, const char* role);
const Tensor& OutputTensor(const Graph& g, const std::string& label, const Operator& o);
void RequireType(const std::string& label, const Tensor& t, DType want, const char* role);
void RequireConst(const std::string& label, const Tensor& t, const char* role);
void RequireRank(const std::string& label, const Tensor& t, size_t lo, size_t hi, const char* role);
// The per-tensor scale; the zero point (in the uint8 range for a uint8 tensor, 0 for int16, else int8).
float Scale(const std::string& label, const Tensor& t, const char* role);
int32_t ZeroPoint(const std::string& label, const Tensor& t, const char* role);
// The zero point within the range of the tensor's own type (int8, uint8, int16, int32), for
// the kernels that take asymmetric int16 / int32 tensors (QUANTIZE from int16, SOFTMAX's int16
// output, SVDF's state), unlike ZeroPoint's symmetric int16.
int32_t ZeroPointInRange(const std::string& label, const Tensor& t, const char* role);
// An int32 or int64 constant as int64 values.
std::vector<int64_t> ConstInts(const std::string& label, const Tensor& t, const char* role);
// TFLM's CalculateActivationRangeQuantized for int8 and int16 outputs.
void ActivationRange(const std::string& label, Activation a, const Tensor& out, int32_t* lo, int32_t* hi);
// QuantizeMultiplier of `real`, failing for a negative, non-finite or too large one.
void Multiplier(const std::string& label, double real, int32_t* m, int32_t* s, const std::string& what);
// The int32 bias operand at `pos` (n values), or empty when absent.
std::vector<int32_t> BiasVector(const std::string& label, const Graph& g, const Operator& o, int pos, int32_t n);
// Per-channel (or per-tensor) filter scales, with zero points that must be 0.
std::vector<float> FilterScales(const std::string& label, const Tensor& w, int32_t channels);

// TFLM's gen_lut<float, int16_t, int16_t> (common.h): a 513-entry int16 table of func over
// [input_min, input_max] (512 steps plus the end point) for outputs in [output_min, output_max],
// each entry the rounded sample corrected by half the rounded midpoint error, all in float.
void GenLutInt16(float (*func)(float), float input_min, float input_max, float output_min, float output_max,
                 int16_t* lut);
// The two tables of TFLM's int16 SOFTMAX (softmax_common.cc's Prepare): exp over [-10, 0] and
// 1 / (1 + x) over [0, 1], both with outputs in [-1, 1]. The same for every operator.
void SoftmaxInt16Tables(std::vector<int16_t>* exp_lut, std::vector<int16_t>* one_over_one_plus_x_lut);

struct PadAmounts {
  int32_t top = 0, bottom = 0, left = 0, right = 0, c_before = 0, c_after = 0;
};
// PAD operator's paddings mapped onto NHWC (ranks < 4 are aligned to the right).
PadAmounts ReadPaddings(const Graph& g, int pad_op);
// The NHWC view of a tensor of rank <= 4 with batch 1.
Shape4 Nhwc(const std::string& label, const Tensor& t, const char* role);
int ElemBytes(DType t);

// The two operands of a binary element-wise operator (ADD, MUL, ...) of `type`, broadcast against
// the output's NHWC view (p.out_shape): p.operands (activations get views in p.inputs,
// constants point into the Graph) and p.in_shape.
void PrepareBinaryOperands(const Graph& g, const Operator& o, PreparedOp& p, DType type = DType::kInt8);
// A unary element-wise operator: input 0 -> output of the same shape (rank <= 4); sets
// p.inputs, p.in_shape, p.kind (element-wise) and the element sizes.
void PrepareUnary(const Graph& g, const Operator& o, PreparedOp& p, const Tensor** x, const Tensor** y);

// ---- Run
Window FullOf(const Shape4& s);
ts_cbuf CBuf(const ConstView& v);
ts_buf Buf(const MutView& v);
ts_window KWin(const Window& w);
// [lo, hi) clipped to [0, size) (empty: a == b).
void Clip(int32_t lo, int32_t hi, int32_t size, int32_t* a, int32_t* b);
// Input rows [*a, *b) that output rows [o0, o1) of a convolution read (empty when none).
void ConvSpan(int32_t o0, int32_t o1, int32_t stride, int32_t pad, int32_t filter, int32_t dilation,
              int32_t size, int32_t* a, int32_t* b);
// The kernels' view of ADD/MUL-like operand `op`: its data (a view of RunOp's inputs or the
// constant) and the strides that broadcast it against the output.
ts_operand MakeOperand(const PreparedOp& p, const ops::Operand& op, const std::vector<ConstView>& inputs);

}  // namespace tessera::ops
