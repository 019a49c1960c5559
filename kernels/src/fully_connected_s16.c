/* FULLY_CONNECTED 16x8 (TFLM fully_connected.cc, int16 input: reference_integer_ops::
 * FullyConnected for int16 activations): per-tensor requantization, an int64 accumulator of
 * (filter + filter_offset) * input, an int64 bias or none, the 64-bit
 * MultiplyByQuantizedMultiplier, clamp. No input or output offsets (zero points 0). */
#include <string.h>

#include "arm_dsp.h"
#include "fixedpoint.h"
#include "unaligned.h"

size_t ts_fully_connected_s16_scratch_bytes(const ts_fc_params* p) { return (size_t)p->out_depth * 2; }

void ts_fully_connected_s16_portable(const ts_fc_params* p, const int8_t* in, const int8_t* filter,
                                     const int64_t* bias, int8_t* out, int8_t* scratch) {
  const int32_t depth = p->in_depth, out_depth = p->out_depth;
  int32_t b, o, d;
  for (b = 0; b < p->batches; ++b) {
    const int8_t* row = in + (int64_t)b * depth * 2;
    int8_t* const out_row = out + (int64_t)b * out_depth * 2;
    int8_t* const dst = scratch ? scratch : out_row;
    for (o = 0; o < out_depth; ++o) {
      const int8_t* w = filter + (int64_t)o * depth;
      int64_t acc = 0;
      int32_t r;
      for (d = 0; d < depth; ++d) acc += ((int32_t)w[d] + p->filter_offset) * (int32_t)ts_load_s16(row, d);
      if (bias) acc += bias[o];
      r = ts_multiply_by_quantized_multiplier_64(acc, p->output_multiplier[0], p->output_shift[0]);
      ts_store_s16(dst, o, (int16_t)ts_clamp_i32(r, p->act_min, p->act_max));
    }
    if (scratch) memcpy(out_row, scratch, (size_t)out_depth * 2);
  }
}

/* The public kernel: the DSP path (fully_connected_s16_dsp.c) on Cortex-M with the DSP extension
 * (unless TS_NO_DSP), the portable loop elsewhere. */
void ts_fully_connected_s16(const ts_fc_params* p, const int8_t* in, const int8_t* filter, const int64_t* bias,
                            int8_t* out, int8_t* scratch) {
#if TS_DSP_DISPATCH
  ts_fully_connected_s16_dsp(p, in, filter, bias, out, scratch);
#else
  ts_fully_connected_s16_portable(p, in, filter, bias, out, scratch);
#endif
}
