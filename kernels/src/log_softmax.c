/* LOG_SOFTMAX int8, following TFLM's tensorflow/lite/micro/kernels/log_softmax.cc (Prepare:
 * tensorflow/lite/kernels/internal/quantization_util.cc PreprocessLogSoftmaxScalingExp,
 * CalculateInputRadius) and reference_ops::LogSoftmaxQuantized
 * (tensorflow/lite/kernels/internal/reference/log_softmax.h), with gemmlowp's fixed-point
 * log_x_for_x_greater_than_or_equal_to_1 (tensorflow/lite/kernels/internal/common.h). */
#include <float.h>
#include <math.h>
#include <string.h>

#include "fixedpoint.h"

/* TFLM's QuantizeMultiplier: frexp, the fraction rounded half away from zero to Q31. */
static void ts_ls_quantize_multiplier(double real, int32_t* multiplier, int* shift) {
  double q;
  int64_t fixed;
  if (real == 0.0) {
    *multiplier = 0;
    *shift = 0;
    return;
  }
  q = frexp(real, shift);
  fixed = (int64_t)round(q * 2147483648.0);
  if (fixed == ((int64_t)1 << 31)) {
    fixed /= 2;
    ++*shift;
  }
  if (*shift < -31) {
    *shift = 0;
    fixed = 0;
  }
  *multiplier = (int32_t)fixed;
}

int ts_log_softmax_prepare(double input_scale, ts_log_softmax_params* p) {
  const int kInputIntegerBits = 5;
  double real, reverse;
  int32_t multiplier, divisor;
  int left_shift, reverse_shift;
  if (!(input_scale > 0.0) || input_scale > 1e30) return 0;
  /* PreprocessSoftmaxScaling: min(beta * scale * 2^(31 - 5), 2^31 - 1), which
   * QuantizeMultiplierGreaterThanOne requires to exceed 1. */
  real = input_scale * (double)(1 << (31 - kInputIntegerBits));
  if (real > 2147483647.0) real = 2147483647.0;
  if (!(real > 1.0)) return 0;
  ts_ls_quantize_multiplier(real, &multiplier, &left_shift);
  if (left_shift < 0 || left_shift > 31) return 0;
  /* The inverse scaling, QuantizeMultiplierSmallerThanOneExp (must lie in (0, 1)). */
  reverse = (double)((int64_t)1 << (31 - left_shift)) / (double)multiplier;
  if (!(reverse > 0.0 && reverse < 1.0)) return 0;
  ts_ls_quantize_multiplier(reverse, &divisor, &reverse_shift);
  if (reverse_shift > 0) return 0;
  p->input_multiplier = multiplier;
  p->input_left_shift = left_shift;
  p->reverse_scaling_divisor = divisor;
  p->reverse_scaling_right_shift = -reverse_shift;
  /* -CalculateInputRadius(5, left_shift): floor((2^5 - 1) * 2^26 / 2^left_shift). */
  p->diff_min = -(int32_t)floor(31.0 * (double)((int64_t)1 << 26) / (double)((int64_t)1 << left_shift));
  return 1;
}

/* Saturating int32 addition and subtraction (TFLM's SaturatingAddNonGemmlowp / SaturatingSub). */
static int32_t ts_ls_sat_add(int32_t a, int32_t b) {
  const int64_t s = (int64_t)a + b;
  return s > TS_INT32_MAX ? TS_INT32_MAX : (s < TS_INT32_MIN ? TS_INT32_MIN : (int32_t)s);
}
static int32_t ts_ls_sat_sub(int32_t a, int32_t b) {
  const int64_t s = (int64_t)a - b;
  return s > TS_INT32_MAX ? TS_INT32_MAX : (s < TS_INT32_MIN ? TS_INT32_MIN : (int32_t)s);
}

/* SaturatingRoundingMultiplyByPOTParam with an exponent >= 0: a saturating left shift. */
static int32_t ts_ls_shl(int32_t x, int e) { return e == 0 ? x : ts_fp_sat_shl(x, e); }

/* log(x) for x >= 1 given with 12 integer bits; the result with 5 integer bits
 * (log_x_for_x_greater_than_or_equal_to_1_impl<5, 12>; the accumulator has 6). */
static int32_t ts_ls_log_q12_to_q5(int32_t x) {
  enum { kIn = 12, kAccum = 6 };
  const int32_t log_2 = 1488522236, sqrt_sqrt_half = 1805811301, sqrt_half = 1518500250;
  const int32_t one_quarter = 536870912;
  const int32_t alpha_n = 117049297, alpha_d = 127690142, alpha_i = 1057819769,
                alpha_f = 638450708;
  const int32_t shifted_quarter = ts_fp_rescale(one_quarter, 0, kAccum);
  /* The input reread with 0 integer bits; the shifts are worked out from its headroom. */
  const int32_t z_a = x;
  const int z_a_headroom_plus_1 = ts_count_leading_zeros_u32((uint32_t)z_a);
  const int32_t r_a_tmp = ts_ls_shl(z_a, z_a_headroom_plus_1 - 1);
  const int32_t r_a_raw = ts_ls_shl(ts_fp_srdhm(r_a_tmp, sqrt_half), 1);
  const int32_t z_a_pow_2_adj =
      ts_ls_sat_add(ts_ls_shl(kIn - z_a_headroom_plus_1, 31 - kAccum), shifted_quarter);
  const int32_t z_b = ts_fp_srdhm(z_a, sqrt_half);
  const int z_b_headroom = ts_count_leading_zeros_u32((uint32_t)z_b) - 1;
  const int32_t r_b_raw = ts_ls_shl(z_a, z_b_headroom);
  const int32_t z_b_pow_2_adj =
      ts_ls_sat_sub(ts_ls_shl(kIn - z_b_headroom, 31 - kAccum), shifted_quarter);
  const int32_t r = r_a_raw < r_b_raw ? r_a_raw : r_b_raw;
  const int32_t z_pow_2_adj = z_a_pow_2_adj > z_b_pow_2_adj ? z_a_pow_2_adj : z_b_pow_2_adj;
  /* All 0 integer bits from here to the accumulation. */
  const int32_t pp = ts_fp_rounding_half_sum(r, sqrt_sqrt_half);
  int32_t q = r - sqrt_sqrt_half;
  int32_t common_sq, num, denom_minus_one, recip_denom, num_scaled;
  q = q + q;
  common_sq = ts_fp_srdhm(q, q);
  num = ts_fp_srdhm(q, r) + ts_fp_srdhm(ts_fp_srdhm(q, common_sq), alpha_n);
  denom_minus_one = ts_fp_srdhm(pp, alpha_i + q + ts_fp_srdhm(alpha_d, common_sq)) +
                    ts_fp_srdhm(alpha_f, q);
  recip_denom = ts_fp_one_over_one_plus_x_for_x_in_0_1(denom_minus_one);
  num_scaled = ts_fp_rescale(num, 0, kAccum);
  return ts_fp_rescale(ts_fp_srdhm(z_pow_2_adj, log_2) + ts_fp_srdhm(num_scaled, recip_denom), kAccum,
                       5);
}

void ts_log_softmax_s8(const ts_log_softmax_params* p, const int8_t* in, int8_t* out,
                       int32_t rows, int32_t depth, int8_t* scratch) {
  enum { kInputIntegerBits = 5, kAccumulationIntegerBits = 12, kOutputIntegerBits = 4 };
  int32_t r, c;
  for (r = 0; r < rows; ++r) {
    const int8_t* src = in + (int64_t)r * depth;
    int8_t* dst = scratch ? scratch : out + (int64_t)r * depth;
    int32_t max_in_row = -128, sum_q12 = 0, log_q5, adjusted_diff_min, reversed;
    for (c = 0; c < depth; ++c)
      if (src[c] > max_in_row) max_in_row = src[c];
    for (c = 0; c < depth; ++c) {
      const int32_t diff = (int32_t)src[c] - max_in_row;
      if (diff >= p->diff_min) {
        const int32_t diff_q5 =
            ts_multiply_by_quantized_multiplier(diff, p->input_multiplier, p->input_left_shift);
        sum_q12 += ts_fp_rescale(ts_fp_exp_on_negative_values(diff_q5, kInputIntegerBits), 0,
                                 kAccumulationIntegerBits);
      }
    }
    log_q5 = ts_ls_log_q12_to_q5(sum_q12);
    /* The smallest Q5.26 value plus the log, scaled back to input units. */
    reversed = ts_multiply_by_quantized_multiplier((int32_t)((uint32_t)log_q5 + 0x80000000u),
                                                   p->reverse_scaling_divisor,
                                                   -p->reverse_scaling_right_shift);
    adjusted_diff_min = p->diff_min - 1 > reversed ? p->diff_min - 1 : reversed;
    for (c = 0; c < depth; ++c) {
      const int32_t diff = (int32_t)src[c] - max_in_row;
      if (diff > adjusted_diff_min) {
        const int32_t diff_q5 =
            ts_multiply_by_quantized_multiplier(diff, p->input_multiplier, p->input_left_shift);
        const int32_t v =
            ts_rounding_divide_by_pot(diff_q5 - log_q5,
                                      31 - kInputIntegerBits - kOutputIntegerBits) + 127;
        dst[c] = (int8_t)ts_clamp_i32(v, -128, 127);
      } else {
        dst[c] = -128;
      }
    }
    if (scratch) memcpy(out + (int64_t)r * depth, scratch, (size_t)depth);
  }
}

/* float32: TFLM's reference_ops::LogSoftmax for float (log_softmax.h): per row the maximum, the
 * float sum of expf(x - max) in order, logf of it, then x - max - log_sum, in float arithmetic.
 * expf / logf are the C library's: the bytes equal TFLM's where the libraries agree. */
void ts_log_softmax_f32(const void* in, void* out, int32_t rows, int32_t depth) {
  /* Float buffers may sit at any byte offset of the arena: every access through memcpy. */
  const unsigned char* src = (const unsigned char*)in;
  unsigned char* dst = (unsigned char*)out;
  int32_t r, c;
  for (r = 0; r < rows; ++r) {
    const size_t row = (size_t)r * (size_t)depth * sizeof(float);
    float max = -FLT_MAX, sum = 0.0f, log_sum, x;
    for (c = 0; c < depth; ++c) {
      memcpy(&x, src + row + (size_t)c * sizeof(float), sizeof x);
      if (x > max) max = x;
    }
    for (c = 0; c < depth; ++c) {
      memcpy(&x, src + row + (size_t)c * sizeof(float), sizeof x);
      sum += expf(x - max);
    }
    log_sum = logf(sum);
    for (c = 0; c < depth; ++c) {
      float y;
      memcpy(&x, src + row + (size_t)c * sizeof(float), sizeof x);
      y = x - max - log_sum;
      memcpy(dst + row + (size_t)c * sizeof(float), &y, sizeof y);
    }
  }
}
