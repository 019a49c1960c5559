// gemmlowp's fixed-point functions as TFLM's int8 TANH and RSQRT use them, re-derived for tests
// from gemmlowp's fixedpoint.h and TFLM's common.h in int64 arithmetic (apart from
// kernels/src/fixedpoint.h): raw int32 values, the integer bits of each stated per function.
#pragma once

#include <cstdint>

namespace tessera::naive {

// x * 2^e saturated to int32 (gemmlowp SaturatingRoundingMultiplyByPOT, e >= 0).
int32_t SatShl(int64_t x, int e);
// exp(a) for a <= 0 with `int_bits` integer bits; Q0.31 result.
int32_t ExpOnNegativeValues(int32_t a, int int_bits);
// gemmlowp tanh of a value with `int_bits` integer bits; Q0.31 result.
int32_t Tanh(int32_t a, int int_bits);
// TFLM's GetInvSqrtQuantizedMultiplierExp(v, kReverseShift = -1).
void InvSqrtMultiplier(int32_t v, int32_t* multiplier, int* shift);

}  // namespace tessera::naive
