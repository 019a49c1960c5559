/* Unary int8 kernels over a window: LEAKY_RELU (TFLM leaky_relu.cc / leaky_relu_common.cc with
 * reference_ops::QuantizeLeakyRelu), ABS and RSQRT (TFLM elementwise.cc, with common.h's
 * GetInvSqrtQuantizedMultiplierExp), TANH (TFLM tanh.cc with reference_integer_ops::Tanh and
 * gemmlowp's fixed-point tanh), ELU (TFLM elu.cc: a 256-entry table built at Prepare, applied by
 * ts_lut_s8), and their Prepare-time parameters. Access order: elements of the window in
 * row-major (y, x, c) order, each read then written. */
#include <math.h>

#include "broadcast_util.h"
#include "fixedpoint.h"
#include "prepare_util.h"

#define TS_MBQM ts_multiply_by_quantized_multiplier

int ts_leaky_relu_s8_prepare(float input_scale, int32_t input_zero_point, float output_scale,
                             int32_t output_zero_point, float alpha, ts_leaky_relu_params* p) {
  /* leaky_relu_common.cc: both ratios in float, then converted to double */
  const double alpha_multiplier = (double)(input_scale * alpha / output_scale);
  const double identity_multiplier = (double)(input_scale / output_scale);
  p->input_zero_point = input_zero_point;
  p->output_zero_point = output_zero_point;
  ts_qm(alpha_multiplier, &p->multiplier_alpha, &p->shift_alpha);
  ts_qm(identity_multiplier, &p->multiplier_identity, &p->shift_identity);
  return 0;
}

void ts_leaky_relu_s8(const ts_leaky_relu_params* p, ts_cbuf in, ts_buf out, int32_t channels,
                      ts_window win) {
  TS_UNARY_FOR_EACH(in, out, channels, win, {
    const int32_t v = *src - p->input_zero_point;
    const int32_t r = v >= 0 ? TS_MBQM(v, p->multiplier_identity, p->shift_identity)
                             : TS_MBQM(v, p->multiplier_alpha, p->shift_alpha);
    *dst = (int8_t)ts_clamp_i32(p->output_zero_point + r, -128, 127);
  });
}

int ts_abs_s8_prepare(float input_scale, int32_t input_zero_point, float output_scale,
                      int32_t output_zero_point, ts_abs_params* p) {
  p->input_zero_point = input_zero_point;
  p->output_zero_point = output_zero_point;
  p->needs_rescale = input_scale != output_scale;
  p->multiplier = 0;
  p->shift = 0;
  if (p->needs_rescale) ts_qm((double)input_scale / (double)output_scale, &p->multiplier, &p->shift);
  return 0;
}

void ts_abs_s8(const ts_abs_params* p, ts_cbuf in, ts_buf out, int32_t channels, ts_window win) {
  TS_UNARY_FOR_EACH(in, out, channels, win, {
    const int32_t d = *src - p->input_zero_point;
    const int32_t v = d < 0 ? -d : d;
    const int32_t r = p->needs_rescale ? TS_MBQM(v, p->multiplier, p->shift) : v;
    *dst = (int8_t)ts_clamp_i32(r + p->output_zero_point, -128, 127);
  });
}

int ts_rsqrt_s8_prepare(float input_scale, int32_t input_zero_point, float output_scale,
                        int32_t output_zero_point, ts_rsqrt_params* p) {
  /* elementwise.cc SetRsqrtOutputMultiplier */
  const double scale = 1.0 / (sqrt((double)input_scale) * (double)output_scale);
  p->input_zero_point = input_zero_point;
  p->output_zero_point = output_zero_point;
  ts_qm(scale, &p->multiplier, &p->shift);
  return 0;
}

/* GetInvSqrtQuantizedMultiplierExp(v, kReverseShift = -1): 1/sqrt(v) as a multiplier and a
 * left shift, by five Newton-Raphson steps in Q3.28. */
static void ts_inv_sqrt_multiplier(int32_t v, int32_t* multiplier, int* shift) {
  int s = 11;
  int32_t half_input, x;
  unsigned pairs;
  int i;
  if (v <= 1) {
    *multiplier = TS_INT32_MAX;
    *shift = 0;
    return;
  }
  while (v >= (1 << 29)) {
    v /= 4;
    ++s;
  }
  pairs = (unsigned)(ts_count_leading_zeros_u32((uint32_t)v) - 1) / 2u - 1u;
  s -= (int)pairs;
  v = (int32_t)((uint32_t)v << (2u * pairs)); /* now in [2^27, 2^29) */
  half_input = ts_rounding_divide_by_pot(v >> 1, 1);
  x = 1 << 28; /* 1.0 in Q3.28 */
  for (i = 0; i < 5; ++i) {
    /* x^3: Q9 product rescaled to Q3; 1.5 x - (v/2) x^3 in Q6 rescaled to Q3 */
    const int32_t x3 = ts_fp_sat_shl(ts_fp_srdhm(ts_fp_srdhm(x, x), x), 6);
    x = ts_fp_sat_shl(ts_fp_srdhm((1 << 28) + (1 << 27), x) - ts_fp_srdhm(half_input, x3), 3);
  }
  x = ts_fp_srdhm(x, 1518500250); /* times sqrt(2)/2 */
  if (s < 0) {
    x = (int32_t)((uint32_t)x << -s);
    s = 0;
  }
  *multiplier = x;
  *shift = -s;
}

int32_t ts_rsqrt_s8(const ts_rsqrt_params* p, ts_cbuf in, ts_buf out, int32_t channels,
                    ts_window win) {
  int32_t negative = 0;
  TS_UNARY_FOR_EACH(in, out, channels, win, {
    const int32_t v = *src - p->input_zero_point;
    if (v < 0) ++negative;
    if (v == 0) {
      *dst = 127;
    } else {
      int32_t m;
      int sh;
      int32_t data, r;
      ts_inv_sqrt_multiplier(v, &m, &sh);
      data = TS_MBQM(1, m, sh + 20);
      r = TS_MBQM(data, p->multiplier, p->shift - 20) + p->output_zero_point;
      *dst = (int8_t)ts_clamp_i32(r, -128, 127);
    }
  });
  return negative;
}

int ts_tanh_s8_prepare(float input_scale, int32_t input_zero_point, ts_logistic_params* p) {
  /* tanh.cc CalculateArithmeticOpData (int8): kInputIntegerBits 4 */
  const double real = (double)input_scale * (double)(1 << (31 - 4));
  int left_shift = 0;
  const double q = frexp(real, &left_shift);
  const double qf = round(q * 2147483648.0);
  if (!(real > 0.0) || left_shift < 0 || left_shift > 30 || qf >= 2147483648.0) return -1;
  p->input_zero_point = input_zero_point;
  p->input_multiplier = (int32_t)qf;
  p->input_left_shift = left_shift;
  /* CalculateInputRadius(4, left_shift, 31) */
  p->input_range_radius =
      (int32_t)floor(1.0 * ((1 << 4) - 1) * (double)((int64_t)1 << (31 - 4)) / (double)((int64_t)1 << left_shift));
  return 0;
}

/* gemmlowp's one_minus_x_over_one_plus_x_for_x_in_0_1: (1 - a) / (1 + a), Q0.31 in and out,
 * Newton-Raphson division in Q2.29. */
static int32_t ts_fp_one_minus_x_over_one_plus_x(int32_t a) {
  const int32_t half_denominator = ts_fp_rounding_half_sum(a, TS_INT32_MAX);
  const int32_t one_q2 = 1 << 29;
  int32_t x = (int32_t)((uint32_t)1515870810 + (uint32_t)ts_fp_srdhm(half_denominator, -1010580540));
  int i;
  for (i = 0; i < 3; ++i) {
    const int32_t one_minus = one_q2 - ts_fp_srdhm(half_denominator, x);
    x = (int32_t)((uint32_t)x + (uint32_t)ts_fp_sat_shl(ts_fp_srdhm(x, one_minus), 2));
  }
  return ts_fp_sat_shl(x - one_q2, 2);
}

/* gemmlowp's tanh of a Q4.27 value, Q0.31 result: for a < 0, n = a, else n = -a; the result
 * t = (1 - e^(2n)) / (1 + e^(2n)) (2n read as Q5.26) carries a's sign; tanh(0) = 0. */
static int32_t ts_fp_tanh_q4(int32_t a) {
  const int32_t n = a < 0 ? a : -a;
  const int32_t t = ts_fp_one_minus_x_over_one_plus_x(ts_fp_exp_on_negative_values(n, 5));
  if (a == 0) return 0;
  return a < 0 ? -t : t;
}

void ts_tanh_s8(const ts_logistic_params* p, ts_cbuf in, ts_buf out, int32_t channels,
                ts_window win) {
  TS_UNARY_FOR_EACH(in, out, channels, win, {
    const int32_t v = (int32_t)*src - p->input_zero_point;
    if (v <= -p->input_range_radius) {
      *dst = -128;
    } else if (v >= p->input_range_radius) {
      *dst = 127;
    } else {
      const int32_t q4 = TS_MBQM(v, p->input_multiplier, p->input_left_shift);
      const int32_t q0 = ts_fp_tanh_q4(q4);
      *dst = (int8_t)ts_clamp_i32(ts_rounding_divide_by_pot(q0, 31 - 7), -128, 127);
    }
  });
}

void ts_elu_s8_table(float input_scale, int32_t input_zero_point, float output_scale,
                     int32_t output_zero_point, int8_t table[256]) {
  /* elu.cc PopulateLookupTable with value < 0 ? exp(value) - 1 : value, in float */
  const float inverse_scale = 1 / output_scale;
  int32_t val;
  for (val = -128; val <= 127; ++val) {
    const float dequantized = input_scale * (float)(val - input_zero_point);
    const float transformed = dequantized < 0.0f ? expf(dequantized) - 1.0f : dequantized;
    const float rescaled = roundf(transformed * inverse_scale);
    /* TFLM converts the sum to int32 and then clamps; clamping in float first gives the same
     * byte without an out-of-range conversion */
    const float sum = rescaled + (float)output_zero_point;
    const int32_t quantized = sum >= 127.0f ? 127 : (sum <= -128.0f ? -128 : (int32_t)sum);
    table[(uint8_t)(int8_t)val] = (int8_t)quantized;
  }
}

void ts_lut_s8(const int8_t table[256], ts_cbuf in, ts_buf out, int32_t channels, ts_window win) {
  TS_UNARY_FOR_EACH(in, out, channels, win, *dst = table[(uint8_t)*src]);
}
