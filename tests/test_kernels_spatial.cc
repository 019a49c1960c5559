// Window-aware spatial kernels (CONV_2D, DEPTHWISE_CONV_2D, pools, PAD, RESIZE) against the
// naive whole-tensor reference over random shapes, strides, dilations, paddings, kernel
// sizes 1..7, depth multipliers 1..3, per-channel multipliers and activation ranges; then
// the window property (any random tiling, each tile reading a buffer that holds exactly its
// clipped receptive window, gives the whole layer's bytes), and scratch == no scratch.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <random>

#include "ops/ops.h"
#include "support/naive_kernels.h"
#include "tessera/kernels.h"

namespace tessera {
namespace {

using naive::Dims;

struct Rng {
  std::mt19937 g;
  explicit Rng(uint32_t seed) : g(seed) {}
  int Int(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(g); }
  double Real(double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(g); }
  std::vector<int8_t> Bytes(int64_t n) {
    std::vector<int8_t> v(static_cast<size_t>(n));
    for (auto& b : v) b = static_cast<int8_t>(Int(-128, 127));
    return v;
  }
};

// A window-aware kernel call: output window `win` from an input buffer holding `in_win`.
using KernelFn = std::function<void(ts_cbuf in, ts_buf out, ts_window win, int8_t* scratch)>;

// The input window a tile needs, found by brute force: every in-bounds input pixel that
// any output pixel of `w` reads (`reads(oy, ox, cb)` calls cb(iy, ix) for each).
using ReadsFn = std::function<void(int oy, int ox, const std::function<void(int, int)>& cb)>;

Window NeededWindow(const Window& w, const Dims& in, const ReadsFn& reads) {
  Window r{1 << 30, -(1 << 30), 1 << 30, -(1 << 30)};
  bool any = false;
  for (int oy = w.y0; oy < w.y1; ++oy)
    for (int ox = w.x0; ox < w.x1; ++ox)
      reads(oy, ox, [&](int iy, int ix) {
        if (iy < 0 || iy >= in.h || ix < 0 || ix >= in.w) return;
        any = true;
        r.y0 = std::min(r.y0, iy);
        r.y1 = std::max(r.y1, iy + 1);
        r.x0 = std::min(r.x0, ix);
        r.x1 = std::max(r.x1, ix + 1);
      });
  return any ? r : Window{0, 0, 0, 0};
}

std::vector<int8_t> CopyWindow(const std::vector<int8_t>& full, const Dims& d, const Window& w,
                               int elem = 1) {
  std::vector<int8_t> r(static_cast<size_t>(std::max<int64_t>(1, int64_t(w.h()) * w.w() * d.c * elem)));
  for (int y = w.y0; y < w.y1; ++y)
    std::memcpy(r.data() + int64_t(y - w.y0) * w.w() * d.c * elem,
                full.data() + (int64_t(y) * d.w + w.x0) * d.c * elem,
                static_cast<size_t>(w.w()) * d.c * elem);
  return r;
}

std::vector<int> Cuts(Rng& rng, int n) {
  std::vector<int> c = {0, n};
  const int k = rng.Int(0, std::min(n - 1, 4));
  for (int i = 0; i < k; ++i) c.push_back(rng.Int(1, n - 1));
  std::sort(c.begin(), c.end());
  c.erase(std::unique(c.begin(), c.end()), c.end());
  return c;
}

// Runs `fn` over the whole output (with and without scratch) and over a random tiling,
// comparing each with `expect`. Also checks that a window leaves the rest of its output
// buffer untouched.
void CheckWindowed(Rng& rng, const Dims& in, const std::vector<int8_t>& input, const Dims& out,
                   int scratch_bytes, const std::vector<int8_t>& expect, const KernelFn& fn,
                   const ReadsFn& reads, const std::string& what) {
  const Window full{0, out.h, 0, out.w};
  const ts_cbuf whole_in{input.data(), 0, 0, in.h, in.w};
  for (int use_scratch = 0; use_scratch < 2; ++use_scratch) {
    std::vector<int8_t> got(expect.size(), 0x55);
    std::vector<int8_t> scratch(static_cast<size_t>(scratch_bytes) + 1);
    fn(whole_in, ts_buf{got.data(), 0, 0, out.h, out.w}, ts_window{0, out.h, 0, out.w},
       use_scratch ? scratch.data() : nullptr);
    ASSERT_EQ(got, expect) << what << (use_scratch ? " (scratch)" : " (no scratch)");
  }
  // Random tiling: each tile reads a buffer holding exactly its clipped receptive window
  // and writes a buffer holding exactly the tile.
  std::vector<int8_t> got(expect.size(), 0x55);
  const std::vector<int> ys = Cuts(rng, out.h), xs = Cuts(rng, out.w);
  for (size_t a = 0; a + 1 < ys.size(); ++a)
    for (size_t b = 0; b + 1 < xs.size(); ++b) {
      const Window w{ys[a], ys[a + 1], xs[b], xs[b + 1]};
      const Window need = NeededWindow(w, in, reads);
      const std::vector<int8_t> held = CopyWindow(input, in, need);
      std::vector<int8_t> tile(static_cast<size_t>(int64_t(w.h()) * w.w() * out.c), 0x33);
      std::vector<int8_t> scratch(static_cast<size_t>(scratch_bytes) + 1);
      fn(ts_cbuf{held.data(), need.y0, need.x0, need.h(), need.w()},
         ts_buf{tile.data(), w.y0, w.x0, w.h(), w.w()}, ts_window{w.y0, w.y1, w.x0, w.x1},
         rng.Int(0, 1) ? scratch.data() : nullptr);
      for (int y = w.y0; y < w.y1; ++y)
        std::memcpy(got.data() + (int64_t(y) * out.w + w.x0) * out.c,
                    tile.data() + int64_t(y - w.y0) * w.w() * out.c,
                    static_cast<size_t>(w.w()) * out.c);
    }
  ASSERT_EQ(got, expect) << what << " (tiled " << ys.size() - 1 << "x" << xs.size() - 1 << ")";
  // One random window written into the full-size buffer leaves every other byte alone.
  const int y0 = rng.Int(0, out.h - 1), x0 = rng.Int(0, out.w - 1);
  const Window w{y0, rng.Int(y0 + 1, out.h), x0, rng.Int(x0 + 1, out.w)};
  std::vector<int8_t> buf(expect.size(), 0x55);
  fn(whole_in, ts_buf{buf.data(), 0, 0, out.h, out.w}, ts_window{w.y0, w.y1, w.x0, w.x1}, nullptr);
  for (int y = 0; y < out.h; ++y)
    for (int x = 0; x < out.w; ++x)
      for (int c = 0; c < out.c; ++c) {
        const int64_t i = (int64_t(y) * out.w + x) * out.c + c;
        const bool inside = y >= w.y0 && y < w.y1 && x >= w.x0 && x < w.x1;
        ASSERT_EQ(buf[i], inside ? expect[i] : int8_t(0x55)) << what << " at " << y << "," << x;
      }
  (void)full;
}

void RandomRequant(Rng& rng, int n, std::vector<int32_t>& mult, std::vector<int32_t>& shift) {
  mult.resize(n);
  shift.resize(n);
  for (int i = 0; i < n; ++i) {
    int s;
    ops::QuantizeMultiplier(std::exp2(rng.Real(-16.0, 0.5)), &mult[i], &s);
    shift[i] = s;
  }
}

void RandomActivation(Rng& rng, int32_t zp, int32_t* lo, int32_t* hi) {
  switch (rng.Int(0, 2)) {
    case 0: *lo = -128, *hi = 127; break;
    case 1: *lo = zp, *hi = 127; break;
    default: *lo = zp, *hi = std::min(127, zp + rng.Int(1, 100)); break;
  }
}

// Random geometry along one axis: input size, taps, stride, dilation and paddings such
// that the output has at least one element.
struct Axis {
  int in, k, stride, dil, pad_before, out;
};
Axis RandomAxis(Rng& rng, int max_k, bool dilate) {
  Axis a;
  for (;;) {
    a.in = rng.Int(1, 14);
    a.k = rng.Int(1, max_k);
    a.stride = rng.Int(1, 3);
    a.dil = dilate && rng.Int(0, 3) == 0 ? rng.Int(2, 3) : 1;
    const int eff = (a.k - 1) * a.dil + 1;
    a.pad_before = rng.Int(0, eff);
    const int pad_after = rng.Int(0, eff);
    const int span = a.in + a.pad_before + pad_after;
    if (span < eff) continue;
    a.out = (span - eff) / a.stride + 1;
    return a;
  }
}

TEST(KernelsSpatial, Conv2DMatchesNaiveAndTiles) {
  Rng rng(1234);
  for (int trial = 0; trial < 150; ++trial) {
    const Axis ay = RandomAxis(rng, 7, true), ax = RandomAxis(rng, 7, true);
    const int groups = rng.Int(0, 4) == 0 ? rng.Int(1, 3) : 1;
    const int fic = rng.Int(1, 6);
    naive::ConvSpec s;
    s.in = {ay.in, ax.in, fic * groups};
    s.out = {ay.out, ax.out, groups * rng.Int(1, 6)};
    s.kh = ay.k, s.kw = ax.k, s.stride_h = ay.stride, s.stride_w = ax.stride;
    s.dil_h = ay.dil, s.dil_w = ax.dil, s.pad_top = ay.pad_before, s.pad_left = ax.pad_before;
    s.filter_in_c = fic;
    s.input_zp = rng.Int(-128, 127);
    s.output_zp = rng.Int(-128, 127);
    RandomActivation(rng, s.output_zp, &s.act_min, &s.act_max);
    RandomRequant(rng, s.out.c, s.mult, s.shift);
    const auto input = rng.Bytes(s.in.size());
    const auto filter = rng.Bytes(int64_t(s.out.c) * s.kh * s.kw * fic);
    std::vector<int32_t> bias;
    if (rng.Int(0, 3)) {
      bias.resize(s.out.c);
      for (auto& b : bias) b = rng.Int(-20000, 20000);
    }
    const auto expect = naive::Conv2D(s, input, filter, bias);
    ts_conv_params p{};
    p.in_h = s.in.h, p.in_w = s.in.w, p.in_c = s.in.c;
    p.out_h = s.out.h, p.out_w = s.out.w, p.out_c = s.out.c;
    p.filter_h = s.kh, p.filter_w = s.kw, p.filter_in_c = fic, p.depth_multiplier = 1;
    p.stride_h = s.stride_h, p.stride_w = s.stride_w, p.dilation_h = s.dil_h, p.dilation_w = s.dil_w;
    p.pad_top = s.pad_top, p.pad_left = s.pad_left;
    p.input_offset = -s.input_zp, p.output_offset = s.output_zp;
    p.act_min = s.act_min, p.act_max = s.act_max;
    p.output_multiplier = s.mult.data(), p.output_shift = s.shift.data();
    ASSERT_EQ(ts_conv2d_s8_scratch_bytes(&p), size_t(s.out.c));
    const int32_t* bp = bias.empty() ? nullptr : bias.data();
    CheckWindowed(
        rng, s.in, input, s.out, s.out.c, expect,
        [&](ts_cbuf in, ts_buf out, ts_window w, int8_t* sc) {
          ts_conv2d_s8(&p, in, filter.data(), bp, out, w, sc);
        },
        [&](int oy, int ox, const std::function<void(int, int)>& cb) {
          for (int ky = 0; ky < s.kh; ++ky)
            for (int kx = 0; kx < s.kw; ++kx)
              cb(oy * s.stride_h - s.pad_top + ky * s.dil_h, ox * s.stride_w - s.pad_left + kx * s.dil_w);
        },
        "conv trial " + std::to_string(trial));
  }
}

TEST(KernelsSpatial, DepthwiseMatchesNaiveAndTiles) {
  Rng rng(99);
  for (int trial = 0; trial < 150; ++trial) {
    const Axis ay = RandomAxis(rng, 7, true), ax = RandomAxis(rng, 7, true);
    naive::ConvSpec s;
    const int dm = rng.Int(1, 3);
    s.in = {ay.in, ax.in, rng.Int(1, 8)};
    s.out = {ay.out, ax.out, s.in.c * dm};
    s.depth_multiplier = dm;
    s.kh = ay.k, s.kw = ax.k, s.stride_h = ay.stride, s.stride_w = ax.stride;
    s.dil_h = ay.dil, s.dil_w = ax.dil, s.pad_top = ay.pad_before, s.pad_left = ax.pad_before;
    s.input_zp = rng.Int(-128, 127);
    s.output_zp = rng.Int(-128, 127);
    RandomActivation(rng, s.output_zp, &s.act_min, &s.act_max);
    RandomRequant(rng, s.out.c, s.mult, s.shift);
    const auto input = rng.Bytes(s.in.size());
    const auto filter = rng.Bytes(int64_t(s.kh) * s.kw * s.out.c);
    std::vector<int32_t> bias;
    if (rng.Int(0, 3)) {
      bias.resize(s.out.c);
      for (auto& b : bias) b = rng.Int(-20000, 20000);
    }
    const auto expect = naive::DepthwiseConv2D(s, input, filter, bias);
    ts_conv_params p{};
    p.in_h = s.in.h, p.in_w = s.in.w, p.in_c = s.in.c;
    p.out_h = s.out.h, p.out_w = s.out.w, p.out_c = s.out.c;
    p.filter_h = s.kh, p.filter_w = s.kw, p.depth_multiplier = dm;
    p.stride_h = s.stride_h, p.stride_w = s.stride_w, p.dilation_h = s.dil_h, p.dilation_w = s.dil_w;
    p.pad_top = s.pad_top, p.pad_left = s.pad_left;
    p.input_offset = -s.input_zp, p.output_offset = s.output_zp;
    p.act_min = s.act_min, p.act_max = s.act_max;
    p.output_multiplier = s.mult.data(), p.output_shift = s.shift.data();
    const int32_t* bp = bias.empty() ? nullptr : bias.data();
    CheckWindowed(
        rng, s.in, input, s.out, static_cast<int>(ts_depthwise_conv2d_s8_scratch_bytes(&p)), expect,
        [&](ts_cbuf in, ts_buf out, ts_window w, int8_t* sc) {
          ts_depthwise_conv2d_s8(&p, in, filter.data(), bp, out, w, sc);
        },
        [&](int oy, int ox, const std::function<void(int, int)>& cb) {
          for (int ky = 0; ky < s.kh; ++ky)
            for (int kx = 0; kx < s.kw; ++kx)
              cb(oy * s.stride_h - s.pad_top + ky * s.dil_h, ox * s.stride_w - s.pad_left + kx * s.dil_w);
        },
        "depthwise trial " + std::to_string(trial));
  }
}

TEST(KernelsSpatial, PoolsMatchNaiveAndTile) {
  Rng rng(7);
  for (int trial = 0; trial < 200; ++trial) {
    Axis ay, ax;
    do {  // pools pad less than a filter (every output has an in-bounds element)
      ay = RandomAxis(rng, 5, false);
      ax = RandomAxis(rng, 5, false);
    } while (ay.pad_before >= ay.k || ax.pad_before >= ax.k ||
             (ay.out - 1) * ay.stride - ay.pad_before >= ay.in ||
             (ax.out - 1) * ax.stride - ax.pad_before >= ax.in);
    naive::PoolSpec s;
    s.in = {ay.in, ax.in, rng.Int(1, 8)};
    s.out = {ay.out, ax.out, s.in.c};
    s.kh = ay.k, s.kw = ax.k, s.stride_h = ay.stride, s.stride_w = ax.stride;
    s.pad_top = ay.pad_before, s.pad_left = ax.pad_before;
    RandomActivation(rng, rng.Int(-128, 100), &s.act_min, &s.act_max);
    const auto input = rng.Bytes(s.in.size());
    ts_pool_params p{};
    p.in_h = s.in.h, p.in_w = s.in.w, p.channels = s.in.c, p.out_h = s.out.h, p.out_w = s.out.w;
    p.filter_h = s.kh, p.filter_w = s.kw, p.stride_h = s.stride_h, p.stride_w = s.stride_w;
    p.pad_top = s.pad_top, p.pad_left = s.pad_left, p.act_min = s.act_min, p.act_max = s.act_max;
    const ReadsFn reads = [&](int oy, int ox, const std::function<void(int, int)>& cb) {
      for (int ky = 0; ky < s.kh; ++ky)
        for (int kx = 0; kx < s.kw; ++kx)
          cb(oy * s.stride_h - s.pad_top + ky, ox * s.stride_w - s.pad_left + kx);
    };
    CheckWindowed(
        rng, s.in, input, s.out, s.in.c, naive::AvgPool(s, input),
        [&](ts_cbuf in, ts_buf out, ts_window w, int8_t* sc) { ts_avg_pool2d_s8(&p, in, out, w, sc); },
        reads, "avg pool trial " + std::to_string(trial));
    CheckWindowed(
        rng, s.in, input, s.out, s.in.c, naive::MaxPool(s, input),
        [&](ts_cbuf in, ts_buf out, ts_window w, int8_t* sc) { ts_max_pool2d_s8(&p, in, out, w, sc); },
        reads, "max pool trial " + std::to_string(trial));
  }
}

TEST(KernelsSpatial, PadMatchesNaiveAndTiles) {
  Rng rng(5);
  for (int trial = 0; trial < 150; ++trial) {
    const Dims in{rng.Int(1, 10), rng.Int(1, 10), rng.Int(1, 6)};
    const int top = rng.Int(0, 4), bottom = rng.Int(0, 4), left = rng.Int(0, 4),
              right = rng.Int(0, 4), front = rng.Int(0, 1) ? rng.Int(0, 3) : 0,
              back = rng.Int(0, 1) ? rng.Int(0, 3) : 0;
    const Dims out{in.h + top + bottom, in.w + left + right, in.c + front + back};
    const int8_t value = static_cast<int8_t>(rng.Int(-128, 127));
    const auto input = rng.Bytes(in.size());
    ts_pad_params p{};
    p.in_h = in.h, p.in_w = in.w, p.in_c = in.c, p.out_h = out.h, p.out_w = out.w, p.out_c = out.c;
    p.pad_top = top, p.pad_left = left, p.pad_c = front, p.elem_bytes = 1, p.pad_value = value;
    CheckWindowed(
        rng, in, input, out, static_cast<int>(ts_pad_scratch_bytes(&p)),
        naive::Pad(in, out, top, left, front, value, input),
        [&](ts_cbuf i, ts_buf o, ts_window w, int8_t* sc) { ts_pad(&p, i, o, w, sc); },
        [&](int oy, int ox, const std::function<void(int, int)>& cb) { cb(oy - top, ox - left); },
        "pad trial " + std::to_string(trial));
  }
}

TEST(KernelsSpatial, ResizeNearestMatchesNaiveAndTiles) {
  Rng rng(11);
  for (int trial = 0; trial < 150; ++trial) {
    const Dims in{rng.Int(1, 9), rng.Int(1, 9), rng.Int(1, 5)};
    const Dims out{rng.Int(1, 20), rng.Int(1, 20), in.c};
    const bool align = rng.Int(0, 1), half = !align && rng.Int(0, 1);
    const auto input = rng.Bytes(in.size());
    ts_resize_params p{};
    p.in_h = in.h, p.in_w = in.w, p.channels = in.c, p.out_h = out.h, p.out_w = out.w;
    p.align_corners = align, p.half_pixel_centers = half, p.elem_bytes = 1;
    for (int y = 0; y < out.h; ++y)
      ASSERT_EQ(ts_resize_nearest_source(y, in.h, out.h, align, half),
                naive::NearestSource(y, in.h, out.h, align, half));
    CheckWindowed(
        rng, in, input, out, static_cast<int>(ts_resize_nearest_scratch_bytes(&p)),
        naive::ResizeNearest(in, out, align, half, input),
        [&](ts_cbuf i, ts_buf o, ts_window w, int8_t* sc) { ts_resize_nearest(&p, i, o, w, sc); },
        [&](int oy, int ox, const std::function<void(int, int)>& cb) {
          cb(naive::NearestSource(oy, in.h, out.h, align, half),
             naive::NearestSource(ox, in.w, out.w, align, half));
        },
        "resize trial " + std::to_string(trial));
  }
}

// Known values of TFLM's nearest-neighbour rule (2 -> 4 and 4 -> 2 rows), worked by hand.
TEST(KernelsSpatial, ResizeNearestKnownIndices) {
  // scale 0.5: floor(0, .5, 1, 1.5) = 0 0 1 1
  EXPECT_EQ(ts_resize_nearest_source(3, 2, 4, 0, 0), 1);
  EXPECT_EQ(ts_resize_nearest_source(1, 2, 4, 0, 0), 0);
  // half pixel: floor((i + .5) * .5) = 0 0 1 1
  EXPECT_EQ(ts_resize_nearest_source(2, 2, 4, 0, 1), 1);
  // align corners 2 -> 4: scale 1/3, round(0, .33, .67, 1) = 0 0 1 1
  EXPECT_EQ(ts_resize_nearest_source(2, 2, 4, 1, 0), 1);
  EXPECT_EQ(ts_resize_nearest_source(1, 2, 4, 1, 0), 0);
  // downscale 4 -> 2: floor(0, 2) = 0 2
  EXPECT_EQ(ts_resize_nearest_source(1, 4, 2, 0, 0), 2);
}

}  // namespace
}  // namespace tessera
