/* QUANTIZE between uint8 and int8 and DEQUANTIZE uint8 -> float32, element-wise over a window.
 * Follows TFLM's tensorflow/lite/micro/kernels/quantize_common.cc (reference_ops::Requantize in
 * tensorflow/lite/kernels/internal/reference/requantize.h) and
 * reference_ops::Dequantize (tensorflow/lite/kernels/internal/reference/dequantize.h; TFLM's
 * dequantize_common.cc itself refuses uint8 input, TensorFlow Lite's reference accepts it). */
#include <string.h>

#include "fixedpoint.h"
#include "spatial_util.h"

/* One requantization loop for both directions: `in_unsigned` says how to read an input byte,
 * [lo, hi] is the clamp in the output type's values (stored as its low byte). */
static void ts_requant_bytes(const ts_requant_params* p, ts_cbuf in, ts_buf out, int32_t channels,
                             ts_window win, int in_unsigned, int32_t type_min, int32_t type_max) {
  const int32_t lo = p->act_min > type_min ? p->act_min : type_min;
  const int32_t hi = p->act_max < type_max ? p->act_max : type_max;
  /* Equal scales (QuantizeMultiplier(1.0) = 2^30 with shift 1): MBQM(x, 2^30, 1) is
   * SRDHM(2x, 2^30) = x exactly for |x| < 2^30, so only the zero points move (TFLM's own
   * shortcut, x ^ 0x80 for zero points 128 apart, is the special case of this). */
  const int same_scale = p->multiplier == (1 << 30) && p->shift == 1;
  const int32_t offset = p->output_zero_point - p->input_zero_point;
  int32_t y, i;
  if (win.x1 <= win.x0) return;
  /* A row of the window is contiguous in both buffers. */
  for (y = win.y0; y < win.y1; ++y) {
    const int8_t* src = TS_PIXEL(in, y, win.x0, channels);
    int8_t* dst = TS_PIXEL(out, y, win.x0, channels);
    const int32_t n = (win.x1 - win.x0) * channels;
    if (same_scale) {
      for (i = 0; i < n; ++i) {
        const int32_t q = in_unsigned ? (int32_t)(uint8_t)src[i] : (int32_t)src[i];
        dst[i] = (int8_t)(uint8_t)ts_clamp_i32(q + offset, lo, hi);
      }
      continue;
    }
    for (i = 0; i < n; ++i) {
      const int32_t q = in_unsigned ? (int32_t)(uint8_t)src[i] : (int32_t)src[i];
      const int32_t v = p->output_zero_point +
                        ts_multiply_by_quantized_multiplier(q - p->input_zero_point, p->multiplier,
                                                            p->shift);
      dst[i] = (int8_t)(uint8_t)ts_clamp_i32(v, lo, hi);
    }
  }
}

void ts_requantize_u8_s8(const ts_requant_params* p, ts_cbuf in, ts_buf out, int32_t channels,
                         ts_window win) {
  ts_requant_bytes(p, in, out, channels, win, 1, -128, 127);
}

void ts_requantize_s8_u8(const ts_requant_params* p, ts_cbuf in, ts_buf out, int32_t channels,
                         ts_window win) {
  ts_requant_bytes(p, in, out, channels, win, 0, 0, 255);
}

void ts_dequantize_u8_f32(double scale, int32_t zero_point, ts_cbuf in, ts_buf out,
                          int32_t channels, ts_window win) {
  int32_t y, i;
  if (win.x1 <= win.x0) return;
  for (y = win.y0; y < win.y1; ++y) {
    const int8_t* src = TS_PIXEL(in, y, win.x0, channels);
    int8_t* dst = TS_PIXEL(out, y, win.x0, (int64_t)channels * 4);
    const int32_t n = (win.x1 - win.x0) * channels;
    for (i = 0; i < n; ++i) {
      const float f = (float)(scale * (double)((int32_t)(uint8_t)src[i] - zero_point));
      memcpy(dst + (size_t)i * 4, &f, 4);
    }
  }
}
