#include "support/naive_zoo_kernels.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>

namespace tessera::zoo {

std::vector<int8_t> RandomBytes(Rng& r, size_t n) {
  std::vector<int8_t> v(n);
  for (auto& b : v) b = static_cast<int8_t>(Int(r, -128, 127));
  return v;
}

void QuantizeMultiplier(double real, int32_t* multiplier, int* shift) {
  *multiplier = 0;
  *shift = 0;
  if (real == 0.0) return;
  // real = f * 2^e with f in [0.5, 1): multiplier = round(f * 2^31) (half away from zero),
  // carried into the exponent when it reaches 2^31.
  int e = 0;
  const double f = std::frexp(real, &e);
  int64_t m = std::llround(f * 2147483648.0);
  if (m == (int64_t(1) << 31)) {
    m /= 2;
    ++e;
  }
  if (e < -31) return;  // too small: TFLM gives multiplier 0, shift 0
  *multiplier = static_cast<int32_t>(m);
  *shift = e;
}

namespace {
int64_t DivRoundHalfAway(int64_t x, int k) {
  if (k == 0) return x;
  const int64_t half = int64_t(1) << (k - 1);
  return x >= 0 ? (x + half) >> k : -((-x + half) >> k);
}
}  // namespace

int32_t Mbqm(int32_t x, int32_t multiplier, int shift) {
  const int left = std::max(shift, 0), right = std::max(-shift, 0);
  const int64_t v = int64_t(x) * (int64_t(1) << left);
  if (v > std::numeric_limits<int32_t>::max() || v < std::numeric_limits<int32_t>::min())
    throw std::runtime_error("zoo::Mbqm: x * 2^left out of int32 range");
  int64_t h;
  if (v == std::numeric_limits<int32_t>::min() && multiplier == std::numeric_limits<int32_t>::min())
    h = std::numeric_limits<int32_t>::max();
  else {
    // The doubling high multiply rounds half up for a non-negative product and half toward
    // zero for a negative one (its nudge is 1 - 2^30 there).
    const int64_t ab = v * multiplier, half = int64_t(1) << 30;
    h = ab >= 0 ? (ab + half) >> 31 : -((-ab + half - 1) >> 31);
  }
  return static_cast<int32_t>(DivRoundHalfAway(h, right));
}

std::vector<int8_t> CopyWindow(const Image& img, const ts_window& w) {
  const int64_t row = int64_t(std::max(0, w.x1 - w.x0)) * img.pixel;
  std::vector<int8_t> r(static_cast<size_t>(std::max<int64_t>(1, row * std::max(0, w.y1 - w.y0))));
  for (int y = w.y0; y < w.y1; ++y)
    std::memcpy(r.data() + int64_t(y - w.y0) * row,
                img.bytes.data() + (int64_t(y) * img.w + w.x0) * img.pixel, static_cast<size_t>(row));
  return r;
}

namespace {
std::vector<int> Cuts(Rng& rng, int n) {
  std::vector<int> c = {0, n};
  const int k = n > 1 ? Int(rng, 0, std::min(n - 1, 4)) : 0;
  for (int i = 0; i < k; ++i) c.push_back(Int(rng, 1, n - 1));
  std::sort(c.begin(), c.end());
  c.erase(std::unique(c.begin(), c.end()), c.end());
  return c;
}
}  // namespace

std::vector<int8_t> RunTiled(Rng& rng, const Image& in, int out_h, int out_w, int out_pixel,
                             const std::function<ts_window(ts_window)>& need, const WindowFn& fn,
                             int* tiles) {
  std::vector<int8_t> got(static_cast<size_t>(int64_t(out_h) * out_w * out_pixel), 0x5a);
  const std::vector<int> ys = Cuts(rng, out_h), xs = Cuts(rng, out_w);
  if (tiles) *tiles = static_cast<int>((ys.size() - 1) * (xs.size() - 1));
  for (size_t a = 0; a + 1 < ys.size(); ++a)
    for (size_t b = 0; b + 1 < xs.size(); ++b) {
      const ts_window w{ys[a], ys[a + 1], xs[b], xs[b + 1]};
      ts_window nw = need(w);
      if (nw.y1 <= nw.y0 || nw.x1 <= nw.x0) nw = ts_window{0, 0, 0, 0};
      if (nw.y0 < 0 || nw.x0 < 0 || nw.y1 > in.h || nw.x1 > in.w)
        throw std::runtime_error("RunTiled: needed window outside the input");
      const std::vector<int8_t> held = CopyWindow(in, nw);
      std::vector<int8_t> tile(static_cast<size_t>(int64_t(w.y1 - w.y0) * (w.x1 - w.x0) * out_pixel), 0x33);
      fn(ts_cbuf{held.data(), nw.y0, nw.x0, nw.y1 - nw.y0, nw.x1 - nw.x0},
         ts_buf{tile.data(), w.y0, w.x0, w.y1 - w.y0, w.x1 - w.x0}, w);
      const int64_t row = int64_t(w.x1 - w.x0) * out_pixel;
      for (int y = w.y0; y < w.y1; ++y)
        std::memcpy(got.data() + (int64_t(y) * out_w + w.x0) * out_pixel, tile.data() + (y - w.y0) * row,
                    static_cast<size_t>(row));
    }
  return got;
}

}  // namespace tessera::zoo
