/* DEPTHWISE_CONV_2D int8, DSP-structured path. Same contract and bytes as
 * ts_depthwise_conv2d_s8_portable (depthwise_conv.c).
 *
 * Depth multiplier 1: four channels per step. One 32-bit load brings four input channels
 * of a tap (and one the four weights); SXTAB16 / SXTB16 split them into the halfword pairs
 * (c0, c2) and (c1, c3) (input offset added), and SMLABB / SMLATT accumulate one channel
 * each, so a tap of four channels costs two loads, four extends and four multiply-adds.
 * Pixels in row-major order; each pixel's reads, then its writes (through `scratch` when
 * given and the output buffer shares bytes with the input buffer). Other depth multipliers
 * use the portable loops. */
#include <string.h>

#include "arm_dsp.h"
#include "spatial_util.h"

void ts_depthwise_conv2d_s8_dsp(const ts_conv_params* p, ts_cbuf in, const int8_t* filter,
                                const int32_t* bias, ts_buf out, ts_window win, int8_t* scratch) {
  const int32_t c_all = p->out_c, fw = p->filter_w;
  const int32_t off = p->input_offset;
  const uint32_t off2 = ts_dsp_dup16(off);
  const int32_t tap_bytes = c_all * p->dilation_w;
  const int32_t oo = p->output_offset, lo = p->act_min, hi = p->act_max;
  const int32_t* mult = p->output_multiplier;
  const int32_t* shift = p->output_shift;
  int overlap;
  int32_t oy, ox;
  if (p->depth_multiplier != 1 || p->in_c != p->out_c) {
    ts_depthwise_conv2d_s8_portable(p, in, filter, bias, out, win, scratch);
    return;
  }
  overlap = ts_dsp_overlap(out.data, (size_t)out.h * (size_t)out.w * (size_t)c_all, in.data,
                           (size_t)in.h * (size_t)in.w * (size_t)c_all);
  for (oy = win.y0; oy < win.y1; ++oy) {
    const int32_t iy_origin = oy * p->stride_h - p->pad_top;
    int32_t ky0, ky1;
    ts_valid_taps(iy_origin, p->dilation_h, p->filter_h, p->in_h, &ky0, &ky1);
    for (ox = win.x0; ox < win.x1; ++ox) {
      const int32_t ix_origin = ox * p->stride_w - p->pad_left;
      int8_t* dst = (overlap && scratch) ? scratch : TS_PIXEL(out, oy, ox, c_all);
      int32_t kx0, kx1, c = 0;
      ts_valid_taps(ix_origin, p->dilation_w, fw, p->in_w, &kx0, &kx1);
      {
        /* input pixel of tap (ky0, kx0), and the filter taps of row ky0 from kx0 */
        const int8_t* x_base =
            kx0 < kx1 && ky0 < ky1
                ? TS_PIXEL(in, iy_origin + ky0 * p->dilation_h, ix_origin + kx0 * p->dilation_w, c_all)
                : in.data;
        const int8_t* w_base = filter + ((int64_t)ky0 * fw + kx0) * c_all;
        const int32_t x_row = in.w * c_all * p->dilation_h, w_row = fw * c_all;
        const int32_t rows = ky1 - ky0, cols = kx1 > kx0 ? kx1 - kx0 : 0;
        for (; c + 4 <= c_all; c += 4) {
          int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
          const int8_t* xr = x_base + c;
          const int8_t* wr = w_base + c;
          int32_t ky, kx;
          if (cols == 3) { /* the common 3-wide row of taps, unrolled */
            for (ky = 0; ky < rows; ++ky) {
              uint32_t xv = ts_dsp_load4(xr), wv = ts_dsp_load4(wr);
              uint32_t xe = ts_dsp_sxtab16(off2, xv), xo = ts_dsp_sxtab16_ror8(off2, xv);
              uint32_t we = ts_dsp_sxtb16(wv), wo = ts_dsp_sxtb16_ror8(wv);
              a0 = ts_dsp_smlabb(xe, we, a0);
              a2 = ts_dsp_smlatt(xe, we, a2);
              a1 = ts_dsp_smlabb(xo, wo, a1);
              a3 = ts_dsp_smlatt(xo, wo, a3);
              xv = ts_dsp_load4(xr + tap_bytes);
              wv = ts_dsp_load4(wr + c_all);
              xe = ts_dsp_sxtab16(off2, xv);
              xo = ts_dsp_sxtab16_ror8(off2, xv);
              we = ts_dsp_sxtb16(wv);
              wo = ts_dsp_sxtb16_ror8(wv);
              a0 = ts_dsp_smlabb(xe, we, a0);
              a2 = ts_dsp_smlatt(xe, we, a2);
              a1 = ts_dsp_smlabb(xo, wo, a1);
              a3 = ts_dsp_smlatt(xo, wo, a3);
              xv = ts_dsp_load4(xr + 2 * tap_bytes);
              wv = ts_dsp_load4(wr + 2 * c_all);
              xe = ts_dsp_sxtab16(off2, xv);
              xo = ts_dsp_sxtab16_ror8(off2, xv);
              we = ts_dsp_sxtb16(wv);
              wo = ts_dsp_sxtb16_ror8(wv);
              a0 = ts_dsp_smlabb(xe, we, a0);
              a2 = ts_dsp_smlatt(xe, we, a2);
              a1 = ts_dsp_smlabb(xo, wo, a1);
              a3 = ts_dsp_smlatt(xo, wo, a3);
              xr += x_row;
              wr += w_row;
            }
          } else {
          for (ky = 0; ky < rows; ++ky) {
            const int8_t* xp = xr;
            const int8_t* wp = wr;
            for (kx = 0; kx < cols; ++kx) {
              const uint32_t xv = ts_dsp_load4(xp), wv = ts_dsp_load4(wp);
              const uint32_t xe = ts_dsp_sxtab16(off2, xv), xo = ts_dsp_sxtab16_ror8(off2, xv);
              const uint32_t we = ts_dsp_sxtb16(wv), wo = ts_dsp_sxtb16_ror8(wv);
              a0 = ts_dsp_smlabb(xe, we, a0);
              a2 = ts_dsp_smlatt(xe, we, a2);
              a1 = ts_dsp_smlabb(xo, wo, a1);
              a3 = ts_dsp_smlatt(xo, wo, a3);
              xp += tap_bytes;
              wp += c_all;
            }
            xr += x_row;
            wr += w_row;
          }
          }
          if (bias) {
            a0 += bias[c];
            a1 += bias[c + 1];
            a2 += bias[c + 2];
            a3 += bias[c + 3];
          }
          dst[c] = ts_dsp_output(a0, mult[c], shift[c], oo, lo, hi);
          dst[c + 1] = ts_dsp_output(a1, mult[c + 1], shift[c + 1], oo, lo, hi);
          dst[c + 2] = ts_dsp_output(a2, mult[c + 2], shift[c + 2], oo, lo, hi);
          dst[c + 3] = ts_dsp_output(a3, mult[c + 3], shift[c + 3], oo, lo, hi);
        }
      }
      for (; c < c_all; ++c) {
        int32_t acc = 0, ky, kx;
        for (ky = ky0; ky < ky1; ++ky)
          for (kx = kx0; kx < kx1; ++kx) {
            const int32_t v = TS_PIXEL(in, iy_origin + ky * p->dilation_h,
                                       ix_origin + kx * p->dilation_w, c_all)[c];
            acc += (int32_t)filter[((int64_t)ky * fw + kx) * c_all + c] * (v + off);
          }
        if (bias) acc += bias[c];
        dst[c] = ts_dsp_output(acc, p->output_multiplier[c], p->output_shift[c], p->output_offset,
                               p->act_min, p->act_max);
      }
      if (dst == scratch) memcpy(TS_PIXEL(out, oy, ox, c_all), scratch, (size_t)c_all);
    }
  }
}
