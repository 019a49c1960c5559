/* TRANSPOSE_CONV int8 and 16x8 (TFLM transpose_conv.cc with reference_integer_ops::
 * TransposeConv). TFLM scatters every input element into a scratch of accumulators (one per
 * output element) and then requantizes them; integer addition being exact (int64) or wrapping
 * (int32) in any order, each output element here gathers the same products instead: output
 * (oy, ox, oc) sums, over the filter taps (ky, kx) with oy + pad_top - ky = iy * stride_h and
 * ox + pad_left - kx = ix * stride_w inside the input, input(iy, ix, ic) * filter(oc, ky, kx, ic).
 * No scratch. The input buffer must hold the whole input. */
#include "arm_dsp.h"
#include "fixedpoint.h"
#include "spatial_util.h"
#include "unaligned.h"

void ts_transpose_conv_s8(const ts_conv_params* p, ts_cbuf in, const int8_t* filter, const int32_t* bias,
                          ts_buf out, ts_window win) {
  const int32_t in_c = p->in_c, out_c = p->out_c, fh = p->filter_h, fw = p->filter_w;
  int32_t oy, ox, oc, ky, kx, ic;
  for (oy = win.y0; oy < win.y1; ++oy)
    for (ox = win.x0; ox < win.x1; ++ox) {
      int8_t* dst = TS_PIXEL(out, oy, ox, out_c);
      for (oc = 0; oc < out_c; ++oc) {
        uint32_t acc = 0; /* int32 accumulation, wrapping */
        int32_t r;
        for (ky = 0; ky < fh; ++ky) {
          const int32_t iy = ts_tc_source(oy, p->pad_top, ky, p->stride_h, p->in_h);
          if (iy < 0) continue;
          for (kx = 0; kx < fw; ++kx) {
            const int32_t ix = ts_tc_source(ox, p->pad_left, kx, p->stride_w, p->in_w);
            const int8_t* ip;
            const int8_t* fp;
            if (ix < 0) continue;
            ip = TS_PIXEL(in, iy, ix, in_c);
            fp = filter + ((int64_t)(oc * fh + ky) * fw + kx) * in_c;
            for (ic = 0; ic < in_c; ++ic) acc += (uint32_t)(((int32_t)ip[ic] + p->input_offset) * (int32_t)fp[ic]);
          }
        }
        if (bias) acc += (uint32_t)bias[oc];
        r = ts_multiply_by_quantized_multiplier((int32_t)acc, p->output_multiplier[oc], p->output_shift[oc]) +
            p->output_offset;
        dst[oc] = (int8_t)ts_clamp_i32(r, p->act_min, p->act_max);
      }
    }
}

void ts_transpose_conv_s16_portable(const ts_conv_params* p, ts_cbuf in, const int8_t* filter, const int64_t* bias,
                                    ts_buf out, ts_window win) {
  const int32_t in_c = p->in_c, out_c = p->out_c, fh = p->filter_h, fw = p->filter_w;
  int32_t oy, ox, oc, ky, kx, ic;
  for (oy = win.y0; oy < win.y1; ++oy)
    for (ox = win.x0; ox < win.x1; ++ox) {
      int8_t* const dst = TS_PIXEL(out, oy, ox, out_c * 2);
      for (oc = 0; oc < out_c; ++oc) {
        int64_t acc = 0;
        int32_t r;
        for (ky = 0; ky < fh; ++ky) {
          const int32_t iy = ts_tc_source(oy, p->pad_top, ky, p->stride_h, p->in_h);
          if (iy < 0) continue;
          for (kx = 0; kx < fw; ++kx) {
            const int32_t ix = ts_tc_source(ox, p->pad_left, kx, p->stride_w, p->in_w);
            const int8_t* ip;
            const int8_t* fp;
            if (ix < 0) continue;
            ip = TS_PIXEL(in, iy, ix, in_c * 2);
            fp = filter + ((int64_t)(oc * fh + ky) * fw + kx) * in_c;
            for (ic = 0; ic < in_c; ++ic) acc += (int32_t)ts_load_s16(ip, ic) * (int32_t)fp[ic];
          }
        }
        if (bias) acc += bias[oc];
        r = ts_multiply_by_quantized_multiplier_64(acc, p->output_multiplier[oc], p->output_shift[oc]);
        ts_store_s16(dst, oc, (int16_t)ts_clamp_i32(r, p->act_min, p->act_max));
      }
    }
}

/* The public kernel: the DSP path (conv_s16_dsp.c) on Cortex-M with the DSP extension (unless
 * TS_NO_DSP), the portable loops elsewhere. */
void ts_transpose_conv_s16(const ts_conv_params* p, ts_cbuf in, const int8_t* filter, const int64_t* bias,
                           ts_buf out, ts_window win) {
#if TS_DSP_DISPATCH
  ts_transpose_conv_s16_dsp(p, in, filter, bias, out, win);
#else
  ts_transpose_conv_s16_portable(p, in, filter, bias, out, win);
#endif
}
