// Bases of the element-wise operator units: any output window from the same window of each
// input (an operand axis of size 1 broadcast), bytes shared in place at equal element sizes.
#pragma once

#include <string>

#include "ops/unit.h"
#include "tessera/kernels.h"

namespace tessera::ops {

class ElementwiseUnit : public OpUnit {
 public:
  using OpUnit::OpUnit;
  bool Windowable(const Graph&, int) const override { return true; }
  // The same window; along an axis where the operand has size 1 and the output more, [0,1).
  Window InputWindow(const WindowQuery& q) const override;
  OverlapRule Overlap() const override { return OverlapRule::kElementwise; }
};

// One input of the output's shape (activations, QUANTIZE, DEQUANTIZE).
class UnaryElementwiseUnit : public ElementwiseUnit {
 public:
  using ElementwiseUnit::ElementwiseUnit;
  Window InputWindow(const WindowQuery& q) const override;
};

// Binary element-wise operators (ADD, MUL, SUB, ...): two int8 per-tensor operands, not both
// constant, and the output of their broadcast shape.
void ValidateBinaryInt8(OpCheck& c);

// ADD, SUB and MUL: int16 operands and output (per-tensor; zero points 0 are checked at
// Prepare) when the output is int16 (TFLM's int16 paths), else ValidateBinaryInt8.
void ValidateBinaryInt8OrInt16(OpCheck& c);

// Unary int8 operators (activations): one int8 per-tensor input, an int8 output of its shape.
// The options are checked by the caller.
void ValidateUnaryInt8(OpCheck& c);

// LOGISTIC and TANH: ValidateUnaryInt8, or an int16 per-tensor input and output of its shape
// when the output is int16 (TFLM's int16 paths; zero points and scales checked at Prepare).
void ValidateUnaryInt8OrInt16(OpCheck& c);

// The int16 Prepare of LOGISTIC (tanh 0) and TANH (tanh 1): zero points 0, output scale 2^-15,
// TFLM's input_multiplier / input_left_shift into *l.
void PrepareSigmoidInt16(PreparedOp& p, const Tensor& x, const Tensor& y, int tanh, ts_logistic_params* l);

// The const ts_logistic_params struct of LOGISTIC / TANH in generated code; returns its symbol.
std::string EmitLogisticParams(const EmitContext& e, const ts_logistic_params& c);

// The const ts_add_params struct of ADD / SUB / SQUARED_DIFFERENCE in generated code; returns
// its symbol.
std::string EmitAddParams(const EmitContext& e, const ts_add_params& c);

// C statement of a binary element-wise kernel call `fn(&params, operand 0, operand 1, out,
// channels, win)`; `params`: the parameter struct's symbol, "" when the kernel takes none.
// `ws_fn`: the kernel's entry point taking a workspace, called when the step has one.
std::string EmitBinary(const EmitContext& e, const char* fn, const std::string& params, const char* ws_fn = nullptr);

}  // namespace tessera::ops
