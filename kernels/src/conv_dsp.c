/* CONV_2D int8, DSP-structured path (SMLAD micro-kernels, dsp_dot.h). Same contract and
 * bytes as the portable ts_conv2d_s8_portable (conv.c): only the order of the int32
 * additions changes.
 *
 * Two output pixels x two output channels per micro-kernel step when the output buffer
 * shares no byte with the input buffer (then no order of reads and writes can matter) and
 * both pixels see the whole filter (no padding taps). Otherwise one pixel at a time, two
 * channels per step, in the portable access order: the pixel's reads, then its writes (or
 * into `scratch` first when one is given). With dilation_w == 1 the filter taps of one
 * filter row are contiguous in the input buffer and in the filter, so one row of taps is a
 * single dot product of filter_w * in_c elements (this keeps small-channel first layers on
 * the SMLAD loop). Grouped convolutions use the portable loops. */
#include <string.h>

#include "dsp_dot.h"
#include "spatial_util.h"

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

void ts_conv2d_s8_dsp(const ts_conv_params* p, ts_cbuf in, const int8_t* filter,
                      const int32_t* bias, ts_buf out, ts_window win, int8_t* scratch) {
  const int32_t in_c = p->in_c, out_c = p->out_c, fh = p->filter_h, fw = p->filter_w;
  const int32_t ww = win.x1 - win.x0;
  const int64_t npix = (int64_t)(win.y1 - win.y0) * (ww > 0 ? ww : 0);
  int overlap;
  int32_t oy, ox;
  int64_t k;
  if (p->filter_in_c != in_c) { /* grouped convolution */
    ts_conv2d_s8_portable(p, in, filter, bias, out, win, scratch);
    return;
  }
  if (npix <= 0) return;
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
    if (!overlap && k + 1 < npix && ky0 == 0 && ky1 == fh && kx0 == 0 && kx1 == fw) {
      const int32_t iy1 = ny * p->stride_h - p->pad_top, ix1 = nx * p->stride_w - p->pad_left;
      int32_t ly0, ly1, lx0, lx1;
      ts_valid_taps(iy1, p->dilation_h, fh, p->in_h, &ly0, &ly1);
      ts_valid_taps(ix1, p->dilation_w, fw, p->in_w, &lx0, &lx1);
      if (ly0 == 0 && ly1 == fh && lx0 == 0 && lx1 == fw) {
        ts_conv_dsp_pair(p, in, filter, bias, TS_PIXEL(in, iy, ix, in_c), TS_PIXEL(in, iy1, ix1, in_c),
                         TS_PIXEL(out, oy, ox, out_c), TS_PIXEL(out, ny, nx, out_c));
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
