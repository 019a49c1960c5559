/* QUANTIZE float32 -> int8 and DEQUANTIZE int8 -> float32 (TFLM reference AffineQuantize and
 * Dequantize), element-wise over a window. Floats are read/written with memcpy. */
#include <math.h>
#include <string.h>

#include "fixedpoint.h"
#include "spatial_util.h"

void ts_quantize_f32_s8(double scale, int32_t zero_point, ts_cbuf in, ts_buf out,
                        int32_t channels, ts_window win) {
  int32_t y, x, c;
  for (y = win.y0; y < win.y1; ++y) {
    for (x = win.x0; x < win.x1; ++x) {
      const int8_t* src = TS_PIXEL(in, y, x, (int64_t)channels * 4);
      int8_t* dst = TS_PIXEL(out, y, x, channels);
      for (c = 0; c < channels; ++c) {
        float v;
        double r;
        int32_t q;
        memcpy(&v, src + (size_t)c * 4, 4);
        r = round((double)v / scale);
        /* TFLM casts the rounded double to int32 before adding the zero point and clamping;
         * keep the cast defined for out-of-range values by saturating first. */
        if (r > 2147483647.0 - 256.0) r = 2147483647.0 - 256.0;
        if (r < -2147483648.0 + 256.0) r = -2147483648.0 + 256.0;
        if (r != r) r = 0.0; /* NaN */
        q = (int32_t)r + zero_point;
        dst[c] = (int8_t)ts_clamp_i32(q, -128, 127);
      }
    }
  }
}

void ts_dequantize_s8_f32(double scale, int32_t zero_point, ts_cbuf in, ts_buf out,
                          int32_t channels, ts_window win) {
  int32_t y, x, c;
  for (y = win.y0; y < win.y1; ++y) {
    for (x = win.x0; x < win.x1; ++x) {
      const int8_t* src = TS_PIXEL(in, y, x, channels);
      int8_t* dst = TS_PIXEL(out, y, x, (int64_t)channels * 4);
      for (c = 0; c < channels; ++c) {
        const float f = (float)(scale * (double)((int32_t)src[c] - zero_point));
        memcpy(dst + (size_t)c * 4, &f, 4);
      }
    }
  }
}
