/* FULLY_CONNECTED int8, DSP-structured path: two outputs per step over the input row with
 * SMLAD (dsp_dot.h), filter and input offsets added by SXTAB16. Same contract, access order
 * (per batch row: each pair of outputs written after reading the row) and bytes as
 * ts_fully_connected_s8_portable (fully_connected.c). */
#include <string.h>

#include "dsp_dot.h"

void ts_fully_connected_s8_dsp(const ts_fc_params* p, const int8_t* in, const int8_t* filter,
                               const int32_t* bias, int8_t* out, int8_t* scratch) {
  const int32_t depth = p->in_depth, out_depth = p->out_depth;
  const int32_t off = p->input_offset, woff = p->filter_offset;
  const uint32_t off2 = ts_dsp_dup16(off), woff2 = ts_dsp_dup16(woff);
  int32_t b, o;
  for (b = 0; b < p->batches; ++b) {
    const int8_t* row = in + (int64_t)b * depth;
    int8_t* dst = scratch ? scratch : out + (int64_t)b * out_depth;
    for (o = 0; o < out_depth; o += 2) {
      const int two = o + 1 < out_depth;
      const int8_t* w0 = filter + (int64_t)o * depth;
      const int8_t* w1 = two ? w0 + depth : w0;
      int32_t s0 = 0, s1 = 0;
      ts_dsp_dot_1x2(row, w0, w1, depth, off2, off, woff2, woff, &s0, &s1);
      if (bias) {
        s0 += bias[o];
        if (two) s1 += bias[o + 1];
      }
      if (p->per_channel) {
        dst[o] = ts_dsp_output(s0, p->output_multiplier[o], p->output_shift[o], p->output_offset,
                               p->act_min, p->act_max);
        if (two)
          dst[o + 1] = ts_dsp_output(s1, p->output_multiplier[o + 1], p->output_shift[o + 1],
                                     p->output_offset, p->act_min, p->act_max);
      } else {
        dst[o] = ts_dsp_output(s0, p->output_multiplier[0], p->output_shift[0], p->output_offset,
                               p->act_min, p->act_max);
        if (two)
          dst[o + 1] = ts_dsp_output(s1, p->output_multiplier[0], p->output_shift[0],
                                     p->output_offset, p->act_min, p->act_max);
      }
    }
    if (scratch) memcpy(out + (int64_t)b * out_depth, scratch, (size_t)out_depth);
  }
}
