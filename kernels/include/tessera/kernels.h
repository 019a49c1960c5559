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
/* TFLM's MultiplyByQuantizedMultiplier: shift > 0 is a left shift. */
int32_t ts_multiply_by_quantized_multiplier(int32_t x, int32_t multiplier, int shift);

#ifdef __cplusplus
}
#endif
#endif
