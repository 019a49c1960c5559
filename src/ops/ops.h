// The operator layer: the only place that knows both the network IR and the C kernels.
//
// PrepareOp does once what TensorFlow Lite Micro's Prepare does (multipliers and shifts via
// QuantizeMultiplier, offsets, activation ranges, pointers to constant data), so that
// RunOp can call one kernel over one output window. One departure, same bytes: a CONV_2D
// output channel whose filter weights are all zero and whose parameters are unusual gets a
// canonical multiplier, shift and bias (ConstantChannelBias below), so that pruned channels
// do not keep a layer off the DSP kernel's fast requantization. A PreparedOp points into the
// Graph's constant data: the Graph must outlive it (and not be modified).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "plan/plan.h"
#include "tessera/kernels.h"

namespace tessera::ops {

// A buffer handed to RunOp: the bytes of `window` of one tensor (row-major, all channels,
// see docs/ARCHITECTURE.md). Non-spatial tensors have the single window [0,h)x[0,w) of
// their AsNHWC view.
struct ConstView {
  const uint8_t* data = nullptr;
  Window window;
};
struct MutView {
  uint8_t* data = nullptr;
  Window window;
};

// How an operator's output may be cut into windows.
enum class Kind : uint8_t {
  kSpatial,      // any output window; reads a window of input 0 (RequiredInputWindow); also
                 // a TRANSPOSE of rank <= 4 with batch 1 on both sides (ts_transpose_window)
  kElementwise,  // any output window; reads the same window of every input (broadcast aside)
  kWhole,        // only the whole output (FULLY_CONNECTED, SOFTMAX, MEAN, RESHAPE, ...)
};

// The kernel RunOp calls.
enum class Impl : uint8_t {
  kConv, kDepthwise, kFullyConnected, kAdd, kMul, kAvgPool, kMaxPool, kMean, kPad,
  kCopy,  // RESHAPE: byte copy (nothing when input and output share their bytes)
  kSoftmax, kLogistic, kHardSwish,
  kRequantize,  // RELU, RELU_N1_TO_1 (TFLM's requantizing RELU), QUANTIZE int8->int8
  kClamp,       // RELU6 (TFLM clamps in the input's quantization)
  kConcat, kTranspose, kResize, kQuantizeF32, kDequantize,
  kUnit,  // the newer operators: their unit's own kernel call, parameters in unit_params
};

// One operand of ADD/MUL/CONCATENATION: an activation (index into RunOp's inputs) or a
// constant of the Graph.
struct Operand {
  int tensor = kNoTensor;
  int view = -1;                         // index into RunOp's inputs, -1 for a constant
  const uint8_t* const_data = nullptr;   // constant operands
  Shape4 shape;
};

struct PreparedOp {
  int op = -1;
  OpType type = OpType::kConv2D;
  int fused_pad = -1;
  std::string label;  // "operator 3 (CONV_2D)", used in every error message
  Kind kind = Kind::kWhole;
  Impl impl = Impl::kCopy;

  // Activation tensors read, in operand order: what RunOp's `inputs` hold. With a fused
  // PAD, inputs[0] is the PAD's input tensor.
  std::vector<int> inputs;
  // State tensors read and updated in place (Tensor::is_variable), in operand order: what
  // RunOp's `state` holds (whole tensors, in the plan's state region).
  std::vector<int> state;
  int output = kNoTensor;
  Shape4 in_shape;   // NHWC view of inputs[0] (a fused PAD's input)
  Shape4 out_shape;  // NHWC view of the output
  int in_elem_bytes = 1, out_elem_bytes = 1;

  // Kernel parameters (the ones used by `impl`). Pointer fields inside the ts_* structs are
  // set by RunOp from the vectors below, so a PreparedOp may be copied freely.
  ts_conv_params conv{};
  ts_pool_params pool{};
  ts_pad_params pad{};
  ts_resize_params resize{};
  ts_fc_params fc{};
  ts_add_params add{};
  ts_mul_params mul{};
  ts_requant_params requant{};
  int8_t clamp_lo = -128, clamp_hi = 127;
  ts_logistic_params logistic{};
  ts_hard_swish_params hard_swish{};
  ts_softmax_params softmax{};
  int32_t softmax_rows = 0, softmax_depth = 0;
  ts_mean_params mean{};
  ts_transpose_params transpose{};
  double quant_scale = 0.0;  // QUANTIZE float->int8, DEQUANTIZE
  int32_t quant_zero_point = 0;
  int64_t copy_bytes = 0;    // RESHAPE

  std::vector<int32_t> multipliers, shifts;  // per output channel (conv, depthwise, FC)
  std::vector<int32_t> bias;                 // empty: no bias
  std::vector<int64_t> bias64;               // 16x8 CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED / TRANSPOSE_CONV int64 bias (then `bias` is empty)
  // CONV_2D: how many output channels PrepareOp gave the canonical constant requantization
  // (ConstantChannelBias: their filter weights are all zero, their parameters unusual).
  int32_t constant_channels = 0;
  const int8_t* filter = nullptr;            // into the Graph's constant data

  // The kernel parameters of operators whose unit keeps its own (UnitParams below).
  std::shared_ptr<void> unit_params;

  std::vector<Operand> operands;  // ADD/MUL (2) and CONCATENATION (all)
  // CONCATENATION as [outer][axis][inner]
  std::vector<int32_t> concat_axis_sizes;
  int32_t concat_outer = 0, concat_inner_bytes = 0;
};

// The parameter struct T an operator unit keeps in p.unit_params (created on first use by
// Prepare; read by that unit's Run and Emit).
template <class T>
T& UnitParams(PreparedOp& p) {
  if (!p.unit_params) p.unit_params = std::make_shared<T>();
  return *static_cast<T*>(p.unit_params.get());
}
template <class T>
const T& UnitParams(const PreparedOp& p) {
  if (!p.unit_params) throw Error(p.label + ": its kernel parameters were not prepared");
  return *static_cast<const T*>(p.unit_params.get());
}

// Prepares operator `op_index` of `g`. `fused_pad_op`: a PAD operator whose output is this
// CONV_2D / DEPTHWISE_CONV_2D's input 0; its padding is added to the operator's own and
// the operator then reads the PAD's input. Throws Error naming the operator for anything
// unsupported (dtype combination, quantization, shapes, fusion).
PreparedOp PrepareOp(const Graph& g, int op_index, int fused_pad_op = -1);

// Whether PAD operator `pad_op` can be folded into operator `op` (exactly, i.e. giving the
// same bytes); when not and `why` is given, says why.
bool CanFusePad(const Graph& g, int pad_op, int op, std::string* why = nullptr);

// Runs `p` over output window `win` (global output coordinates). `inputs`: one view per
// entry of p.inputs; `outputs`: one view (the output tensor) holding a window containing
// `win`. Spatial operators need inputs[0] to contain RequiredInputWindow(p, win); element-
// wise ones need every input to contain `win` (along non-broadcast axes); kWhole ones need
// whole tensors and win == the whole output. `scratch`: nullptr or ScratchBytes(p) bytes.
// `workspace`: nullptr (the kernels keep their buffers on the stack) or WorkspaceBytes(p, win)
// bytes, word-aligned.
// A view that does not satisfy this throws Error (the kernels are never called with it).
// `state`: one view per entry of p.state (the whole state tensor), read and updated.
void RunOp(const PreparedOp& p, const std::vector<ConstView>& inputs,
           const std::vector<MutView>& outputs, Window win, uint8_t* scratch,
           uint8_t* workspace = nullptr, const std::vector<MutView>& state = {});

// Bytes of the optional scratch (one output unit: a pixel for spatial operators, a row for
// FULLY_CONNECTED/SOFTMAX, the output for MEAN); 0 when the operator has no scratch path.
int64_t ScratchBytes(const PreparedOp& p);

// Bytes of the kernel's workspace for output window `win`: the buffers its Cortex-M DSP path
// would keep on the stack (CONV_2D's im2col column, DEPTHWISE_CONV_2D's staging buffer, the
// rescaling tables of ADD/SUB/SQUARED_DIFFERENCE on large windows), which the plan gives it
// in arena bytes free during the step (plan.h Step::workspace; memory/workspace.h). Required
// for nothing but stack: a kernel without one keeps them on the stack. Target-independent
// (the DSP path's need; the portable loops ignore the workspace). 0: none.
int64_t WorkspaceBytes(const PreparedOp& p, Window win);

// The window of input `input` (index into p.inputs) that output window `win` reads,
// clipped to the input tensor (possibly empty when `win` reads only padding).
Window RequiredInputWindow(const PreparedOp& p, int input, Window win);

// The whole output window of p.
Window OutputWindow(const PreparedOp& p);

// Constant output channels of CONV_2D. A channel whose filter weights are all zero (a pruned
// channel) has the accumulator `bias` whatever the input, so its every output byte is
//   v = clamp(output_offset + MultiplyByQuantizedMultiplier(bias, multiplier, shift),
//             act_min, act_max).
// When such a channel's parameters are unusual (a multiplier of at most 2^30, a shift outside
// [-24, -1] or |bias| >= 2^29; others are left as TFLM prepares them), PrepareOp replaces its
// multiplier and shift by kConstantMultiplier and kConstantShift and its bias (when the
// operator has one) by 2 * (v - output_offset), which give the same v for every input:
// |v - output_offset| <= 255, so 2 * (v - output_offset) * (2^31 - 1) / 2^31 rounds back to
// 2 * (v - output_offset) and the rounding halving to v - output_offset. Without a bias the
// accumulator is 0 and the output clamp(output_offset) whatever the multiplier. Output bytes
// do not change (host executor, codegen, device, the latency model all read PreparedOp); the
// Graph's tensors are not touched (writers write the model as read). Why: pruned channels
// come with biases near 2^30 and shifts outside [-24, -1] (vww_96_int8, 971 channels in 9
// layers), which would keep the whole layer off the DSP conv kernel's doubled-sum
// requantization (ts_conv_mode, kernels/src/conv_dsp.c) and its quad kernel.
constexpr int32_t kConstantMultiplier = TS_CONSTANT_CHANNEL_MULTIPLIER;  // (kernels.h)
constexpr int32_t kConstantShift = TS_CONSTANT_CHANNEL_SHIFT;
// The canonical bias of such a channel: 2 * (v - output_offset). Returns false (leave the
// channel alone) when output_offset + MultiplyByQuantizedMultiplier(...) leaves int32 or the
// activation range is not within int8.
bool ConstantChannelBias(int32_t bias, int32_t multiplier, int32_t shift, int32_t output_offset,
                         int32_t act_min, int32_t act_max, int32_t* canonical_bias);

// TFLM's QuantizeMultiplier (frexp, round half away from zero, Q31): shift > 0 is a left
// shift. Exposed for tests.
void QuantizeMultiplier(double real, int32_t* multiplier, int* shift);

}  // namespace tessera::ops
