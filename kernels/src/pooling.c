/* AVERAGE_POOL_2D and MAX_POOL_2D int8 (TFLM reference_integer_ops::AveragePool/MaxPool),
 * over one output window. Per output pixel: its valid taps, channel by channel (the portable
 * loops), or for AVERAGE_POOL_2D on a target with the DSP extension (ts_avg_pool2d_s8_dsp) four
 * channels per 32-bit load, summed as halfword lanes with SXTAB16 (exact while a window has at
 * most 256 taps: |sum| <= 128 * 256 fits an int16), then each channel's rounded division as in
 * the portable loop. Either way a pixel's reads come before its writes (through `scratch` when
 * one is given). */
#include <stddef.h>
#include <string.h>

#include "arm_dsp.h"
#include "fixedpoint.h"
#include "spatial_util.h"
#include "unaligned.h"

size_t ts_pool2d_s8_scratch_bytes(const ts_pool_params* p) { return (size_t)p->channels; }

/* TFLM's average: the sum divided by the tap count, rounded half away from zero. */
static inline int32_t ts_pool_average(int32_t acc, int32_t n) {
  if (n == 0) return 0;
  return acc > 0 ? (acc + n / 2) / n : (acc - n / 2) / n;
}

/* Channels [c, ch) of one output pixel: taps rows [0, rows) x columns [0, cols) from `taps`
 * (the first valid tap, channel 0), rows row_step bytes apart. */
static void ts_pool_channels(const ts_pool_params* p, const int8_t* taps, ptrdiff_t row_step, int32_t rows,
                             int32_t cols, int8_t* dst, int32_t c, int is_max) {
  const int32_t ch = p->channels;
  for (; c < ch; ++c) {
    int32_t ky, kx;
    int32_t acc = is_max ? -128 : 0;
    const int8_t* row = taps + c;
    for (ky = 0; ky < rows; ++ky, row += row_step) {
      const int8_t* t = row;
      for (kx = 0; kx < cols; ++kx, t += ch) {
        const int32_t v = *t;
        if (is_max) {
          if (v > acc) acc = v;
        } else {
          acc += v;
        }
      }
    }
    if (!is_max) acc = ts_pool_average(acc, rows * cols);
    dst[c] = (int8_t)ts_clamp_i32(acc, p->act_min, p->act_max);
  }
}

/* The valid taps of output pixel (oy, ox): returns the first one (in.data when there is none)
 * and sets the tap rows and columns. */
static const int8_t* ts_pool_taps(const ts_pool_params* p, ts_cbuf in, int32_t oy, int32_t ox, int32_t* rows,
                                  int32_t* cols) {
  const int32_t iy_origin = oy * p->stride_h - p->pad_top, ix_origin = ox * p->stride_w - p->pad_left;
  int32_t ky0, ky1, kx0, kx1;
  ts_valid_taps(iy_origin, 1, p->filter_h, p->in_h, &ky0, &ky1);
  ts_valid_taps(ix_origin, 1, p->filter_w, p->in_w, &kx0, &kx1);
  *rows = ky1 > ky0 ? ky1 - ky0 : 0;
  *cols = kx1 > kx0 ? kx1 - kx0 : 0;
  return (*rows && *cols) ? TS_PIXEL(in, iy_origin + ky0, ix_origin + kx0, p->channels) : in.data;
}

/* The rounded, clamped averages of channels (c, c + 1, c + 2, c + 3) from their halfword sums
 * (`even`: c and c + 2, `odd`: c + 1 and c + 3) over n taps. */
static inline void ts_pool_store4(int8_t* dst, uint32_t even, uint32_t odd, int32_t n, int32_t lo, int32_t hi) {
  dst[0] = (int8_t)ts_clamp_i32(ts_pool_average(ts_dsp_lane16(even, 0), n), lo, hi);
  dst[1] = (int8_t)ts_clamp_i32(ts_pool_average(ts_dsp_lane16(odd, 0), n), lo, hi);
  dst[2] = (int8_t)ts_clamp_i32(ts_pool_average(ts_dsp_lane16(even, 1), n), lo, hi);
  dst[3] = (int8_t)ts_clamp_i32(ts_pool_average(ts_dsp_lane16(odd, 1), n), lo, hi);
}

/* Averages of channels [0, c) of one output pixel eight, then four at a time (the DSP variant),
 * for windows of 1 to 256 taps; returns c, the channels done (a multiple of 4, 0 otherwise).
 * When the tap rows follow one another in memory (full-width windows) the taps are one run. */
static int32_t ts_pool_average4(const ts_pool_params* p, const int8_t* taps, ptrdiff_t row_step, int32_t rows,
                                int32_t cols, int8_t* dst) {
  const int32_t ch = p->channels, lo = p->act_min, hi = p->act_max, n = rows * cols;
  int32_t c = 0;
  if (n <= 0 || n > 256) return 0;
  if (row_step == (ptrdiff_t)cols * ch) {
    cols = n;
    rows = 1;
  }
  for (; c + 8 <= ch; c += 8) {
    uint32_t even0 = 0, odd0 = 0, even1 = 0, odd1 = 0; /* as below, channels c.. and c + 4.. */
    const int8_t* row = taps + c;
    int32_t ky, kx;
    for (ky = 0; ky < rows; ++ky, row += row_step) {
      const int8_t* t = row;
      for (kx = 0; kx + 2 <= cols; kx += 2, t += 2 * ch) { /* two taps per pass */
        const uint32_t v0 = ts_dsp_load4(t), v1 = ts_dsp_load4(t + 4);
        const uint32_t w0 = ts_dsp_load4(t + ch), w1 = ts_dsp_load4(t + ch + 4);
        even0 = ts_dsp_sxtab16(even0, v0);
        odd0 = ts_dsp_sxtab16_ror8(odd0, v0);
        even1 = ts_dsp_sxtab16(even1, v1);
        odd1 = ts_dsp_sxtab16_ror8(odd1, v1);
        even0 = ts_dsp_sxtab16(even0, w0);
        odd0 = ts_dsp_sxtab16_ror8(odd0, w0);
        even1 = ts_dsp_sxtab16(even1, w1);
        odd1 = ts_dsp_sxtab16_ror8(odd1, w1);
      }
      if (kx < cols) {
        const uint32_t v0 = ts_dsp_load4(t), v1 = ts_dsp_load4(t + 4);
        even0 = ts_dsp_sxtab16(even0, v0);
        odd0 = ts_dsp_sxtab16_ror8(odd0, v0);
        even1 = ts_dsp_sxtab16(even1, v1);
        odd1 = ts_dsp_sxtab16_ror8(odd1, v1);
      }
    }
    ts_pool_store4(dst + c, even0, odd0, n, lo, hi);
    ts_pool_store4(dst + c + 4, even1, odd1, n, lo, hi);
  }
  for (; c + 4 <= ch; c += 4) {
    uint32_t even = 0, odd = 0; /* halfword sums of channels (c, c + 2) and (c + 1, c + 3) */
    const int8_t* row = taps + c;
    int32_t ky, kx;
    for (ky = 0; ky < rows; ++ky, row += row_step) {
      const int8_t* t = row;
      for (kx = 0; kx < cols; ++kx, t += ch) {
        const uint32_t v = ts_dsp_load4(t);
        even = ts_dsp_sxtab16(even, v);
        odd = ts_dsp_sxtab16_ror8(odd, v);
      }
    }
    ts_pool_store4(dst + c, even, odd, n, lo, hi);
  }
  return c;
}

enum { TS_POOL_MAX, TS_POOL_AVG, TS_POOL_AVG_DSP };

static void pool(const ts_pool_params* p, ts_cbuf in, ts_buf out, ts_window win, int8_t* scratch, int mode) {
  const int32_t ch = p->channels;
  const ptrdiff_t row_step = (ptrdiff_t)in.w * ch;
  int32_t oy, ox;
  for (oy = win.y0; oy < win.y1; ++oy)
    for (ox = win.x0; ox < win.x1; ++ox) {
      int32_t rows, cols;
      const int8_t* taps = ts_pool_taps(p, in, oy, ox, &rows, &cols);
      int8_t* dst = scratch ? scratch : TS_PIXEL(out, oy, ox, ch);
      const int32_t c = mode == TS_POOL_AVG_DSP ? ts_pool_average4(p, taps, row_step, rows, cols, dst) : 0;
      ts_pool_channels(p, taps, row_step, rows, cols, dst, c, mode == TS_POOL_MAX);
      if (scratch) memcpy(TS_PIXEL(out, oy, ox, ch), scratch, (size_t)ch);
    }
}

void ts_avg_pool2d_s8_portable(const ts_pool_params* p, ts_cbuf in, ts_buf out, ts_window win,
                               int8_t* scratch) {
  pool(p, in, out, win, scratch, TS_POOL_AVG);
}

void ts_avg_pool2d_s8_dsp(const ts_pool_params* p, ts_cbuf in, ts_buf out, ts_window win,
                          int8_t* scratch) {
  pool(p, in, out, win, scratch, TS_POOL_AVG_DSP);
}

/* The public kernel: the DSP path on Cortex-M with the DSP extension (unless TS_NO_DSP), the
 * portable loops elsewhere. */
void ts_avg_pool2d_s8(const ts_pool_params* p, ts_cbuf in, ts_buf out, ts_window win,
                      int8_t* scratch) {
#if TS_DSP_DISPATCH
  ts_avg_pool2d_s8_dsp(p, in, out, win, scratch);
#else
  ts_avg_pool2d_s8_portable(p, in, out, win, scratch);
#endif
}

void ts_max_pool2d_s8(const ts_pool_params* p, ts_cbuf in, ts_buf out, ts_window win,
                      int8_t* scratch) {
  pool(p, in, out, win, scratch, TS_POOL_MAX);
}

/* ---- int16 (TFLM reference_integer_ops::AveragePool / MaxPool for int16): the same taps,
 * the sum in int32 divided as ts_pool_average does, the maximum starting from -32768; elements
 * through unaligned.h. A pixel's reads come before its writes (through `scratch` when given). */
size_t ts_pool2d_s16_scratch_bytes(const ts_pool_params* p) { return (size_t)p->channels * 2; }

static void pool_s16(const ts_pool_params* p, ts_cbuf in, ts_buf out, ts_window win, int8_t* scratch, int is_max) {
  const int32_t ch = p->channels;
  int32_t oy, ox, c, ky, kx;
  for (oy = win.y0; oy < win.y1; ++oy) {
    const int32_t iy_origin = oy * p->stride_h - p->pad_top;
    int32_t ky0, ky1;
    ts_valid_taps(iy_origin, 1, p->filter_h, p->in_h, &ky0, &ky1);
    for (ox = win.x0; ox < win.x1; ++ox) {
      const int32_t ix_origin = ox * p->stride_w - p->pad_left;
      int8_t* const pixel = TS_PIXEL(out, oy, ox, ch * 2);
      int8_t* const dst = scratch ? scratch : pixel;
      int32_t kx0, kx1;
      ts_valid_taps(ix_origin, 1, p->filter_w, p->in_w, &kx0, &kx1);
      for (c = 0; c < ch; ++c) {
        int32_t acc = is_max ? -32768 : 0, n = 0;
        for (ky = ky0; ky < ky1; ++ky)
          for (kx = kx0; kx < kx1; ++kx, ++n) {
            const int32_t v = ts_load_s16(TS_PIXEL(in, iy_origin + ky, ix_origin + kx, ch * 2), c);
            if (is_max) {
              if (v > acc) acc = v;
            } else {
              acc += v;
            }
          }
        if (!is_max) acc = ts_pool_average(acc, n);
        ts_store_s16(dst, c, (int16_t)ts_clamp_i32(acc, p->act_min, p->act_max));
      }
      if (scratch) memcpy(pixel, scratch, (size_t)ch * 2);
    }
  }
}

void ts_avg_pool2d_s16(const ts_pool_params* p, ts_cbuf in, ts_buf out, ts_window win, int8_t* scratch) {
  pool_s16(p, in, out, win, scratch, 0);
}

void ts_max_pool2d_s16(const ts_pool_params* p, ts_cbuf in, ts_buf out, ts_window win, int8_t* scratch) {
  pool_s16(p, in, out, win, scratch, 1);
}
