/* Element-wise int8 kernels: ADD, MUL (TFLM reference_integer_ops, broadcasting through
 * operand strides), int8 requantization (QUANTIZE int8->int8, RELU), clamp (RELU6), and
 * window/byte copies. Access order: elements of the window in row-major (y, x, c) order. */
#include <string.h>

#include "fixedpoint.h"
#include "spatial_util.h"

#define TS_OPERAND_AT(op, y, x, c) \
  ((op).data[(int64_t)((y) - (op).y0) * (op).sy + (int64_t)((x) - (op).x0) * (op).sx + \
             (int64_t)(c) * (op).sc])

void ts_add_s8(const ts_add_params* p, ts_operand a, ts_operand b, ts_buf out,
               int32_t channels, ts_window win) {
  int32_t y, x, c;
  for (y = win.y0; y < win.y1; ++y) {
    for (x = win.x0; x < win.x1; ++x) {
      int8_t* dst = TS_PIXEL(out, y, x, channels);
      for (c = 0; c < channels; ++c) {
        const int32_t v1 = p->input1_offset + TS_OPERAND_AT(a, y, x, c);
        const int32_t v2 = p->input2_offset + TS_OPERAND_AT(b, y, x, c);
        const int32_t s1 = ts_multiply_by_quantized_multiplier(
            v1 * (1 << p->left_shift), p->input1_multiplier, p->input1_shift);
        const int32_t s2 = ts_multiply_by_quantized_multiplier(
            v2 * (1 << p->left_shift), p->input2_multiplier, p->input2_shift);
        const int32_t raw =
            ts_multiply_by_quantized_multiplier(s1 + s2, p->output_multiplier, p->output_shift) +
            p->output_offset;
        dst[c] = (int8_t)ts_clamp_i32(raw, p->act_min, p->act_max);
      }
    }
  }
}

void ts_mul_s8(const ts_mul_params* p, ts_operand a, ts_operand b, ts_buf out,
               int32_t channels, ts_window win) {
  int32_t y, x, c;
  for (y = win.y0; y < win.y1; ++y) {
    for (x = win.x0; x < win.x1; ++x) {
      int8_t* dst = TS_PIXEL(out, y, x, channels);
      for (c = 0; c < channels; ++c) {
        const int32_t v1 = p->input1_offset + TS_OPERAND_AT(a, y, x, c);
        const int32_t v2 = p->input2_offset + TS_OPERAND_AT(b, y, x, c);
        const int32_t raw = p->output_offset + ts_multiply_by_quantized_multiplier(
                                                   v1 * v2, p->output_multiplier, p->output_shift);
        dst[c] = (int8_t)ts_clamp_i32(raw, p->act_min, p->act_max);
      }
    }
  }
}

void ts_requantize_s8(const ts_requant_params* p, ts_cbuf in, ts_buf out, int32_t channels,
                      ts_window win) {
  int32_t y, x, c;
  for (y = win.y0; y < win.y1; ++y) {
    for (x = win.x0; x < win.x1; ++x) {
      const int8_t* src = TS_PIXEL(in, y, x, channels);
      int8_t* dst = TS_PIXEL(out, y, x, channels);
      for (c = 0; c < channels; ++c) {
        const int32_t v = p->output_zero_point +
                          ts_multiply_by_quantized_multiplier(src[c] - p->input_zero_point,
                                                              p->multiplier, p->shift);
        dst[c] = (int8_t)ts_clamp_i32(v, p->act_min, p->act_max);
      }
    }
  }
}

void ts_clamp_s8(int8_t lo, int8_t hi, ts_cbuf in, ts_buf out, int32_t channels,
                 ts_window win) {
  int32_t y, x, c;
  for (y = win.y0; y < win.y1; ++y) {
    for (x = win.x0; x < win.x1; ++x) {
      const int8_t* src = TS_PIXEL(in, y, x, channels);
      int8_t* dst = TS_PIXEL(out, y, x, channels);
      for (c = 0; c < channels; ++c) {
        const int8_t v = src[c];
        dst[c] = v > hi ? hi : (v < lo ? lo : v);
      }
    }
  }
}

void ts_copy_window(ts_cbuf in, ts_buf out, int32_t pixel_bytes, ts_window win) {
  int32_t y, x, i;
  for (y = win.y0; y < win.y1; ++y) {
    for (x = win.x0; x < win.x1; ++x) {
      const int8_t* src = TS_PIXEL(in, y, x, pixel_bytes);
      int8_t* dst = TS_PIXEL(out, y, x, pixel_bytes);
      if (src == dst) continue;
      for (i = 0; i < pixel_bytes; ++i) dst[i] = src[i];
    }
  }
}

void ts_copy_bytes(const void* in, void* out, size_t bytes) {
  const int8_t* s = (const int8_t*)in;
  int8_t* d = (int8_t*)out;
  size_t i;
  if (s == d) return;
  for (i = 0; i < bytes; ++i) d[i] = s[i];
}
