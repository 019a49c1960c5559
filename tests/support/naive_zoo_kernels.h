// Independent references for the model-zoo kernels (kernels/src/quantize_u8.c, reduce.c,
// resize_bilinear.c, slice.c, tile.c, log_softmax.c), written from TFLM's semantics in plain
// C++ (int64 / double where TFLM's arithmetic is exact), plus the tiling harness their tests
// share: a window-aware kernel run over a random tiling of its output, each tile reading a
// buffer that holds exactly the input window the tile needs.
#pragma once

#include <cstdint>
#include <functional>
#include <random>
#include <vector>

#include "tessera/kernels.h"

namespace tessera::zoo {

using Rng = std::mt19937;
inline int Int(Rng& r, int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(r); }
inline double Real(Rng& r, double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(r); }
std::vector<int8_t> RandomBytes(Rng& r, size_t n);

// TFLM's QuantizeMultiplier: real = multiplier * 2^(shift - 31), multiplier in [2^30, 2^31).
void QuantizeMultiplier(double real, int32_t* multiplier, int* shift);
// TFLM's MultiplyByQuantizedMultiplier in int64: x * 2^left, times m / 2^31 (ties up, or
// toward zero for a negative product), then / 2^right rounded half away from zero.
int32_t Mbqm(int32_t x, int32_t multiplier, int shift);

// A tensor of h x w pixels of `pixel` bytes, row-major.
struct Image {
  int h = 0, w = 0, pixel = 1;
  std::vector<int8_t> bytes;
};
// The bytes of window `w` of `img` (rows of w.x1 - w.x0 pixels), at least one byte.
std::vector<int8_t> CopyWindow(const Image& img, const ts_window& w);

// Runs `fn` (compute output window `win` from `in`, holding input window `need(win)`, into
// `out`, holding exactly `win`) over a random tiling of an out_h x out_w output of `out_pixel`
// bytes per pixel and returns the assembled output. `need` may return an empty window.
using WindowFn = std::function<void(ts_cbuf in, ts_buf out, ts_window win)>;
std::vector<int8_t> RunTiled(Rng& rng, const Image& in, int out_h, int out_w, int out_pixel,
                             const std::function<ts_window(ts_window)>& need, const WindowFn& fn,
                             int* tiles = nullptr);

}  // namespace tessera::zoo
