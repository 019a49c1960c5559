/* CONV_2D 16x8 (TFLM conv.cc, int16 input: reference_integer_ops::ConvPerChannel for int16
 * activations and int8 filters), computing one output window from a buffer holding an input
 * window. No input or output offsets (int16 zero points are 0). The accumulator has the bias's
 * type: int64 with an int64 bias (then the 64-bit MultiplyByQuantizedMultiplier), int32 with
 * an int32 bias or none (the 32-bit one, as int8 CONV_2D). */
#include <string.h>

#include "arm_dsp.h"
#include "fixedpoint.h"
#include "spatial_util.h"
#include "unaligned.h"

int32_t ts_multiply_by_quantized_multiplier_64(int64_t x, int32_t multiplier, int shift) {
  /* TFLM's 64-bit MultiplyByQuantizedMultiplier: the multiplier rounded to 16 bits (at most
   * 0x7FFF), the product rounded half up by 15 - shift bits */
  const int32_t reduced = multiplier < 0x7FFF0000 ? (int32_t)(((int64_t)multiplier + (1 << 15)) >> 16) : 0x7FFF;
  const int total_shift = 15 - shift;
  const int64_t r = x * (int64_t)reduced + ((int64_t)1 << (total_shift - 1));
  return (int32_t)(r >> total_shift);
}

size_t ts_conv2d_s16_scratch_bytes(const ts_conv_params* p) { return (size_t)p->out_c * 2; }

void ts_conv2d_s16_portable(const ts_conv_params* p, ts_cbuf in, const int8_t* filter, const int32_t* bias32,
                            const int64_t* bias64, ts_buf out, ts_window win, int8_t* scratch) {
  const int32_t in_c = p->in_c, out_c = p->out_c, fic = p->filter_in_c;
  const int32_t fh = p->filter_h, fw = p->filter_w;
  const int32_t groups = fic > 0 ? in_c / fic : 1;
  const int32_t oc_per_group = groups > 0 ? out_c / groups : out_c;
  const int32_t filter_oc_stride = fh * fw * fic;
  int32_t oy, ox, oc;
  for (oy = win.y0; oy < win.y1; ++oy) {
    const int32_t iy_origin = oy * p->stride_h - p->pad_top;
    int32_t ky0, ky1;
    ts_valid_taps(iy_origin, p->dilation_h, fh, p->in_h, &ky0, &ky1);
    for (ox = win.x0; ox < win.x1; ++ox) {
      const int32_t ix_origin = ox * p->stride_w - p->pad_left;
      int8_t* const pixel = TS_PIXEL(out, oy, ox, out_c * 2);
      int8_t* const dst = scratch ? scratch : pixel;
      int32_t kx0, kx1;
      ts_valid_taps(ix_origin, p->dilation_w, fw, p->in_w, &kx0, &kx1);
      for (oc = 0; oc < out_c; ++oc) {
        const int32_t group = oc / oc_per_group;
        const int8_t* fbase = filter + (int64_t)oc * filter_oc_stride;
        int64_t acc64 = 0;
        uint32_t acc32 = 0; /* int32 accumulation, wrapping */
        int32_t ky, kx, ic, r;
        for (ky = ky0; ky < ky1; ++ky) {
          const int32_t iy = iy_origin + ky * p->dilation_h;
          for (kx = kx0; kx < kx1; ++kx) {
            const int32_t ix = ix_origin + kx * p->dilation_w;
            const int8_t* ip = TS_PIXEL(in, iy, ix, in_c * 2) + 2 * group * fic;
            const int8_t* fp = fbase + (ky * fw + kx) * fic;
            if (bias64) {
              for (ic = 0; ic < fic; ++ic) acc64 += (int32_t)fp[ic] * (int32_t)ts_load_s16(ip, ic);
            } else {
              for (ic = 0; ic < fic; ++ic) acc32 += (uint32_t)((int32_t)fp[ic] * (int32_t)ts_load_s16(ip, ic));
            }
          }
        }
        if (bias64) {
          acc64 += bias64[oc];
          r = ts_multiply_by_quantized_multiplier_64(acc64, p->output_multiplier[oc], p->output_shift[oc]);
        } else {
          if (bias32) acc32 += (uint32_t)bias32[oc];
          r = ts_multiply_by_quantized_multiplier((int32_t)acc32, p->output_multiplier[oc], p->output_shift[oc]);
        }
        ts_store_s16(dst, oc, (int16_t)ts_clamp_i32(r, p->act_min, p->act_max));
      }
      if (scratch) memcpy(pixel, scratch, (size_t)out_c * 2);
    }
  }
}

/* The public kernel: the DSP path (conv_s16_dsp.c) on Cortex-M with the DSP extension (unless
 * TS_NO_DSP), the portable loops elsewhere. */
void ts_conv2d_s16(const ts_conv_params* p, ts_cbuf in, const int8_t* filter, const int32_t* bias32,
                   const int64_t* bias64, ts_buf out, ts_window win, int8_t* scratch) {
#if TS_DSP_DISPATCH
  ts_conv2d_s16_dsp(p, in, filter, bias32, bias64, out, win, scratch);
#else
  ts_conv2d_s16_portable(p, in, filter, bias32, bias64, out, win, scratch);
#endif
}

/* DEPTHWISE_CONV_2D 16x8 (TFLM depthwise_conv.cc, int16 input: reference_integer_ops::
 * DepthwiseConvPerChannel for int16 activations): always an int64 accumulator and the 64-bit
 * requantization, an int64 bias or none. */
size_t ts_depthwise_conv2d_s16_scratch_bytes(const ts_conv_params* p) { return (size_t)p->out_c * 2; }

void ts_depthwise_conv2d_s16_portable(const ts_conv_params* p, ts_cbuf in, const int8_t* filter,
                                      const int64_t* bias, ts_buf out, ts_window win, int8_t* scratch) {
  const int32_t in_c = p->in_c, out_c = p->out_c, dm = p->depth_multiplier;
  const int32_t fw = p->filter_w;
  int32_t oy, ox;
  for (oy = win.y0; oy < win.y1; ++oy) {
    const int32_t iy_origin = oy * p->stride_h - p->pad_top;
    int32_t ky0, ky1;
    ts_valid_taps(iy_origin, p->dilation_h, p->filter_h, p->in_h, &ky0, &ky1);
    for (ox = win.x0; ox < win.x1; ++ox) {
      const int32_t ix_origin = ox * p->stride_w - p->pad_left;
      int8_t* const pixel = TS_PIXEL(out, oy, ox, out_c * 2);
      int8_t* const dst = scratch ? scratch : pixel;
      int32_t kx0, kx1, ic, m;
      ts_valid_taps(ix_origin, p->dilation_w, fw, p->in_w, &kx0, &kx1);
      for (ic = 0; ic < in_c; ++ic) {
        for (m = 0; m < dm; ++m) {
          const int32_t oc = ic * dm + m;
          int64_t acc = 0;
          int32_t ky, kx, r;
          for (ky = ky0; ky < ky1; ++ky) {
            const int32_t iy = iy_origin + ky * p->dilation_h;
            const int8_t* frow = filter + (int64_t)ky * fw * out_c + oc;
            for (kx = kx0; kx < kx1; ++kx) {
              const int32_t ix = ix_origin + kx * p->dilation_w;
              acc += (int32_t)frow[kx * out_c] * (int32_t)ts_load_s16(TS_PIXEL(in, iy, ix, in_c * 2), ic);
            }
          }
          if (bias) acc += bias[oc];
          r = ts_multiply_by_quantized_multiplier_64(acc, p->output_multiplier[oc], p->output_shift[oc]);
          ts_store_s16(dst, oc, (int16_t)ts_clamp_i32(r, p->act_min, p->act_max));
        }
      }
      if (scratch) memcpy(pixel, scratch, (size_t)out_c * 2);
    }
  }
}

void ts_depthwise_conv2d_s16(const ts_conv_params* p, ts_cbuf in, const int8_t* filter, const int64_t* bias,
                             ts_buf out, ts_window win, int8_t* scratch) {
#if TS_DSP_DISPATCH
  ts_depthwise_conv2d_s16_dsp(p, in, filter, bias, out, win, scratch);
#else
  ts_depthwise_conv2d_s16_portable(p, in, filter, bias, out, win, scratch);
#endif
}
