// Proofs that a one-step difference between tessera (TFLM's reference arithmetic, bit for
// bit) and TensorFlow Lite 2.9's optimized kernels is a rounding tie, for differential tests.
//
// The proof recomputes the element from the operator's operand bytes in exact integer
// arithmetic (int64 accumulator, the quantized multiplier as the exact fraction
// m * 2^(shift-31)) and accepts the difference only when
//  - the exact value lies exactly on .5 of the output grid ("exact tie": TFLM's reference
//    rounds half away from zero, TFLite's optimized kernels round half up), or
//  - TFLM's two-stage requantization (rounding doubling high multiply, then rounding divide by
//    2^right) sees an exact .5 at its second stage ("double-rounding tie": the exact value is
//    then within 2^-(right+1) of .5, and TFLite's single-rounding kernels may land on the
//    other side).
// Operators TFLite 2.9 computes differently from TFLM on purpose get a weaker, named rule
// ("approximation"), accepted only for a one-step difference:
//  - MEAN (TFLite truncates sum / count when input and output share their quantization, TFLM
//    always folds 1/count into a truncated multiplier): both bytes within one step of the
//    exact real mean;
//  - SOFTMAX and LOGISTIC (float tables vs gemmlowp fixed point): TFLite's byte is the
//    correctly rounded real value and tessera's is within one step of it;
//  - QUANTIZE float32 -> int8 (TFLM divides by the float scale and rounds in single precision,
//    TFLite 2.9 divides in double): tessera's byte is exactly the float formula's and TFLite's
//    exactly the double formula's, and the two differ.
// Every other operator (or a difference the rule does not explain) gets Tie::kNone.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <vector>

#include "ir/graph.h"

namespace tessera::test {

enum class Tie {
  kNone,
  kExact,
  kDoubleRounding,
  kApproximation,
};
const char* TieName(Tie t);

// TFLite's QuantizeMultiplier: real = m * 2^(shift - 31), m in [2^30, 2^31).
struct QMul {
  int32_t m = 0;
  int shift = 0;
};
QMul QuantizeMultiplier(double real);
// gemmlowp's SaturatingRoundingDoublingHighMul.
int32_t Srdhm(int32_t a, int32_t b);
// Whether acc * m * 2^(shift-31) is a rounding tie, exactly or at TFLM's second stage.
Tie RequantTie(int64_t acc, QMul q);

// The bytes of every operand of operator `op` of `g`, in operand order: a constant's data, an
// activation's bytes from `activations` (tensor index -> bytes), empty for an absent operand.
// Throws std::runtime_error when an activation operand is missing from `activations`.
std::vector<std::vector<uint8_t>> OperandBytes(const Graph& g, int op,
                                               const std::map<int, std::vector<uint8_t>>& activations);

// Whether output element `index` (flat, output 0) of operator `op`, whose operands held
// `operands` (see OperandBytes), is a proven tie when tessera computed `tessera_value` and
// TFLite `tflite_value` (int8 values). Only a difference of exactly one can be a tie.
Tie ProveTie(const Graph& g, int op, const std::vector<std::vector<uint8_t>>& operands,
             size_t index, int tessera_value, int tflite_value);

}  // namespace tessera::test
