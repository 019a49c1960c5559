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

/* TFLM's int16 -> int16 table lookup with interpolation: the top 9 bits of `value` index the
 * 513-entry table, the low 7 interpolate between an entry and the next (rounded). */
static int16_t lut_lookup_s16(int16_t value, const int16_t* lut) {
  const int32_t index = 256 + (value >> 7);
  const int32_t offset = value & 0x7f;
  const int32_t base = lut[index];
  const int16_t slope = (int16_t)(lut[index + 1] - lut[index]);
  const int32_t delta = (slope * offset + 64) >> 7;
  return (int16_t)(base + delta);
}

/* exp(in - max) in Q0.15 from the table: the difference scaled so that [-65535, 0] maps onto
 * the table's [-10, 0], recentred to [-32768, 32767] and saturated. */
static int16_t exp_s16(const ts_softmax_s16_params* p, int32_t diff) {
  const int32_t scaled = ts_multiply_by_quantized_multiplier(diff, p->input_multiplier, p->input_left_shift);
  const int32_t sym = ts_clamp_i32(scaled + 32767, -32768, 32767);
  return lut_lookup_s16((int16_t)sym, p->exp_lut);
}

void ts_softmax_s16(const ts_softmax_s16_params* p, const int8_t* in, int8_t* out, int32_t rows, int32_t depth) {
  int32_t r, c;
  for (r = 0; r < rows; ++r) {
    const int8_t* src = in + (int64_t)r * depth * 2;
    int8_t* dst = out + (int64_t)r * depth * 2;
    int32_t max_in_row = -32768, sum_of_exps = 0, shifted_sum, right_shift;
    int headroom_plus_one;
    int16_t reciprocal;
    int64_t round;
    for (c = 0; c < depth; ++c) {
      const int32_t v = ts_load_s16(src, c);
      if (v > max_in_row) max_in_row = v;
    }
    /* The exps, kept in the output row (as TFLM does) and summed in Q16.15. */
    for (c = 0; c < depth; ++c) {
      const int16_t e = exp_s16(p, ts_load_s16(src, c) - max_in_row);
      ts_store_s16(dst, c, e);
      sum_of_exps = (int32_t)((uint32_t)sum_of_exps + (uint32_t)(int32_t)e);
    }
    /* 1 / sum from the 1/(1+x) table: the sum normalised to [2^30, 2^31), taken to 17 bits
     * (rounded), minus one and recentred to [-32768, 32767]. */
    headroom_plus_one = ts_count_leading_zeros_u32((uint32_t)sum_of_exps);
    if (headroom_plus_one < 1) headroom_plus_one = 1; /* a sum past 2^31 (depth > 65538) */
    shifted_sum = (int32_t)((((int64_t)sum_of_exps << (headroom_plus_one - 1)) + (1 << 13)) >> 14);
    reciprocal = lut_lookup_s16((int16_t)ts_clamp_i32(shifted_sum - ((1 << 15) + (1 << 16)), -32768, 32767),
                                p->one_over_one_plus_x_lut);
    right_shift = 31 - headroom_plus_one;
    round = (int64_t)1 << (right_shift - 1);
    for (c = 0; c < depth; ++c) {
      const int32_t v = (int32_t)(((int64_t)ts_load_s16(dst, c) * reciprocal + round) >> right_shift);
      ts_store_s16(dst, c, (int16_t)ts_clamp_i32(v, 0, 32767));
    }
  }
}
