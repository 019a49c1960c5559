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

void ts_conv2d_s16_dsp(const ts_conv_params* p, ts_cbuf in, const int8_t* filter, const int32_t* bias32,
                       const int64_t* bias64, ts_buf out, ts_window win, int8_t* scratch) {
  const int32_t in_c = p->in_c, out_c = p->out_c;
  const int32_t fh = p->filter_h, fw = p->filter_w;
  const int32_t filter_oc_stride = fh * fw * in_c;
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
      ts_valid_taps(ix_origin, p->dilation_w, fw, p->in_w, &kx0, &kx1);
      /* one segment per row of taps when they are consecutive, else one per tap */
      segs = p->dilation_w == 1 ? (kx1 > kx0 ? 1 : 0) : kx1 - kx0;
      seg_len = p->dilation_w == 1 ? (kx1 - kx0) * in_c : in_c;
      for (oc = 0; oc < out_c; oc += 4) {
        ts_conv16_acc c;
        int32_t ky, r;
        memset(&c, 0, sizeof c);
        c.wide = bias64 != NULL;
        c.rows = out_c - oc < 4 ? out_c - oc : 4;
        c.stride = filter_oc_stride;
        for (ky = ky0; ky < ky1; ++ky) {
          const int32_t iy = iy_origin + ky * p->dilation_h;
          int32_t sgi;
          for (sgi = 0; sgi < segs; ++sgi) {
            const int32_t kx = kx0 + sgi;
            const int32_t ix = ix_origin + kx * p->dilation_w;
            ts_conv16_segment(&c, TS_PIXEL(in, iy, ix, in_c * 2),
                              filter + (ptrdiff_t)oc * filter_oc_stride + (ky * fw + kx) * in_c, seg_len);
          }
        }
        for (r = 0; r < c.rows; ++r) {
          int32_t v;
          if (bias64) {
            const int64_t acc = c.a[r] + c.s[r] + bias64[oc + r];
            v = ts_multiply_by_quantized_multiplier_64(acc, p->output_multiplier[oc + r], p->output_shift[oc + r]);
          } else {
            const uint32_t acc = (uint32_t)c.s[r] + (bias32 ? (uint32_t)bias32[oc + r] : 0u);
            v = ts_multiply_by_quantized_multiplier((int32_t)acc, p->output_multiplier[oc + r],
                                                    p->output_shift[oc + r]);
          }
          ts_store_s16(dst, oc + r, (int16_t)ts_clamp_i32(v, p->act_min, p->act_max));
        }
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
