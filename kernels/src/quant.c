/* Requantization helpers with TensorFlow Lite Micro's reference semantics (the default,
 * double-rounding build). */
#include "fixedpoint.h"

int32_t ts_saturating_rounding_doubling_high_mul(int32_t a, int32_t b) {
  const int overflow = (a == b) && (a == TS_INT32_MIN);
  const int64_t ab = (int64_t)a * (int64_t)b;
  const int32_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
  const int32_t high = (int32_t)((ab + nudge) / ((int64_t)1 << 31));
  return overflow ? TS_INT32_MAX : high;
}

int32_t ts_rounding_divide_by_pot(int32_t x, int exponent) {
  const int32_t mask = (int32_t)(((int64_t)1 << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

int32_t ts_multiply_by_quantized_multiplier(int32_t x, int32_t multiplier, int shift) {
  const int left_shift = shift > 0 ? shift : 0;
  const int right_shift = shift > 0 ? 0 : -shift;
  /* x * (1 << left_shift) in TFLM; done in unsigned arithmetic to keep wrap-around defined */
  const int32_t shifted = (int32_t)((uint32_t)x << left_shift);
  return ts_rounding_divide_by_pot(ts_saturating_rounding_doubling_high_mul(shifted, multiplier),
                                   right_shift);
}
