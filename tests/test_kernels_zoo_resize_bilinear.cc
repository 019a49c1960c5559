// RESIZE_BILINEAR int8 against ResizeBilinearInteger re-derived here in int64 (TFLM's formulas,
// C++ truncating division, ties of the final /2^20 away from zero) over random shapes (down- and
// upscaling), align_corners / half_pixel_centers, and random tilings of the output where each
// tile reads a buffer holding only ts_resize_bilinear_input_range's rows/columns (checked to
// contain every pixel the tile reads). ts_resize_bilinear_in_bounds against a brute-force scan
// of TFLM's lower bounds.
#include <gtest/gtest.h>

#include <algorithm>

#include "support/naive_zoo_kernels.h"
#include "tessera/kernels.h"

namespace tessera::zoo {
namespace {

struct Axis {
  int64_t pos, lo, hi;  // scaled position in 1/1024ths, lower and upper source index
};

Axis Source(int64_t o, int64_t in, int64_t out, bool ac, bool hpc) {
  int64_t scale = (1024 * in + out / 2) / out;
  if (ac && out > 1) scale = (1024 * (in - 1) + (out - 1) / 2) / (out - 1);
  const int64_t v = hpc ? o * scale + scale / 2 - 512 : o * scale;
  return {v, std::max<int64_t>(v / 1024, 0), std::min<int64_t>((v + 1023) / 1024, in - 1)};
}

struct Spec {
  int in_h, in_w, c, out_h, out_w;
  bool ac, hpc;
};

// The output and, per output pixel, the input pixels read (for the window check).
std::vector<int8_t> Naive(const Spec& s, const std::vector<int8_t>& in) {
  std::vector<int8_t> out(static_cast<size_t>(s.out_h) * s.out_w * s.c);
  for (int y = 0; y < s.out_h; ++y) {
    const Axis ay = Source(y, s.in_h, s.out_h, s.ac, s.hpc);
    for (int x = 0; x < s.out_w; ++x) {
      const Axis ax = Source(x, s.in_w, s.out_w, s.ac, s.hpc);
      for (int c = 0; c < s.c; ++c) {
        auto at = [&](int64_t yy, int64_t xx) { return int64_t(in[(yy * s.in_w + xx) * s.c + c]); };
        const int64_t fy = ay.pos - 1024 * ay.lo, fx = ax.pos - 1024 * ax.lo;
        const int64_t sum = at(ay.lo, ax.lo) * (1024 - fy) * (1024 - fx) + at(ay.hi, ax.lo) * fy * (1024 - fx) +
                            at(ay.lo, ax.hi) * (1024 - fy) * fx + at(ay.hi, ax.hi) * fy * fx;
        const int64_t r = sum > 0 ? (sum + (1 << 19)) / (1 << 20) : (sum - (1 << 19)) / (1 << 20);
        out[(int64_t(y) * s.out_w + x) * s.c + c] = static_cast<int8_t>(r);
      }
    }
  }
  return out;
}

ts_resize_params Params(const Spec& s) {
  return ts_resize_params{s.in_h, s.in_w, s.c, s.out_h, s.out_w, s.ac, s.hpc, 1};
}

TEST(KernelsZooResizeBilinear, MatchesTflmIntegerArithmeticOverRandomTilings) {
  Rng rng(31);
  int checked = 0;
  for (int it = 0; it < 1500; ++it) {
    Spec s{Int(rng, 1, 9), Int(rng, 1, 9), Int(rng, 1, 4), Int(rng, 1, 24), Int(rng, 1, 24), false, false};
    const int mode = Int(rng, 0, 2);
    s.ac = mode == 1;
    s.hpc = mode == 2;
    const ts_resize_params p = Params(s);
    ASSERT_EQ(ts_resize_bilinear_in_bounds(&p), 1);
    Image img{s.in_h, s.in_w, s.c, RandomBytes(rng, static_cast<size_t>(s.in_h) * s.in_w * s.c)};
    if (it % 4 == 0)  // extremes only: rounding and saturation at the ends
      for (auto& b : img.bytes) b = Int(rng, 0, 1) ? 127 : -128;
    const auto expect = Naive(s, img.bytes);
    // Whole layer, with and without scratch.
    for (int sc = 0; sc < 2; ++sc) {
      std::vector<int8_t> got(expect.size(), 0x55), scratch(ts_resize_bilinear_s8_scratch_bytes(&p));
      ts_resize_bilinear_s8(&p, ts_cbuf{img.bytes.data(), 0, 0, s.in_h, s.in_w},
                            ts_buf{got.data(), 0, 0, s.out_h, s.out_w}, ts_window{0, s.out_h, 0, s.out_w},
                            sc ? scratch.data() : nullptr);
      ASSERT_EQ(got, expect) << "it " << it << (sc ? " scratch" : "");
    }
    auto need = [&](ts_window w) {
      ts_window r{};
      ts_resize_bilinear_input_range(w.y0, w.y1, s.in_h, s.out_h, s.ac, s.hpc, &r.y0, &r.y1);
      ts_resize_bilinear_input_range(w.x0, w.x1, s.in_w, s.out_w, s.ac, s.hpc, &r.x0, &r.x1);
      // Every pixel the tile reads lies inside it.
      for (int y = w.y0; y < w.y1; ++y) {
        const Axis a = Source(y, s.in_h, s.out_h, s.ac, s.hpc);
        EXPECT_TRUE(a.lo >= r.y0 && a.hi < r.y1 && a.hi >= r.y0 && a.lo < r.y1) << "row " << y;
      }
      for (int x = w.x0; x < w.x1; ++x) {
        const Axis a = Source(x, s.in_w, s.out_w, s.ac, s.hpc);
        EXPECT_TRUE(a.lo >= r.x0 && a.hi < r.x1 && a.hi >= r.x0 && a.lo < r.x1) << "col " << x;
      }
      return r;
    };
    const auto tiled = RunTiled(rng, img, s.out_h, s.out_w, s.c, need, [&](ts_cbuf in, ts_buf out, ts_window w) {
      std::vector<int8_t> scratch(static_cast<size_t>(s.c));
      ts_resize_bilinear_s8(&p, in, out, w, Int(rng, 0, 1) ? scratch.data() : nullptr);
    });
    ASSERT_EQ(tiled, expect) << "tiled, it " << it;
    ++checked;
  }
  EXPECT_EQ(checked, 1500);
}

TEST(KernelsZooResizeBilinear, HandValues) {
  // 1 x 2 -> 1 x 4, no flags: scale 512; x = 0..3 at 0, 0.5, 1 (clamped), 1.5 (clamped).
  const int8_t in[2] = {-100, 100};
  int8_t out[4];
  const ts_resize_params p{1, 2, 1, 1, 4, 0, 0, 1};
  ts_resize_bilinear_s8(&p, ts_cbuf{in, 0, 0, 1, 2}, ts_buf{out, 0, 0, 1, 4}, ts_window{0, 1, 0, 4}, nullptr);
  EXPECT_EQ(out[0], -100);
  EXPECT_EQ(out[1], 0);
  EXPECT_EQ(out[2], 100);
  EXPECT_EQ(out[3], 100);
  // half_pixel_centers: x = 0 maps to -0.25 (extrapolating weights 1280 and -256 on the same
  // pixel), x = 1 to 0.25: -100 * 0.75 + 100 * 0.25 = -50.
  const ts_resize_params q{1, 2, 1, 1, 4, 0, 1, 1};
  ts_resize_bilinear_s8(&q, ts_cbuf{in, 0, 0, 1, 2}, ts_buf{out, 0, 0, 1, 4}, ts_window{0, 1, 0, 4}, nullptr);
  EXPECT_EQ(out[0], -100);
  EXPECT_EQ(out[1], -50);
  EXPECT_EQ(out[2], 50);
  EXPECT_EQ(out[3], 100);
  // A tie: (1 + 2) / 2 = 1.5 rounds to 2, (-1 - 2) / 2 to -2.
  const int8_t t[2] = {1, 2}, u[2] = {-1, -2};
  int8_t o[3];
  const ts_resize_params r{1, 2, 1, 1, 3, 1, 0, 1};  // align_corners: 0, 0.5, 1
  ts_resize_bilinear_s8(&r, ts_cbuf{t, 0, 0, 1, 2}, ts_buf{o, 0, 0, 1, 3}, ts_window{0, 1, 0, 3}, nullptr);
  EXPECT_EQ(o[1], 2);
  ts_resize_bilinear_s8(&r, ts_cbuf{u, 0, 0, 1, 2}, ts_buf{o, 0, 0, 1, 3}, ts_window{0, 1, 0, 3}, nullptr);
  EXPECT_EQ(o[1], -2);
}

// TensorFlow Lite's own golden bytes for ResizeBilinearInteger (its resize_bilinear_test.cc:
// 2 x 2 {127, -128, 64, 0} -> 4 x 6, without and with half_pixel_centers), also over a tiling.
TEST(KernelsZooResizeBilinear, TfliteGoldenBytes) {
  Rng rng(37);
  const Image img{2, 2, 1, {127, -128, 64, 0}};
  const std::vector<int8_t> want[2] = {
      {127, 42, -43, -128, -128, -128, 96, 42, -11, -64, -64, -64,  //
       64, 43, 21, 0, 0, 0, 64, 43, 21, 0, 0, 0},
      {127, 127, 42, -43, -128, -128, 111, 111, 42, -27, -96, -96,  //
       80, 80, 43, 5, -32, -32, 64, 64, 43, 21, 0, 0}};
  for (int hpc = 0; hpc < 2; ++hpc) {
    const ts_resize_params p{2, 2, 1, 4, 6, 0, hpc, 1};
    std::vector<int8_t> got(24, 3);
    ts_resize_bilinear_s8(&p, ts_cbuf{img.bytes.data(), 0, 0, 2, 2}, ts_buf{got.data(), 0, 0, 4, 6},
                          ts_window{0, 4, 0, 6}, nullptr);
    EXPECT_EQ(got, want[hpc]) << "half_pixel_centers " << hpc;
    for (int k = 0; k < 5; ++k) {
      const auto tiled = RunTiled(
          rng, img, 4, 6, 1,
          [&](ts_window w) {
            ts_window r{};
            ts_resize_bilinear_input_range(w.y0, w.y1, 2, 4, 0, hpc, &r.y0, &r.y1);
            ts_resize_bilinear_input_range(w.x0, w.x1, 2, 6, 0, hpc, &r.x0, &r.x1);
            return r;
          },
          [&](ts_cbuf in, ts_buf out, ts_window w) { ts_resize_bilinear_s8(&p, in, out, w, nullptr); });
      EXPECT_EQ(tiled, want[hpc]) << "tiled, half_pixel_centers " << hpc;
    }
  }
}

TEST(KernelsZooResizeBilinear, InBoundsAgreesWithABruteForceScan) {
  int rejected = 0;
  for (int in = 1; in <= 4; ++in)
    for (int out = 1; out <= 3000; out += (out < 200 ? 1 : 7))
      for (int mode = 0; mode < 3; ++mode) {
        const bool ac = mode == 1, hpc = mode == 2;
        bool ok = true;
        for (int o = 0; o < out; ++o) ok = ok && Source(o, in, out, ac, hpc).lo < in;
        const ts_resize_params p{in, in, 1, out, out, ac, hpc, 1};
        ASSERT_EQ(ts_resize_bilinear_in_bounds(&p), ok ? 1 : 0) << in << " -> " << out << " mode " << mode;
        rejected += !ok;
      }
  // The scan does meet layers TFLM would read past the input for.
  EXPECT_GT(rejected, 0);
}

}  // namespace
}  // namespace tessera::zoo
