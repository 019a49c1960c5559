/* FULLY_CONNECTED 16x8, DSP-structured path (same contract and bytes as
 * ts_fully_connected_s16_portable, TFLM's reference_integer_ops::FullyConnected for int16
 * activations). Output rows four at a time (ts_dsp16_dot4: the input row's regrouped int16
 * pairs shared by four filter rows, two SMLAD per four products and row), the rest one by one;
 * the int32 sums go into the int64 accumulators every TS_DSP16_CHUNK products (exact, see
 * dsp_dot16.h). A filter offset (weights zero point) other than 0 takes the portable loop.
 * Access order: when the output shares a byte with the input and there is no scratch, the
 * portable loop runs (its order is the contract's); otherwise a batch row's outputs are
 * written after its reads. No stack buffers. */
#include <string.h>

#include "dsp_dot16.h"
#include "fixedpoint.h"

static void ts_fc16_store(const ts_fc_params* p, int8_t* dst, int32_t o, int64_t acc, const int64_t* bias) {
  int32_t r;
  if (bias) acc += bias[o];
  r = ts_multiply_by_quantized_multiplier_64(acc, p->output_multiplier[0], p->output_shift[0]);
  ts_store_s16(dst, o, (int16_t)ts_clamp_i32(r, p->act_min, p->act_max));
}

void ts_fully_connected_s16_dsp(const ts_fc_params* p, const int8_t* in, const int8_t* filter, const int64_t* bias,
                                int8_t* out, int8_t* scratch) {
  const int32_t depth = p->in_depth, out_depth = p->out_depth;
  int32_t b, o;
  if (p->filter_offset != 0 ||
      (!scratch && ts_dsp_overlap(in, (size_t)p->batches * (size_t)depth * 2, out,
                                  (size_t)p->batches * (size_t)out_depth * 2))) {
    ts_fully_connected_s16_portable(p, in, filter, bias, out, scratch);
    return;
  }
  for (b = 0; b < p->batches; ++b) {
    const int8_t* row = in + (int64_t)b * depth * 2;
    int8_t* const out_row = out + (int64_t)b * out_depth * 2;
    int8_t* const dst = scratch ? scratch : out_row;
    for (o = 0; o + 4 <= out_depth; o += 4) {
      const int8_t* w = filter + (int64_t)o * depth;
      int64_t a[4] = {0, 0, 0, 0};
      int32_t d, r;
      for (d = 0; d < depth; d += TS_DSP16_CHUNK) {
        const int32_t k = depth - d < TS_DSP16_CHUNK ? depth - d : TS_DSP16_CHUNK;
        int32_t s[4] = {0, 0, 0, 0};
        ts_dsp16_dot4(row + 2 * d, w + d, depth, k, s);
        for (r = 0; r < 4; ++r) a[r] += s[r];
      }
      for (r = 0; r < 4; ++r) ts_fc16_store(p, dst, o + r, a[r], bias);
    }
    for (; o < out_depth; ++o) ts_fc16_store(p, dst, o, ts_dsp16_dot1_64(row, filter + (int64_t)o * depth, depth), bias);
    if (scratch) memcpy(out_row, scratch, (size_t)out_depth * 2);
  }
}
