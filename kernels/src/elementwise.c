/* Element-wise int8 kernels: ADD, MUL (TFLM reference_integer_ops, broadcasting through
 * operand strides; ADD rescales through 256-entry tables on large windows and, where the
 * parameters allow it (ts_add_fast), requantizes with SMMULR and an add-and-shift rounding,
 * requant_util.h), int8 requantization (QUANTIZE int8->int8, RELU), clamp (RELU6), and
 * window/byte copies. Access order: elements of the window in row-major (y, x, c) order.
 * Copies (ts_copy_rows, ts_copy_window, ts_copy_bytes) move words and 32-byte blocks
 * (copy_util.h) with the result of that order for any overlap of source and destination. */
#include <stddef.h>
#include <string.h>

#if defined(__ARM_FEATURE_SAT)
#include <arm_acle.h>
#endif

#include "copy_util.h"
#include "unaligned.h"
#include "fixedpoint.h"
#include "requant_util.h"
#include "spatial_util.h"

/* ts_multiply_by_quantized_multiplier (quant.c), the same arithmetic inlined: the element-wise
 * loops call it up to three times per element. */
static inline int32_t ts_mbqm_inline(int32_t x, int32_t multiplier, int shift) {
  const int left_shift = shift > 0 ? shift : 0;
  const int right_shift = shift > 0 ? 0 : -shift;
  const int32_t a = (int32_t)((uint32_t)x << left_shift);
  const int64_t ab = (int64_t)a * (int64_t)multiplier;
  const int32_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
  const int32_t high = (a == multiplier && a == TS_INT32_MIN) ? TS_INT32_MAX
                                                              : (int32_t)((ab + nudge) / ((int64_t)1 << 31));
  const int32_t mask = (int32_t)(((int64_t)1 << right_shift) - 1);
  const int32_t remainder = high & mask;
  const int32_t threshold = (mask >> 1) + (high < 0 ? 1 : 0);
  return (high >> right_shift) + (remainder > threshold ? 1 : 0);
}

/* Element (y, x0, 0) of an operand. */
static const int8_t* ts_operand_row(const ts_operand* op, int32_t y, int32_t x0) {
  return op->data + (ptrdiff_t)(y - op->y0) * op->sy + (ptrdiff_t)(x0 - op->x0) * op->sx;
}

/* ADD windows of at least this many elements rescale their inputs through two 256-entry tables
 * (each input's rescaled value depends only on its byte): 2 KiB of workspace, 512 rescalings
 * to fill them. */
#define TS_ADD_TABLE_MIN_ELEMENTS 1024

/* Every rescaling of an ADD through ts_rq_requant2 (requant_util.h): its conditions hold when
 * the three shifts lie in [-30, 0], the input offsets (minus the zero points) in [-127, 128]
 * and the left shift is at most 20. Then an input's shifted value (off + v) << ls has
 * |.| <= 255 * 2^20 < 2^29, each rescaled input is at most its shifted value in magnitude
 * (multipliers below 2^31, no left shift), and their sum stays below 510 * 2^20 < 2^29. */
static int ts_add_fast(const ts_add_params* p) {
  return p->left_shift >= 0 && p->left_shift <= 20 && p->input1_shift <= 0 && p->input1_shift >= -30 &&
         p->input2_shift <= 0 && p->input2_shift >= -30 && p->output_shift <= 0 && p->output_shift >= -30 &&
         p->input1_offset >= -127 && p->input1_offset <= 128 && p->input2_offset >= -127 &&
         p->input2_offset <= 128;
}

/* The clamp of an ADD output: SSAT on a target that has it when the range is the whole int8
 * range, else ts_clamp_i32's order. */
#if defined(__ARM_FEATURE_SAT)
#define TS_ADD_CLAMP(v, full, lo, hi) ((full) ? __ssat((v), 8) : ts_clamp_i32((v), (lo), (hi)))
#else
#define TS_ADD_CLAMP(v, full, lo, hi) ((void)(full), ts_clamp_i32((v), (lo), (hi)))
#endif

/* How ts_add_loop rescales an element pair: through the tables (t1[v] for the first input,
 * t1[256 + v] for the second, v the signed input byte: one base register for both) or not, with ts_rq_requant2 (`fast`, tables doubled) or the general
 * ts_mbqm_inline. */
enum { TS_ADD_GENERAL, TS_ADD_FAST, TS_ADD_TABLE, TS_ADD_TABLE_FAST };

/* The elements of the window in row-major order, each read (both operands) then written as
 * the contract says. `mode` and `full` (the clamp is the whole int8 range) are constants
 * where this is inlined, so each call site gets its own loop without tests inside. */
static inline __attribute__((always_inline)) void ts_add_loop(const ts_add_params* p, const ts_operand* a,
                                                            const ts_operand* b, ts_buf out, int32_t channels,
                                                            ts_window win, const int32_t* t1,
                                                            int mode, int full) {
  const int32_t off1 = p->input1_offset, off2 = p->input2_offset, ls = p->left_shift, ls1 = ls + 1;
  const int32_t m1 = p->input1_multiplier, m2 = p->input2_multiplier, mo = p->output_multiplier;
  const int sh1 = p->input1_shift, sh2 = p->input2_shift, sho = p->output_shift;
  const int32_t out_offset = p->output_offset, lo = p->act_min, hi = p->act_max;
  /* ts_rq_requant2's constants (used by the fast modes only, where the shifts are <= 0) */
  const int32_t p1 = sh1 <= 0 ? (int32_t)1 << -sh1 : 0, e1 = 1 - sh1;
  const int32_t p2 = sh2 <= 0 ? (int32_t)1 << -sh2 : 0, e2 = 1 - sh2;
  const int32_t po = sho <= 0 ? (int32_t)1 << -sho : 0, eo = 1 - sho;
  const ptrdiff_t ax = a->sx, ac = a->sc, bx = b->sx, bc = b->sc;
  int32_t y, x, c;
  for (y = win.y0; y < win.y1; ++y) {
    const int8_t* ra = ts_operand_row(a, y, win.x0);
    const int8_t* rb = ts_operand_row(b, y, win.x0);
    int8_t* dst = TS_PIXEL(out, y, win.x0, channels);
    for (x = win.x0; x < win.x1; ++x, ra += ax, rb += bx, dst += channels) {
      const int8_t* pa = ra;
      const int8_t* pb = rb;
      for (c = 0; c < channels; ++c, pa += ac, pb += bc) {
        int32_t r;
        if (mode == TS_ADD_TABLE_FAST) {
          r = ts_rq_requant2(t1[*pa] + t1[*pb + 256], mo, po, eo) + out_offset;
        } else if (mode == TS_ADD_TABLE) {
          r = ts_mbqm_inline(t1[*pa] + t1[*pb + 256], mo, sho) + out_offset;
        } else if (mode == TS_ADD_FAST) {
          const int32_t s1 = ts_rq_requant2((off1 + *pa) * (1 << ls1), m1, p1, e1);
          const int32_t s2 = ts_rq_requant2((off2 + *pb) * (1 << ls1), m2, p2, e2);
          r = ts_rq_requant2((s1 + s2) * 2, mo, po, eo) + out_offset;
        } else {
          const int32_t s1 = ts_mbqm_inline((off1 + *pa) * (1 << ls), m1, sh1);
          const int32_t s2 = ts_mbqm_inline((off2 + *pb) * (1 << ls), m2, sh2);
          r = ts_mbqm_inline(s1 + s2, mo, sho) + out_offset;
        }
        dst[c] = (int8_t)TS_ADD_CLAMP(r, full, lo, hi);
      }
    }
  }
}

static int64_t ts_add_elements(int32_t channels, ts_window win) {
  return (win.y1 > win.y0 && win.x1 > win.x0) ? (int64_t)(win.y1 - win.y0) * (win.x1 - win.x0) * channels : 0;
}

size_t ts_add_s8_workspace_bytes(int32_t channels, ts_window win) {
  return ts_add_elements(channels, win) >= TS_ADD_TABLE_MIN_ELEMENTS ? 512 * sizeof(int32_t) : 0;
}

static inline __attribute__((always_inline)) void ts_add_body(const ts_add_params* p, ts_operand a, ts_operand b,
                                                              ts_buf out, int32_t channels, ts_window win,
                                                              void* workspace) {
  const int fast = ts_add_fast(p), full = p->act_min == -128 && p->act_max == 127;
  if (ts_add_elements(channels, win) >= TS_ADD_TABLE_MIN_ELEMENTS) {
    /* t1[v + 128], t2[v + 128]: the rescaled inputs; doubled when `fast` (ts_rq_requant2 then
     * takes their sum as it is: |2 * sum| < 2^30) */
    const int32_t off1 = p->input1_offset, off2 = p->input2_offset, ls = p->left_shift;
    const int sh1 = p->input1_shift, sh2 = p->input2_shift;
    int32_t* const restrict t1 = (int32_t*)workspace;
    int32_t* const restrict t2 = t1 + 256;
    int32_t v;
    for (v = -128; v < 128; ++v) {
      if (fast) {
        t1[v + 128] = 2 * ts_rq_requant2((off1 + v) * (1 << (ls + 1)), p->input1_multiplier, (int32_t)1 << -sh1,
                                         1 - sh1);
        t2[v + 128] = 2 * ts_rq_requant2((off2 + v) * (1 << (ls + 1)), p->input2_multiplier, (int32_t)1 << -sh2,
                                         1 - sh2);
      } else {
        t1[v + 128] = ts_mbqm_inline((off1 + v) * (1 << ls), p->input1_multiplier, sh1);
        t2[v + 128] = ts_mbqm_inline((off2 + v) * (1 << ls), p->input2_multiplier, sh2);
      }
    }
    if (!fast)
      ts_add_loop(p, &a, &b, out, channels, win, t1 + 128, TS_ADD_TABLE, 0);
    else if (full)
      ts_add_loop(p, &a, &b, out, channels, win, t1 + 128, TS_ADD_TABLE_FAST, 1);
    else
      ts_add_loop(p, &a, &b, out, channels, win, t1 + 128, TS_ADD_TABLE_FAST, 0);
  } else if (!fast) {
    ts_add_loop(p, &a, &b, out, channels, win, NULL, TS_ADD_GENERAL, 0);
  } else if (full) {
    ts_add_loop(p, &a, &b, out, channels, win, NULL, TS_ADD_FAST, 1);
  } else {
    ts_add_loop(p, &a, &b, out, channels, win, NULL, TS_ADD_FAST, 0);
  }
}

size_t ts_add_s8_stack_workspace_bytes(void) { return 512 * sizeof(int32_t); }

void ts_add_s8_ws(const ts_add_params* p, ts_operand a, ts_operand b, ts_buf out, int32_t channels,
                  ts_window win, void* workspace) {
  ts_add_body(p, a, b, out, channels, win, workspace);
}

/* Without a caller's workspace: the tables on this function's own stack frame (one frame, as
 * before workspaces: no wrapper's frame above it). Generated code calls ts_add_s8_ws with NULL
 * for windows too small for the tables. */
void ts_add_s8(const ts_add_params* p, ts_operand a, ts_operand b, ts_buf out,
               int32_t channels, ts_window win) {
  int32_t t[512];
  ts_add_body(p, a, b, out, channels, win, t);
}

void ts_mul_s8(const ts_mul_params* p, ts_operand a, ts_operand b, ts_buf out,
               int32_t channels, ts_window win) {
  const ptrdiff_t ax = a.sx, ac = a.sc, bx = b.sx, bc = b.sc;
  int32_t y, x, c;
  for (y = win.y0; y < win.y1; ++y) {
    const int8_t* ra = ts_operand_row(&a, y, win.x0);
    const int8_t* rb = ts_operand_row(&b, y, win.x0);
    int8_t* dst = TS_PIXEL(out, y, win.x0, channels);
    for (x = win.x0; x < win.x1; ++x, ra += ax, rb += bx, dst += channels) {
      const int8_t* pa = ra;
      const int8_t* pb = rb;
      for (c = 0; c < channels; ++c, pa += ac, pb += bc) {
        const int32_t v1 = p->input1_offset + *pa;
        const int32_t v2 = p->input2_offset + *pb;
        const int32_t raw =
            p->output_offset + ts_mbqm_inline(v1 * v2, p->output_multiplier, p->output_shift);
        dst[c] = (int8_t)ts_clamp_i32(raw, p->act_min, p->act_max);
      }
    }
  }
}

void ts_requantize_s8(const ts_requant_params* p, ts_cbuf in, ts_buf out, int32_t channels,
                      ts_window win) {
  int32_t y, x, c;
  for (y = win.y0; y < win.y1; ++y) {
    for (x = win.x0; x < win.x1; ++x) {
      const int8_t* src = TS_PIXEL(in, y, x, channels);
      int8_t* dst = TS_PIXEL(out, y, x, channels);
      for (c = 0; c < channels; ++c) {
        const int32_t v = p->output_zero_point +
                          ts_multiply_by_quantized_multiplier(src[c] - p->input_zero_point,
                                                              p->multiplier, p->shift);
        dst[c] = (int8_t)ts_clamp_i32(v, p->act_min, p->act_max);
      }
    }
  }
}

void ts_requantize_s16(const ts_requant_params* p, ts_cbuf in, ts_buf out, int32_t out_bytes,
                       int32_t channels, ts_window win) {
  int32_t y, x, c;
  for (y = win.y0; y < win.y1; ++y) {
    for (x = win.x0; x < win.x1; ++x) {
      const int8_t* src = in.data + ((ptrdiff_t)(y - in.y0) * in.w + (x - in.x0)) * channels * 2;
      int8_t* dst = out.data + ((ptrdiff_t)(y - out.y0) * out.w + (x - out.x0)) * channels * out_bytes;
      for (c = 0; c < channels; ++c) {
        const int32_t v = ts_clamp_i32(
            p->output_zero_point + ts_multiply_by_quantized_multiplier(ts_load_s16(src, c) - p->input_zero_point,
                                                                       p->multiplier, p->shift),
            p->act_min, p->act_max);
        if (out_bytes == 1) {
          dst[c] = (int8_t)v;
        } else if (out_bytes == 2) {
          ts_store_s16(dst, c, (int16_t)v);
        } else {
          memcpy(dst + 4 * c, &v, sizeof v);
        }
      }
    }
  }
}

void ts_requantize_s8_s16(const ts_requant_params* p, ts_cbuf in, ts_buf out, int32_t channels, ts_window win) {
  int32_t y, x, c;
  for (y = win.y0; y < win.y1; ++y) {
    for (x = win.x0; x < win.x1; ++x) {
      const int8_t* src = TS_PIXEL(in, y, x, channels);
      int8_t* dst = TS_PIXEL(out, y, x, (int64_t)channels * 2);
      for (c = 0; c < channels; ++c) {
        const int32_t v = ts_clamp_i32(
            p->output_zero_point + ts_multiply_by_quantized_multiplier(src[c] - p->input_zero_point, p->multiplier,
                                                                       p->shift),
            p->act_min, p->act_max);
        ts_store_s16(dst, c, (int16_t)v);
      }
    }
  }
}

void ts_clamp_s8(int8_t lo, int8_t hi, ts_cbuf in, ts_buf out, int32_t channels,
                 ts_window win) {
  int32_t y, x, c;
  for (y = win.y0; y < win.y1; ++y) {
    for (x = win.x0; x < win.x1; ++x) {
      const int8_t* src = TS_PIXEL(in, y, x, channels);
      int8_t* dst = TS_PIXEL(out, y, x, channels);
      for (c = 0; c < channels; ++c) {
        const int8_t v = src[c];
        dst[c] = v > hi ? hi : (v < lo ? lo : v);
      }
    }
  }
}

void ts_copy_rows(const void* in, void* out, int32_t rows, int32_t row_bytes, int32_t in_stride,
                  int32_t out_stride) {
  const int8_t* s = (const int8_t*)in;
  int8_t* d = (int8_t*)out;
  intptr_t g0, g1, lim;
  int32_t r;
  if (rows <= 0 || row_bytes <= 0) return;
  /* Rows that follow each other in both buffers: one move (the same byte order). */
  if (rows == 1 || (in_stride == row_bytes && out_stride == row_bytes)) {
    ts_forward_copy(d, s, rows * row_bytes);
    return;
  }
  /* Word-aligned rows whose 32-byte blocks are exact in every row (copy_util.h): the gap
   * d - s of row r is g0 + r * (out_stride - in_stride), linear in r, so checking the first
   * and last rows on the same side covers every row. One decision for the whole window. */
  g0 = (intptr_t)((uintptr_t)d - (uintptr_t)s);
  g1 = g0 + (intptr_t)(rows - 1) * ((intptr_t)out_stride - (intptr_t)in_stride);
  lim = row_bytes < TS_COPY_BLOCK ? row_bytes : TS_COPY_BLOCK;
  if ((((uintptr_t)s | (uintptr_t)d | (uint32_t)row_bytes | (uint32_t)in_stride | (uint32_t)out_stride) &
       3u) == 0u &&
      ((g0 <= 0 && g1 <= 0) || (g0 >= lim && g1 >= lim))) {
    const int32_t in_skip = in_stride - row_bytes, out_skip = out_stride - row_bytes;
    do {
      ts_copy_words_adv(&d, &s, row_bytes);
      s += in_skip;
      d += out_skip;
    } while (--rows > 0);
    return;
  }
  for (r = 0; r < rows; ++r, s += in_stride, d += out_stride) ts_forward_copy(d, s, row_bytes);
}

void ts_copy_window(ts_cbuf in, ts_buf out, int32_t pixel_bytes, ts_window win) {
  const int32_t w = win.x1 - win.x0;
  if (w <= 0 || win.y1 <= win.y0 || pixel_bytes <= 0) return;
  /* A row of the window is contiguous in both buffers; rows in ascending order: the byte
   * order of the contract. */
  ts_copy_rows(TS_PIXEL(in, win.y0, win.x0, pixel_bytes), TS_PIXEL(out, win.y0, win.x0, pixel_bytes),
               win.y1 - win.y0, w * pixel_bytes, in.w * pixel_bytes, out.w * pixel_bytes);
}

void ts_copy_bytes(const void* in, void* out, size_t bytes) {
  const int8_t* s = (const int8_t*)in;
  int8_t* d = (int8_t*)out;
  while (bytes > 0) {
    const int32_t n = bytes > 0x40000000u ? 0x40000000 : (int32_t)bytes;
    ts_forward_copy(d, s, n);
    s += n;
    d += n;
    bytes -= (size_t)n;
  }
}
