/* tessera kernel library: portable C99 int8 kernels, no allocation, no globals.
 * Shared by the host executor and generated Cortex-M firmware.
 *
 * Conventions (see docs/ARCHITECTURE.md):
 *  - Activations are NHWC, batch 1. A ts_buf holds a rectangular window of a tensor in
 *    global coordinates: element (y, x, c) of the full tensor is at
 *    data[((y - y0) * w + (x - x0)) * channels + c].
 *  - Spatial kernels compute the output window `win` (global output coordinates) and
 *    write it into `out` (which holds a window containing `win`). They read input elements
 *    from `in`, which must hold every input element the window needs that lies inside the
 *    full input tensor; elements outside the full input are padding (input zero point),
 *    decided from global coordinates, so any tiling gives the bytes of the whole layer.
 *  - Access order: output pixels of `win` in row-major order. Without scratch (NULL), a
 *    kernel may interleave the writes of output pixel i with its reads for pixel i, but
 *    reads nothing for pixel i after writing pixel i+1's first byte... precisely: all reads
 *    for pixel i+1 happen after all writes for pixel i, and all writes for pixel i after
 *    the reads for pixel i-1. With a scratch of ts_*_pixel_scratch_bytes(), pixel i is
 *    computed into the scratch and copied to `out` after every read for pixel i.
 *  - Requantization is TensorFlow Lite Micro's reference arithmetic, bit for bit.
 *
 * Buffers of float32 tensors use the same ts_buf/ts_cbuf types: `data` then points at the
 * first byte and the offsets above are multiplied by 4 (the kernels read and write floats
 * with memcpy, so float buffers need no particular alignment).
 *
 * Cortex-M DSP paths: CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED (int8 and 16x8),
 * TRANSPOSE_CONV 16x8, AVERAGE_POOL_2D, SVDF and UNIDIRECTIONAL_SEQUENCE_LSTM have DSP-structured
 * variants (kernels/src/<name>_dsp.c, svdf.c, lstm.c: SMLAD/SXTB16 micro-kernels) that give the
 * same bytes; see the end of this file.
 */
#ifndef TESSERA_KERNELS_H_
#define TESSERA_KERNELS_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  int32_t y0, y1, x0, x1; /* rows [y0,y1), columns [x0,x1) */
} ts_window;

typedef struct {
  int8_t* data;
  int32_t y0, x0; /* global coordinates of the first element held */
  int32_t h, w;   /* rows and columns held */
} ts_buf;

typedef struct {
  const int8_t* data;
  int32_t y0, x0;
  int32_t h, w;
} ts_cbuf;

/* ---- quantization helpers (TFLM reference semantics) ---- */
int32_t ts_saturating_rounding_doubling_high_mul(int32_t a, int32_t b);
int32_t ts_rounding_divide_by_pot(int32_t x, int exponent);
/* TFLM's MultiplyByQuantizedMultiplier: shift > 0 is a left shift. Double rounding (the
 * default reference build): x * 2^left_shift, rounding doubling high multiply, then a
 * rounding right shift. */
int32_t ts_multiply_by_quantized_multiplier(int32_t x, int32_t multiplier, int shift);

/* ======================================================================================
 * Spatial kernels (window-aware). Access order: output pixels of `win` row-major.
 * `scratch`: NULL, or *_scratch_bytes() bytes into which one output pixel (all channels)
 * is computed before it is stored.
 * ====================================================================================== */

/* CONV_2D and DEPTHWISE_CONV_2D. */
typedef struct {
  int32_t in_h, in_w, in_c;    /* full input tensor (a fused PAD's input when one is fused) */
  int32_t out_h, out_w, out_c; /* full output tensor */
  int32_t filter_h, filter_w;
  /* CONV_2D: input channels per filter (in_c, or in_c / groups for grouped convolution).
   * DEPTHWISE_CONV_2D: unused. */
  int32_t filter_in_c;
  int32_t depth_multiplier; /* DEPTHWISE_CONV_2D: out_c = in_c * depth_multiplier */
  int32_t stride_h, stride_w;
  int32_t dilation_h, dilation_w;
  int32_t pad_top, pad_left; /* padding before the first row/column (+ a fused PAD's) */
  int32_t input_offset;      /* -input zero point */
  int32_t output_offset;     /* output zero point */
  int32_t act_min, act_max;  /* fused activation range in the output's quantized domain */
  const int32_t* output_multiplier; /* [out_c] */
  const int32_t* output_shift;      /* [out_c], > 0 is a left shift */
} ts_conv_params;

/* CONV_2D 16x8 (TFLM conv.cc's int16 path): int16 input and output buffers (2 bytes per
 * element, ts_cbuf/ts_buf data at 2-byte alignment), int8 filter [out_c][kh][kw][filter_in_c],
 * input_offset and output_offset ignored (int16 zero points are 0). With an int64 bias
 * (`bias64`) the accumulator is int64 and requantized by ts_multiply_by_quantized_multiplier_64;
 * with an int32 bias (`bias32`) or none it is int32 (wrapping) and requantized by
 * ts_multiply_by_quantized_multiplier. At most one of bias32 / bias64 is non-NULL. Scratch:
 * ts_conv2d_s16_scratch_bytes() (one output pixel). */
void ts_conv2d_s16(const ts_conv_params* p, ts_cbuf in, const int8_t* filter, const int32_t* bias32,
                   const int64_t* bias64, ts_buf out, ts_window win, int8_t* scratch);
size_t ts_conv2d_s16_scratch_bytes(const ts_conv_params* p);
/* DEPTHWISE_CONV_2D 16x8 (TFLM depthwise_conv.cc's int16 path): int16 input and output (2 bytes
 * per element), int8 filter [1][kh][kw][out_c] as ts_depthwise_conv2d_s8, an int64 accumulator,
 * an int64 bias or NULL, ts_multiply_by_quantized_multiplier_64, clamp (offsets ignored). Any
 * output window; scratch: ts_depthwise_conv2d_s16_scratch_bytes() (one output pixel) or NULL. */
void ts_depthwise_conv2d_s16(const ts_conv_params* p, ts_cbuf in, const int8_t* filter, const int64_t* bias,
                             ts_buf out, ts_window win, int8_t* scratch);
size_t ts_depthwise_conv2d_s16_scratch_bytes(const ts_conv_params* p);
/* TFLM's MultiplyByQuantizedMultiplier for an int64 input (common.h): the multiplier rounded
 * to 16 bits (0x7FFF at most), x times it, rounded half up by 15 - shift bits. */
int32_t ts_multiply_by_quantized_multiplier_64(int64_t x, int32_t multiplier, int shift);

/* TRANSPOSE_CONV (TFLM transpose_conv.cc, reference_integer_ops::TransposeConv), described by
 * ts_conv_params: in_* the data input, out_* the output, filter [out_c][filter_h][filter_w][in_c],
 * stride_*, pad_top / pad_left as TFLM computes them (ComputePaddingHeightWidth over the
 * output's size), dilations unused. Output (oy, ox, oc) gathers input (iy, ix) through tap
 * (oy + pad_top - iy * stride_h, ox + pad_left - ix * stride_w) when inside the filter: the sums
 * TFLM scatters, then requantized as TFLM does. `in` must hold the whole input; any output
 * window; no scratch.
 * int8: (input + input_offset) * filter accumulated in int32 (wrapping), int32 bias or NULL,
 *   ts_multiply_by_quantized_multiplier, + output_offset, clamp.
 * 16x8: int16 input and output (2 bytes per element), int64 accumulator, int64 bias or NULL,
 *   ts_multiply_by_quantized_multiplier_64, clamp (offsets ignored: zero points 0). */
void ts_transpose_conv_s8(const ts_conv_params* p, ts_cbuf in, const int8_t* filter, const int32_t* bias,
                          ts_buf out, ts_window win);
void ts_transpose_conv_s16(const ts_conv_params* p, ts_cbuf in, const int8_t* filter, const int64_t* bias,
                           ts_buf out, ts_window win);

/* The requantization the operator layer gives a pruned CONV_2D channel (all filter weights
 * zero; src/ops/ops.h ConstantChannelBias): multiplier and shift, with an even bias b for
 * which the output is output_offset + b / 2. The DSP kernel recognizes these channels by them
 * and stores that constant instead of computing the channel. */
#define TS_CONSTANT_CHANNEL_MULTIPLIER 2147483647
#define TS_CONSTANT_CHANNEL_SHIFT (-1)

size_t ts_conv2d_s8_scratch_bytes(const ts_conv_params* p);
/* filter: OHWI [out_c][filter_h][filter_w][filter_in_c]; bias: [out_c] or NULL. */
void ts_conv2d_s8(const ts_conv_params* p, ts_cbuf in, const int8_t* filter,
                  const int32_t* bias, ts_buf out, ts_window win, int8_t* scratch);

size_t ts_depthwise_conv2d_s8_scratch_bytes(const ts_conv_params* p);
/* filter: [1][filter_h][filter_w][out_c]; output channel ic * depth_multiplier + m reads
 * input channel ic. bias: [out_c] or NULL. */
void ts_depthwise_conv2d_s8(const ts_conv_params* p, ts_cbuf in, const int8_t* filter,
                            const int32_t* bias, ts_buf out, ts_window win, int8_t* scratch);

/* Kernel workspace: the buffers the DSP paths would otherwise keep on the stack (CONV_2D's
 * im2col column, DEPTHWISE_CONV_2D's staging buffer and tables), given by the caller as
 * *_workspace_bytes(p) bytes, word-aligned, that nothing else uses during the call (the plan
 * places them in arena bytes free at the step: plan/plan.h Step::workspace). The bytes are
 * the DSP path's need on every target (plans do not depend on the target); the portable loops
 * ignore the workspace. The *_ws entry points give the same bytes as those without, which
 * keep these buffers on the stack. 0: the call needs no workspace (NULL is then fine). */
/* CONV_2D's is what the layer's own taps and channels use in the DSP path's column (its
 * gather area right above them, then the two- and four-channel kernels' chunked table of 8 or 4
 * channels when the column has no room for the whole), at most 2,432 bytes. */
size_t ts_conv2d_s8_workspace_bytes(const ts_conv_params* p);
/* What the entry points without a workspace keep on the stack instead, whatever the layer
 * (their whole buffers: CONV_2D's column, DEPTHWISE_CONV_2D's staging buffer, tables and sums;
 * ADD / SUB / SQUARED_DIFFERENCE's tables): planners weigh arena bytes against these. */
size_t ts_conv2d_s8_stack_workspace_bytes(void);
size_t ts_depthwise_conv2d_s8_stack_workspace_bytes(void);
size_t ts_add_s8_stack_workspace_bytes(void);
void ts_conv2d_s8_ws(const ts_conv_params* p, ts_cbuf in, const int8_t* filter, const int32_t* bias,
                     ts_buf out, ts_window win, int8_t* scratch, void* workspace);
/* DEPTHWISE_CONV_2D's depends on the call's window and biases (a call that takes the pixel
 * path whatever its buffers share needs only that path's table for its channels). */
size_t ts_depthwise_conv2d_s8_workspace_bytes(const ts_conv_params* p, const int32_t* bias, ts_window win);
void ts_depthwise_conv2d_s8_ws(const ts_conv_params* p, ts_cbuf in, const int8_t* filter,
                               const int32_t* bias, ts_buf out, ts_window win, int8_t* scratch,
                               void* workspace);

/* AVERAGE_POOL_2D and MAX_POOL_2D (input and output share scale and zero point, as TFLM
 * requires). The average divides by the number of in-bounds elements, rounding half away
 * from zero. */
typedef struct {
  int32_t in_h, in_w, channels;
  int32_t out_h, out_w;
  int32_t filter_h, filter_w;
  int32_t stride_h, stride_w;
  int32_t pad_top, pad_left;
  int32_t act_min, act_max;
} ts_pool_params;

size_t ts_pool2d_s8_scratch_bytes(const ts_pool_params* p);
void ts_avg_pool2d_s8(const ts_pool_params* p, ts_cbuf in, ts_buf out, ts_window win,
                      int8_t* scratch);
void ts_max_pool2d_s8(const ts_pool_params* p, ts_cbuf in, ts_buf out, ts_window win,
                      int8_t* scratch);
/* int16 pools (TFLM's int16 AveragePool / MaxPool): int16 input and output (2 bytes per element,
 * any byte alignment), the same taps and rounding, act range in int16; scratch: NULL or
 * ts_pool2d_s16_scratch_bytes() (one output pixel). */
size_t ts_pool2d_s16_scratch_bytes(const ts_pool_params* p);
void ts_avg_pool2d_s16(const ts_pool_params* p, ts_cbuf in, ts_buf out, ts_window win, int8_t* scratch);
void ts_max_pool2d_s16(const ts_pool_params* p, ts_cbuf in, ts_buf out, ts_window win, int8_t* scratch);

/* PAD (constant): output (y, x, c) = input (y - pad_top, x - pad_left, c - pad_c) when that
 * lies inside the input, else pad_value. Unit i reads input pixel (y - pad_top,
 * x - pad_left) when it exists. Works for any element size (pad_value is repeated over
 * the bytes of one element: only meaningful for 1-byte elements or a zero value). */
typedef struct {
  int32_t in_h, in_w, in_c;
  int32_t out_h, out_w, out_c;
  int32_t pad_top, pad_left, pad_c; /* padding before, per axis */
  int32_t elem_bytes;               /* 1 for int8 */
  int8_t pad_value;
} ts_pad_params;

size_t ts_pad_scratch_bytes(const ts_pad_params* p);
void ts_pad(const ts_pad_params* p, ts_cbuf in, ts_buf out, ts_window win, int8_t* scratch);

/* RESIZE_NEAREST_NEIGHBOR, TFLM reference (float source-coordinate computation). Unit i
 * reads the one input pixel it copies. Any element size. */
typedef struct {
  int32_t in_h, in_w, channels;
  int32_t out_h, out_w;
  int32_t align_corners, half_pixel_centers; /* 0 or 1 */
  int32_t elem_bytes;
} ts_resize_params;

/* Source row (or column) of output row `out_index`, exactly as TFLM computes it. */
int32_t ts_resize_nearest_source(int32_t out_index, int32_t in_size, int32_t out_size,
                                 int32_t align_corners, int32_t half_pixel_centers);
size_t ts_resize_nearest_scratch_bytes(const ts_resize_params* p);
void ts_resize_nearest(const ts_resize_params* p, ts_cbuf in, ts_buf out, ts_window win,
                       int8_t* scratch);

/* ======================================================================================
 * Element-wise kernels. Access order: elements of `win` in row-major (y, x, c) order.
 * ====================================================================================== */

/* An operand of a broadcasting binary kernel: element (y, x, c) of the output window reads
 * data[(y - y0) * sy + (x - x0) * sx + c * sc]; a stride of 0 broadcasts along that axis
 * (then y0/x0 are irrelevant for it). For a buffer holding window W of a tensor with C
 * channels and no broadcast: sy = W.w * C, sx = C, sc = 1. */
typedef struct {
  const int8_t* data;
  int32_t y0, x0;
  int32_t sy, sx, sc;
} ts_operand;

/* ADD int8 (TFLM: left_shift 20, per-input multipliers, output multiplier). */
typedef struct {
  int32_t input1_offset, input2_offset; /* -zero points */
  int32_t output_offset;                /* output zero point */
  int32_t left_shift;
  int32_t input1_multiplier, input1_shift; /* shifts <= 0 */
  int32_t input2_multiplier, input2_shift;
  int32_t output_multiplier, output_shift;
  int32_t act_min, act_max;
} ts_add_params;
void ts_add_s8(const ts_add_params* p, ts_operand a, ts_operand b, ts_buf out,
               int32_t channels, ts_window win);
/* Kernel workspace (see "Workspaces" at the top of this file): windows of at least 1,024
 * elements rescale the inputs through two 256-entry int32 tables, built in `workspace`
 * (ts_add_s8_workspace_bytes(channels, win) bytes, 2,048 or 0; word-aligned). ts_add_s8 keeps
 * them on the stack. Same bytes, same access order. */
size_t ts_add_s8_workspace_bytes(int32_t channels, ts_window win);
void ts_add_s8_ws(const ts_add_params* p, ts_operand a, ts_operand b, ts_buf out, int32_t channels,
                  ts_window win, void* workspace);
/* ADD int16 (TFLM add.cc's int16 path: the same arithmetic with left_shift 15, act range in
 * int16). Operands and output hold int16 elements: `data` points at int16 values (any byte
 * alignment) and the operand strides count elements. */
void ts_add_s16(const ts_add_params* p, ts_operand a, ts_operand b, ts_buf out,
                int32_t channels, ts_window win);

/* MUL int8. */
typedef struct {
  int32_t input1_offset, input2_offset, output_offset;
  int32_t output_multiplier, output_shift;
  int32_t act_min, act_max;
} ts_mul_params;
void ts_mul_s8(const ts_mul_params* p, ts_operand a, ts_operand b, ts_buf out,
               int32_t channels, ts_window win);
/* MUL int16 (TFLM mul.cc's int16 path, reference_integer_ops::Mul / BroadcastMul4DSlow):
 * int16 operands and output as ts_add_s16's, the product of the offset inputs requantized by
 * the 32-bit MultiplyByQuantizedMultiplier. */
void ts_mul_s16(const ts_mul_params* p, ts_operand a, ts_operand b, ts_buf out,
                int32_t channels, ts_window win);

/* Unary element-wise kernels: `in` holds a window containing `win` of a tensor with
 * `channels` channels; `out` likewise. */

/* int8 -> int8 requantization (QUANTIZE int8->int8, and RELU/RELU_N1_TO_1 with
 * requantization as TFLM's RELU does): out = clamp(output_offset + MBQM(in - input_zp)). */
typedef struct {
  int32_t input_zero_point, output_zero_point;
  int32_t multiplier, shift;
  int32_t act_min, act_max;
} ts_requant_params;
void ts_requantize_s8(const ts_requant_params* p, ts_cbuf in, ts_buf out, int32_t channels,
                      ts_window win);
/* QUANTIZE from int16 (TFLM quantize.cc, reference_ops::Requantize): output = clamp(out_zp +
 * MBQM(in - in_zp, multiplier, shift), act_min, act_max) stored as `out_bytes` bytes (1: int8,
 * 2: int16, 4: int32; act_min/act_max the output type's range). Elements little-endian at any
 * byte offset. Element-wise over a window (channels elements per pixel), each element read
 * then written. */
void ts_requantize_s16(const ts_requant_params* p, ts_cbuf in, ts_buf out, int32_t out_bytes,
                       int32_t channels, ts_window win);

/* QUANTIZE int8 -> int16 (TFLM quantize_common.cc, reference_ops::Requantize): output =
 * clamp(out_zp + MBQM(in - in_zp, multiplier, shift), act_min, act_max) stored as int16 (at any
 * byte offset; act_min/act_max: -32768/32767). Element-wise over a window, each element read
 * then written. */
void ts_requantize_s8_s16(const ts_requant_params* p, ts_cbuf in, ts_buf out, int32_t channels, ts_window win);

/* Clamp to [lo, hi] without rescaling (TFLM's int8 RELU6). */
void ts_clamp_s8(int8_t lo, int8_t hi, ts_cbuf in, ts_buf out, int32_t channels,
                 ts_window win);

/* LOGISTIC int8 (output scale 1/256, zero point -128). */
typedef struct {
  int32_t input_zero_point, input_range_radius, input_multiplier, input_left_shift;
} ts_logistic_params;
void ts_logistic_s8(const ts_logistic_params* p, ts_cbuf in, ts_buf out, int32_t channels,
                    ts_window win);

/* HARD_SWISH int8. */
typedef struct {
  int32_t input_zero_point, output_zero_point;
  int32_t reluish_multiplier_exponent, output_multiplier_exponent;
  int16_t reluish_multiplier_fixedpoint_int16, output_multiplier_fixedpoint_int16;
} ts_hard_swish_params;
void ts_hard_swish_s8(const ts_hard_swish_params* p, ts_cbuf in, ts_buf out,
                      int32_t channels, ts_window win);

/* QUANTIZE float32 -> int8 (TFLM's reference AffineQuantize): TfLiteRound(x / (float)scale)
 * + zero_point, the division and the rounding (half away from zero) in single precision,
 * clamped to [-128, 127] (NaN gives the zero point); the same arithmetic as
 * ts_quantize_f32_s16. Zero point in [-128, 127]. Element-wise over a window. */
void ts_quantize_f32_s8(double scale, int32_t zero_point, ts_cbuf in /* float32 */, ts_buf out,
                        int32_t channels, ts_window win);
/* DEQUANTIZE int8 -> float32: (float)(scale * (q - zero_point)), the product exact in double
 * and rounded once to float (the same float as TFLM's single-precision product of the float
 * scale and the exactly representable difference, as ts_dequantize_s16_f32). */
void ts_dequantize_s8_f32(double scale, int32_t zero_point, ts_cbuf in, ts_buf out /* float32 */,
                          int32_t channels, ts_window win);

/* QUANTIZE float32 -> int16 (TFLM's reference AffineQuantize): TfLiteRound(x / (float)scale)
 * + zero_point, the division and the rounding (half away from zero) in single precision,
 * clamped to [-32768, 32767] (a value beyond the int32 range saturates; NaN gives the zero
 * point). Element-wise over a window; int16 elements at any byte offset. */
void ts_quantize_f32_s16(double scale, int32_t zero_point, ts_cbuf in /* float32 */, ts_buf out /* int16 */,
                         int32_t channels, ts_window win);
/* DEQUANTIZE int16 -> float32: (float)(scale * (q - zero_point)), the product exact in double
 * and rounded once to float (the same float as TFLM's single-precision product of the float
 * scale and the exactly representable difference). Element-wise over a window. */
void ts_dequantize_s16_f32(double scale, int32_t zero_point, ts_cbuf in /* int16 */, ts_buf out /* float32 */,
                           int32_t channels, ts_window win);

/* Copies window `win` between two buffers of the same tensor (pixels row-major, each
 * pixel's pixel_bytes bytes in ascending order; element order for overlapping buffers). */
void ts_copy_window(ts_cbuf in, ts_buf out, int32_t pixel_bytes, ts_window win);
/* Copies `rows` rows of row_bytes bytes: row r from in + r * in_stride to
 * out + r * out_stride (strides in bytes, >= 0), rows in ascending order, each row's bytes
 * ascending (element order for overlapping buffers, as ts_copy_window; the generated code
 * calls this with the window's first bytes and strides worked out). */
void ts_copy_rows(const void* in, void* out, int32_t rows, int32_t row_bytes, int32_t in_stride,
                  int32_t out_stride);
/* Forward byte copy (RESHAPE): byte i read then written, in ascending order; does nothing
 * when in == out. */
void ts_copy_bytes(const void* in, void* out, size_t bytes);

/* ======================================================================================
 * Whole-tensor kernels.
 * ====================================================================================== */

/* FULLY_CONNECTED int8: out[b][o] = clamp(output_offset + MBQM(sum_d (w[o][d] + filter_offset)
 * * (in[b][d] + input_offset) + bias[o])). Unit: one batch row (reads in[b], writes out[b]).
 * scratch: NULL or out_depth bytes. */
typedef struct {
  int32_t batches, in_depth, out_depth;
  int32_t input_offset, filter_offset, output_offset;
  int32_t act_min, act_max;
  const int32_t* output_multiplier; /* [out_depth] when per_channel, else [1] */
  const int32_t* output_shift;
  int32_t per_channel;
} ts_fc_params;
size_t ts_fully_connected_s8_scratch_bytes(const ts_fc_params* p);
void ts_fully_connected_s8(const ts_fc_params* p, const int8_t* in, const int8_t* filter,
                           const int32_t* bias, int8_t* out, int8_t* scratch);
/* FULLY_CONNECTED int8 over a packed filter (fully_connected_dsp.c): the same bytes as
 * ts_fully_connected_s8 with the filter and bias the packing took. ts_fc_pack_s8 writes
 * ts_fc_packed_words(p) words from the filter ([out_depth][in_depth]), the bias (or NULL) and
 * p's input_offset (the other fields are not read) and returns 1, or returns 0 when the
 * filter cannot be packed (a filter offset, or weights whose sums could leave the packed
 * accumulators' range: then call ts_fully_connected_s8). The packing is target-independent
 * (done once, e.g. at code generation); ts_fully_connected_s8_packed runs on every target
 * (the DSP instructions emulated in C without the DSP extension). scratch: NULL or out_depth
 * bytes, as ts_fully_connected_s8; with an output sharing bytes with the input and no scratch
 * it keeps the portable order. */
size_t ts_fc_packed_words(const ts_fc_params* p);
int ts_fc_pack_s8(const ts_fc_params* p, const int8_t* filter, const int32_t* bias, int32_t* packed);
void ts_fully_connected_s8_packed(const ts_fc_params* p, const int8_t* in, const int32_t* packed,
                                  int8_t* out, int8_t* scratch);
/* FULLY_CONNECTED 16x8 (TFLM's int16 path): int16 input and output (2 bytes per element, any
 * byte alignment), int8 filter, per-tensor requantization only (output_multiplier[0] /
 * output_shift[0]; TFLM takes per-channel filters for int8 inputs only), an int64 accumulator,
 * an int64 bias or NULL, ts_multiply_by_quantized_multiplier_64, clamp; input_offset and
 * output_offset ignored. Scratch: NULL or ts_fully_connected_s16_scratch_bytes() (one row). */
size_t ts_fully_connected_s16_scratch_bytes(const ts_fc_params* p);
void ts_fully_connected_s16(const ts_fc_params* p, const int8_t* in, const int8_t* filter, const int64_t* bias,
                            int8_t* out, int8_t* scratch);

/* SOFTMAX int8 -> int8 (output zero point -128, scale 1/256), TFLM's reference: fixed-point
 * exp with diff_min cut-off. Unit: one row of `depth` elements. scratch: NULL or depth bytes. */
typedef struct {
  int32_t input_multiplier, input_left_shift, diff_min;
} ts_softmax_params;
void ts_softmax_s8(const ts_softmax_params* p, const int8_t* in, int8_t* out, int32_t rows,
                   int32_t depth, int8_t* scratch);
/* SOFTMAX int8 -> int16 (output scale 1/65536, zero point -32768; TFLM's reference Softmax
 * with an int16 output): as ts_softmax_s8 with 16 output bits. `out` holds int16 elements at
 * any byte offset. Unit: one row, read whole, then written; no scratch. */
void ts_softmax_s8_s16(const ts_softmax_params* p, const int8_t* in, int8_t* out, int32_t rows,
                       int32_t depth);

/* SOFTMAX int16 -> int16 (TFLM softmax.cc -> reference_ops::SoftmaxInt16; output scale 1/32768,
 * zero point 0): exp of the difference to the row maximum from a 513-entry table over [-10, 0]
 * (input_multiplier / input_left_shift: QuantizeMultiplier(input_scale * beta / (10 / 65535))),
 * summed, the reciprocal from a 513-entry 1/(1+x) table over [0, 1]. Both tables are TFLM's
 * gen_lut (computed by the operator layer on the host, never here). `in` / `out` hold int16
 * elements at any byte offset. Unit: one row: reads it whole, keeps the exps in its output row
 * and rescales them there; no scratch. */
typedef struct {
  int32_t input_multiplier, input_left_shift;
  const int16_t* exp_lut;                 /* 513 entries */
  const int16_t* one_over_one_plus_x_lut; /* 513 entries */
} ts_softmax_s16_params;
void ts_softmax_s16(const ts_softmax_s16_params* p, const int8_t* in, int8_t* out, int32_t rows, int32_t depth);

/* MEAN int8 over any set of axes of a tensor of rank <= TS_MAX_DIMS (TFLM's integer
 * mean): when input and output share scale and zero point (requantize == 0) the mean is
 * the raw sum divided by the count, truncating; otherwise (sum - count*input_zp) is
 * rescaled by a multiplier that folds in 1/count (TFLM's QuantizedMeanOrSum). Output
 * elements in row-major order of the kept axes. Unit: everything (reads all input,
 * then writes all output); with scratch (num outputs bytes) the output is computed there
 * first, without scratch each output element is written after its own reads. */
#define TS_MAX_DIMS 6
typedef struct {
  int32_t rank;
  int32_t dims[TS_MAX_DIMS];
  int32_t reduce[TS_MAX_DIMS]; /* 1: the axis is reduced */
  int32_t requantize;
  int32_t input_zero_point, output_zero_point;
  int32_t multiplier, shift; /* QuantizeMultiplier(input_scale / output_scale) */
} ts_mean_params;
size_t ts_mean_s8_scratch_bytes(const ts_mean_params* p);
void ts_mean_s8(const ts_mean_params* p, const int8_t* in, int8_t* out, int8_t* scratch);

/* TRANSPOSE of a rank <= TS_MAX_DIMS tensor of any element size:
 * out dims[i] = in dims[perm[i]]. Writes the output in row-major order. */
typedef struct {
  int32_t rank;
  int32_t in_dims[TS_MAX_DIMS];
  int32_t perm[TS_MAX_DIMS];
  int32_t elem_bytes;
} ts_transpose_params;
void ts_transpose(const ts_transpose_params* p, const void* in, void* out);

/* TRANSPOSE over a window of its output, for a tensor of rank <= 4 whose NHWC views (shape
 * padded with 1s at the front, see the conventions above) have batch 1 on both sides
 * (ts_transpose_windowable says whether p qualifies). The output window `win` (rows x
 * columns of the output's NHWC view, all channels) reads, in the input's NHWC view, the
 * rectangle ts_transpose_input_window gives: the view rows/columns an output row or column
 * axis maps onto are narrowed to it, every other axis is read whole (an input channel
 * axis is read only at the channels the window maps onto). `in` holds a window of the
 * input containing that rectangle, `out` a window of the output containing `win`; both
 * windows hold all channels. Element size p->elem_bytes (int8 or float32 buffers alike).
 * Same bytes as ts_transpose over the whole tensor, for any tiling. Access order: output
 * elements of `win` in row-major (y, x, c) order, each read then written (one unit reading
 * all it needs then writing `win` is a safe model of it). Example: perm {0,2,3,1} (NCHW ->
 * NHWC) maps output rows to input view columns (the input view is h=C, w=H, c=W), so
 * output rows [y0,y1) x columns [x0,x1) read input view rows [0,C) x columns [y0,y1), of
 * which channels [x0,x1). */
int ts_transpose_windowable(const ts_transpose_params* p);
ts_window ts_transpose_input_window(const ts_transpose_params* p, ts_window win);
void ts_transpose_window(const ts_transpose_params* p, ts_cbuf in, ts_buf out, ts_window win);

/* CONCATENATION (TFLM's int8 concatenation copies bytes; it does not rescale).
 * The tensors are viewed as [outer][axis][inner]; input i has axis size axis_sizes[i]. */
void ts_concatenation(const void* const* inputs, const int32_t* axis_sizes, int32_t num_inputs,
                      int32_t outer, int32_t inner_bytes, void* out);

/* ---- model-zoo operators: quantize uint8, reductions, resize bilinear, slicing, tiling ---- */

/* QUANTIZE uint8 -> int8 and int8 -> uint8 (TFLM quantize_common.cc -> reference_ops::Requantize):
 * out = clamp(output_zero_point + MBQM(in - input_zero_point, multiplier, shift)), with
 * multiplier/shift = QuantizeMultiplier(input_scale / output_scale) and zero points in the
 * types' own ranges (uint8: 0..255; TFLM Prepare computes the multiplier for these type pairs
 * from the float scales widened to double). The clamp is the output type's range narrowed to
 * [act_min, act_max] (pass the type's range: QUANTIZE has no activation). TFLM's shortcut
 * for multiplier 2^30, shift 1 and zero points 128 apart (in ^ 0x80) gives the same bytes as
 * this formula (MBQM(x, 2^30, 1) == x), so it needs no case of its own. Element-wise over a
 * window, `in` / `out` holding 1-byte elements (uint8 stored in the int8_t buffers). Access
 * order: elements of `win` in row-major (y, x, c) order, each read then written. */
void ts_requantize_u8_s8(const ts_requant_params* p, ts_cbuf in /* uint8 */, ts_buf out,
                         int32_t channels, ts_window win);
void ts_requantize_s8_u8(const ts_requant_params* p, ts_cbuf in, ts_buf out /* uint8 */,
                         int32_t channels, ts_window win);
/* DEQUANTIZE uint8 -> float32: reference_ops::Dequantize's (float)(scale * (q - zero_point)),
 * computed as ts_dequantize_s8_f32 does (exact double product rounded once to float). Note: TFLM's dequantize_common.cc Prepare accepts only int8
 * and int16 inputs (a uint8 DEQUANTIZE fails there); TensorFlow Lite's reference accepts uint8
 * with this formula. Same access order. */
void ts_dequantize_u8_f32(double scale, int32_t zero_point, ts_cbuf in /* uint8 */,
                          ts_buf out /* float32 */, int32_t channels, ts_window win);

/* REDUCE_MAX and REDUCE_MIN int8 over any set of axes of a tensor of rank <= TS_MAX_DIMS (TFLM
 * reduce_common.cc EvalMaxHelper / EvalMinHelper -> reference_ops::ReduceGeneric). TFLM's int8
 * path insists that input and output share scale and zero point (it fails otherwise), so
 * nothing is rescaled: the operator layer must reject differing quantization. keep_dims does not
 * change the bytes. Output elements in row-major order of the kept axes; an output whose reduced
 * extent is empty holds ReduceGeneric's initial value (-128 for max, 127 for min). Unit:
 * everything, as ts_mean_s8: with scratch (ts_reduce_s8_scratch_bytes: one byte per output)
 * reads all input, then writes all output; without, each output element is written after its
 * own reads (and before the next element's reads). */
typedef struct {
  int32_t rank;
  int32_t dims[TS_MAX_DIMS];
  int32_t reduce[TS_MAX_DIMS]; /* 1: the axis is reduced */
} ts_reduce_params;
size_t ts_reduce_s8_scratch_bytes(const ts_reduce_params* p);
void ts_reduce_max_s8(const ts_reduce_params* p, const int8_t* in, int8_t* out, int8_t* scratch);
void ts_reduce_min_s8(const ts_reduce_params* p, const int8_t* in, int8_t* out, int8_t* scratch);

/* RESIZE_BILINEAR int8 (TFLM resize_bilinear.cc -> reference_ops::ResizeBilinearInteger, the
 * default double-rounding build), a spatial kernel over the output window `win` (global
 * coordinates, all channels; p->elem_bytes must be 1). Output (y, x, c) blends input pixels
 * (y0|y1, x0|x1) with weights in 1/1024ths: with Y = ts_resize_bilinear_source(y, ...) (the
 * scaled position in 1/1024ths), y0 = max(Y / 1024, 0), y1 = min(ceil(Y / 1024), in - 1) (C
 * division, truncating), weights 1024 - (Y - 1024 * y0) and Y - 1024 * y0 (likewise for x);
 * the sum of the four products (input * wy * wx) is divided by 2^20 rounding half away from
 * zero. Scales: (1024 * in + out / 2) / out, or with align_corners and out > 1
 * (1024 * (in - 1) + (out - 1) / 2) / (out - 1); half_pixel_centers: Y = y * scale + scale / 2
 * - 512, else Y = y * scale. `in` must hold input rows ts_resize_bilinear_input_range(win.y0,
 * win.y1, in_h, ...) x columns likewise (all channels). Access order: output pixels of `win`
 * row-major; pixel i reads its four input pixels, then is written (with a scratch of
 * ts_resize_bilinear_s8_scratch_bytes() it is computed there first and copied after its
 * reads). */
void ts_resize_bilinear_source(int32_t out_index, int32_t in_size, int32_t out_size,
                               int32_t align_corners, int32_t half_pixel_centers,
                               int32_t* scaled_10, int32_t* lower, int32_t* upper);
/* Input rows (or columns) [*first, *end) that output rows [o0, o1) (o0 < o1) read. */
void ts_resize_bilinear_input_range(int32_t o0, int32_t o1, int32_t in_size, int32_t out_size,
                                    int32_t align_corners, int32_t half_pixel_centers,
                                    int32_t* first, int32_t* end);
/* 1 when TFLM's arithmetic stays defined and inside the input for every output pixel of p: the
 * int32 products y * scale do not overflow and every y0 / x0 is below in_h / in_w. Some large
 * upscalings break the latter, with or without flags: 1 -> 55 rows has the rounded scale
 * 19/1024, which puts output row 54 at 1026/1024, so TFLM reads row 1 of a 1-row input. The
 * operator layer must reject a layer for which this is 0. */
int ts_resize_bilinear_in_bounds(const ts_resize_params* p);
size_t ts_resize_bilinear_s8_scratch_bytes(const ts_resize_params* p);
void ts_resize_bilinear_s8(const ts_resize_params* p, ts_cbuf in, ts_buf out, ts_window win,
                           int8_t* scratch);

/* STRIDED_SLICE and SLICE of a tensor of rank <= TS_SLICE_MAX_DIMS, any element size: output
 * element (i0, .., i{r-1}) (row-major over count[]) is input element
 * (start[0] + i0 * stride[0], ..., start[r-1] + i{r-1} * stride[r-1]) (row-major over in_dims).
 * Access order: output elements in row-major order, each read then written (a run of stride-1
 * elements along the last axis is one memmove: read whole, then written). */
#define TS_SLICE_MAX_DIMS 5
typedef struct {
  int32_t rank;
  int32_t in_dims[TS_SLICE_MAX_DIMS];
  int32_t start[TS_SLICE_MAX_DIMS];  /* first input index read along the axis */
  int32_t stride[TS_SLICE_MAX_DIMS]; /* non-zero, may be negative */
  int32_t count[TS_SLICE_MAX_DIMS];  /* output elements along the axis, >= 0 */
  int32_t elem_bytes;                /* 1, 2 or 4 (any size works) */
} ts_slice_params;
void ts_slice(const ts_slice_params* p, const void* in, void* out);

/* STRIDED_SLICE's operands as the model gives them: `num` entries of begin / end / strides and
 * the builtin options. */
typedef struct {
  int32_t num;
  const int32_t* begin;
  const int32_t* end;
  const int32_t* strides;
  int32_t begin_mask, end_mask, ellipsis_mask, new_axis_mask, shrink_axis_mask;
  int32_t offset; /* 1: end[i] is relative to the resolved begin (TFLite's `offset`) */
} ts_strided_slice_spec;
/* Resolves a STRIDED_SLICE into ts_slice_params the way TensorFlow Lite does
 * (tensorflow/lite/kernels/strided_slice.cc BuildStridedSliceParams: an ellipsis expands to whole
 * axes, a new axis adds an input axis of size 1, axes past `num` are whole; then
 * strided_slice_logic.h StridedSliceStartForAxis / StridedSliceEndForAxis per axis: negative
 * indices count from the end, clamped to [0, n] (stride > 0) or [-1, n - 1] (stride < 0), masks
 * take the whole range, a shrunk axis takes one element, `offset` adds the resolved start to
 * end). With ellipsis_mask = new_axis_mask = offset = 0 this is TFLM's strided_slice.cc
 * (which ignores those three fields and allows rank <= 4: pass 0 for TFLM parity). Sets *p
 * (rank = input rank + new axes) and the output shape *out_rank / out_dims[TS_SLICE_MAX_DIMS]
 * (the counts without the shrunk axes). Returns 1, or 0 for a slice TFLite rejects or would
 * write wrongly: rank > 5 (effective), a zero stride, an axis index past the input, or a shrunk
 * axis that selects no element (start past the end, or a negative stride: TFLite's loop then
 * writes nothing). For offset = 1 TFLite sizes the output from end[] alone; compare out_dims
 * with the model's output shape. */
int ts_strided_slice_resolve(const ts_strided_slice_spec* s, int32_t in_rank, const int32_t* in_dims,
                             int32_t elem_bytes, ts_slice_params* p, int32_t* out_rank,
                             int32_t* out_dims);
/* SLICE (TFLM slice.cc): start = begin[i], count = size[i], or in_dims[i] - begin[i] for
 * size -1, stride 1. Returns 0 for rank > 5 or a begin / size outside the input. */
int ts_slice_resolve(int32_t rank, const int32_t* in_dims, const int32_t* begin, const int32_t* size,
                     int32_t elem_bytes, ts_slice_params* p);

/* TILE of a tensor of rank <= TS_SLICE_MAX_DIMS, any element size (TensorFlow Lite 2.9
 * tensorflow/lite/kernels/tile.cc; TFLM has no TILE): out dims[i] = in_dims[i] * multiples[i],
 * output element (o0, ..) = input element (o0 % in_dims[0], ..). Access order: output elements in
 * row-major order, each read (from the input) then written; the output must not share bytes
 * with the input. */
typedef struct {
  int32_t rank;
  int32_t in_dims[TS_SLICE_MAX_DIMS];
  int32_t multiples[TS_SLICE_MAX_DIMS]; /* >= 0 */
  int32_t elem_bytes;
} ts_tile_params;
void ts_tile(const ts_tile_params* p, const void* in, void* out);

/* SPLIT, SPLIT_V and UNPACK (TFLM split.cc, split_v.cc, unpack.cc): the input viewed as
 * [outer][axis][inner], output i takes axis_sizes[i] consecutive axis entries of every outer
 * index (UNPACK: every axis size 1, the outputs dropping that axis; SPLIT: equal sizes;
 * SPLIT_V: the given sizes, a -1 resolved by the caller). PACK is ts_concatenation with every
 * axis size 1. Access order: the input's bytes in ascending order: for each outer index, the outputs'
 * slabs in output order, each slab read whole then written (memmove). */
void ts_split(const void* in, void* const* outputs, const int32_t* axis_sizes, int32_t num_outputs,
              int32_t outer, int32_t inner_bytes);

/* LOG_SOFTMAX int8 -> int8 over the last axis (TFLM log_softmax.cc -> reference_ops
 * LogSoftmaxQuantized; output scale 16/256, zero point 127, which the operator layer must check
 * as TFLM does). Per row: the row maximum; the sum of fixed-point exp(scaled diff) over the
 * diffs >= diff_min (Q12); log of it (gemmlowp's log_x_for_x_greater_than_or_equal_to_1, Q5);
 * output 127 + (scaled diff - log) / 2^22 rounded, clamped, or -128 for a diff at or below
 * max(diff_min - 1, MBQM(log + INT32_MIN, reverse_scaling_divisor, -reverse_scaling_right_shift)).
 * Unit: one row of `depth` elements; element c is read for the last time just before output c
 * is written (in place is fine). scratch: NULL or depth bytes (the row computed there, then
 * copied). */
typedef struct {
  int32_t input_multiplier, input_left_shift;
  int32_t reverse_scaling_divisor, reverse_scaling_right_shift; /* as TFLM's OpData: >= 0 */
  int32_t diff_min;
} ts_log_softmax_params;
/* TFLM's Prepare (PreprocessLogSoftmaxScalingExp with beta 1 and 5 integer bits, then
 * CalculateInputRadius) from the input scale (the float widened to double). Returns 1, or 0
 * where TFLM's checks fail (input_scale * 2^26 <= 1, i.e. a scale below about 1.5e-8, or not a
 * positive finite number). */
int ts_log_softmax_prepare(double input_scale, ts_log_softmax_params* p);
void ts_log_softmax_s8(const ts_log_softmax_params* p, const int8_t* in, int8_t* out,
                       int32_t rows, int32_t depth, int8_t* scratch);
/* LOG_SOFTMAX float32 over the last axis (TFLM reference_ops::LogSoftmax for float): per row,
 * max, the float sum of expf(x - max) in element order, log_sum = logf(sum), out = x - max -
 * log_sum. Unit: one row (all reads, then the writes; in place is fine); buffers at any byte
 * alignment (memcpy accesses, as every float kernel). The bytes are TFLM's
 * where the C library's expf / logf agree with the one TFLM was built with. */
void ts_log_softmax_f32(const void* in /* float32 */, void* out /* float32 */, int32_t rows, int32_t depth);

/* ---- element-wise and rearrangement operators ---- */
/* Element-wise kernels as above: the output window `win` (all `channels` channels) in row-major
 * (y, x, c) order, each element's inputs read then the element written. Binary kernels read
 * their operands through ts_operand (broadcasting by zero strides, as ts_add_s8). The
 * *_prepare functions compute a kernel's parameters from scales and zero points with the
 * float/double expressions of TFLM's Prepare; they return 0, or -1 when TFLM's Prepare would
 * reject the parameters or its arithmetic would be undefined (then *p is unspecified). */

/* ======================================================================================
 * UNIDIRECTIONAL_SEQUENCE_LSTM (TFLM unidirectional_sequence_lstm.cc, lstm_eval.h: the
 * standard LSTM without peephole, projection, layer norm or CIFG). 8x8->16: int8 input,
 * output and hidden state, int8 weights, int32 biases; 16x8->16: int16 input, output and
 * hidden state, int8 weights, int64 biases. The cell state is int16 in both.
 * Per time step and gate g (forget, input, cell, output):
 *   fc_in  = FC(x_t, input weights, bias)     int16 (saturated), scale 2^-12
 *   fc_rec = FC(h, recurrent weights, none)   int16 (saturated), scale 2^-12
 *   gate   = activation(saturating int16 add)  sigmoid, or the cell gate's tanh/sigmoid
 * then c = sat(mul(forget, c) + mul(input, cell_gate)), clipped to +-cell_clip unless -1,
 * h = mul(tanh(c), output) in the hidden state's quantization, and output[t] = h. FC is
 * reference_integer_ops::FullyConnected (int32 accumulator with offsets for int8 input; int64
 * accumulator, no input offset, 64-bit MultiplyByQuantizedMultiplier for int16 input); mul is
 * reference_integer_ops::MulElementwise; sigmoid and tanh are the int16 reference Logistic and
 * Tanh (256-entry table). Layout: batch-major input [B, T, n_input] / output [B, T, n_state],
 * or time-major [T, B, ...]; states [B, n_state]. Each state element's new value depends only
 * on the old hidden state, so the kernel computes the new hidden state of a step into that
 * step's output rows and copies it to the hidden state after the step: no scratch (TFLM's four
 * gate buffers are not needed). Access order: per step, reads input[t] and the states, writes
 * output[t] and the states; the output must not overlap the input or the states. int16 data
 * (cell state, int16 activations) is read and written through memcpy (any alignment). */
typedef struct {
  const int8_t* input_weights;     /* [n_state, n_input] */
  const int8_t* recurrent_weights; /* [n_state, n_state] */
  const int32_t* bias32;           /* 8x8->16: [n_state] or NULL */
  const int64_t* bias64;           /* 16x8->16: [n_state] or NULL */
  int32_t input_filter_offset, recurrent_filter_offset; /* -weights zero points */
  int32_t input_multiplier, input_shift;         /* input scale * weights scale / 2^-12 */
  int32_t recurrent_multiplier, recurrent_shift; /* hidden scale * weights scale / 2^-12 */
} ts_lstm_gate;

enum { TS_LSTM_FORGET = 0, TS_LSTM_INPUT = 1, TS_LSTM_CELL = 2, TS_LSTM_OUTPUT = 3 };

typedef struct {
  int32_t batches, time_steps, n_input, n_state;
  int32_t time_major;     /* 1: input [T, B, n_input] */
  int32_t s16;            /* 1: int16 activations (16x8->16) */
  int32_t input_offset;   /* -input zero point (int8 only) */
  int32_t hidden_offset;  /* -hidden state zero point (int8 only: the recurrent FC's input offset) */
  int32_t hidden_zero_point;
  int32_t cell_gate_sigmoid; /* the cell gate's activation: 0 tanh, 1 sigmoid */
  ts_lstm_gate gate[4];
  int32_t forget_multiplier, forget_shift; /* forget (2^-15) x cell -> cell */
  int32_t input_multiplier, input_shift;   /* input (2^-15) x cell gate (2^-15) -> cell */
  int32_t hidden_multiplier, hidden_shift; /* tanh(c) (2^-15) x output (2^-15) -> hidden */
  /* TFLM Tanh's input_multiplier and input_left_shift for the cell state (scale 2^p):
   * shift = 15 + p - 3; when negative, multiplier 3 and shift -shift, else multiplier 0 */
  int32_t cell_tanh_multiplier, cell_tanh_shift;
  int32_t cell_clip; /* quantized cell clip (>= 0; 0 clips to 0), -1: none */
} ts_lstm_params;

void ts_lstm(const ts_lstm_params* p, const int8_t* input, int8_t* output, int8_t* hidden_state,
             int8_t* cell_state);
/* Its DSP path (the gates' FCs by SMLAD: int8 two gates' rows per pass over the input, 16x8 by
 * dsp_dot16.h; same bytes) and the portable loops; ts_lstm dispatches as ts_fully_connected_s8. */
void ts_lstm_dsp(const ts_lstm_params* p, const int8_t* input, int8_t* output, int8_t* hidden_state,
                 int8_t* cell_state);
void ts_lstm_portable(const ts_lstm_params* p, const int8_t* input, int8_t* output, int8_t* hidden_state,
                      int8_t* cell_state);
/* TFLM's int16 Logistic and Tanh (reference_integer_ops, input_multiplier 0 means the power of
 * two case 3 << input_left_shift), one value; exposed for tests. */
int16_t ts_logistic_s16_value(int16_t x, int32_t input_multiplier, int32_t input_left_shift);
int16_t ts_tanh_s16_value(int16_t x, int32_t input_multiplier, int32_t input_left_shift);

/* LOGISTIC and TANH int16 (TFLM logistic.cc / tanh.cc int16 paths, reference_integer_ops
 * Logistic / Tanh): zero points 0, output scale 2^-15. Prepare: TFLM's input_multiplier and
 * input_left_shift (input_multiplier 0 when the input scale is 2^-12, or for TANH
 * (tanh_pot_shift_one 1) also 2^-11; else the scale times 3 * 4096 doubled into (2^14, 2^15));
 * zero points and radius set to 0. Returns 1 when the input scale is too large for the
 * table's argument, 2 when the output scale is not 2^-15, else 0. The kernels are element-wise
 * over a window of int16 elements (any alignment), in place. */
int ts_sigmoid_s16_prepare(float input_scale, float output_scale, int tanh_pot_shift_one,
                           ts_logistic_params* p);
void ts_logistic_s16(const ts_logistic_params* p, ts_cbuf in, ts_buf out, int32_t channels, ts_window win);
void ts_tanh_s16(const ts_logistic_params* p, ts_cbuf in, ts_buf out, int32_t channels, ts_window win);

/* TFLM's QuantizeMultiplier (frexp, round half away from zero, Q31, renormalised when the
 * mantissa rounds to 1, zero below 2^-32): shift > 0 is a left shift. */
void ts_quantize_multiplier(double real, int32_t* multiplier, int* shift);

/* SUB int8 (TFLM sub.cc, reference_ops::Sub / BroadcastQuantSubSlow): ADD's arithmetic with the
 * rescaled second input subtracted. Parameters as ts_add_params (left_shift 20). SUB and
 * SQUARED_DIFFERENCE rescale the inputs of windows of 1,024 elements or more through two
 * 256-entry tables (2 KiB of stack), the same values in the same access order. */
int ts_sub_s8_prepare(float input1_scale, int32_t input1_zero_point, float input2_scale,
                      int32_t input2_zero_point, float output_scale, int32_t output_zero_point,
                      int32_t act_min, int32_t act_max, ts_add_params* p);
void ts_sub_s8(const ts_add_params* p, ts_operand a, ts_operand b, ts_buf out, int32_t channels,
               ts_window win);
/* SUB int16 (TFLM sub.cc's int16 path): the same arithmetic with left_shift 15, int16 operands
 * and output (element strides, any byte alignment), zero points 0; no tables. */
int ts_sub_s16_prepare(float input1_scale, float input2_scale, float output_scale, int32_t act_min, int32_t act_max,
                       ts_add_params* p);
void ts_sub_s16(const ts_add_params* p, ts_operand a, ts_operand b, ts_buf out, int32_t channels, ts_window win);

/* SQUARED_DIFFERENCE int8 (TFLM squared_difference.cc): both inputs rescaled as ADD's (left
 * shift 7), the difference squared, then MultiplyByQuantizedMultiplier by the output
 * multiplier (which may exceed 1). Parameters in ts_add_params (act range -128..127). */
int ts_squared_difference_s8_prepare(float input1_scale, int32_t input1_zero_point,
                                     float input2_scale, int32_t input2_zero_point,
                                     float output_scale, int32_t output_zero_point,
                                     ts_add_params* p);
void ts_squared_difference_s8(const ts_add_params* p, ts_operand a, ts_operand b, ts_buf out,
                              int32_t channels, ts_window win);
/* SUB and SQUARED_DIFFERENCE with their tables in a caller's workspace, as ts_add_s8_ws
 * (ts_sub_s8_workspace_bytes for both). */
size_t ts_sub_s8_workspace_bytes(int32_t channels, ts_window win);
void ts_sub_s8_ws(const ts_add_params* p, ts_operand a, ts_operand b, ts_buf out, int32_t channels,
                  ts_window win, void* workspace);
void ts_squared_difference_s8_ws(const ts_add_params* p, ts_operand a, ts_operand b, ts_buf out,
                                 int32_t channels, ts_window win, void* workspace);

/* MAXIMUM / MINIMUM int8 (TFLM maximum_minimum.cc): the larger / smaller raw byte (TFLM does not
 * rescale; the operator layer requires equal quantization). No parameters, no Prepare. */
void ts_maximum_s8(ts_operand a, ts_operand b, ts_buf out, int32_t channels, ts_window win);
void ts_minimum_s8(ts_operand a, ts_operand b, ts_buf out, int32_t channels, ts_window win);

/* PRELU int8 (TFLM prelu.cc, reference_ops::BroadcastPrelu4DSlow): v = input_offset + x;
 * v >= 0: MBQM(v, output_multiplier_1, output_shift_1); else
 * MBQM(v * (alpha_offset + alpha), output_multiplier_2, output_shift_2); plus output_offset,
 * clamped to int8. `a` is the input, `b` the alpha operand (usually broadcast over y and x);
 * an element reads its alpha only when v < 0. */
typedef struct {
  int32_t input_offset, alpha_offset; /* -zero points */
  int32_t output_offset;              /* output zero point */
  int32_t output_multiplier_1, output_shift_1; /* input_scale / output_scale */
  int32_t output_multiplier_2, output_shift_2; /* input_scale * alpha_scale / output_scale */
} ts_prelu_params;
int ts_prelu_s8_prepare(float input_scale, int32_t input_zero_point, float alpha_scale,
                        int32_t alpha_zero_point, float output_scale, int32_t output_zero_point,
                        ts_prelu_params* p);
void ts_prelu_s8(const ts_prelu_params* p, ts_operand a, ts_operand b, ts_buf out,
                 int32_t channels, ts_window win);

/* Unary kernels below: `in` holds a window containing `win` of a tensor with `channels`
 * channels, `out` likewise (they may be the same buffer). */

/* LEAKY_RELU int8 (TFLM leaky_relu.cc, reference_ops::QuantizeLeakyRelu): v = x - input_zp;
 * output_zp + MBQM(v, identity) for v >= 0, MBQM(v, alpha) otherwise, clamped to int8. */
typedef struct {
  int32_t input_zero_point, output_zero_point;
  int32_t multiplier_alpha, shift_alpha;       /* input_scale * alpha / output_scale (float) */
  int32_t multiplier_identity, shift_identity; /* input_scale / output_scale (float) */
} ts_leaky_relu_params;
int ts_leaky_relu_s8_prepare(float input_scale, int32_t input_zero_point, float output_scale,
                             int32_t output_zero_point, float alpha, ts_leaky_relu_params* p);
void ts_leaky_relu_s8(const ts_leaky_relu_params* p, ts_cbuf in, ts_buf out, int32_t channels,
                      ts_window win);

/* ABS int8 (TFLM elementwise.cc AbsEvalQuantized): |x - input_zp|, rescaled by MBQM when the
 * scales differ (needs_rescale), plus output_zp, clamped to int8. */
typedef struct {
  int32_t input_zero_point, output_zero_point;
  int32_t needs_rescale; /* input_scale != output_scale */
  int32_t multiplier, shift;
} ts_abs_params;
int ts_abs_s8_prepare(float input_scale, int32_t input_zero_point, float output_scale,
                      int32_t output_zero_point, ts_abs_params* p);
void ts_abs_s8(const ts_abs_params* p, ts_cbuf in, ts_buf out, int32_t channels, ts_window win);

/* RSQRT int8 (TFLM elementwise.cc RsqrtEvalQuantized): v = x - input_zp; v == 0 gives 127;
 * else 1/sqrt(v) by GetInvSqrtQuantizedMultiplierExp, then two MBQMs (shift 20). TFLM's Eval
 * fails on an input below its zero point: the kernel computes those elements as TFLM's
 * arithmetic would (v <= 1 as 1) and returns how many there were, so the caller can fail. */
typedef struct {
  int32_t input_zero_point, output_zero_point;
  int32_t multiplier, shift; /* 1 / (sqrt(input_scale) * output_scale) */
} ts_rsqrt_params;
int ts_rsqrt_s8_prepare(float input_scale, int32_t input_zero_point, float output_scale,
                        int32_t output_zero_point, ts_rsqrt_params* p);
int32_t ts_rsqrt_s8(const ts_rsqrt_params* p, ts_cbuf in, ts_buf out, int32_t channels,
                    ts_window win);

/* TANH int8 (TFLM tanh.cc, reference_integer_ops::Tanh; output scale 1/128, zero point 0):
 * inputs beyond the range radius give -128 / 127, others MBQM to Q4.27, gemmlowp's fixed-point
 * tanh, rounding shift by 24. Parameters as LOGISTIC's (ts_logistic_params). */
int ts_tanh_s8_prepare(float input_scale, int32_t input_zero_point, ts_logistic_params* p);
void ts_tanh_s8(const ts_logistic_params* p, ts_cbuf in, ts_buf out, int32_t channels,
                ts_window win);

/* A 256-entry table lookup: out = table[(uint8_t)x]. ELU int8 (TFLM elu.cc) runs on the table
 * ts_elu_s8_table builds with TFLM's float expressions (expf, roundf). Every unary kernel above
 * is a function of the input byte: run once over an input holding the bytes (int8_t)i for
 * i = 0..255 in that order (e.g. a 1 x 1 x 256 window), it writes the table with which ts_lut_s8
 * produces its bytes. */
void ts_elu_s8_table(float input_scale, int32_t input_zero_point, float output_scale,
                     int32_t output_zero_point, int8_t table[256]);
void ts_lut_s8(const int8_t table[256], ts_cbuf in, ts_buf out, int32_t channels, ts_window win);

/* SUM int8 over any set of axes (TFLM reduce.cc EvalSum -> reference_ops::QuantizedMeanOrSum with
 * compute_sum): out = clamp(output_zp + MBQM(sum - count * input_zp, multiplier, shift)), the
 * multiplier QuantizeMultiplier(input_scale / output_scale) (no 1/count folded in, unlike MEAN).
 * Parameters in ts_mean_params (`requantize` unused). Output elements in row-major order of the
 * kept axes; unit, scratch and access order as ts_mean_s8. */
int ts_sum_s8_prepare(float input_scale, int32_t input_zero_point, float output_scale,
                      int32_t output_zero_point, ts_mean_params* p);
size_t ts_sum_s8_scratch_bytes(const ts_mean_params* p);
void ts_sum_s8(const ts_mean_params* p, const int8_t* in, int8_t* out, int8_t* scratch);

/* ARG_MAX / ARG_MIN over one axis of an int8 tensor viewed as [outer][axis_size][inner] (TFLM
 * arg_min_max.cc, reference_ops::ArgMinMax: strict comparison, so the first index of the extreme
 * value wins a tie). out: outer * inner indices of out_bytes bytes each (4: int32, 8: int64),
 * stored with memcpy (no alignment needed). Output elements in (outer, inner) order, each written
 * after the axis_size reads it needs; `out` must not overlap `in`. */
void ts_arg_min_max_s8(const int8_t* in, int32_t outer, int32_t axis_size, int32_t inner,
                       int32_t is_arg_max, int32_t out_bytes, void* out);

/* DEPTH_TO_SPACE and SPACE_TO_DEPTH (TFLM depth_to_space.cc / space_to_depth.cc, reference_ops
 * DepthToSpace / SpaceToDepth), batch 1, any element size, as window kernels. DEPTH_TO_SPACE:
 * output (y, x, c) = input (y / b, x / b, ((y % b) * b + x % b) * out_c + c); SPACE_TO_DEPTH:
 * output (y, x, ((dy * b) + dx) * in_c + c) = input (y * b + dy, x * b + dx, c). `in` holds the
 * input window the *_input_window function gives for `win` (all channels). Access order: output
 * pixels of `win` row-major; a pixel's elements in ascending channel order, copied in runs (one
 * run for DEPTH_TO_SPACE, b * b runs of in_c elements for SPACE_TO_DEPTH), each run read then
 * written (memmove), all of pixel i before pixel i + 1. */
typedef struct {
  int32_t in_h, in_w, in_c;
  int32_t out_h, out_w, out_c;
  int32_t block_size;
  int32_t elem_bytes;
} ts_space_depth_params;
ts_window ts_depth_to_space_input_window(const ts_space_depth_params* p, ts_window win);
void ts_depth_to_space(const ts_space_depth_params* p, ts_cbuf in, ts_buf out, ts_window win);
ts_window ts_space_to_depth_input_window(const ts_space_depth_params* p, ts_window win);
void ts_space_to_depth(const ts_space_depth_params* p, ts_cbuf in, ts_buf out, ts_window win);

/* MIRROR_PAD (TFLM mirror_pad.cc; REFLECT offset 1, SYMMETRIC offset 0) over one output window,
 * batch 1, any element size: output (y, x, c) = input (src(y), src(x), src(c)) with src the
 * per-axis GetInputDimension (ts_mirror_pad_source). `in` holds ts_mirror_pad_input_window(win)
 * (the bounding rows and columns of the sources). Access order and scratch as ts_pad: output
 * pixels row-major, unit i reads input pixel (src(y), src(x)); without scratch (NULL) a pixel's
 * elements are read and written one by one in ascending channel order (the whole pixel at once,
 * read then written, when the channels are not padded), with a scratch of
 * ts_mirror_pad_scratch_bytes() the pixel is built there and copied after its reads. */
typedef struct {
  int32_t in_h, in_w, in_c;
  int32_t out_h, out_w, out_c;
  int32_t pad_top, pad_left, pad_c; /* padding before, per axis */
  int32_t offset;                   /* 1: REFLECT, 0: SYMMETRIC */
  int32_t elem_bytes;
} ts_mirror_pad_params;
int32_t ts_mirror_pad_source(int32_t index, int32_t pad_before, int32_t in_size, int32_t offset);
ts_window ts_mirror_pad_input_window(const ts_mirror_pad_params* p, ts_window win);
size_t ts_mirror_pad_scratch_bytes(const ts_mirror_pad_params* p);
void ts_mirror_pad(const ts_mirror_pad_params* p, ts_cbuf in, ts_buf out, ts_window win,
                   int8_t* scratch);

/* GATHER (TFLM gather.cc): params viewed as [batches][outer][axis_size][inner_bytes], indices as
 * [batches][num_indices] (batches: the product of the first batch_dims axes);
 * out[b][o][k] = params[b][o][indices[b][k]] for k < num_indices. Indices int32 (index_bytes 4)
 * or int64 (8; TFLM's GATHER takes int32 only, tessera folds int64 ones at load time), read with
 * memcpy. Returns 0, or -1 at the first index outside [0, axis_size), as TFLM's Eval fails
 * there (rows before it written). Access order: output rows in (b, o, k) order, each reading
 * its index, then its input row (memmove), before the next row. */
int32_t ts_gather(const void* params, int32_t batches, int32_t outer, int32_t axis_size, int32_t inner_bytes,
                  const void* indices, int32_t index_bytes, int32_t num_indices, void* out);

/* NEG float32 (TFLM neg.cc, reference_ops::Negate; TFLM's NEG takes float32 only): out = -in,
 * the IEEE sign bit flipped (what negating a float does, NaNs and zeros included), loads and
 * stores with memcpy. Element-wise over a window; access order: elements of the window in
 * row-major (y, x, c) order, each read then written. */
void ts_neg_f32(ts_cbuf in /* float32 */, ts_buf out /* float32 */, int32_t channels, ts_window win);

/* SPACE_TO_BATCH_ND and BATCH_TO_SPACE_ND of rank 4 (rank 3 as width 1, block_w 1), TFLM
 * space_to_batch_nd.cc / batch_to_space_nd.cc (reference_ops SpaceToBatchND / BatchToSpaceND),
 * any element size, NHWC with batches. SPACE_TO_BATCH: output pixel (b, y, x) with
 * i = b % in_b, shift = b / in_b, sy = y * block_h + shift / block_w - pad_top,
 * sx = x * block_w + shift % block_w - pad_left copies input pixel (i, sy, sx), or pad_value
 * where that lies outside the input (TFLM's pad value is its params' output_offset, which its
 * Prepare leaves unset; the output zero point is TFLite's). Output pixels in (b, y, x) order,
 * each read then written. BATCH_TO_SPACE: input pixel (b, y, x) with s = b / out_b goes to output
 * (b % out_b, y * block_h + s / block_w - crop_top, x * block_w + s % block_w - crop_left) unless
 * that is cropped away; input pixels in (b, y, x) order, each read then written. */
typedef struct {
  int32_t in_b, in_h, in_w;
  int32_t out_b, out_h, out_w;
  int32_t depth; /* elements per pixel */
  int32_t block_h, block_w;
  int32_t pad_top, pad_left; /* SPACE_TO_BATCH: paddings before; BATCH_TO_SPACE: crops before */
  int32_t elem_bytes;
  int8_t pad_value;
} ts_batch_space_params;
void ts_space_to_batch_nd(const ts_batch_space_params* p, const void* in, void* out);
void ts_batch_to_space_nd(const ts_batch_space_params* p, const void* in, void* out);

/* ======================================================================================
 * DSP-structured variants and the portable loops, callable on every target.
 * The public ts_conv2d_s8, ts_depthwise_conv2d_s8 and ts_fully_connected_s8 call the *_dsp
 * variants when compiled for a Cortex-M with the DSP extension (__ARM_FEATURE_DSP) unless
 * TS_NO_DSP is defined, and the *_portable loops otherwise. On a target without the DSP
 * extension (or with TS_FORCE_DSP_EMULATION) the *_dsp variants run over C emulations of
 * the ACLE intrinsics (kernels/src/arm_dsp.h), so the host tests check the same code the
 * device runs. Same contract and output bytes. Access order: ts_conv2d_s8_dsp computes output
 * pixels in blocks of up to four consecutive pixels (row-major), reading all of a block's
 * inputs before writing any of its outputs, whatever the output buffer shares with the input
 * (reads earlier and writes later than the portable order, which the contract allows);
 * ts_depthwise_conv2d_s8_dsp, when the buffers share bytes, computes groups of whole window
 * rows, or runs of pixels of one row, into a stack buffer before storing them (all reads of a
 * group before its writes; groups, runs and the pixels between them in the portable order);
 * ts_fully_connected_s8_dsp keeps the portable order whenever the output buffer shares a byte
 * with the input buffer. ts_conv2d_s8_dsp uses about 3.0 KB of stack (its im2col column,
 * TS_CONV_DSP_COL_MAX in conv_dsp.c), ts_depthwise_conv2d_s8_dsp about 3.0 KB (TS_DW_OVL_BYTES
 * and TS_DW_RUN in depthwise_conv_dsp.c); their *_dsp_ws variants take the column and the
 * staging buffer, tables and sums (2,432 and 2,560 bytes at most) from the caller's workspace instead, ts_fully_connected_s8_dsp about 250 bytes (its loop
 * state and the assembly loop's saved registers), ts_fully_connected_s8_packed_dsp about 230. Unaligned 32-bit loads of int8 data (allowed on
 * ARMv7E-M unless CCR.UNALIGN_TRP is set).
 * ====================================================================================== */
void ts_conv2d_s8_dsp(const ts_conv_params* p, ts_cbuf in, const int8_t* filter,
                      const int32_t* bias, ts_buf out, ts_window win, int8_t* scratch);
void ts_conv2d_s8_portable(const ts_conv_params* p, ts_cbuf in, const int8_t* filter,
                           const int32_t* bias, ts_buf out, ts_window win, int8_t* scratch);
void ts_conv2d_s8_dsp_ws(const ts_conv_params* p, ts_cbuf in, const int8_t* filter, const int32_t* bias,
                         ts_buf out, ts_window win, int8_t* scratch, void* workspace);
void ts_depthwise_conv2d_s8_dsp_ws(const ts_conv_params* p, ts_cbuf in, const int8_t* filter,
                                   const int32_t* bias, ts_buf out, ts_window win, int8_t* scratch,
                                   void* workspace);
void ts_depthwise_conv2d_s8_dsp(const ts_conv_params* p, ts_cbuf in, const int8_t* filter,
                                const int32_t* bias, ts_buf out, ts_window win, int8_t* scratch);
void ts_depthwise_conv2d_s8_portable(const ts_conv_params* p, ts_cbuf in, const int8_t* filter,
                                     const int32_t* bias, ts_buf out, ts_window win,
                                     int8_t* scratch);
void ts_fully_connected_s8_dsp(const ts_fc_params* p, const int8_t* in, const int8_t* filter,
                               const int32_t* bias, int8_t* out, int8_t* scratch);
void ts_fully_connected_s8_portable(const ts_fc_params* p, const int8_t* in, const int8_t* filter,
                                    const int32_t* bias, int8_t* out, int8_t* scratch);
/* The packed filter's two paths (ts_fully_connected_s8_packed dispatches as above): the DSP
 * variant (two rows per SMLAD lane pair, four rows per pass; with an output sharing bytes
 * with the input and no scratch, each output after a whole read of its row) and the portable
 * loops' order over the decoded weights. */
void ts_fully_connected_s8_packed_dsp(const ts_fc_params* p, const int8_t* in, const int32_t* packed,
                                      int8_t* out, int8_t* scratch);
void ts_fully_connected_s8_packed_portable(const ts_fc_params* p, const int8_t* in, const int32_t* packed,
                                           int8_t* out, int8_t* scratch);
/* AVERAGE_POOL_2D: the public ts_avg_pool2d_s8 dispatches the same way; the DSP variant sums
 * four channels per 32-bit load (SXTAB16) for windows of at most 256 taps. */
void ts_avg_pool2d_s8_dsp(const ts_pool_params* p, ts_cbuf in, ts_buf out, ts_window win,
                          int8_t* scratch);
void ts_avg_pool2d_s8_portable(const ts_pool_params* p, ts_cbuf in, ts_buf out, ts_window win,
                               int8_t* scratch);

/* 16x8 and recurrent kernels: the public ts_conv2d_s16, ts_depthwise_conv2d_s16,
 * ts_transpose_conv_s16, ts_fully_connected_s16, ts_svdf_s8 and ts_lstm dispatch the same way to DSP-structured
 * variants (conv_s16_dsp.c, fully_connected_s16_dsp.c, svdf.c, lstm.c: SMLAD over int16
 * pairs, SXTB16 for int8 weights; dsp_dot16.h) with the same bytes and the same access order,
 * and no stack buffers. */
void ts_conv2d_s16_dsp(const ts_conv_params* p, ts_cbuf in, const int8_t* filter, const int32_t* bias32,
                       const int64_t* bias64, ts_buf out, ts_window win, int8_t* scratch);
void ts_conv2d_s16_portable(const ts_conv_params* p, ts_cbuf in, const int8_t* filter, const int32_t* bias32,
                            const int64_t* bias64, ts_buf out, ts_window win, int8_t* scratch);
void ts_depthwise_conv2d_s16_dsp(const ts_conv_params* p, ts_cbuf in, const int8_t* filter,
                                 const int64_t* bias, ts_buf out, ts_window win, int8_t* scratch);
void ts_depthwise_conv2d_s16_portable(const ts_conv_params* p, ts_cbuf in, const int8_t* filter,
                                      const int64_t* bias, ts_buf out, ts_window win, int8_t* scratch);
void ts_transpose_conv_s16_dsp(const ts_conv_params* p, ts_cbuf in, const int8_t* filter, const int64_t* bias,
                               ts_buf out, ts_window win);
void ts_transpose_conv_s16_portable(const ts_conv_params* p, ts_cbuf in, const int8_t* filter, const int64_t* bias,
                                    ts_buf out, ts_window win);
void ts_fully_connected_s16_dsp(const ts_fc_params* p, const int8_t* in, const int8_t* filter, const int64_t* bias,
                                int8_t* out, int8_t* scratch);
void ts_fully_connected_s16_portable(const ts_fc_params* p, const int8_t* in, const int8_t* filter,
                                     const int64_t* bias, int8_t* out, int8_t* scratch);

/* ======================================================================================
 * SVDF (TFLM svdf.cc, integer path): int8 input [batch, input_size], int8 weights_feature
 * [num_filters, input_size], weights_time [num_filters, memory_size] and the activation state
 * [batch, num_filters * memory_size] both int16 (state_bytes 2) or both int8 (1), optional
 * int32 bias [num_units], int8 output [batch, num_units] (num_filters = num_units * rank).
 * Per batch row and filter f: the state's row f (memory_size values) shifts left by one, its
 * last value becomes clamp(MBQM(dot(weights_feature[f], input - in_zp), m1, s1)) to the
 * state type's range plus state_zero_point, wrapped to the state type (TFLM at the reference
 * commit 90b983c adds the zero point after the clamp; later TFLM adds it before); then per
 * unit u: acc = bias[u] + sum over its rank
 * filters of dot(weights_time[f], state row f - state_zero_point), output =
 * clamp(out_zp + MBQM(acc, m2, s2), -128, 127). No fused activation (TFLM's integer SVDF
 * applies none). The state is read and updated in place (it persists across invokes); no
 * scratch: each unit's filters are summed as they are computed (TFLM's two int32 scratch
 * arrays hold the same sums). Access: reads the whole input, then writes the whole output.
 * ====================================================================================== */
typedef struct {
  int32_t batch, input_size, num_filters, num_units, rank, memory_size;
  int32_t state_bytes; /* 1: int8 state and weights_time, 2: int16 */
  int32_t input_zero_point, state_zero_point, output_zero_point;
  int32_t multiplier1, shift1; /* input * weights_feature -> state */
  int32_t multiplier2, shift2; /* state * weights_time -> output */
} ts_svdf_params;
void ts_svdf_s8(const ts_svdf_params* p, const int8_t* in, const int8_t* weights_feature,
                const void* weights_time, const int32_t* bias, void* state, int8_t* out);
/* Its DSP path (feature dot products two filters per pass over the input, int16 time dot
 * products by SMLAD on int16 pairs; same bytes) and the portable loops; ts_svdf_s8 dispatches as
 * ts_fully_connected_s8. */
void ts_svdf_s8_dsp(const ts_svdf_params* p, const int8_t* in, const int8_t* weights_feature,
                    const void* weights_time, const int32_t* bias, void* state, int8_t* out);
void ts_svdf_s8_portable(const ts_svdf_params* p, const int8_t* in, const int8_t* weights_feature,
                         const void* weights_time, const int32_t* bias, void* state, int8_t* out);

/* SVDF float32 (TFLM EvalFloatSvdfReference): the same shapes in float32, `activation` a
 * fused activation clamp [act_min, act_max]. No scratch (as above). */
void ts_svdf_f32(const ts_svdf_params* p, const float* in, const float* weights_feature,
                 const float* weights_time, const float* bias, float* state, float act_min, float act_max,
                 float* out);

#ifdef __cplusplus
}
#endif
#endif
