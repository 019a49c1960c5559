// Helpers of the element-wise and rearrangement kernel tests: random windows and tilings of an
// HWC tensor, operand buffers holding a random window that contains the computed one (or
// broadcasting along size-1 axes), and a check of a kernel's window output against a
// whole-tensor expectation.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "support/naive_kernels.h"
#include "support/random_bytes.h"
#include "tessera/kernels.h"

namespace tessera::test {

using naive::Dims;

// Index of output element (y, x, c) in an operand of dims `d` broadcast to the output (axes of
// size 1 broadcast).
inline int64_t BroadcastIndex(const Dims& d, int y, int x, int c) {
  return (int64_t(d.h == 1 ? 0 : y) * d.w + (d.w == 1 ? 0 : x)) * d.c + (d.c == 1 ? 0 : c);
}

// Random dims that broadcast to `out`: each axis out's size or 1.
inline Dims BroadcastDimsOf(Rng& r, const Dims& out) {
  return Dims{Uniform(r, 0, 1) ? out.h : 1, Uniform(r, 0, 1) ? out.w : 1, Uniform(r, 0, 1) ? out.c : 1};
}

inline ts_window RandomWindow(Rng& r, const Dims& d) {
  const int y0 = Uniform(r, 0, d.h - 1), x0 = Uniform(r, 0, d.w - 1);
  return ts_window{y0, Uniform(r, y0 + 1, d.h), x0, Uniform(r, x0 + 1, d.w)};
}

// A random tiling of d's rows x columns into windows (random row bands, each cut into random
// column pieces).
inline std::vector<ts_window> RandomTiling(Rng& r, const Dims& d) {
  std::vector<ts_window> tiles;
  for (int y0 = 0; y0 < d.h;) {
    const int y1 = Uniform(r, y0 + 1, d.h);
    for (int x0 = 0; x0 < d.w;) {
      const int x1 = Uniform(r, x0 + 1, d.w);
      tiles.push_back(ts_window{y0, y1, x0, x1});
      x0 = x1;
    }
    y0 = y1;
  }
  return tiles;
}

// A buffer holding a random window of the full tensor `full` (dims d) that contains `w`
// (a whole axis where d has size 1), as an operand broadcast along d's size-1 axes.
struct HeldOperand {
  std::vector<int8_t> bytes;
  ts_operand op{};
  int32_t h = 0, w = 0;  // rows and columns held
};
inline HeldOperand HoldOperand(Rng& r, const Dims& d, const std::vector<int8_t>& full, const ts_window& w) {
  HeldOperand h;
  const int y0 = d.h == 1 ? 0 : Uniform(r, 0, w.y0), y1 = d.h == 1 ? 1 : Uniform(r, w.y1, d.h);
  const int x0 = d.w == 1 ? 0 : Uniform(r, 0, w.x0), x1 = d.w == 1 ? 1 : Uniform(r, w.x1, d.w);
  for (int y = y0; y < y1; ++y)
    for (int x = x0; x < x1; ++x)
      for (int c = 0; c < d.c; ++c) h.bytes.push_back(full[(int64_t(y) * d.w + x) * d.c + c]);
  h.op.data = h.bytes.data();
  h.h = y1 - y0;
  h.w = x1 - x0;
  h.op.y0 = y0;
  h.op.x0 = x0;
  h.op.sc = d.c == 1 ? 0 : 1;
  h.op.sx = d.w == 1 ? 0 : d.c;
  h.op.sy = d.h == 1 ? 0 : (x1 - x0) * d.c;
  return h;
}

// A buffer holding a random window (all channels) of `full` (dims d) that contains `w`.
struct HeldBuf {
  std::vector<int8_t> bytes;
  ts_cbuf buf{};
};
inline HeldBuf HoldWindow(Rng& r, const Dims& d, const std::vector<int8_t>& full, const ts_window& w) {
  HeldBuf h;
  const int y0 = Uniform(r, 0, w.y0), y1 = Uniform(r, w.y1, d.h);
  const int x0 = Uniform(r, 0, w.x0), x1 = Uniform(r, w.x1, d.w);
  for (int y = y0; y < y1; ++y)
    for (int x = x0; x < x1; ++x)
      for (int c = 0; c < d.c; ++c) h.bytes.push_back(full[(int64_t(y) * d.w + x) * d.c + c]);
  h.buf = ts_cbuf{h.bytes.data(), y0, x0, y1 - y0, x1 - x0};
  return h;
}

// Runs `run` on an output buffer holding exactly window `w` (pre-filled with a marker) and
// compares every element with `expect` (the whole output tensor of dims `out`).
template <class Run>
void CheckWindow(const Dims& out, const ts_window& w, const std::vector<int8_t>& expect, Run run,
                 const std::string& what) {
  std::vector<int8_t> buf(static_cast<size_t>(int64_t(w.y1 - w.y0) * (w.x1 - w.x0) * out.c), 0x5a);
  run(ts_buf{buf.data(), w.y0, w.x0, w.y1 - w.y0, w.x1 - w.x0});
  for (int y = w.y0; y < w.y1; ++y)
    for (int x = w.x0; x < w.x1; ++x)
      for (int c = 0; c < out.c; ++c)
        ASSERT_EQ(int(buf[(int64_t(y - w.y0) * (w.x1 - w.x0) + (x - w.x0)) * out.c + c]),
                  int(expect[(int64_t(y) * out.w + x) * out.c + c]))
            << what << " at " << y << "," << x << "," << c;
}

// A zero point: often one end of the int8 range, else uniform.
inline int32_t RandomZeroPoint(Rng& r) {
  switch (Uniform(r, 0, 3)) {
    case 0: return -128;
    case 1: return 127;
    default: return Uniform(r, -128, 127);
  }
}

// A scale log-uniform in [lo, hi].
inline float RandomScale(Rng& r, double lo, double hi) {
  const double u = std::uniform_real_distribution<double>(std::log(lo), std::log(hi))(r);
  return static_cast<float>(std::exp(u));
}

}  // namespace tessera::test
