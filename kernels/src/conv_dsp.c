/* CONV_2D int8, DSP-structured path. Same contract and bytes as the portable
 * ts_conv2d_s8_portable (conv.c): only the order of the int32 additions changes.
 *
 * Main path (im2col, when a pixel's filter_h * filter_w * in_c taps fit
 * TS_CONV_DSP_COL_MAX): output pixels two at a time. Both pixels' taps are first copied into
 * a column buffer on the stack as int16 with the input offset added (padding taps as 0, so
 * border pixels need no special case), interleaved per group of four taps as
 * [pixel 0 taps 0,2 | pixel 1 taps 0,2 | pixel 0 taps 1,3 | pixel 1 taps 1,3], which matches
 * the lanes SXTB16 / SXTB16(ROR 8) give for four filter bytes. Then per pair of output
 * channels a 2x2 micro-kernel (LDRD of the column, SMLAD) and a requantization shared by the
 * two pixels, the four output bytes saturated and clamped together (SSAT, SSUB8/SEL).
 * Every read of both pixels happens before their first write, so this is safe whatever the
 * output shares with the input (reads earlier and writes later than the portable order), and
 * `scratch` is not needed.
 * Stack: 4 * TS_CONV_DSP_COL_MAX bytes of column (2304 with the default 576 taps) plus
 * TS_CONV_DSP_GATHER_MAX bytes to gather a pixel's taps when in_c is not a multiple of 4:
 * about 2.9 KB on the deepest call path (arm-none-eabi-gcc -O2 -fstack-usage, Cortex-M4).
 * A smaller TS_CONV_DSP_COL_MAX trades stack for speed on layers with more taps.
 *
 * Otherwise (larger filters): two output pixels x two output channels per micro-kernel step
 * on the int8 input when both pixels see the whole filter, written straight to the output
 * when it shares no byte with the input, else staged in 2 * TS_CONV_DSP_PAIR_OUT_MAX bytes of
 * stack (out_c up to that) and stored after both pixels' reads; other pixels one at a time in
 * the portable access order. With dilation_w == 1 one row of taps is a single dot product of
 * filter_w * in_c elements.
 * Grouped convolutions use the portable loops. */
#include <string.h>

#include "dsp_dot.h"
#include "spatial_util.h"

#ifndef TS_CONV_DSP_COL_MAX
#define TS_CONV_DSP_COL_MAX 576 /* taps per pixel (filter_h * filter_w * in_c, rounded up to 4) */
#endif
#ifndef TS_CONV_DSP_PAIR_OUT_MAX
#define TS_CONV_DSP_PAIR_OUT_MAX 128 /* int8 path: two pixels' outputs staged on the stack */
#endif
#ifndef TS_CONV_DSP_GATHER_MAX
#define TS_CONV_DSP_GATHER_MAX 128 /* the same, when in_c is not a multiple of 4 */
#endif

/* ---- im2col path ---- */

/* Column words of one pixel: `groups` groups of four taps from src (+ offset). `dst` points
 * at the pixel's lane of the first group; each group is four words. */
static inline uint32_t* ts_col_expand(uint32_t* dst, const int8_t* src, int32_t groups, uint32_t off2) {
  for (; groups > 0; --groups) {
    const uint32_t x = ts_dsp_load4(src);
    src += 4;
    dst[0] = ts_dsp_sxtab16(off2, x);
    dst[2] = ts_dsp_sxtab16_ror8(off2, x);
    dst += 4;
  }
  return dst;
}

static uint32_t* ts_col_zero(uint32_t* dst, int32_t groups) {
  for (; groups > 0; --groups) {
    dst[0] = 0;
    dst[2] = 0;
    dst += 4;
  }
  return dst;
}

static inline int8_t* ts_gather_fill(int8_t* g, int8_t v, int32_t n) {
  for (; n > 0; --n) {
    __asm__("" : "+r"(v));
    *g++ = v;
  }
  return g;
}

/* Byte copies and fills of a few bytes, inline: the empty asm keeps GCC from turning the
 * loops into calls of the library's memcpy/memset (slower at these sizes). */
static inline int8_t* ts_gather_copy(int8_t* g, const int8_t* src, int32_t n) {
  for (; n >= 4; n -= 4) {
    uint32_t v = ts_dsp_load4(src);
    __asm__("" : "+r"(v));
    memcpy(g, &v, 4);
    g += 4;
    src += 4;
  }
  for (; n > 0; --n) {
    int8_t b = *src++;
    __asm__("" : "+r"(b));
    *g++ = b;
  }
  return g;
}

/* Output pixel (oy, ox)'s taps into its lane of the column (col: the lane's first word). */
static void ts_conv_col_build(const ts_conv_params* p, ts_cbuf in, int32_t oy, int32_t ox,
                              uint32_t* col, uint32_t off2, int8_t* gather) {
  const int32_t in_c = p->in_c, fh = p->filter_h, fw = p->filter_w;
  const int32_t dh = p->dilation_h, dw = p->dilation_w;
  const int32_t iy = oy * p->stride_h - p->pad_top, ix = ox * p->stride_w - p->pad_left;
  int32_t ky0, ky1, kx0, kx1, ky, kx;
  ts_valid_taps(iy, dh, fh, p->in_h, &ky0, &ky1);
  ts_valid_taps(ix, dw, fw, p->in_w, &kx0, &kx1);
  if ((in_c & 3) == 0) { /* whole groups per tap: straight from the input */
    const int32_t tg = in_c >> 2;
    for (ky = 0; ky < fh; ++ky) {
      const int8_t* row;
      if (ky < ky0 || ky >= ky1 || kx0 >= kx1) {
        col = ts_col_zero(col, fw * tg);
        continue;
      }
      row = TS_PIXEL(in, iy + ky * dh, ix + kx0 * dw, in_c);
      col = ts_col_zero(col, kx0 * tg);
      if (dw == 1) {
        col = ts_col_expand(col, row, (kx1 - kx0) * tg, off2);
      } else {
        for (kx = kx0; kx < kx1; ++kx) col = ts_col_expand(col, row + (kx - kx0) * dw * in_c, tg, off2);
      }
      col = ts_col_zero(col, (fw - kx1) * tg);
    }
  } else { /* gather the taps as bytes (padding = the input zero point), then expand */
    const int8_t pad = (int8_t)(-p->input_offset);
    const int32_t k = fh * fw * in_c, k4 = (k + 3) & ~3;
    int8_t* g = gather;
    for (ky = 0; ky < fh; ++ky) {
      const int8_t* row;
      if (ky < ky0 || ky >= ky1 || kx0 >= kx1) {
        g = ts_gather_fill(g, pad, fw * in_c);
        continue;
      }
      row = TS_PIXEL(in, iy + ky * dh, ix + kx0 * dw, in_c);
      g = ts_gather_fill(g, pad, kx0 * in_c);
      if (dw == 1) {
        g = ts_gather_copy(g, row, (kx1 - kx0) * in_c);
      } else {
        for (kx = kx0; kx < kx1; ++kx) g = ts_gather_copy(g, row + (kx - kx0) * dw * in_c, in_c);
      }
      g = ts_gather_fill(g, pad, (fw - kx1) * in_c);
    }
    ts_gather_fill(g, pad, k4 - k);
    ts_col_expand(col, gather, k4 >> 2, off2);
  }
}

/* Requantization of a 2x2 block (channels c, c+1 of pixels 0 and 1) and its stores.
 * mode 1: every channel qualifies for ts_dsp_rq_apply (ts_dsp_rq_fast); 2: besides, the output
 * offset is an int8, so a pair of channels whose shifts are in [-23, -1] can take
 * ts_dsp_rq_shifted (ts_conv_col_pair_m); 3: every channel's shift is in [-23, -1]
 * (ts_conv_col_pair_q); 4: besides, the activation range is [-128, 127]
 * (ts_conv_col_pair_qf, no clamp after SSAT); 0: the general ts_dsp_output. Biases are in
 * the sums already. */
typedef struct {
  const int32_t* mult;
  const int32_t* shift;
  int32_t out_offset, act_min, act_max;
  uint32_t lo4, hi4;
  int mode;
} ts_conv_out;

static inline void ts_conv_store_2x2(const ts_conv_out* o, int32_t c, int32_t s00, int32_t s01,
                                     int32_t s10, int32_t s11, int8_t* d0, int8_t* d1) {
  if (o->mode >= 1) {
    const ts_dsp_rq r0 = ts_dsp_rq_decode(o->mult[c], o->shift[c]);
    const ts_dsp_rq r1 = ts_dsp_rq_decode(o->mult[c + 1], o->shift[c + 1]);
    const uint32_t oo = (uint32_t)o->out_offset;
    const int32_t v00 = ts_dsp_ssat8((int32_t)((uint32_t)ts_dsp_rq_apply(s00, &r0) + oo));
    const int32_t v01 = ts_dsp_ssat8((int32_t)((uint32_t)ts_dsp_rq_apply(s01, &r1) + oo));
    const int32_t v10 = ts_dsp_ssat8((int32_t)((uint32_t)ts_dsp_rq_apply(s10, &r0) + oo));
    const int32_t v11 = ts_dsp_ssat8((int32_t)((uint32_t)ts_dsp_rq_apply(s11, &r1) + oo));
    const uint32_t w = ts_dsp_clamp8x4(ts_dsp_pack8x4(v00, v01, v10, v11), o->lo4, o->hi4);
    ts_dsp_store2(d1 + c, w >> 16);
    ts_dsp_store2(d0 + c, w);
  } else {
    d1[c] = ts_dsp_output(s10, o->mult[c], o->shift[c], o->out_offset, o->act_min, o->act_max);
    d1[c + 1] = ts_dsp_output(s11, o->mult[c + 1], o->shift[c + 1], o->out_offset, o->act_min, o->act_max);
    d0[c] = ts_dsp_output(s00, o->mult[c], o->shift[c], o->out_offset, o->act_min, o->act_max);
    d0[c + 1] = ts_dsp_output(s01, o->mult[c + 1], o->shift[c + 1], o->out_offset, o->act_min, o->act_max);
  }
}

/* One group of four taps of both pixels (column words x[0..3]) against four filter bytes of
 * each of two channels at w0, w1 (or the words wa_in, wb_in). Ordered so that one filter word
 * is live at a time (four column words, a filter word and its halves: 6 temporaries beside
 * 4 accumulators and 4 pointers, no spill). */
#define TS_COL_STEP_2X2(x, wa_in, wb_in)                 \
  do {                                                   \
    const uint32_t a_ = (x)[0], b_ = (x)[1], c_ = (x)[2], d_ = (x)[3]; \
    uint32_t w_ = (wa_in), t_;                           \
    t_ = ts_dsp_sxtb16(w_);                              \
    s00 = ts_dsp_smlad(a_, t_, s00);                     \
    s10 = ts_dsp_smlad(b_, t_, s10);                     \
    t_ = ts_dsp_sxtb16_ror8(w_);                         \
    s00 = ts_dsp_smlad(c_, t_, s00);                     \
    s10 = ts_dsp_smlad(d_, t_, s10);                     \
    w_ = (wb_in);                                        \
    t_ = ts_dsp_sxtb16(w_);                              \
    s01 = ts_dsp_smlad(a_, t_, s01);                     \
    s11 = ts_dsp_smlad(b_, t_, s11);                     \
    t_ = ts_dsp_sxtb16_ror8(w_);                         \
    s01 = ts_dsp_smlad(c_, t_, s01);                     \
    s11 = ts_dsp_smlad(d_, t_, s11);                     \
  } while (0)

/* The last, odd channel of both pixels (general requantization). */
static void ts_conv_col_last(const uint32_t* col, int32_t k, const int8_t* w0, const int32_t* bias,
                             const ts_conv_out* o, int32_t c, int8_t* d0, int8_t* d1) {
  const int32_t tail = k & 3;
  const uint32_t* const cend = col + 4 * (k >> 2);
  const uint32_t* x = col;
  int32_t s0 = 0, s1 = 0;
  while (x != cend) {
    const uint32_t wa = ts_dsp_load4(w0);
    uint32_t t = ts_dsp_sxtb16(wa);
    s0 = ts_dsp_smlad(x[0], t, s0);
    s1 = ts_dsp_smlad(x[1], t, s1);
    t = ts_dsp_sxtb16_ror8(wa);
    s0 = ts_dsp_smlad(x[2], t, s0);
    s1 = ts_dsp_smlad(x[3], t, s1);
    x += 4;
    w0 += 4;
  }
  if (tail) {
    const uint32_t wa = ts_dsp_load_tail(w0, tail);
    uint32_t t = ts_dsp_sxtb16(wa);
    s0 = ts_dsp_smlad(x[0], t, s0);
    s1 = ts_dsp_smlad(x[1], t, s1);
    t = ts_dsp_sxtb16_ror8(wa);
    s0 = ts_dsp_smlad(x[2], t, s0);
    s1 = ts_dsp_smlad(x[3], t, s1);
  }
  if (bias) {
    s0 += bias[c];
    s1 += bias[c];
  }
  d1[c] = ts_dsp_output(s1, o->mult[c], o->shift[c], o->out_offset, o->act_min, o->act_max);
  d0[c] = ts_dsp_output(s0, o->mult[c], o->shift[c], o->out_offset, o->act_min, o->act_max);
}

/* Both pixels of the column, every output channel. k: taps per pixel. `quick` (a constant in
 * each instantiation): 2, every pair of channels takes ts_dsp_rq_shifted; 1, the pairs whose
 * shifts allow it; 0, none. `clamp`: 0 when the activation range is [-128, 127]. */
static inline __attribute__((always_inline)) void ts_conv_col_pair_impl(
    const uint32_t* col, int32_t k, const int8_t* filter, const int32_t* bias, int32_t out_c,
    const ts_conv_out* o, int8_t* d0, int8_t* d1, const int quick, const int clamp) {
  const int32_t tail = k & 3;
  const uint32_t* const cend = col + 4 * (k >> 2);
  const int32_t* mult = o->mult;
  const int32_t* shift = o->shift;
  const int32_t oo21 = 2 * o->out_offset + 1;
  const uint32_t lo4 = o->lo4, hi4 = o->hi4;
  const int8_t* w0 = filter;
  int32_t c;
  for (c = 0; c + 1 < out_c; c += 2) {
    const int8_t* w1 = w0 + k;
    const uint32_t* x = col;
    int32_t s00, s01, s10, s11;
    if (bias) {
      s00 = s10 = bias[c];
      s01 = s11 = bias[c + 1];
    } else {
      s00 = s01 = s10 = s11 = 0;
    }
#if TS_DSP_NATIVE && defined(__OPTIMIZE__)
    /* The loop of TS_COL_STEP_2X2 in 18 instructions per group and 13 registers (GCC's
     * schedule of the C loop keeps more words live and spills the end pointer): the column's
     * even-tap words, both filter words, their even halves; the odd-tap words into the same
     * registers, the odd halves. Not at -O0, where GCC cannot free 13 registers for it. */
    if (x != cend) {
      uint32_t a, b, wa, wb, t;
      __asm__ volatile(
          "1:\n\t"
          "ldrd %[a], %[b], [%[x]], #8\n\t"
          "ldr %[wa], [%[w0]], #4\n\t"
          "ldr %[wb], [%[w1]], #4\n\t"
          "sxtb16 %[t], %[wa]\n\t"
          "smlad %[s00], %[a], %[t], %[s00]\n\t"
          "smlad %[s10], %[b], %[t], %[s10]\n\t"
          "sxtb16 %[t], %[wb]\n\t"
          "smlad %[s01], %[a], %[t], %[s01]\n\t"
          "smlad %[s11], %[b], %[t], %[s11]\n\t"
          "ldrd %[a], %[b], [%[x]], #8\n\t"
          "sxtb16 %[t], %[wa], ror #8\n\t"
          "smlad %[s00], %[a], %[t], %[s00]\n\t"
          "smlad %[s10], %[b], %[t], %[s10]\n\t"
          "sxtb16 %[t], %[wb], ror #8\n\t"
          "smlad %[s01], %[a], %[t], %[s01]\n\t"
          "smlad %[s11], %[b], %[t], %[s11]\n\t"
          "cmp %[x], %[cend]\n\t"
          "bne 1b"
          : [x] "+r"(x), [w0] "+r"(w0), [w1] "+r"(w1), [s00] "+r"(s00), [s01] "+r"(s01),
            [s10] "+r"(s10), [s11] "+r"(s11), [a] "=&r"(a), [b] "=&r"(b), [wa] "=&r"(wa),
            [wb] "=&r"(wb), [t] "=&r"(t)
          : [cend] "r"(cend)
          : "cc", "memory");
    }
#else
    while (x != cend) {
      TS_COL_STEP_2X2(x, ts_dsp_load4(w0), ts_dsp_load4(w1));
      x += 4;
      w0 += 4;
      w1 += 4;
    }
#endif
    if (tail) { /* the column holds zeros past the last tap */
      TS_COL_STEP_2X2(x, ts_dsp_load_tail(w0, tail), ts_dsp_load_tail(w1, tail));
    }
    w0 = w1 + tail; /* the next pair's first filter */
    if (quick == 2 || (quick == 1 && (uint32_t)(-shift[c] - 1) < 23u && (uint32_t)(-shift[c + 1] - 1) < 23u)) {
      const int32_t m0 = mult[c], m1 = mult[c + 1];
      const int32_t r0 = -shift[c], r1 = -shift[c + 1];
      const int32_t n0 = (int32_t)((uint32_t)oo21 << (r0 - 1)), n1 = (int32_t)((uint32_t)oo21 << (r1 - 1));
      const int32_t v00 = ts_dsp_ssat8(ts_dsp_rq_shifted(s00, m0, r0, n0));
      const int32_t v01 = ts_dsp_ssat8(ts_dsp_rq_shifted(s01, m1, r1, n1));
      const int32_t v10 = ts_dsp_ssat8(ts_dsp_rq_shifted(s10, m0, r0, n0));
      const int32_t v11 = ts_dsp_ssat8(ts_dsp_rq_shifted(s11, m1, r1, n1));
      uint32_t w = ts_dsp_pack8x4(v00, v01, v10, v11);
      if (clamp) w = ts_dsp_clamp8x4(w, lo4, hi4);
      ts_dsp_store2(d1 + c, w >> 16);
      ts_dsp_store2(d0 + c, w);
    } else {
      ts_conv_store_2x2(o, c, s00, s01, s10, s11, d0, d1);
    }
  }
  if (c < out_c) ts_conv_col_last(col, k, w0, bias, o, c, d0, d1);
}

__attribute__((noinline)) static void ts_conv_col_pair_q(const uint32_t* col, int32_t k, const int8_t* filter,
                               const int32_t* bias, int32_t out_c, const ts_conv_out* o,
                               int8_t* d0, int8_t* d1) {
  ts_conv_col_pair_impl(col, k, filter, bias, out_c, o, d0, d1, 2, 1);
}

/* The same when the activation range is [-128, 127] (SSAT is the clamp). */
__attribute__((noinline)) static void ts_conv_col_pair_qf(const uint32_t* col, int32_t k, const int8_t* filter,
                               const int32_t* bias, int32_t out_c, const ts_conv_out* o,
                               int8_t* d0, int8_t* d1) {
  ts_conv_col_pair_impl(col, k, filter, bias, out_c, o, d0, d1, 2, 0);
}

__attribute__((noinline)) static void ts_conv_col_pair_m(const uint32_t* col, int32_t k, const int8_t* filter,
                               const int32_t* bias, int32_t out_c, const ts_conv_out* o,
                               int8_t* d0, int8_t* d1) {
  ts_conv_col_pair_impl(col, k, filter, bias, out_c, o, d0, d1, 1, 1);
}

__attribute__((noinline)) static void ts_conv_col_pair_g(const uint32_t* col, int32_t k, const int8_t* filter,
                               const int32_t* bias, int32_t out_c, const ts_conv_out* o,
                               int8_t* d0, int8_t* d1) {
  ts_conv_col_pair_impl(col, k, filter, bias, out_c, o, d0, d1, 0, 1);
}

/* One pixel (the column's lane 0) and every output channel: the odd last pixel of a window,
 * which the 2x2 kernel would compute twice. */
__attribute__((noinline)) static void ts_conv_col_one(const uint32_t* col, int32_t k, const int8_t* filter,
                                                      const int32_t* bias, int32_t out_c,
                                                      const ts_conv_out* o, int8_t* d0) {
  const int32_t tail = k & 3;
  const uint32_t* const cend = col + 4 * (k >> 2);
  const int8_t* w0 = filter;
  int32_t c;
  for (c = 0; c < out_c; c += 2) {
    const int two = c + 1 < out_c;
    const int8_t* w1 = two ? w0 + k : w0;
    const uint32_t* x = col;
    int32_t s0 = 0, s1 = 0;
    while (x != cend) {
      const uint32_t a = x[0], b = x[2], wa = ts_dsp_load4(w0), wb = ts_dsp_load4(w1);
      s0 = ts_dsp_smlad(a, ts_dsp_sxtb16(wa), s0);
      s0 = ts_dsp_smlad(b, ts_dsp_sxtb16_ror8(wa), s0);
      s1 = ts_dsp_smlad(a, ts_dsp_sxtb16(wb), s1);
      s1 = ts_dsp_smlad(b, ts_dsp_sxtb16_ror8(wb), s1);
      x += 4;
      w0 += 4;
      w1 += 4;
    }
    if (tail) {
      const uint32_t wa = ts_dsp_load_tail(w0, tail), wb = ts_dsp_load_tail(w1, tail);
      s0 = ts_dsp_smlad(x[0], ts_dsp_sxtb16(wa), s0);
      s0 = ts_dsp_smlad(x[2], ts_dsp_sxtb16_ror8(wa), s0);
      s1 = ts_dsp_smlad(x[0], ts_dsp_sxtb16(wb), s1);
      s1 = ts_dsp_smlad(x[2], ts_dsp_sxtb16_ror8(wb), s1);
    }
    w0 = w1 + tail;
    if (bias) {
      s0 += bias[c];
      if (two) s1 += bias[c + 1];
    }
    d0[c] = ts_dsp_output(s0, o->mult[c], o->shift[c], o->out_offset, o->act_min, o->act_max);
    if (two) d0[c + 1] = ts_dsp_output(s1, o->mult[c + 1], o->shift[c + 1], o->out_offset, o->act_min, o->act_max);
  }
}

/* The im2col path applies: the taps fit the column (and the gather buffer when in_c is not
 * a multiple of 4, whose padding byte -input_offset must be an int8). */
static int ts_conv_col_fits(const ts_conv_params* p) {
  const int64_t k4 = ((int64_t)p->filter_h * p->filter_w * p->in_c + 3) & ~(int64_t)3;
  if (k4 <= 0 || k4 > TS_CONV_DSP_COL_MAX) return 0;
  if ((p->in_c & 3) != 0 && (k4 > TS_CONV_DSP_GATHER_MAX || p->input_offset < -127 || p->input_offset > 128))
    return 0;
  return 1;
}

/* What the column of one pixel needs, computed once per call. */
typedef struct {
  int32_t run;        /* filter_w * in_c: one filter row (dilation_w == 1) */
  int32_t step;       /* bytes between the input rows of two filter rows */
  int32_t k, k4;      /* taps per pixel, rounded up to 4 */
  int32_t ylim, xlim; /* a pixel whose first tap is at (iy, ix) with 0 <= iy < ylim and
                         0 <= ix < xlim has no padding tap */
  int fast;           /* dilation_w == 1 and such pixels exist */
  uint32_t off2;
} ts_conv_geom;

/* Output pixel (oy, ox)'s column lane: padding-free pixels inline (filter_h runs of
 * filter_w * in_c bytes), others through ts_conv_col_build. */
static inline __attribute__((always_inline)) void ts_conv_col_pixel(
    const ts_conv_params* p, ts_cbuf in, const ts_conv_geom* g, int32_t oy, int32_t ox,
    uint32_t* col, int8_t* gather) {
  const int32_t iy = oy * p->stride_h - p->pad_top, ix = ox * p->stride_w - p->pad_left;
  if (g->fast && (uint32_t)iy < (uint32_t)g->ylim && (uint32_t)ix < (uint32_t)g->xlim) {
    const int8_t* row = TS_PIXEL(in, iy, ix, p->in_c);
    int32_t ky;
    if ((p->in_c & 3) == 0) {
      for (ky = 0; ky < p->filter_h; ++ky, row += g->step) col = ts_col_expand(col, row, g->run >> 2, g->off2);
    } else {
      int8_t* t = gather;
      for (ky = 0; ky < p->filter_h; ++ky, row += g->step) t = ts_gather_copy(t, row, g->run);
      ts_gather_fill(t, (int8_t)(-p->input_offset), g->k4 - g->k);
      ts_col_expand(col, gather, g->k4 >> 2, g->off2);
    }
    return;
  }
  ts_conv_col_build(p, in, oy, ox, col, g->off2, gather);
}

__attribute__((noinline)) static void ts_conv_col_run(const ts_conv_params* p, ts_cbuf in, const int8_t* filter,
                            const int32_t* bias, ts_buf out, ts_window win, int64_t npix) {
  uint32_t col[TS_CONV_DSP_COL_MAX];
  int8_t gather[TS_CONV_DSP_GATHER_MAX];
  const int32_t out_c = p->out_c, k = p->filter_h * p->filter_w * p->in_c;
  const uint32_t off2 = ts_dsp_dup16(p->input_offset);
  ts_conv_out o;
  ts_conv_geom g;
  int32_t oy = win.y0, ox = win.x0;
  int64_t n;
  g.run = p->filter_w * p->in_c;
  g.step = in.w * p->in_c * p->dilation_h;
  g.k = k;
  g.k4 = (k + 3) & ~3;
  g.ylim = p->in_h - (p->filter_h - 1) * p->dilation_h;
  g.xlim = p->in_w - (p->filter_w - 1) * p->dilation_w;
  g.fast = p->dilation_w == 1 && g.ylim > 0 && g.xlim > 0;
  g.off2 = off2;
  o.mult = p->output_multiplier;
  o.shift = p->output_shift;
  o.out_offset = p->output_offset;
  o.act_min = p->act_min;
  o.act_max = p->act_max;
  o.lo4 = ts_dsp_dup8(p->act_min);
  o.hi4 = ts_dsp_dup8(p->act_max);
  o.mode = ts_dsp_rq_fast(p->output_multiplier, p->output_shift, out_c, p->act_min, p->act_max);
  if (o.mode && p->output_offset >= -128 && p->output_offset <= 127) {
    int32_t c;
    o.mode = 3;
    for (c = 0; c < out_c; ++c)
      if (p->output_shift[c] < -23 || p->output_shift[c] > -1) o.mode = 2;
    if (o.mode == 3 && p->act_min == -128 && p->act_max == 127) o.mode = 4;
  }
  for (n = 0; n < npix; n += 2) {
    int32_t ny = oy, nx = ox + 1; /* the second pixel */
    int8_t *d0, *d1;
    if (nx == win.x1) {
      nx = win.x0;
      ++ny;
    }
    if (n + 1 == npix) { /* no second pixel */
      ts_conv_col_pixel(p, in, &g, oy, ox, col, gather);
      ts_conv_col_one(col, k, filter, bias, out_c, &o, TS_PIXEL(out, oy, ox, out_c));
      break;
    }
    ts_conv_col_pixel(p, in, &g, oy, ox, col, gather);
    ts_conv_col_pixel(p, in, &g, ny, nx, col + 1, gather);
    d0 = TS_PIXEL(out, oy, ox, out_c);
    d1 = TS_PIXEL(out, ny, nx, out_c);
    if (o.mode == 4)
      ts_conv_col_pair_qf(col, k, filter, bias, out_c, &o, d0, d1);
    else if (o.mode == 3)
      ts_conv_col_pair_q(col, k, filter, bias, out_c, &o, d0, d1);
    else if (o.mode == 2)
      ts_conv_col_pair_m(col, k, filter, bias, out_c, &o, d0, d1);
    else
      ts_conv_col_pair_g(col, k, filter, bias, out_c, &o, d0, d1);
    oy = ny;
    ox = nx + 1;
    if (ox == win.x1) {
      ox = win.x0;
      ++oy;
    }
  }
}

/* ---- int8 path (filters too large for the column) ---- */

__attribute__((noinline)) static void ts_conv_dsp_pair(const ts_conv_params* p, ts_cbuf in, const int8_t* filter,
                             const int32_t* bias, const int8_t* x0, const int8_t* x1,
                             int8_t* d0, int8_t* d1) {
  const int32_t in_c = p->in_c, out_c = p->out_c, fh = p->filter_h, fw = p->filter_w;
  const int32_t fstride = fh * fw * in_c;
  const int32_t row_bytes = in.w * in_c * p->dilation_h;
  const int32_t tap_bytes = in_c * p->dilation_w;
  const int32_t off = p->input_offset;
  const uint32_t off2 = ts_dsp_dup16(off);
  const int contiguous = p->dilation_w == 1;
  int32_t oc;
  if (fh == 1 && contiguous) { /* one run of fw * in_c elements: the pointwise case */
    const int32_t n = fw * in_c, oo = p->output_offset, lo = p->act_min, hi = p->act_max;
    const int32_t* mult = p->output_multiplier;
    const int32_t* shift = p->output_shift;
    for (oc = 0; oc + 1 < out_c; oc += 2) {
      const int8_t* w0 = filter + (int64_t)oc * fstride;
      int32_t s00 = 0, s01 = 0, s10 = 0, s11 = 0;
      ts_dsp_dot_2x2(x0, x1, w0, w0 + fstride, n, off2, off, &s00, &s01, &s10, &s11);
      if (bias) {
        s00 += bias[oc];
        s10 += bias[oc];
        s01 += bias[oc + 1];
        s11 += bias[oc + 1];
      }
      d0[oc] = ts_dsp_output(s00, mult[oc], shift[oc], oo, lo, hi);
      d1[oc] = ts_dsp_output(s10, mult[oc], shift[oc], oo, lo, hi);
      d0[oc + 1] = ts_dsp_output(s01, mult[oc + 1], shift[oc + 1], oo, lo, hi);
      d1[oc + 1] = ts_dsp_output(s11, mult[oc + 1], shift[oc + 1], oo, lo, hi);
    }
    if (oc == out_c) return;
  } else {
    oc = 0;
  }
  for (; oc < out_c; oc += 2) {
    const int two = oc + 1 < out_c;
    const int8_t* w0 = filter + (int64_t)oc * fstride;
    const int8_t* w1 = two ? w0 + fstride : w0;
    int32_t s00 = 0, s01 = 0, s10 = 0, s11 = 0;
    int32_t ky, kx;
    for (ky = 0; ky < fh; ++ky) {
      const int8_t* r0 = x0 + (int64_t)ky * row_bytes;
      const int8_t* r1 = x1 + (int64_t)ky * row_bytes;
      const int32_t wrow = ky * fw * in_c;
      if (contiguous) {
        ts_dsp_dot_2x2(r0, r1, w0 + wrow, w1 + wrow, fw * in_c, off2, off, &s00, &s01, &s10, &s11);
      } else {
        for (kx = 0; kx < fw; ++kx)
          ts_dsp_dot_2x2(r0 + kx * tap_bytes, r1 + kx * tap_bytes, w0 + wrow + kx * in_c,
                         w1 + wrow + kx * in_c, in_c, off2, off, &s00, &s01, &s10, &s11);
      }
    }
    if (bias) {
      s00 += bias[oc];
      s10 += bias[oc];
      if (two) {
        s01 += bias[oc + 1];
        s11 += bias[oc + 1];
      }
    }
    d0[oc] = ts_dsp_output(s00, p->output_multiplier[oc], p->output_shift[oc], p->output_offset,
                           p->act_min, p->act_max);
    d1[oc] = ts_dsp_output(s10, p->output_multiplier[oc], p->output_shift[oc], p->output_offset,
                           p->act_min, p->act_max);
    if (two) {
      d0[oc + 1] = ts_dsp_output(s01, p->output_multiplier[oc + 1], p->output_shift[oc + 1],
                                 p->output_offset, p->act_min, p->act_max);
      d1[oc + 1] = ts_dsp_output(s11, p->output_multiplier[oc + 1], p->output_shift[oc + 1],
                                 p->output_offset, p->act_min, p->act_max);
    }
  }
}

/* One output pixel whose valid taps are [ky0,ky1) x [kx0,kx1); `x` is the input pixel of
 * tap (ky0, kx0). */
__attribute__((noinline)) static void ts_conv_dsp_single(const ts_conv_params* p, ts_cbuf in, const int8_t* filter,
                               const int32_t* bias, const int8_t* x, int32_t ky0, int32_t ky1,
                               int32_t kx0, int32_t kx1, int8_t* d) {
  const int32_t in_c = p->in_c, out_c = p->out_c, fw = p->filter_w;
  const int32_t fstride = p->filter_h * fw * in_c;
  const int32_t row_bytes = in.w * in_c * p->dilation_h;
  const int32_t tap_bytes = in_c * p->dilation_w;
  const int32_t off = p->input_offset;
  const uint32_t off2 = ts_dsp_dup16(off);
  const int contiguous = p->dilation_w == 1;
  int32_t oc;
  for (oc = 0; oc < out_c; oc += 2) {
    const int two = oc + 1 < out_c;
    const int8_t* w0 = filter + (int64_t)oc * fstride;
    const int8_t* w1 = two ? w0 + fstride : w0;
    int32_t s0 = 0, s1 = 0;
    int32_t ky, kx;
    for (ky = ky0; ky < ky1; ++ky) {
      const int8_t* r = x + (int64_t)(ky - ky0) * row_bytes;
      const int32_t wtap = (ky * fw + kx0) * in_c;
      if (contiguous) {
        ts_dsp_dot_1x2(r, w0 + wtap, w1 + wtap, (kx1 - kx0) * in_c, off2, off, 0, 0, &s0, &s1);
      } else {
        for (kx = kx0; kx < kx1; ++kx)
          ts_dsp_dot_1x2(r + (kx - kx0) * tap_bytes, w0 + wtap + (kx - kx0) * in_c,
                         w1 + wtap + (kx - kx0) * in_c, in_c, off2, off, 0, 0, &s0, &s1);
      }
    }
    if (bias) {
      s0 += bias[oc];
      if (two) s1 += bias[oc + 1];
    }
    d[oc] = ts_dsp_output(s0, p->output_multiplier[oc], p->output_shift[oc], p->output_offset,
                          p->act_min, p->act_max);
    if (two)
      d[oc + 1] = ts_dsp_output(s1, p->output_multiplier[oc + 1], p->output_shift[oc + 1],
                                p->output_offset, p->act_min, p->act_max);
  }
}

/* The int8 path over the window's npix pixels. */
__attribute__((noinline)) static void ts_conv_int8_run(const ts_conv_params* p, ts_cbuf in, const int8_t* filter,
                                                       const int32_t* bias, ts_buf out, ts_window win,
                                                       int8_t* scratch, int64_t npix) {
  const int32_t in_c = p->in_c, out_c = p->out_c, fh = p->filter_h, fw = p->filter_w;
  int8_t pair_out[2 * TS_CONV_DSP_PAIR_OUT_MAX];
  int overlap;
  int32_t oy, ox;
  int64_t k;
  overlap = ts_dsp_overlap(out.data, (size_t)out.h * (size_t)out.w * (size_t)out_c, in.data,
                           (size_t)in.h * (size_t)in.w * (size_t)in_c);
  oy = win.y0;
  ox = win.x0;
  for (k = 0; k < npix;) {
    const int32_t iy = oy * p->stride_h - p->pad_top, ix = ox * p->stride_w - p->pad_left;
    int32_t ky0, ky1, kx0, kx1;
    int32_t ny = oy, nx = ox + 1; /* the next pixel */
    if (nx == win.x1) {
      nx = win.x0;
      ++ny;
    }
    ts_valid_taps(iy, p->dilation_h, fh, p->in_h, &ky0, &ky1);
    ts_valid_taps(ix, p->dilation_w, fw, p->in_w, &kx0, &kx1);
    if ((!overlap || out_c <= TS_CONV_DSP_PAIR_OUT_MAX) && k + 1 < npix && ky0 == 0 && ky1 == fh &&
        kx0 == 0 && kx1 == fw) {
      const int32_t iy1 = ny * p->stride_h - p->pad_top, ix1 = nx * p->stride_w - p->pad_left;
      int32_t ly0, ly1, lx0, lx1;
      ts_valid_taps(iy1, p->dilation_h, fh, p->in_h, &ly0, &ly1);
      ts_valid_taps(ix1, p->dilation_w, fw, p->in_w, &lx0, &lx1);
      if (ly0 == 0 && ly1 == fh && lx0 == 0 && lx1 == fw) {
        if (!overlap) {
          ts_conv_dsp_pair(p, in, filter, bias, TS_PIXEL(in, iy, ix, in_c), TS_PIXEL(in, iy1, ix1, in_c),
                           TS_PIXEL(out, oy, ox, out_c), TS_PIXEL(out, ny, nx, out_c));
        } else { /* both pixels computed on the stack before either is stored */
          ts_conv_dsp_pair(p, in, filter, bias, TS_PIXEL(in, iy, ix, in_c), TS_PIXEL(in, iy1, ix1, in_c),
                           pair_out, pair_out + out_c);
          memcpy(TS_PIXEL(out, oy, ox, out_c), pair_out, (size_t)out_c);
          memcpy(TS_PIXEL(out, ny, nx, out_c), pair_out + out_c, (size_t)out_c);
        }
        k += 2;
        oy = ny;
        ox = nx + 1;
        if (ox == win.x1) {
          ox = win.x0;
          ++oy;
        }
        continue;
      }
    }
    {
      int8_t* dst = (overlap && scratch) ? scratch : TS_PIXEL(out, oy, ox, out_c);
      if (ky0 < ky1 && kx0 < kx1) {
        ts_conv_dsp_single(p, in, filter, bias,
                           TS_PIXEL(in, iy + ky0 * p->dilation_h, ix + kx0 * p->dilation_w, in_c),
                           ky0, ky1, kx0, kx1, dst);
      } else { /* every tap is padding: the sum is the bias alone */
        ts_conv_dsp_single(p, in, filter, bias, in.data, 0, 0, 0, 0, dst);
      }
      if (dst == scratch) memcpy(TS_PIXEL(out, oy, ox, out_c), scratch, (size_t)out_c);
    }
    ++k;
    oy = ny;
    ox = nx;
  }
}

/* Separate functions for the two paths keep their stack frames apart (the column's on one
 * path, the int8 path's staging on the other). */
void ts_conv2d_s8_dsp(const ts_conv_params* p, ts_cbuf in, const int8_t* filter,
                      const int32_t* bias, ts_buf out, ts_window win, int8_t* scratch) {
  const int32_t ww = win.x1 - win.x0;
  const int64_t npix = (int64_t)(win.y1 - win.y0) * (ww > 0 ? ww : 0);
  if (p->filter_in_c != p->in_c) { /* grouped convolution */
    ts_conv2d_s8_portable(p, in, filter, bias, out, win, scratch);
    return;
  }
  if (npix <= 0) return;
  if (ts_conv_col_fits(p))
    ts_conv_col_run(p, in, filter, bias, out, win, npix);
  else
    ts_conv_int8_run(p, in, filter, bias, out, win, scratch, npix);
}
