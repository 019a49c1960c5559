/* CONV_2D 16x8, DSP-structured path (same contract and bytes as ts_conv2d_s16_portable in
 * conv_s16.c, TFLM's reference_integer_ops::ConvPerChannel for int16 activations).
 *
 * Per output pixel, output channels four at a time (the rest one by one): every row of the
 * filter's valid taps is one dot product over the input (with dilation_w == 1 the row's taps
 * are (kx1 - kx0) * in_c consecutive int16; else one per tap), four filter rows at a time
 * (ts_dsp16_dot4: the regrouped input pairs shared by the four channels, two SMLAD per four
 * products and channel). Padding taps are skipped, as in the portable loop. With an int64 bias
 * the int32 sums go into int64 accumulators every TS_DSP16_CHUNK products at most (exact, see
 * dsp_dot16.h); with an int32 bias or none they are the portable loop's wrapping int32 sums.
 * The outputs of a pixel are written after its reads of the group's channels (the portable
 * order allows a pixel's writes among its own reads); with scratch, after all of them.
 * Grouped convolutions use the portable loops. No stack buffers. */
#include <stddef.h>
#include <string.h>

#include "dsp_dot16.h"
#include "fixedpoint.h"
#include "spatial_util.h"

/* The sums of up to four output channels over the taps of one pixel. */
typedef struct {
  int32_t s[4];     /* int32 sums since the last flush */
  int64_t a[4];     /* int64 accumulators (wide) */
  int32_t pending;  /* products in s since the last flush (wide) */
  int32_t wide;     /* 1: int64 accumulation */
  int32_t rows;     /* channels: 4, or 1..3 */
  int32_t stride;   /* bytes from one channel's filter to the next's */
} ts_conv16_acc;

/* Adds the n products x[i] * w[i] of each channel (w: the first channel's filter taps). */
static void ts_conv16_segment(ts_conv16_acc* c, const int8_t* x, const int8_t* w, int32_t n) {
  while (n > 0) {
    int32_t k = n, r;
    if (c->wide) {
      if (c->pending == TS_DSP16_CHUNK) {
        for (r = 0; r < 4; ++r) {
          c->a[r] += c->s[r];
          c->s[r] = 0;
        }
        c->pending = 0;
      }
      if (k > TS_DSP16_CHUNK - c->pending) k = TS_DSP16_CHUNK - c->pending;
      c->pending += k;
    }
    if (c->rows == 4)
      ts_dsp16_dot4(x, w, c->stride, k, c->s);
    else
      for (r = 0; r < c->rows; ++r) c->s[r] = ts_dsp16_dot1(x, w + (ptrdiff_t)r * c->stride, k, c->s[r]);
    x += 2 * k;
    w += k;
    n -= k;
  }
}

/* Four channels' int32 sums over `rows` rows of taps of one pixel, each row `blocks` groups of
 * four taps and `tail` (0..3) more (read and written by the assembly: offsets fixed). */
typedef struct {
  int32_t s[4];          /*  0: sums (in and out) */
  const int8_t* x;       /* 16: the first row's input (advanced) */
  const int8_t* f;       /* 20: the first channel's filter taps of the first row (advanced) */
  int32_t stride;        /* 24: bytes from one channel's filter to the next's */
  int32_t blocks;        /* 28: groups of four taps per row */
  int32_t tail;          /* 32: taps after them */
  int32_t rows;          /* 36: rows (>= 1; counted down) */
  int32_t x_row, f_row;  /* 40, 44: bytes from one row to the next, input and filter */
} ts_conv16_rows_state;

#if TS_DSP_NATIVE
typedef char ts_conv16_rows_layout[(offsetof(ts_conv16_rows_state, x) == 16 &&
                                    offsetof(ts_conv16_rows_state, f_row) == 44) ? 1 : -1];
/* On the device one assembly function (the loops in C spill around the four-row block): rows of
 * ts_dsp16_dot4's blocks (registers: r1 input, r2 rows 0-1, r3 rows 2-3, r12 stride, lr block
 * count, r4-r7 sums, r8-r9 the regrouped input pairs, r10-r11 two rows' filter words loaded
 * back to back (pipelined), r0 a temporary, the state pointer on the stack), each row's 1-3
 * last taps by LDRSH / LDRSB / SMLABB. */
void ts_conv16_rows_asm(ts_conv16_rows_state* st);
__asm__("\t.pushsection .text.ts_conv16_rows_asm,\"ax\",%progbits\n"
        "\t.syntax unified\n"
        "\t.thumb\n"
        "\t.p2align 2\n"
        "\t.global ts_conv16_rows_asm\n"
        "\t.hidden ts_conv16_rows_asm\n"
        "\t.thumb_func\n"
        "\t.type ts_conv16_rows_asm, %function\n"
        "ts_conv16_rows_asm:\n\t"
        "push {r0, r4, r5, r6, r7, r8, r9, r10, r11, lr}\n\t"
        "ldm r0, {r4, r5, r6, r7}\n"
        "1:\n\t"
        "ldrd r1, r2, [r0, #16]\n\t"
        "ldrd r12, lr, [r0, #24]\n\t"
        "add r3, r2, r12, lsl #1\n\t"
        "cmp lr, #0\n\t"
        "beq 3f\n"
        "2:\n\t"
        "ldr r10, [r1], #4\n\t"
        "ldr r11, [r1], #4\n\t"
        "pkhbt r8, r10, r11, lsl #16\n\t"
        "pkhtb r9, r11, r10, asr #16\n\t"
        "ldr r10, [r2, r12]\n\t"
        "ldr r11, [r2], #4\n\t"
        "sxtb16 r0, r10\n\t"
        "smlad r5, r8, r0, r5\n\t"
        "sxtb16 r10, r10, ror #8\n\t"
        "smlad r5, r9, r10, r5\n\t"
        "sxtb16 r0, r11\n\t"
        "smlad r4, r8, r0, r4\n\t"
        "sxtb16 r11, r11, ror #8\n\t"
        "smlad r4, r9, r11, r4\n\t"
        "ldr r10, [r3, r12]\n\t"
        "ldr r11, [r3], #4\n\t"
        "sxtb16 r0, r10\n\t"
        "smlad r7, r8, r0, r7\n\t"
        "sxtb16 r10, r10, ror #8\n\t"
        "smlad r7, r9, r10, r7\n\t"
        "sxtb16 r0, r11\n\t"
        "smlad r6, r8, r0, r6\n\t"
        "sxtb16 r11, r11, ror #8\n\t"
        "smlad r6, r9, r11, r6\n\t"
        "subs lr, lr, #1\n\t"
        "bne 2b\n"
        "3:\n\t"
        "ldr r0, [sp]\n\t"
        "ldr lr, [r0, #32]\n\t"
        "cmp lr, #0\n\t"
        "beq 5f\n"
        "4:\n\t"
        "ldrsh r8, [r1], #2\n\t"
        "ldrsb r9, [r2, r12]\n\t"
        "ldrsb r10, [r2], #1\n\t"
        "smlabb r5, r8, r9, r5\n\t"
        "smlabb r4, r8, r10, r4\n\t"
        "ldrsb r9, [r3, r12]\n\t"
        "ldrsb r10, [r3], #1\n\t"
        "smlabb r7, r8, r9, r7\n\t"
        "smlabb r6, r8, r10, r6\n\t"
        "subs lr, lr, #1\n\t"
        "bne 4b\n"
        "5:\n\t"
        "ldrd r1, r2, [r0, #16]\n\t"
        "ldrd r8, r9, [r0, #40]\n\t"
        "add r1, r1, r8\n\t"
        "add r2, r2, r9\n\t"
        "strd r1, r2, [r0, #16]\n\t"
        "ldr r8, [r0, #36]\n\t"
        "subs r8, r8, #1\n\t"
        "str r8, [r0, #36]\n\t"
        "bne 1b\n\t"
        "stm r0, {r4, r5, r6, r7}\n\t"
        "pop {r0, r4, r5, r6, r7, r8, r9, r10, r11, pc}\n"
        "\t.size ts_conv16_rows_asm, .-ts_conv16_rows_asm\n"
        "\t.popsection\n");
#define ts_conv16_rows ts_conv16_rows_asm
#else
/* The same in C (the host's emulated intrinsics). */
static void ts_conv16_rows(ts_conv16_rows_state* st) {
  for (; st->rows > 0; --st->rows) {
    ts_dsp16_dot4(st->x, st->f, st->stride, 4 * st->blocks + st->tail, st->s);
    st->x += st->x_row;
    st->f += st->f_row;
  }
}
#endif

/* Requantizes and stores channels [oc, oc + rows) of one pixel from their sums: `wide`, the
 * int64 accumulation and the 64-bit requantization, else the int32 ones. */
static void ts_conv16_store(const ts_conv_params* p, int wide, const int32_t* bias32, const int64_t* bias64,
                            int8_t* dst, int32_t oc, int32_t rows, const int64_t* a, const int32_t* s) {
  int32_t r;
  for (r = 0; r < rows; ++r) {
    int32_t v;
    if (wide) {
      const int64_t acc = a[r] + s[r] + (bias64 ? bias64[oc + r] : 0);
      v = ts_dsp16_mbqm64(acc, p->output_multiplier[oc + r], p->output_shift[oc + r]);
    } else {
      const uint32_t acc = (uint32_t)s[r] + (bias32 ? (uint32_t)bias32[oc + r] : 0u);
      v = ts_multiply_by_quantized_multiplier((int32_t)acc, p->output_multiplier[oc + r], p->output_shift[oc + r]);
    }
    ts_store_s16(dst, oc + r, (int16_t)ts_clamp_i32(v, p->act_min, p->act_max));
  }
}

void ts_conv2d_s16_dsp(const ts_conv_params* p, ts_cbuf in, const int8_t* filter, const int32_t* bias32,
                       const int64_t* bias64, ts_buf out, ts_window win, int8_t* scratch) {
  const int32_t in_c = p->in_c, out_c = p->out_c;
  const int32_t fh = p->filter_h, fw = p->filter_w;
  const int32_t filter_oc_stride = fh * fw * in_c;
  const int32_t pix = in_c * 2;
  /* the sums' flushes into int64: 0 none before the end (int32 bias or none, or every pixel's
   * taps within one chunk), 1 after each row of taps (a row within one chunk), 2 by chunks */
  const int flush = !bias64 || filter_oc_stride <= TS_DSP16_CHUNK ? 0 : (fw * in_c <= TS_DSP16_CHUNK ? 1 : 2);
  const int32_t in_row_bytes = in.w * pix * p->dilation_h; /* from one row of taps to the next */
  const int32_t xstep = pix * p->dilation_w;                /* from one tap to the next in a row */
  int32_t oy, ox, oc;
  if (p->filter_in_c != in_c) {
    ts_conv2d_s16_portable(p, in, filter, bias32, bias64, out, win, scratch);
    return;
  }
  for (oy = win.y0; oy < win.y1; ++oy) {
    const int32_t iy_origin = oy * p->stride_h - p->pad_top;
    int32_t ky0, ky1;
    ts_valid_taps(iy_origin, p->dilation_h, fh, p->in_h, &ky0, &ky1);
    for (ox = win.x0; ox < win.x1; ++ox) {
      const int32_t ix_origin = ox * p->stride_w - p->pad_left;
      int8_t* const pixel = TS_PIXEL(out, oy, ox, out_c * 2);
      int8_t* const dst = scratch ? scratch : pixel;
      int32_t kx0, kx1, segs, seg_len;
      const int8_t* x0;
      ts_valid_taps(ix_origin, p->dilation_w, fw, p->in_w, &kx0, &kx1);
      if (ky1 <= ky0 || kx1 <= kx0) {
        /* no tap inside the input: the sums are 0 */
        const int64_t z64[4] = {0, 0, 0, 0};
        const int32_t z32[4] = {0, 0, 0, 0};
        for (oc = 0; oc < out_c; oc += 4) ts_conv16_store(p, bias64 != NULL, bias32, bias64, dst, oc, out_c - oc < 4 ? out_c - oc : 4, z64, z32);
        if (scratch) memcpy(pixel, scratch, (size_t)out_c * 2);
        continue;
      }
      /* one segment per row of taps when they are consecutive, else one per tap */
      segs = p->dilation_w == 1 ? 1 : kx1 - kx0;
      seg_len = p->dilation_w == 1 ? (kx1 - kx0) * in_c : in_c;
      x0 = TS_PIXEL(in, iy_origin + ky0 * p->dilation_h, ix_origin + kx0 * p->dilation_w, pix);
      for (oc = 0; oc < out_c; oc += 4) {
        const int32_t rows = out_c - oc < 4 ? out_c - oc : 4;
        const int8_t* f0 = filter + (ptrdiff_t)oc * filter_oc_stride + (ky0 * fw + kx0) * in_c;
        int64_t a[4] = {0, 0, 0, 0};
        int32_t s[4] = {0, 0, 0, 0};
        int32_t ky, r;
        if (flush == 2) {
          ts_conv16_acc c;
          memset(&c, 0, sizeof c);
          c.wide = 1;
          c.rows = rows;
          c.stride = filter_oc_stride;
          for (ky = ky0; ky < ky1; ++ky) {
            const int8_t* x = x0 + (ky - ky0) * in_row_bytes;
            const int8_t* f = f0 + (ky - ky0) * fw * in_c;
            int32_t sg;
            for (sg = 0; sg < segs; ++sg) ts_conv16_segment(&c, x + sg * xstep, f + sg * in_c, seg_len);
          }
          for (r = 0; r < 4; ++r) {
            a[r] = c.a[r];
            s[r] = c.s[r];
          }
        } else if (rows == 4 && flush == 0 && segs == 1) {
          /* the common case: every row of taps one segment, no flush before the end */
          ts_conv16_rows_state st;
          st.s[0] = st.s[1] = st.s[2] = st.s[3] = 0;
          st.x = x0;
          st.f = f0;
          st.stride = filter_oc_stride;
          st.blocks = seg_len >> 2;
          st.tail = seg_len & 3;
          st.rows = ky1 - ky0;
          st.x_row = in_row_bytes;
          st.f_row = fw * in_c;
          ts_conv16_rows(&st);
          for (r = 0; r < 4; ++r) s[r] = st.s[r];
        } else {
          const int8_t* x = x0;
          const int8_t* f = f0;
          for (ky = ky0; ky < ky1; ++ky) {
            int32_t sg;
            for (sg = 0; sg < segs; ++sg) {
              if (rows == 4)
                ts_dsp16_dot4(x + sg * xstep, f + sg * in_c, filter_oc_stride, seg_len, s);
              else
                for (r = 0; r < rows; ++r)
                  s[r] = ts_dsp16_dot1(x + sg * xstep, f + sg * in_c + (ptrdiff_t)r * filter_oc_stride, seg_len, s[r]);
            }
            if (flush == 1)
              for (r = 0; r < 4; ++r) {
                a[r] += s[r];
                s[r] = 0;
              }
            x += in_row_bytes;
            f += fw * in_c;
          }
        }
        ts_conv16_store(p, bias64 != NULL, bias32, bias64, dst, oc, rows, a, s);
      }
      if (scratch) memcpy(pixel, scratch, (size_t)out_c * 2);
    }
  }
}

/* DEPTHWISE_CONV_2D 16x8, DSP-structured path (same contract and bytes as
 * ts_depthwise_conv2d_s16_portable, TFLM's DepthwiseConvPerChannel for int16 activations).
 * Depth multiplier 1, channels two at a time: two taps of one filter row (kx, kx + 1) give, for
 * channels c and c + 1, the input words (x_kx_c, x_kx_c1) and (x_kx1_c, x_kx1_c1), regrouped by
 * PKHBT / PKHTB into one word per channel, and the filter halfwords (w_kx_c, w_kx_c1) and
 * (w_kx1_c, w_kx1_c1), joined into one word whose SXTB16 and SXTB16(ROR 8) are the two
 * channels' weight pairs: two SMLAD per four products. A row's odd last tap and an odd last
 * channel are single products. The sums are exact in int32 for filters of at most
 * TS_DSP16_CHUNK taps (dsp_dot16.h); larger filters, and other depth multipliers, take the
 * portable loops. Each output channel is written after the reads of its own sums (the portable
 * order). No stack buffers. */
static int64_t ts_dw16_one(const ts_conv_params* p, ts_cbuf in, const int8_t* filter, int32_t c, int32_t iy_origin,
                           int32_t ix_origin, int32_t ky0, int32_t ky1, int32_t kx0, int32_t kx1) {
  const int32_t out_c = p->out_c, pix = p->in_c * 2;
  int32_t ky, kx, acc = 0;
  for (ky = ky0; ky < ky1; ++ky) {
    const int32_t iy = iy_origin + ky * p->dilation_h;
    const int8_t* x = TS_PIXEL(in, iy, ix_origin + kx0 * p->dilation_w, pix) + 2 * c;
    const int8_t* w = filter + (ptrdiff_t)(ky * p->filter_w + kx0) * out_c + c;
    for (kx = kx0; kx < kx1; ++kx) {
      acc += (int32_t)ts_load_s16(x, 0) * (int32_t)*w;
      x += (ptrdiff_t)pix * p->dilation_w;
      w += out_c;
    }
  }
  return acc;
}

void ts_depthwise_conv2d_s16_dsp(const ts_conv_params* p, ts_cbuf in, const int8_t* filter, const int64_t* bias,
                                 ts_buf out, ts_window win, int8_t* scratch) {
  const int32_t out_c = p->out_c, fw = p->filter_w, pix = p->in_c * 2;
  int32_t oy, ox;
  if (p->depth_multiplier != 1 || p->in_c != out_c || p->filter_h * fw > TS_DSP16_CHUNK) {
    ts_depthwise_conv2d_s16_portable(p, in, filter, bias, out, win, scratch);
    return;
  }
  for (oy = win.y0; oy < win.y1; ++oy) {
    const int32_t iy_origin = oy * p->stride_h - p->pad_top;
    int32_t ky0, ky1;
    ts_valid_taps(iy_origin, p->dilation_h, p->filter_h, p->in_h, &ky0, &ky1);
    for (ox = win.x0; ox < win.x1; ++ox) {
      const int32_t ix_origin = ox * p->stride_w - p->pad_left;
      const ptrdiff_t xstep = (ptrdiff_t)pix * p->dilation_w;
      int8_t* const pixel = TS_PIXEL(out, oy, ox, out_c * 2);
      int8_t* const dst = scratch ? scratch : pixel;
      int32_t kx0, kx1, c;
      ts_valid_taps(ix_origin, p->dilation_w, fw, p->in_w, &kx0, &kx1);
      for (c = 0; c + 1 < out_c; c += 2) {
        int32_t a0 = 0, a1 = 0, ky, r;
        for (ky = ky0; ky < ky1; ++ky) {
          const int32_t iy = iy_origin + ky * p->dilation_h;
          const int8_t* x = TS_PIXEL(in, iy, ix_origin + kx0 * p->dilation_w, pix) + 2 * c;
          const int8_t* w = filter + (ptrdiff_t)(ky * fw + kx0) * out_c + c;
          int32_t n = kx1 - kx0;
          for (; n >= 2; n -= 2) {
            const uint32_t xa = ts_dsp_load4(x), xb = ts_dsp_load4(x + xstep);
            uint16_t ha, hb;
            uint32_t q;
            memcpy(&ha, w, 2);
            memcpy(&hb, w + out_c, 2);
            q = ts_dsp_pkhbt16(ha, hb);
            a0 = ts_dsp_smlad(ts_dsp_pkhbt16(xa, xb), ts_dsp_sxtb16(q), a0);
            a1 = ts_dsp_smlad(ts_dsp_pkhtb16(xb, xa), ts_dsp_sxtb16_ror8(q), a1);
            x += 2 * xstep;
            w += 2 * out_c;
          }
          if (n) {
            const uint32_t xa = ts_dsp_load4(x);
            a0 += ts_dsp_lane16(xa, 0) * (int32_t)w[0];
            a1 += ts_dsp_lane16(xa, 1) * (int32_t)w[1];
          }
        }
        for (r = 0; r < 2; ++r) {
          const int64_t acc = (int64_t)(r ? a1 : a0) + (bias ? bias[c + r] : 0);
          const int32_t v =
              ts_multiply_by_quantized_multiplier_64(acc, p->output_multiplier[c + r], p->output_shift[c + r]);
          ts_store_s16(dst, c + r, (int16_t)ts_clamp_i32(v, p->act_min, p->act_max));
        }
      }
      if (c < out_c) {
        const int64_t acc = ts_dw16_one(p, in, filter, c, iy_origin, ix_origin, ky0, ky1, kx0, kx1) +
                            (bias ? bias[c] : 0);
        const int32_t v = ts_multiply_by_quantized_multiplier_64(acc, p->output_multiplier[c], p->output_shift[c]);
        ts_store_s16(dst, c, (int16_t)ts_clamp_i32(v, p->act_min, p->act_max));
      }
      if (scratch) memcpy(pixel, scratch, (size_t)out_c * 2);
    }
  }
}

/* TRANSPOSE_CONV 16x8, DSP-structured path (same contract and bytes as
 * ts_transpose_conv_s16_portable in transpose_conv.c: each output element gathers the products
 * TFLM scatters). Per output pixel, four output channels at a time: every filter tap that
 * reaches an input pixel is one dot product over the input channels (ts_dsp16_dot4), the int32
 * sums flushed into int64 every TS_DSP16_CHUNK products (exact, dsp_dot16.h). Pixels in the
 * portable order, no stack buffers. */
void ts_transpose_conv_s16_dsp(const ts_conv_params* p, ts_cbuf in, const int8_t* filter, const int64_t* bias,
                               ts_buf out, ts_window win) {
  const int32_t in_c = p->in_c, out_c = p->out_c, fh = p->filter_h, fw = p->filter_w;
  const int32_t filter_oc_stride = fh * fw * in_c;
  int32_t oy, ox, oc, ky, kx;
  for (oy = win.y0; oy < win.y1; ++oy)
    for (ox = win.x0; ox < win.x1; ++ox) {
      int8_t* const dst = TS_PIXEL(out, oy, ox, out_c * 2);
      for (oc = 0; oc < out_c; oc += 4) {
        ts_conv16_acc c;
        memset(&c, 0, sizeof c);
        c.wide = 1;
        c.rows = out_c - oc < 4 ? out_c - oc : 4;
        c.stride = filter_oc_stride;
        for (ky = 0; ky < fh; ++ky) {
          const int32_t iy = ts_tc_source(oy, p->pad_top, ky, p->stride_h, p->in_h);
          if (iy < 0) continue;
          for (kx = 0; kx < fw; ++kx) {
            const int32_t ix = ts_tc_source(ox, p->pad_left, kx, p->stride_w, p->in_w);
            if (ix < 0) continue;
            ts_conv16_segment(&c, TS_PIXEL(in, iy, ix, in_c * 2),
                              filter + (ptrdiff_t)oc * filter_oc_stride + (ky * fw + kx) * in_c, in_c);
          }
        }
        ts_conv16_store(p, 1, NULL, bias, dst, oc, c.rows, c.a, c.s);
      }
    }
}
