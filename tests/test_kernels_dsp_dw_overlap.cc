// DEPTHWISE_CONV_2D's DSP path (kernels/src/depthwise_conv_dsp.c) with the output buffer
// overlapping the input buffer in one arena, on the host (intrinsics emulated in C).
//
// For each random geometry (3x3 stride 1 and 2, 5x5 and 7x7 stride 1 and 2, other filters,
// dilations, depth multipliers, padding, windows not covering the whole output, output buffers
// holding the whole output or only the window, input buffers holding a little more than the
// window needs) the largest safe relative offset D of the output buffer (output offset minus
// input offset) is computed here by replaying the access-order contract of
// docs/ARCHITECTURE.md: unit i (output pixel i of the window, row-major) writes bytes
// [d + wbeg_i, d + wend_i) of the input's address range, which must lie below every input byte
// a unit >= i reads (> i when the step has a scratch: read(i); write(i)). Every d <= D is safe.
// The kernel then runs at every d in a range ending at D (the smallest gap the contract
// allows, where a write lands right below the next read), with and without a scratch; the
// whole arena must equal the initial arena with the window's output bytes (computed by the
// portable loops on separate buffers) stored in place: right outputs, no other byte touched.
// The geometries reach every way the kernel orders an overlapping call: whole window rows
// computed in its stack buffer, rows too wide for it (left border, buffered runs, right
// border), channel counts for which no run fits (one pixel at a time).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "support/random_bytes.h"

extern "C" {
#include "tessera/kernels.h"
}

namespace {

using tessera::test::RandomBytes;
using tessera::test::Rng;
using tessera::test::Uniform;

// The kernel's stack buffer (TS_DW_OVL_BYTES in depthwise_conv_dsp.c), only to steer the
// random shapes to both sides of it.
constexpr int32_t kBufferBytes = 1920;

struct Case {
  ts_conv_params p{};
  std::vector<int8_t> filter;
  std::vector<int32_t> bias, mult, shift;
  ts_window win{};
  ts_window out_held{};  // the window the output buffer holds
  ts_window in_held{};   // the window the input buffer holds
};

std::string Describe(const Case& c) {
  const ts_conv_params& p = c.p;
  char s[512];
  std::snprintf(s, sizeof s,
                "in %dx%dx%d dm %d filter %dx%d stride %d,%d dilation %d,%d pad %d,%d out %dx%d window "
                "[%d,%d)x[%d,%d) out buffer [%d,%d)x[%d,%d) in buffer [%d,%d)x[%d,%d)",
                p.in_h, p.in_w, p.in_c, p.depth_multiplier, p.filter_h, p.filter_w, p.stride_h, p.stride_w,
                p.dilation_h, p.dilation_w, p.pad_top, p.pad_left, p.out_h, p.out_w, c.win.y0, c.win.y1, c.win.x0,
                c.win.x1, c.out_held.y0, c.out_held.y1, c.out_held.x0, c.out_held.x1, c.in_held.y0, c.in_held.y1,
                c.in_held.x0, c.in_held.x1);
  return s;
}

// Input rows/columns [lo, hi) unit coordinate o reads along one axis (clamped to the tensor).
void Reach(int32_t o, int32_t stride, int32_t pad, int32_t taps, int32_t dilation, int32_t size, int32_t* lo,
           int32_t* hi) {
  *lo = size, *hi = 0;
  for (int32_t k = 0; k < taps; ++k) {
    const int32_t i = o * stride - pad + k * dilation;
    if (i < 0 || i >= size) continue;
    *lo = std::min(*lo, i);
    *hi = std::max(*hi, i + 1);
  }
}

Case RandomCase(Rng& r, int it) {
  Case c;
  ts_conv_params& p = c.p;
  const int kind = it % 10;
  // 0-3: 3x3 (stride 1 or 2); 4-5: 5x5; 6-7: 7x7; 8: other filters; 9: dilation
  p.filter_h = p.filter_w = kind <= 3 ? 3 : kind <= 5 ? 5 : kind <= 7 ? 7 : Uniform(r, 1, 4);
  if (kind == 8) p.filter_w = Uniform(r, 1, 5);
  p.stride_h = Uniform(r, 1, 2);
  p.stride_w = it % 3 == 2 ? 2 : 1;
  p.dilation_h = p.dilation_w = kind == 9 ? Uniform(r, 1, 2) : 1;
  if (kind == 9) p.filter_h = p.filter_w = 3;
  // channels: mostly rows that fit in the kernel's buffer, also rows that do not, and a few
  // channel counts for which not even two pixels fit
  const int ch = it % 7;
  p.depth_multiplier = 1;
  if (ch == 5) {
    const int dms[] = {4, 8, 2, 3};
    p.depth_multiplier = dms[Uniform(r, 0, 3)];
    p.in_c = Uniform(r, 1, 6);
  } else if (ch == 6) {
    p.in_c = it % 2 ? 4 * Uniform(r, 30, 80) : Uniform(r, kBufferBytes / 2 + 1, kBufferBytes / 2 + 100);
  } else {
    p.in_c = ch <= 2 ? 4 * Uniform(r, 1, 16) : Uniform(r, 1, 70);
  }
  p.out_c = p.in_c * p.depth_multiplier;
  p.filter_in_c = 0;
  const int32_t big = p.out_c > 400 ? 6 : 24;
  p.in_h = Uniform(r, 1, big);
  p.in_w = Uniform(r, 1, it % 4 == 0 ? 2 * big : big);
  const int32_t eff_h = (p.filter_h - 1) * p.dilation_h + 1, eff_w = (p.filter_w - 1) * p.dilation_w + 1;
  // SAME-like padding mostly (what the models use), any padding sometimes
  const bool same = it % 5 != 4;
  p.pad_top = same ? (eff_h - 1) / 2 : Uniform(r, 0, eff_h - 1);
  p.pad_left = same ? (eff_w - 1) / 2 : Uniform(r, 0, eff_w - 1);
  if (same && p.stride_h == 2 && it % 2) p.pad_top = std::max(0, p.pad_top - 1);
  if (same && p.stride_w == 2 && it % 2) p.pad_left = std::max(0, p.pad_left - 1);
  const int32_t pad_bottom = same ? eff_h - 1 - p.pad_top : Uniform(r, 0, eff_h - 1);
  const int32_t pad_right = same ? eff_w - 1 - p.pad_left : Uniform(r, 0, eff_w - 1);
  p.out_h = std::max(1, (p.in_h + p.pad_top + pad_bottom - eff_h) / p.stride_h + 1);
  p.out_w = std::max(1, (p.in_w + p.pad_left + pad_right - eff_w) / p.stride_w + 1);
  p.input_offset = it % 11 == 0 ? 128 : Uniform(r, -127, 128);
  p.output_offset = Uniform(r, -128, 127);
  p.act_min = it % 2 ? -128 : Uniform(r, -128, 0);
  p.act_max = it % 2 ? 127 : Uniform(r, 0, 127);
  c.filter = RandomBytes(r, size_t(p.filter_h) * p.filter_w * p.out_c);
  for (int32_t o = 0; o < p.out_c; ++o) {
    c.bias.push_back(it % 13 == 3 ? Uniform(r, -2000000000, 2000000000) : Uniform(r, -40000, 40000));
    c.mult.push_back(Uniform(r, 1 << 30, 2147483647));
    c.shift.push_back(it % 17 == 5 ? Uniform(r, -31, 2) : Uniform(r, -10, 0));
  }
  p.output_multiplier = c.mult.data();
  p.output_shift = c.shift.data();
  // the window: the whole output, row bands (a patch plan's rows), or any rectangle
  ts_window& w = c.win;
  w = ts_window{0, p.out_h, 0, p.out_w};
  if (it % 3 == 1) {
    w.y0 = Uniform(r, 0, p.out_h - 1);
    w.y1 = Uniform(r, w.y0 + 1, p.out_h);
  } else if (it % 3 == 2) {
    w.y0 = Uniform(r, 0, p.out_h - 1);
    w.y1 = Uniform(r, w.y0 + 1, p.out_h);
    w.x0 = Uniform(r, 0, p.out_w - 1);
    w.x1 = Uniform(r, w.x0 + 1, p.out_w);
  }
  // the output buffer: the whole tensor or exactly the window
  c.out_held = it % 2 ? w : ts_window{0, p.out_h, 0, p.out_w};
  // the input buffer: what the window needs, sometimes a little more
  int32_t y0, y1, x0, x1, a, b;
  y0 = x0 = std::numeric_limits<int32_t>::max();
  y1 = x1 = 0;
  for (int32_t oy = w.y0; oy < w.y1; ++oy) {
    Reach(oy, p.stride_h, p.pad_top, p.filter_h, p.dilation_h, p.in_h, &a, &b);
    if (a < b) y0 = std::min(y0, a), y1 = std::max(y1, b);
  }
  for (int32_t ox = w.x0; ox < w.x1; ++ox) {
    Reach(ox, p.stride_w, p.pad_left, p.filter_w, p.dilation_w, p.in_w, &a, &b);
    if (a < b) x0 = std::min(x0, a), x1 = std::max(x1, b);
  }
  if (y0 >= y1) y0 = 0, y1 = 1;
  if (x0 >= x1) x0 = 0, x1 = 1;
  if (it % 4 == 3) {
    y0 = std::max(0, y0 - Uniform(r, 0, 1));
    x0 = std::max(0, x0 - Uniform(r, 0, 1));
    y1 = std::min(p.in_h, y1 + Uniform(r, 0, 1));
    x1 = std::min(p.in_w, x1 + Uniform(r, 0, 1));
  }
  c.in_held = ts_window{y0, y1, x0, x1};
  return c;
}

// The largest safe d (output buffer offset minus input buffer offset) by the contract's
// replay; INT64_MAX when no unit reads anything after a write.
int64_t MaxSafeShift(const Case& c, bool with_scratch) {
  const ts_conv_params& p = c.p;
  const ts_window& w = c.win;
  const int32_t in_w = c.in_held.x1 - c.in_held.x0, out_w = c.out_held.x1 - c.out_held.x0;
  std::vector<int64_t> low, wend;  // per unit: lowest input byte read, end of its output bytes
  for (int32_t oy = w.y0; oy < w.y1; ++oy) {
    for (int32_t ox = w.x0; ox < w.x1; ++ox) {
      int32_t ya, yb, xa, xb;
      Reach(oy, p.stride_h, p.pad_top, p.filter_h, p.dilation_h, p.in_h, &ya, &yb);
      Reach(ox, p.stride_w, p.pad_left, p.filter_w, p.dilation_w, p.in_w, &xa, &xb);
      low.push_back(ya < yb && xa < xb ? (int64_t(ya - c.in_held.y0) * in_w + (xa - c.in_held.x0)) * p.in_c
                                       : std::numeric_limits<int64_t>::max());
      wend.push_back((int64_t(oy - c.out_held.y0) * out_w + (ox - c.out_held.x0) + 1) * p.out_c);
    }
  }
  int64_t need = std::numeric_limits<int64_t>::max(), d = std::numeric_limits<int64_t>::max();
  for (size_t i = low.size(); i-- > 0;) {
    if (!with_scratch) need = std::min(need, low[i]);
    if (need != std::numeric_limits<int64_t>::max()) d = std::min(d, need - wend[i]);
    if (with_scratch) need = std::min(need, low[i]);
  }
  return d;
}

TEST(DspDepthwiseOverlap, EveryGapUpToTheSmallestSafeOneEqualsSeparateBuffers) {
  Rng r(41);
  int overlapping = 0, at_smallest = 0, wide_rows = 0, no_runs = 0, multiplier = 0, wide_filters = 0;
  int stride2 = 0, windows = 0, runs = 0;
  for (int it = 0; it < 1200; ++it) {
    const Case c = RandomCase(r, it);
    const ts_conv_params& p = c.p;
    const ts_cbuf in_sep_shape{nullptr, c.in_held.y0, c.in_held.x0, c.in_held.y1 - c.in_held.y0,
                               c.in_held.x1 - c.in_held.x0};
    const ts_buf out_shape{nullptr, c.out_held.y0, c.out_held.x0, c.out_held.y1 - c.out_held.y0,
                           c.out_held.x1 - c.out_held.x0};
    const int64_t in_bytes = int64_t(in_sep_shape.h) * in_sep_shape.w * p.in_c;
    const int64_t out_bytes = int64_t(out_shape.h) * out_shape.w * p.out_c;
    const std::vector<int8_t> input = RandomBytes(r, size_t(in_bytes));
    const int32_t* bias = it % 9 != 4 ? c.bias.data() : nullptr;
    // the expected window bytes: the portable loops on separate buffers
    std::vector<int8_t> expect(size_t(out_bytes), 0);
    {
      ts_cbuf in = in_sep_shape;
      in.data = input.data();
      ts_buf out = out_shape;
      out.data = expect.data();
      ts_depthwise_conv2d_s8_portable(&p, in, c.filter.data(), bias, out, c.win, nullptr);
    }
    const int32_t win_w = c.win.x1 - c.win.x0;
    const bool row_fits = int64_t(win_w) * p.out_c <= kBufferBytes;
    for (const bool with_scratch : {false, true}) {
      const int64_t D = MaxSafeShift(c, with_scratch);
      if (D == std::numeric_limits<int64_t>::max() || D >= in_bytes || D <= -out_bytes) continue;
      // every gap from a few pixels below D up to D (all of them safe)
      const int64_t span = std::min<int64_t>(2 * p.out_c + 9, 40);
      for (int64_t d = D; d >= D - span && d > -out_bytes; --d) {
        const int64_t in_at = d < 0 ? -d : 0, out_at = d < 0 ? 0 : d;
        const int64_t size = std::max(in_at + in_bytes, out_at + out_bytes) + 8;
        std::vector<int8_t> arena = RandomBytes(r, size_t(size));
        std::copy(input.begin(), input.end(), arena.begin() + in_at);
        std::vector<int8_t> want = arena;
        for (int32_t oy = c.win.y0; oy < c.win.y1; ++oy) {
          const int64_t at = (int64_t(oy - out_shape.y0) * out_shape.w + (c.win.x0 - out_shape.x0)) * p.out_c;
          std::copy(expect.begin() + at, expect.begin() + at + int64_t(win_w) * p.out_c,
                    want.begin() + out_at + at);
        }
        std::vector<int8_t> scratch(size_t(ts_depthwise_conv2d_s8_scratch_bytes(&p)));
        ts_cbuf in = in_sep_shape;
        in.data = arena.data() + in_at;
        ts_buf out = out_shape;
        out.data = arena.data() + out_at;
        ts_depthwise_conv2d_s8_dsp(&p, in, c.filter.data(), bias, out, c.win, with_scratch ? scratch.data() : nullptr);
        ASSERT_EQ(arena, want) << "case " << it << " d " << d << " (D " << D << ")"
                               << (with_scratch ? " with scratch: " : ": ") << Describe(c);
        ++overlapping;
        at_smallest += d == D;
      }
      runs += p.dilation_w == 1 && p.filter_w >= 3 && p.filter_w % 2 == 1 && win_w >= 4;
      wide_rows += !row_fits && 2 * p.out_c <= kBufferBytes;
      no_runs += 2 * p.out_c > kBufferBytes;
      multiplier += p.depth_multiplier > 1;
      wide_filters += p.filter_w >= 5;
      stride2 += p.stride_w == 2;
      windows += c.win.x1 - c.win.x0 < p.out_w;
    }
  }
  EXPECT_GT(overlapping, 20000);
  EXPECT_GT(at_smallest, 1000);
  EXPECT_GT(runs, 400);
  EXPECT_GT(wide_rows, 30);
  EXPECT_GT(no_runs, 30);
  EXPECT_GT(multiplier, 100);
  EXPECT_GT(wide_filters, 300);
  EXPECT_GT(stride2, 300);
  EXPECT_GT(windows, 200);
}

// The real in-place layer shapes of the shared models (the layer-by-layer in-place placement and
// the cache plans place these outputs over their inputs): whole outputs and row bands at the
// smallest safe gap.
TEST(DspDepthwiseOverlap, ModelLayerShapesAtTheSmallestGap) {
  struct Shape {
    int h, w, c, f, pad;
  };
  const Shape shapes[] = {{25, 5, 64, 3, 1},  {48, 48, 8, 3, 1},   {24, 24, 32, 3, 1}, {12, 12, 64, 3, 1},
                          {6, 6, 128, 3, 1},  {3, 3, 256, 3, 1},   {40, 40, 16, 3, 1}, {20, 20, 48, 3, 1},
                          {10, 10, 144, 3, 1}, {10, 10, 120, 5, 2}, {5, 5, 240, 7, 3}, {5, 5, 240, 3, 1},
                          {3, 3, 480, 3, 1},  {3, 3, 288, 7, 3}};
  Rng r(42);
  int n = 0;
  for (const Shape& s : shapes) {
    for (int variant = 0; variant < 2; ++variant, ++n) {
      Case c;
      ts_conv_params& p = c.p;
      p.in_h = p.out_h = s.h;
      p.in_w = p.out_w = s.w;
      p.in_c = p.out_c = s.c;
      p.depth_multiplier = 1;
      p.filter_h = p.filter_w = s.f;
      p.stride_h = p.stride_w = p.dilation_h = p.dilation_w = 1;
      p.pad_top = p.pad_left = s.pad;
      p.input_offset = variant ? -127 : 128;
      p.output_offset = Uniform(r, -128, 127);
      p.act_min = -128;
      p.act_max = 127;
      c.filter = RandomBytes(r, size_t(s.f) * s.f * s.c);
      for (int32_t o = 0; o < s.c; ++o) {
        c.bias.push_back(Uniform(r, -40000, 40000));
        c.mult.push_back(Uniform(r, 1 << 30, 2147483647));
        c.shift.push_back(Uniform(r, -10, 0));
      }
      p.output_multiplier = c.mult.data();
      p.output_shift = c.shift.data();
      c.win = ts_window{0, s.h, 0, s.w};
      if (variant) c.win.y0 = s.h / 3, c.win.y1 = std::max(c.win.y0 + 1, 2 * s.h / 3);
      c.out_held = variant ? c.win : ts_window{0, s.h, 0, s.w};
      c.in_held = ts_window{std::max(0, c.win.y0 - s.pad), std::min(s.h, c.win.y1 + s.pad), 0, s.w};
      const int64_t D = MaxSafeShift(c, false);
      // the in-place placement's figure: the output trails the input by the receptive
      // field's reach above and to the left, plus one pixel (docs: memory/overlap.h)
      if (!variant && s.h > 2 * s.pad && s.w > 2 * s.pad) {
        EXPECT_EQ(D, -(int64_t(s.pad) * s.w + s.pad + 1) * s.c) << s.h << "x" << s.w << "x" << s.c;
      }
      const int64_t in_bytes = int64_t(c.in_held.y1 - c.in_held.y0) * s.w * s.c;
      const int64_t out_bytes = int64_t(c.win.y1 - c.win.y0) * s.w * s.c;
      const auto input = RandomBytes(r, size_t(in_bytes));
      std::vector<int8_t> expect(static_cast<size_t>(out_bytes));
      const ts_cbuf in_sep{input.data(), c.in_held.y0, 0, c.in_held.y1 - c.in_held.y0, s.w};
      ts_depthwise_conv2d_s8_portable(&p, in_sep, c.filter.data(), c.bias.data(),
                                      ts_buf{expect.data(), c.win.y0, 0, c.win.y1 - c.win.y0, s.w}, c.win, nullptr);
      ASSERT_LT(D, 0);
      std::vector<int8_t> arena(size_t(-D + in_bytes));
      std::copy(input.begin(), input.end(), arena.begin() - D);
      const ts_buf out{arena.data(), c.out_held.y0, 0, c.out_held.y1 - c.out_held.y0, s.w};
      const ts_cbuf in{arena.data() - D, c.in_held.y0, 0, c.in_held.y1 - c.in_held.y0, s.w};
      ts_depthwise_conv2d_s8_dsp(&p, in, c.filter.data(), c.bias.data(), out, c.win, nullptr);
      ASSERT_EQ(std::vector<int8_t>(arena.begin(), arena.begin() + out_bytes), expect) << Describe(c);
    }
  }
  EXPECT_EQ(n, 28);
}

// Patch plans' windows: each output split into g x g windows (g = 2 .. 8: windows 1 to 24
// pixels wide, several rows each, interior edges and tensor borders), one call per window in
// row-major order, 3x3 filters at stride 1 and 2 with and without padding (SAME: padding on
// both sides, or only after), depth multipliers 1 and 8, the model layers' channel counts;
// each window's output buffer holds exactly the window and its input buffer what the window
// reads. Separate buffers, then the output at the smallest gap the contract allows: both must
// give the portable loops' bytes.
TEST(DspDepthwiseOverlap, GridWindowsEqualPortable) {
  struct Shape {
    int in, c, dm, stride, pad;
  };
  const Shape shapes[] = {{48, 8, 1, 1, 1},  {24, 32, 1, 1, 1}, {12, 64, 1, 1, 1}, {6, 128, 1, 1, 1},
                          {25, 16, 1, 2, 0}, {24, 32, 1, 2, 0}, {12, 64, 1, 2, 0}, {48, 1, 8, 2, 0},
                          {20, 48, 1, 2, 1}, {10, 24, 1, 1, 0}, {13, 20, 1, 1, 1}, {9, 12, 1, 2, 0}};
  Rng r(43);
  int calls = 0, narrow = 0, overlapping = 0;
  for (const Shape& s : shapes) {
    for (int g = 2; g <= 8; g += (g < 4 ? 1 : 4)) {
      Case c;
      ts_conv_params& p = c.p;
      p.in_h = p.in_w = s.in;
      p.in_c = s.c;
      p.depth_multiplier = s.dm;
      p.out_c = s.c * s.dm;
      p.filter_h = p.filter_w = 3;
      p.stride_h = p.stride_w = s.stride;
      p.dilation_h = p.dilation_w = 1;
      p.pad_top = p.pad_left = s.pad;
      // SAME with stride 2 and pad 0: one column / row of padding after the input when needed
      p.out_h = p.out_w = s.stride == 1 ? s.in + 2 * s.pad - 2 : (s.in + 1) / 2;
      if (s.stride == 2 && s.pad == 1) p.out_h = p.out_w = (s.in + 2 - 3) / 2 + 1;
      p.input_offset = g % 2 ? 128 : Uniform(r, -127, 127);
      p.output_offset = Uniform(r, -128, 127);
      p.act_min = g == 3 ? -100 : -128;
      p.act_max = g == 3 ? 90 : 127;
      c.filter = RandomBytes(r, size_t(9) * p.out_c);
      for (int32_t o = 0; o < p.out_c; ++o) {
        c.bias.push_back(Uniform(r, -40000, 40000));
        c.mult.push_back(Uniform(r, 1 << 30, 2147483647));
        c.shift.push_back(o % 7 == 3 ? 1 : Uniform(r, -10, 0));
      }
      p.output_multiplier = c.mult.data();
      p.output_shift = c.shift.data();
      for (int gy = 0; gy < g; ++gy) {
        for (int gx = 0; gx < g; ++gx) {
          c.win = ts_window{gy * p.out_h / g, (gy + 1) * p.out_h / g, gx * p.out_w / g, (gx + 1) * p.out_w / g};
          if (c.win.y1 <= c.win.y0 || c.win.x1 <= c.win.x0) continue;
          c.out_held = c.win;
          int32_t y0 = p.in_h, y1 = 0, x0 = p.in_w, x1 = 0, a, b;
          for (int32_t oy = c.win.y0; oy < c.win.y1; ++oy) {
            Reach(oy, p.stride_h, p.pad_top, 3, 1, p.in_h, &a, &b);
            if (a < b) y0 = std::min(y0, a), y1 = std::max(y1, b);
          }
          for (int32_t ox = c.win.x0; ox < c.win.x1; ++ox) {
            Reach(ox, p.stride_w, p.pad_left, 3, 1, p.in_w, &a, &b);
            if (a < b) x0 = std::min(x0, a), x1 = std::max(x1, b);
          }
          ASSERT_LT(y0, y1);
          ASSERT_LT(x0, x1);
          c.in_held = ts_window{y0, y1, x0, x1};
          const int32_t win_h = c.win.y1 - c.win.y0, win_w = c.win.x1 - c.win.x0;
          const int64_t in_bytes = int64_t(y1 - y0) * (x1 - x0) * p.in_c;
          const int64_t out_bytes = int64_t(win_h) * win_w * p.out_c;
          const auto input = RandomBytes(r, size_t(in_bytes));
          const ts_cbuf in_sep{input.data(), y0, x0, y1 - y0, x1 - x0};
          std::vector<int8_t> expect(static_cast<size_t>(out_bytes)), got(static_cast<size_t>(out_bytes));
          ts_depthwise_conv2d_s8_portable(&p, in_sep, c.filter.data(), c.bias.data(),
                                          ts_buf{expect.data(), c.win.y0, c.win.x0, win_h, win_w}, c.win, nullptr);
          ts_depthwise_conv2d_s8_dsp(&p, in_sep, c.filter.data(), c.bias.data(),
                                     ts_buf{got.data(), c.win.y0, c.win.x0, win_h, win_w}, c.win, nullptr);
          ASSERT_EQ(got, expect) << "grid " << g << " separate buffers: " << Describe(c);
          ++calls;
          narrow += win_w <= 6 && win_h >= 2;
          const int64_t D = MaxSafeShift(c, false);
          if (D == std::numeric_limits<int64_t>::max() || D >= in_bytes || D <= -out_bytes) continue;
          const int64_t in_at = D < 0 ? -D : 0, out_at = D < 0 ? 0 : D;
          std::vector<int8_t> arena(size_t(std::max(in_at + in_bytes, out_at + out_bytes)));
          std::copy(input.begin(), input.end(), arena.begin() + in_at);
          ts_depthwise_conv2d_s8_dsp(&p, ts_cbuf{arena.data() + in_at, y0, x0, y1 - y0, x1 - x0}, c.filter.data(),
                                     c.bias.data(), ts_buf{arena.data() + out_at, c.win.y0, c.win.x0, win_h, win_w},
                                     c.win, nullptr);
          ASSERT_EQ(std::vector<int8_t>(arena.begin() + out_at, arena.begin() + out_at + out_bytes), expect)
              << "grid " << g << " overlap at gap " << D << ": " << Describe(c);
          ++overlapping;
        }
      }
    }
  }
  EXPECT_GT(calls, 800);
  EXPECT_GT(narrow, 300);
  EXPECT_GT(overlapping, 300);
}

}  // namespace
