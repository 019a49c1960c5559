/* AVERAGE_POOL_2D and MAX_POOL_2D int8 (TFLM reference_integer_ops::AveragePool/MaxPool),
 * over one output window. */
#include <stddef.h>
#include <string.h>

#include "fixedpoint.h"
#include "spatial_util.h"

size_t ts_pool2d_s8_scratch_bytes(const ts_pool_params* p) { return (size_t)p->channels; }

static void pool(const ts_pool_params* p, ts_cbuf in, ts_buf out, ts_window win,
                 int8_t* scratch, int is_max) {
  const int32_t ch = p->channels;
  int32_t oy, ox, c;
  for (oy = win.y0; oy < win.y1; ++oy) {
    const int32_t iy_origin = oy * p->stride_h - p->pad_top;
    int32_t ky0, ky1;
    ts_valid_taps(iy_origin, 1, p->filter_h, p->in_h, &ky0, &ky1);
    for (ox = win.x0; ox < win.x1; ++ox) {
      const int32_t ix_origin = ox * p->stride_w - p->pad_left;
      int8_t* dst = scratch ? scratch : TS_PIXEL(out, oy, ox, ch);
      int32_t kx0, kx1;
      ts_valid_taps(ix_origin, 1, p->filter_w, p->in_w, &kx0, &kx1);
      /* The first valid tap of the window, and the steps between taps (row, column). */
      const int8_t* taps = (ky1 > ky0 && kx1 > kx0) ? TS_PIXEL(in, iy_origin + ky0, ix_origin + kx0, ch) : in.data;
      const ptrdiff_t row_step = (ptrdiff_t)in.w * ch;
      for (c = 0; c < ch; ++c) {
        int32_t ky, kx;
        int32_t acc = is_max ? -128 : 0;
        const int32_t n = (ky1 - ky0) * (kx1 - kx0);
        const int8_t* row = taps + c;
        for (ky = ky0; ky < ky1; ++ky, row += row_step) {
          const int8_t* t = row;
          for (kx = kx0; kx < kx1; ++kx, t += ch) {
            const int32_t v = *t;
            if (is_max) {
              if (v > acc) acc = v;
            } else {
              acc += v;
            }
          }
        }
        if (!is_max) {
          if (n == 0) {
            acc = 0;
          } else {
            acc = acc > 0 ? (acc + n / 2) / n : (acc - n / 2) / n;
          }
        }
        dst[c] = (int8_t)ts_clamp_i32(acc, p->act_min, p->act_max);
      }
      if (scratch) memcpy(TS_PIXEL(out, oy, ox, ch), scratch, (size_t)ch);
    }
  }
}

void ts_avg_pool2d_s8(const ts_pool_params* p, ts_cbuf in, ts_buf out, ts_window win,
                      int8_t* scratch) {
  pool(p, in, out, win, scratch, 0);
}

void ts_max_pool2d_s8(const ts_pool_params* p, ts_cbuf in, ts_buf out, ts_window win,
                      int8_t* scratch) {
  pool(p, in, out, win, scratch, 1);
}
