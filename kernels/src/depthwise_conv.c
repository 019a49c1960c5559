/* DEPTHWISE_CONV_2D int8, per-channel requantization (TFLM
 * reference_integer_ops::DepthwiseConvPerChannel), over one output window. */
#include <string.h>

#include "arm_dsp.h"
#include "fixedpoint.h"
#include "spatial_util.h"

size_t ts_depthwise_conv2d_s8_scratch_bytes(const ts_conv_params* p) { return (size_t)p->out_c; }

void ts_depthwise_conv2d_s8_portable(const ts_conv_params* p, ts_cbuf in, const int8_t* filter,
                            const int32_t* bias, ts_buf out, ts_window win, int8_t* scratch) {
  const int32_t in_c = p->in_c, out_c = p->out_c, dm = p->depth_multiplier;
  const int32_t fw = p->filter_w;
  int32_t oy, ox;
  for (oy = win.y0; oy < win.y1; ++oy) {
    const int32_t iy_origin = oy * p->stride_h - p->pad_top;
    int32_t ky0, ky1;
    ts_valid_taps(iy_origin, p->dilation_h, p->filter_h, p->in_h, &ky0, &ky1);
    for (ox = win.x0; ox < win.x1; ++ox) {
      const int32_t ix_origin = ox * p->stride_w - p->pad_left;
      int8_t* dst = scratch ? scratch : TS_PIXEL(out, oy, ox, out_c);
      int32_t kx0, kx1, ic, m;
      ts_valid_taps(ix_origin, p->dilation_w, fw, p->in_w, &kx0, &kx1);
      for (ic = 0; ic < in_c; ++ic) {
        for (m = 0; m < dm; ++m) {
          const int32_t oc = ic * dm + m;
          int32_t acc = 0;
          int32_t ky, kx;
          for (ky = ky0; ky < ky1; ++ky) {
            const int32_t iy = iy_origin + ky * p->dilation_h;
            const int8_t* frow = filter + (int64_t)ky * fw * out_c + oc;
            for (kx = kx0; kx < kx1; ++kx) {
              const int32_t ix = ix_origin + kx * p->dilation_w;
              const int32_t v = TS_PIXEL(in, iy, ix, in_c)[ic];
              acc += (int32_t)frow[kx * out_c] * (v + p->input_offset);
            }
          }
          if (bias) acc += bias[oc];
          acc = ts_multiply_by_quantized_multiplier(acc, p->output_multiplier[oc],
                                                    p->output_shift[oc]);
          acc += p->output_offset;
          dst[oc] = (int8_t)ts_clamp_i32(acc, p->act_min, p->act_max);
        }
      }
      if (scratch) memcpy(TS_PIXEL(out, oy, ox, out_c), scratch, (size_t)out_c);
    }
  }
}

/* The public kernel: the DSP path on Cortex-M with the DSP extension (unless TS_NO_DSP),
 * the portable loops elsewhere. */
void ts_depthwise_conv2d_s8(const ts_conv_params* p, ts_cbuf in, const int8_t* filter,
                            const int32_t* bias, ts_buf out, ts_window win, int8_t* scratch) {
#if TS_DSP_DISPATCH
  ts_depthwise_conv2d_s8_dsp(p, in, filter, bias, out, win, scratch);
#else
  ts_depthwise_conv2d_s8_portable(p, in, filter, bias, out, win, scratch);
#endif
}

/* With the caller's workspace (kernels.h): the DSP path's buffers there, not on the stack. */
void ts_depthwise_conv2d_s8_ws(const ts_conv_params* p, ts_cbuf in, const int8_t* filter, const int32_t* bias, ts_buf out,
                          ts_window win, int8_t* scratch, void* workspace) {
#if TS_DSP_DISPATCH
  if (workspace || ts_depthwise_conv2d_s8_workspace_bytes(p, bias, win) == 0) { /* the stack's column otherwise */
    ts_depthwise_conv2d_s8_dsp_ws(p, in, filter, bias, out, win, scratch, workspace);
    return;
  }
  ts_depthwise_conv2d_s8_dsp(p, in, filter, bias, out, win, scratch);
#else
  (void)workspace;
  ts_depthwise_conv2d_s8_portable(p, in, filter, bias, out, win, scratch);
#endif
}
