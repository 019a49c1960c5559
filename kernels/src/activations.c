/* LOGISTIC and HARD_SWISH int8 (TFLM reference_integer_ops::Logistic and
 * reference_ops::HardSwish), element-wise over a window. */
#include "fixedpoint.h"
#include "spatial_util.h"

void ts_logistic_s8(const ts_logistic_params* p, ts_cbuf in, ts_buf out, int32_t channels,
                    ts_window win) {
  const int kInputIntegerBits = 4;
  const int kOutputIntegerBits = 8;
  int32_t y, x, c;
  for (y = win.y0; y < win.y1; ++y) {
    for (x = win.x0; x < win.x1; ++x) {
      const int8_t* src = TS_PIXEL(in, y, x, channels);
      int8_t* dst = TS_PIXEL(out, y, x, channels);
      for (c = 0; c < channels; ++c) {
        const int32_t v = (int32_t)src[c] - p->input_zero_point;
        if (v <= -p->input_range_radius) {
          dst[c] = -128;
        } else if (v >= p->input_range_radius) {
          dst[c] = 127;
        } else {
          const int32_t in_q4 =
              ts_multiply_by_quantized_multiplier(v, p->input_multiplier, p->input_left_shift);
          const int32_t out_q0 = ts_fp_logistic(in_q4, kInputIntegerBits);
          int32_t o = ts_rounding_divide_by_pot(out_q0, 31 - kOutputIntegerBits);
          dst[c] = (int8_t)ts_clamp_i32(o - 128, -128, 127);
        }
      }
    }
  }
}

static int16_t srdhm16(int16_t a, int16_t b) {
  const int overflow = a == b && a == -32768;
  const int32_t ab = (int32_t)a * (int32_t)b;
  const int32_t nudge = ab >= 0 ? (1 << 14) : (1 - (1 << 14));
  const int16_t high = (int16_t)((ab + nudge) / (1 << 15));
  return overflow ? 32767 : high;
}

static int16_t sdhm16(int16_t a, int16_t b) { /* SaturatingDoublingHighMul, truncating */
  if (a == b && a == -32768) return 32767;
  return (int16_t)(((int32_t)a * (int32_t)b) / (1 << 15));
}

static int16_t sat_shl16(int16_t v, int amount) {
  int64_t r = (int64_t)v * ((int64_t)1 << amount);
  if (r > 32767) r = 32767;
  if (r < -32768) r = -32768;
  return (int16_t)r;
}

void ts_hard_swish_s8(const ts_hard_swish_params* p, ts_cbuf in, ts_buf out,
                      int32_t channels, ts_window win) {
  int32_t y, x, c;
  for (y = win.y0; y < win.y1; ++y) {
    for (x = win.x0; x < win.x1; ++x) {
      const int8_t* src = TS_PIXEL(in, y, x, channels);
      int8_t* dst = TS_PIXEL(out, y, x, channels);
      for (c = 0; c < channels; ++c) {
        const int16_t input_value = (int16_t)(src[c] - p->input_zero_point);
        const int16_t hires = (int16_t)(input_value * (1 << 7));
        const int16_t preshift_out = srdhm16(hires, p->output_multiplier_fixedpoint_int16);
        int16_t reluish = hires;
        int16_t pre, o;
        int32_t r;
        if (p->reluish_multiplier_exponent > 0)
          reluish = sat_shl16(reluish, p->reluish_multiplier_exponent - 1);
        reluish = srdhm16(reluish, p->reluish_multiplier_fixedpoint_int16);
        if (p->reluish_multiplier_exponent > 0) reluish = sat_shl16(reluish, 1);
        if (p->reluish_multiplier_exponent < 0)
          reluish = (int16_t)ts_rounding_divide_by_pot(reluish, -p->reluish_multiplier_exponent);
        reluish = (int16_t)((reluish + (1 << 15)) >> 1);
        pre = sdhm16(reluish, preshift_out);
        o = (int16_t)ts_rounding_divide_by_pot(pre, -p->output_multiplier_exponent);
        r = (int32_t)(int16_t)(o + p->output_zero_point);
        dst[c] = (int8_t)ts_clamp_i32(r, -128, 127);
      }
    }
  }
}
