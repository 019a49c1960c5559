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

/* Copies n bytes from s to d with the result of a byte-by-byte copy in ascending order, for
 * any overlap: eight bytes at a time (each block read whole, then written) unless d lies 1 to
 * 7 bytes above s, the only case where a byte copy reads bytes it has just written within one
 * block. Blocks are moved through uint32_t with memcpy (unaligned LDR/STR on ARMv7E-M). */
static void ts_forward_copy(int8_t* d, const int8_t* s, int32_t n) {
  const uintptr_t gap = (uintptr_t)d - (uintptr_t)s;
  if (gap == 0u) return;
  if (gap >= 8u) {
    while (n >= 8) {
      uint32_t a, b;
      memcpy(&a, s, 4);
      memcpy(&b, s + 4, 4);
      memcpy(d, &a, 4);
      memcpy(d + 4, &b, 4);
      s += 8;
      d += 8;
      n -= 8;
    }
  }
  while (n-- > 0) *d++ = *s++;
}

void ts_copy_window(ts_cbuf in, ts_buf out, int32_t pixel_bytes, ts_window win) {
  const int32_t w = win.x1 - win.x0;
  int32_t y;
  if (w <= 0 || win.y1 <= win.y0 || pixel_bytes <= 0) return;
  /* A row of the window is contiguous in both buffers; so is the whole window when both
   * buffers hold exactly its columns. Rows in ascending order: the byte order of the
   * contract. */
  if (in.w == w && out.w == w) {
    ts_forward_copy(TS_PIXEL(out, win.y0, win.x0, pixel_bytes), TS_PIXEL(in, win.y0, win.x0, pixel_bytes),
                    (win.y1 - win.y0) * w * pixel_bytes);
    return;
  }
  for (y = win.y0; y < win.y1; ++y)
    ts_forward_copy(TS_PIXEL(out, y, win.x0, pixel_bytes), TS_PIXEL(in, y, win.x0, pixel_bytes),
                    w * pixel_bytes);
}

void ts_copy_bytes(const void* in, void* out, size_t bytes) {
  const int8_t* s = (const int8_t*)in;
  int8_t* d = (int8_t*)out;
  while (bytes > 0) {
    const int32_t n = bytes > 0x40000000u ? 0x40000000 : (int32_t)bytes;
    ts_forward_copy(d, s, n);
    s += n;
    d += n;
    bytes -= (size_t)n;
  }
}
