/* FULLY_CONNECTED int8 (TFLM reference_integer_ops::FullyConnected, per-tensor or
 * per-channel multipliers). */
#include <string.h>

#include "arm_dsp.h"
#include "fixedpoint.h"

size_t ts_fully_connected_s8_scratch_bytes(const ts_fc_params* p) { return (size_t)p->out_depth; }

void ts_fully_connected_s8_portable(const ts_fc_params* p, const int8_t* in, const int8_t* filter,
                           const int32_t* bias, int8_t* out, int8_t* scratch) {
  const int32_t depth = p->in_depth, out_depth = p->out_depth;
  int32_t b, o, d;
  for (b = 0; b < p->batches; ++b) {
    const int8_t* row = in + (int64_t)b * depth;
    int8_t* dst = scratch ? scratch : out + (int64_t)b * out_depth;
    for (o = 0; o < out_depth; ++o) {
      const int8_t* w = filter + (int64_t)o * depth;
      const int32_t m = p->per_channel ? p->output_multiplier[o] : p->output_multiplier[0];
      const int32_t s = p->per_channel ? p->output_shift[o] : p->output_shift[0];
      int32_t acc = 0;
      for (d = 0; d < depth; ++d)
        acc += ((int32_t)w[d] + p->filter_offset) * ((int32_t)row[d] + p->input_offset);
      if (bias) acc += bias[o];
      acc = ts_multiply_by_quantized_multiplier(acc, m, s) + p->output_offset;
      dst[o] = (int8_t)ts_clamp_i32(acc, p->act_min, p->act_max);
    }
    if (scratch) memcpy(out + (int64_t)b * out_depth, scratch, (size_t)out_depth);
  }
}

/* The public kernel: the DSP path on Cortex-M with the DSP extension (unless TS_NO_DSP),
 * the portable loops elsewhere. */
void ts_fully_connected_s8(const ts_fc_params* p, const int8_t* in, const int8_t* filter,
                           const int32_t* bias, int8_t* out, int8_t* scratch) {
#if TS_DSP_DISPATCH
  ts_fully_connected_s8_dsp(p, in, filter, bias, out, scratch);
#else
  ts_fully_connected_s8_portable(p, in, filter, bias, out, scratch);
#endif
}

/* FULLY_CONNECTED over the packed filter (ts_fc_pack_s8, fully_connected_dsp.c), in the
 * portable loops' order and arithmetic: each weight decoded from its lane (lo: the low byte;
 * hi: the high byte + (lo < 0)), each row's sum from its start value (bias + input_offset *
 * sum of its weights, equal mod 2^32 to the reference's int32 sum). */
void ts_fully_connected_s8_packed_portable(const ts_fc_params* p, const int8_t* in, const int32_t* packed,
                                           int8_t* out, int8_t* scratch) {
  const int32_t depth = p->in_depth, out_depth = p->out_depth;
  const int64_t gw = 4 + 4 * (int64_t)((depth + 3) / 4);
  int32_t b, o, d;
  for (b = 0; b < p->batches; ++b) {
    const int8_t* row = in + (int64_t)b * depth;
    int8_t* dst = scratch ? scratch : out + (int64_t)b * out_depth;
    for (o = 0; o < out_depth; ++o) {
      const int32_t* gp = packed + 1 + (int64_t)(o / 4) * gw;
      const int32_t pr = (o % 4) / 2, hi = o % 2;
      const int32_t m = p->per_channel ? p->output_multiplier[o] : p->output_multiplier[0];
      const int32_t s = p->per_channel ? p->output_shift[o] : p->output_shift[0];
      const uint32_t a0 = (uint32_t)gp[2 * pr], b0 = (uint32_t)gp[2 * pr + 1];
      uint32_t acc = hi ? (uint32_t)((int32_t)(a0 - b0) >> 8) : b0;
      int32_t v;
      for (d = 0; d < depth; ++d) {
        const uint32_t word = (uint32_t)gp[4 + 4 * (d / 4) + 2 * pr + d % 2];
        const uint32_t lane = (word >> (16 * ((d / 2) % 2))) & 0xffffu;
        const int32_t lo_w = (int8_t)(uint8_t)(lane & 0xffu);
        const int32_t w = hi ? (int8_t)(uint8_t)(lane >> 8) + (lo_w < 0 ? 1 : 0) : lo_w;
        acc += (uint32_t)((int32_t)row[d] * w);
      }
      v = ts_multiply_by_quantized_multiplier((int32_t)acc, m, s) + p->output_offset;
      dst[o] = (int8_t)ts_clamp_i32(v, p->act_min, p->act_max);
    }
    if (scratch) memcpy(out + (int64_t)b * out_depth, scratch, (size_t)out_depth);
  }
}

void ts_fully_connected_s8_packed(const ts_fc_params* p, const int8_t* in, const int32_t* packed,
                                  int8_t* out, int8_t* scratch) {
#if TS_DSP_DISPATCH
  ts_fully_connected_s8_packed_dsp(p, in, packed, out, scratch);
#else
  ts_fully_connected_s8_packed_portable(p, in, packed, out, scratch);
#endif
}
