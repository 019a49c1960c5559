/* SOFTMAX int8 -> int8 (TFLM reference_ops::Softmax for quantized input): fixed-point exp of
 * the scaled difference to the row maximum, Q12 accumulation, fixed-point reciprocal. */
#include <string.h>

#include "fixedpoint.h"
#include "unaligned.h"

static int32_t reciprocal(int32_t x, int x_integer_digits, int* num_bits_over_unit) {
  const int headroom_plus_one = ts_count_leading_zeros_u32((uint32_t)x);
  const int32_t shifted_minus_one =
      (int32_t)(((uint32_t)x << headroom_plus_one) - ((uint32_t)1 << 31));
  *num_bits_over_unit = x_integer_digits - headroom_plus_one;
  return ts_fp_one_over_one_plus_x_for_x_in_0_1(shifted_minus_one);
}

enum { kScaledDiffIntegerBits = 5, kAccumulationIntegerBits = 12 };

/* exp(diff) of an element to its row's maximum (diff >= diff_min), fixed point with
 * kScaledDiffIntegerBits integer bits. */
static int32_t exp_of_diff(const ts_softmax_params* p, int32_t diff) {
  const int32_t rescaled = ts_saturating_rounding_doubling_high_mul(
      (int32_t)((uint32_t)diff << p->input_left_shift), p->input_multiplier);
  return ts_fp_exp_on_negative_values(rescaled, kScaledDiffIntegerBits);
}

/* A row's first pass: its maximum, and the reciprocal of its sum of exps (Q12 accumulation)
 * as TFLM's shifted_scale and num_bits_over_unit. */
static int32_t row_max_and_scale(const ts_softmax_params* p, const int8_t* src, int32_t depth,
                                 int32_t* shifted_scale, int* num_bits_over_unit) {
  int32_t max_in_row = -128, sum_of_exps = 0, c;
  for (c = 0; c < depth; ++c)
    if (src[c] > max_in_row) max_in_row = src[c];
  for (c = 0; c < depth; ++c) {
    const int32_t diff = (int32_t)src[c] - max_in_row;
    if (diff >= p->diff_min)
      sum_of_exps += ts_fp_rescale(exp_of_diff(p, diff), 0, kAccumulationIntegerBits);
  }
  *shifted_scale = reciprocal(sum_of_exps, kAccumulationIntegerBits, num_bits_over_unit);
  return max_in_row;
}

/* The output of an element in [0, 2^out_bits) before the output offset. */
static int32_t scaled_exp(const ts_softmax_params* p, int32_t diff, int32_t shifted_scale,
                          int num_bits_over_unit, int out_bits) {
  return ts_rounding_divide_by_pot(ts_saturating_rounding_doubling_high_mul(shifted_scale, exp_of_diff(p, diff)),
                                   num_bits_over_unit + 31 - out_bits);
}

void ts_softmax_s8(const ts_softmax_params* p, const int8_t* in, int8_t* out, int32_t rows,
                   int32_t depth, int8_t* scratch) {
  int32_t r, c;
  for (r = 0; r < rows; ++r) {
    const int8_t* src = in + (int64_t)r * depth;
    int8_t* dst = scratch ? scratch : out + (int64_t)r * depth;
    int32_t shifted_scale;
    int num_bits_over_unit;
    const int32_t max_in_row = row_max_and_scale(p, src, depth, &shifted_scale, &num_bits_over_unit);
    /* Second pass: element c is read again just before output c is written, so the row
     * may be computed in place (out == in). */
    for (c = 0; c < depth; ++c) {
      const int32_t diff = (int32_t)src[c] - max_in_row;
      dst[c] = diff >= p->diff_min
                   ? (int8_t)ts_clamp_i32(scaled_exp(p, diff, shifted_scale, num_bits_over_unit, 8) - 128, -128, 127)
                   : (int8_t)-128;
    }
    if (scratch) memcpy(out + (int64_t)r * depth, scratch, (size_t)depth);
  }
}

void ts_softmax_s8_s16(const ts_softmax_params* p, const int8_t* in, int8_t* out, int32_t rows,
                       int32_t depth) {
  int32_t r, c;
  for (r = 0; r < rows; ++r) {
    const int8_t* src = in + (int64_t)r * depth;
    int8_t* dst = out + (int64_t)r * depth * 2;
    int32_t shifted_scale;
    int num_bits_over_unit;
    const int32_t max_in_row = row_max_and_scale(p, src, depth, &shifted_scale, &num_bits_over_unit);
    for (c = 0; c < depth; ++c) {
      const int32_t diff = (int32_t)src[c] - max_in_row;
      const int32_t v =
          diff >= p->diff_min
              ? ts_clamp_i32(scaled_exp(p, diff, shifted_scale, num_bits_over_unit, 16) - 32768, -32768, 32767)
              : -32768;
      ts_store_s16(dst, c, (int16_t)v);
    }
  }
}
