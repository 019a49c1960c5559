// DEPTHWISE_CONV_2D's DSP path (kernels/src/depthwise_conv_dsp.c) on the host, where the
// intrinsics are emulated in C: byte-identical with the portable loops on random shapes that
// reach every branch of the kernel (pixel pairs and channel runs of the interior, border
// pixels, rows of taps cut by padding, 3x3 and other filters, strides 1..3, dilations, depth
// multipliers 1, 4, 8 and others, channel counts with and without a remainder mod 4, windows
// of buffers holding input windows, scratch or not), and with the output overlapping the input
// as closely as the access-order contract allows. The halfword multiply-accumulates the path
// adds (depthwise_dsp_util.h) are checked against their architectural definitions.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "support/random_bytes.h"

extern "C" {
#include "tessera/kernels.h"
}
#include "../kernels/src/depthwise_dsp_util.h"

namespace {

using tessera::test::RandomBytes;
using tessera::test::Rng;
using tessera::test::Uniform;

TEST(DspDepthwisePrimitives, HalfwordMultiplyAccumulatesMatchDefinition) {
  Rng r(21);
  for (int i = 0; i < 20000; ++i) {
    const uint32_t a = static_cast<uint32_t>(r()), b = static_cast<uint32_t>(r());
    const int32_t acc = static_cast<int32_t>(r());
    const int64_t a0 = static_cast<int16_t>(a & 0xffff), a1 = static_cast<int16_t>(a >> 16);
    const int64_t b0 = static_cast<int16_t>(b & 0xffff), b1 = static_cast<int16_t>(b >> 16);
    EXPECT_EQ(ts_dsp_smlabt(a, b, acc), static_cast<int32_t>(static_cast<uint32_t>(acc + a0 * b1)));
    EXPECT_EQ(ts_dsp_smlatb(a, b, acc), static_cast<int32_t>(static_cast<uint32_t>(acc + a1 * b0)));
  }
}

// The doubled-accumulator requantization of the channel runs equals TFLM's
// MultiplyByQuantizedMultiplier (quant.c) wherever the kernel uses it: |acc| < 2^29, shifts
// 0..-30, any multiplier; edge accumulators, multipliers and every shift included.
TEST(DspDepthwisePrimitives, DoubledRequantizeEqualsShared) {
  Rng r(22);
  const int32_t accs[] = {0, 1, -1, 2, -2, (1 << 29) - 1, -(1 << 29) + 1, 12345, -12345, 1 << 20, -(1 << 20)};
  const int32_t mults[] = {0, 1, 2147483647, 1 << 30, (1 << 30) + 1, -2147483647 - 1, -1, 1518500250};
  for (int e = 0; e <= 30; ++e)
    for (int32_t a : accs)
      for (int32_t m : mults)
        ASSERT_EQ(ts_rq_requant2(2 * a, m, int32_t{1} << e, e + 1), ts_multiply_by_quantized_multiplier(a, m, -e))
            << a << " " << m << " " << e;
  for (int i = 0; i < 300000; ++i) {
    int32_t a = Uniform(r, -(1 << 29) + 1, (1 << 29) - 1);
    if (i % 3 == 0) a >>= Uniform(r, 0, 29);
    const int32_t m = i % 5 ? Uniform(r, 1 << 30, 2147483647) : static_cast<int32_t>(r());
    const int e = i % 7 ? Uniform(r, 0, 14) : Uniform(r, 0, 30);
    ASSERT_EQ(ts_rq_requant2(2 * a, m, int32_t{1} << e, e + 1), ts_multiply_by_quantized_multiplier(a, m, -e))
        << a << " " << m << " " << e;
  }
  const int32_t los[] = {-128, -100, 5}, his[] = {127, 90, -3};  // including an empty range
  for (int i = 0; i < 300000; ++i) {  // the single-accumulator output byte, either branch
    int32_t a = static_cast<int32_t>(r());
    if (i % 2) a >>= Uniform(r, 0, 31);
    const int32_t m = Uniform(r, 1 << 30, 2147483647), sh = Uniform(r, -31, 3), oo = Uniform(r, -128, 127);
    const int32_t lo = los[i % 3], hi = his[i % 3];
    ASSERT_EQ(ts_dw_output(a, m, sh, oo, lo, hi), ts_dsp_output(a, m, sh, oo, lo, hi)) << a << " " << m << " " << sh;
  }
  for (int i = 0; i < 100000; ++i) {  // SMMULR and SSAT against their definitions
    const int32_t a = static_cast<int32_t>(r()), b = static_cast<int32_t>(r());
    ASSERT_EQ(ts_rq_smmulr(a, b), static_cast<int32_t>((int64_t{a} * b + (int64_t{1} << 31)) >> 32));
    const int32_t x = Uniform(r, -1000, 1000);
    ASSERT_EQ(ts_dsp_ssat8(x), std::clamp(x, -128, 127));
  }
}

struct Case {
  ts_conv_params p{};
  std::vector<int8_t> filter;
  std::vector<int32_t> bias, mult, shift;
};

// Random DEPTHWISE_CONV_2D parameters; `kind` steers towards the kernel's branches.
Case RandomDepthwise(Rng& r, int it) {
  Case c;
  ts_conv_params& p = c.p;
  const int kind = it % 8;
  p.filter_h = Uniform(r, 1, 7);
  p.filter_w = Uniform(r, 1, 7);
  if (kind <= 3) p.filter_h = p.filter_w = 3;
  if (kind == 4) p.filter_h = p.filter_w = 5;
  p.stride_h = Uniform(r, 1, 3);
  p.stride_w = kind <= 2 ? Uniform(r, 1, 2) : Uniform(r, 1, 3);
  p.dilation_h = it % 9 == 0 ? Uniform(r, 1, 3) : 1;
  p.dilation_w = it % 11 == 0 ? Uniform(r, 1, 3) : 1;
  p.in_h = Uniform(r, 1, 16);
  p.in_w = Uniform(r, 1, kind <= 1 ? 40 : 16);  // long interior rows
  p.in_c = it % 3 == 0 ? Uniform(r, 1, 23) : 4 * Uniform(r, 1, 6);
  const int dms[] = {1, 1, 1, 4, 8, 2, 3, 12};
  p.depth_multiplier = it % 5 == 4 ? dms[Uniform(r, 3, 7)] : 1;
  if (p.depth_multiplier > 1) p.in_c = Uniform(r, 1, 5);
  p.out_c = p.in_c * p.depth_multiplier;
  p.filter_in_c = 0;
  const int32_t eff_h = (p.filter_h - 1) * p.dilation_h + 1, eff_w = (p.filter_w - 1) * p.dilation_w + 1;
  p.pad_top = Uniform(r, 0, eff_h - 1);
  p.pad_left = Uniform(r, 0, eff_w - 1);
  if (kind == 5) p.pad_top = p.pad_left = 0;
  const int32_t pad_bottom = Uniform(r, 0, eff_h - 1), pad_right = Uniform(r, 0, eff_w - 1);
  p.out_h = std::max(1, (p.in_h + p.pad_top + pad_bottom - eff_h) / p.stride_h + 1);
  p.out_w = std::max(1, (p.in_w + p.pad_left + pad_right - eff_w) / p.stride_w + 1);
  p.input_offset = it % 7 == 0 ? (it % 2 ? 128 : -127) : Uniform(r, -127, 128);
  p.output_offset = Uniform(r, -128, 127);
  p.act_min = it % 2 ? -128 : Uniform(r, -128, 0);
  p.act_max = it % 2 ? 127 : Uniform(r, 0, 127);
  if (it % 31 == 10) std::swap(p.act_min, p.act_max);  // an empty range: the portable clamp's order decides
  c.filter = RandomBytes(r, size_t(p.filter_h) * p.filter_w * p.out_c);
  if (it % 13 == 6)  // every product at its largest magnitude
    for (auto& w : c.filter) w = -128;
  for (int32_t o = 0; o < p.out_c; ++o) {
    c.bias.push_back(it % 17 == 3   ? Uniform(r, -2000000000, 2000000000)
                     : it % 17 == 8 ? Uniform(r, (1 << 29) - (1 << 20), (1 << 29)) * (it % 2 ? 1 : -1)
                                    : Uniform(r, -40000, 40000));
    c.mult.push_back(it % 19 == 5 ? Uniform(r, 0, 2147483647) : Uniform(r, 1 << 30, 2147483647));
    c.shift.push_back(it % 29 == 9 ? Uniform(r, -31, -25) : Uniform(r, -12, it % 23 == 7 ? 6 : 1));
  }
  p.output_multiplier = c.mult.data();
  p.output_shift = c.shift.data();
  return c;
}

ts_window RandomWindow(Rng& r, int32_t h, int32_t w, bool whole) {
  if (whole) return ts_window{0, h, 0, w};
  ts_window win;
  win.y0 = Uniform(r, 0, h - 1);
  win.y1 = Uniform(r, win.y0 + 1, h);
  win.x0 = Uniform(r, 0, w - 1);
  win.x1 = Uniform(r, win.x0 + 1, w);
  return win;
}

// The input window (clamped to the tensor) output window `win` needs.
ts_window InputWindow(const ts_conv_params& p, ts_window win) {
  ts_window in;
  in.y0 = std::max(0, win.y0 * p.stride_h - p.pad_top);
  in.y1 = std::min(p.in_h, (win.y1 - 1) * p.stride_h - p.pad_top + (p.filter_h - 1) * p.dilation_h + 1);
  in.x0 = std::max(0, win.x0 * p.stride_w - p.pad_left);
  in.x1 = std::min(p.in_w, (win.x1 - 1) * p.stride_w - p.pad_left + (p.filter_w - 1) * p.dilation_w + 1);
  if (in.y1 <= in.y0) in.y1 = std::min(p.in_h, in.y0 + 1), in.y0 = in.y1 - 1;
  if (in.x1 <= in.x0) in.x1 = std::min(p.in_w, in.x0 + 1), in.x0 = in.x1 - 1;
  return in;
}

std::string Describe(const ts_conv_params& p, ts_window win) {
  char s[400];
  std::snprintf(s, sizeof s,
                "in %dx%dx%d dm %d filter %dx%d stride %d,%d dilation %d,%d pad %d,%d out %dx%d window [%d,%d)x[%d,%d)",
                p.in_h, p.in_w, p.in_c, p.depth_multiplier, p.filter_h, p.filter_w, p.stride_h, p.stride_w,
                p.dilation_h, p.dilation_w, p.pad_top, p.pad_left, p.out_h, p.out_w, win.y0, win.y1, win.x0, win.x1);
  return s;
}

TEST(DspDepthwise, MatchesPortableOnRandomShapes) {
  Rng r(31);
  int dm4 = 0, interior_runs = 0, pixel_path = 0;
  for (int it = 0; it < 6000; ++it) {
    const Case c = RandomDepthwise(r, it);
    const ts_conv_params& p = c.p;
    const ts_window win = RandomWindow(r, p.out_h, p.out_w, it % 3 == 0);
    ts_window iw = InputWindow(p, win);
    // The buffer may hold a little more than the window needs (as a patch buffer may).
    iw.y0 = std::max(0, iw.y0 - Uniform(r, 0, 1));
    iw.x0 = std::max(0, iw.x0 - Uniform(r, 0, 1));
    iw.y1 = std::min(p.in_h, iw.y1 + Uniform(r, 0, 1));
    iw.x1 = std::min(p.in_w, iw.x1 + Uniform(r, 0, 1));
    const std::vector<int8_t> input = RandomBytes(r, size_t(iw.y1 - iw.y0) * (iw.x1 - iw.x0) * p.in_c);
    const ts_cbuf in{input.data(), iw.y0, iw.x0, iw.y1 - iw.y0, iw.x1 - iw.x0};
    // The output buffer holds the whole output; bytes outside `win` stay untouched.
    const std::vector<int8_t> canvas = RandomBytes(r, size_t(p.out_h) * p.out_w * p.out_c);
    const int32_t* bias = it % 10 != 4 ? c.bias.data() : nullptr;
    const bool with_scratch = it % 4 == 1;
    std::vector<int8_t> a = canvas, b = canvas, sa(p.out_c), sb(p.out_c);
    ts_depthwise_conv2d_s8_portable(&p, in, c.filter.data(), bias, ts_buf{a.data(), 0, 0, p.out_h, p.out_w}, win,
                                    with_scratch ? sa.data() : nullptr);
    ts_depthwise_conv2d_s8_dsp(&p, in, c.filter.data(), bias, ts_buf{b.data(), 0, 0, p.out_h, p.out_w}, win,
                               with_scratch ? sb.data() : nullptr);
    ASSERT_EQ(a, b) << "case " << it << ": " << Describe(p, win);
    if (p.depth_multiplier % 4 == 0) ++dm4;
    if (p.depth_multiplier == 1 && win.x1 - win.x0 >= 6 && p.dilation_w == 1) ++interior_runs;
    // the pixel path's shapes (ts_dw_px_pays, before its per-channel requantization check)
    const int32_t ww = win.x1 - win.x0, wh = win.y1 - win.y0;
    if (p.depth_multiplier == 1 && p.filter_h == 3 && p.filter_w == 3 && p.dilation_h == 1 && p.dilation_w == 1 &&
        p.out_c % 4 == 0 && ww * wh >= 6 && ww <= (p.stride_w == 1 ? 4 : 8))
      ++pixel_path;
  }
  EXPECT_GT(dm4, 200);
  EXPECT_GT(interior_runs, 1000);
  EXPECT_GT(pixel_path, 200) << pixel_path;
}

// The output overlapping the input, no scratch: output pixel i at byte i * out_c of the
// arena, the input starting (pad_top * in_w + pad_left) pixels later, so writing pixel i
// overwrites input pixel i - (pad_top * in_w + pad_left), the first tap pixel i itself reads
// (the checker's replay read(i); write(i); read(i) accepts exactly this). Also the output
// exactly over the input with a one-pixel scratch (1x1 filters). The kernel must give the
// bytes of a separate-buffer run.
TEST(DspDepthwise, OverlappingOutputEqualsSeparateBuffers) {
  Rng r(32);
  for (int it = 0; it < 1500; ++it) {
    Case c = RandomDepthwise(r, it);
    ts_conv_params& p = c.p;
    const bool pointwise = it % 4 == 3;
    p.depth_multiplier = 1;
    p.in_c = it % 2 ? 4 * Uniform(r, 1, 6) : Uniform(r, 1, 13);
    p.out_c = p.in_c;
    p.dilation_h = p.dilation_w = 1;
    p.stride_h = p.stride_w = 1;
    if (pointwise) p.filter_h = p.filter_w = 1;
    p.pad_top = (p.filter_h - 1) / 2;
    p.pad_left = (p.filter_w - 1) / 2;
    p.out_h = p.in_h;
    p.out_w = p.in_w;
    c.filter = RandomBytes(r, size_t(p.filter_h) * p.filter_w * p.out_c);
    c.mult.resize(p.out_c, 1 << 30);
    c.shift.resize(p.out_c, -1);
    c.bias.resize(p.out_c, 0);
    p.output_multiplier = c.mult.data();
    p.output_shift = c.shift.data();
    const ts_window win{0, p.out_h, 0, p.out_w};
    const size_t npix = size_t(p.in_h) * p.in_w;
    const auto input = RandomBytes(r, npix * p.in_c);
    std::vector<int8_t> expect(npix * p.out_c);
    ts_depthwise_conv2d_s8_portable(&p, ts_cbuf{input.data(), 0, 0, p.in_h, p.in_w}, c.filter.data(),
                                    c.bias.data(), ts_buf{expect.data(), 0, 0, p.out_h, p.out_w}, win, nullptr);
    const size_t in_at = (size_t(p.pad_top) * p.in_w + p.pad_left) * p.in_c;
    std::vector<int8_t> arena(in_at + input.size());
    std::memcpy(arena.data() + in_at, input.data(), input.size());
    std::vector<int8_t> sc(p.out_c);
    ts_depthwise_conv2d_s8_dsp(&p, ts_cbuf{arena.data() + in_at, 0, 0, p.in_h, p.in_w}, c.filter.data(),
                               c.bias.data(), ts_buf{arena.data(), 0, 0, p.out_h, p.out_w}, win,
                               pointwise ? sc.data() : nullptr);
    ASSERT_EQ(std::vector<int8_t>(arena.begin(), arena.begin() + expect.size()), expect)
        << "case " << it << ": " << Describe(p, win);
  }
}

// Real layer shapes of the shared models' depthwise convolutions (3x3 stride 1 and 2, 5x5,
// 7x7, depth multiplier 8 on one channel), whole outputs and row bands, extreme offsets.
TEST(DspDepthwise, ModelLayerShapes) {
  struct Shape {
    int h, w, c, f, s, pad, dm;
  };
  const Shape shapes[] = {{96, 96, 1, 3, 2, 0, 8}, {48, 48, 8, 3, 1, 1, 1},  {48, 48, 16, 3, 2, 0, 1},
                          {6, 6, 128, 3, 1, 1, 1}, {3, 3, 256, 3, 1, 1, 1},  {25, 5, 64, 3, 1, 1, 1},
                          {42, 42, 48, 3, 2, 0, 1}, {26, 26, 48, 7, 2, 0, 1}, {10, 10, 120, 5, 1, 2, 1},
                          {5, 5, 240, 7, 1, 3, 1}, {5, 5, 240, 5, 2, 2, 1},  {3, 3, 288, 7, 1, 3, 1}};
  Rng r(33);
  int n = 0;
  for (const Shape& s : shapes) {
    for (int variant = 0; variant < 3; ++variant, ++n) {
      Case c;
      ts_conv_params& p = c.p;
      p.in_h = s.h;
      p.in_w = s.w;
      p.in_c = s.c;
      p.depth_multiplier = s.dm;
      p.out_c = s.c * s.dm;
      p.filter_h = p.filter_w = s.f;
      p.stride_h = p.stride_w = s.s;
      p.dilation_h = p.dilation_w = 1;
      p.pad_top = p.pad_left = s.pad;
      p.out_h = (s.h + 2 * s.pad - s.f) / s.s + 1;
      if (s.pad == 0 && s.s == 2 && s.h % 2 == 0) p.out_h = s.h / 2;  // SAME, padding at the end only
      p.out_w = p.out_h * s.w / s.h;
      p.input_offset = variant == 0 ? 128 : variant == 1 ? -127 : Uniform(r, -127, 128);
      p.output_offset = Uniform(r, -128, 127);
      p.act_min = variant == 2 ? -100 : -128;
      p.act_max = variant == 2 ? 90 : 127;
      c.filter = RandomBytes(r, size_t(s.f) * s.f * p.out_c);
      for (int32_t o = 0; o < p.out_c; ++o) {
        c.bias.push_back(Uniform(r, -40000, 40000));
        c.mult.push_back(Uniform(r, 1 << 30, 2147483647));
        c.shift.push_back(Uniform(r, -10, 0));
      }
      p.output_multiplier = c.mult.data();
      p.output_shift = c.shift.data();
      const auto input = RandomBytes(r, size_t(s.h) * s.w * s.c);
      const ts_cbuf in{input.data(), 0, 0, s.h, s.w};
      ts_window win{0, p.out_h, 0, p.out_w};
      if (variant == 1) win.y0 = p.out_h / 3, win.y1 = std::max(win.y0 + 1, 2 * p.out_h / 3);
      std::vector<int8_t> a(size_t(p.out_h) * p.out_w * p.out_c, 7), b = a;
      ts_depthwise_conv2d_s8_portable(&p, in, c.filter.data(), c.bias.data(), ts_buf{a.data(), 0, 0, p.out_h, p.out_w},
                                      win, nullptr);
      ts_depthwise_conv2d_s8_dsp(&p, in, c.filter.data(), c.bias.data(), ts_buf{b.data(), 0, 0, p.out_h, p.out_w},
                                 win, nullptr);
      ASSERT_EQ(a, b) << Describe(p, win);
    }
  }
  EXPECT_EQ(n, 36);
}

// The channel-plane path's shapes (3x3, dilation 1, depth multiplier 1, stride 1, the range
// [-128, 127], shifts that fold, separate buffers, the window's longer side 8 outputs or
// more): windows wider than tall and taller than wide (the band along rows or columns),
// reading at most 8 input lines (every line in the band) and more (the ring), padding 0 to 2
// on either side, odd and even channel counts (channels in pairs, the last one alone), windows
// anywhere in the output over input buffers holding a little more than they need, input and
// output offsets at their extremes, weights at -128 and biases near the folding bound.
TEST(DspDepthwise, ChannelPlaneShapesMatchPortable) {
  Rng r(35);
  int tall = 0, wide = 0, ring = 0, odd = 0;
  for (int it = 0; it < 3000; ++it) {
    Case c;
    ts_conv_params& p = c.p;
    p.filter_h = p.filter_w = 3;
    p.stride_h = p.stride_w = 1;
    p.dilation_h = p.dilation_w = 1;
    p.depth_multiplier = 1;
    p.in_h = Uniform(r, 1, 30);
    p.in_w = Uniform(r, 1, 30);
    p.in_c = p.out_c = it % 4 == 0 ? Uniform(r, 1, 9) : 2 * Uniform(r, 1, 12) + (it % 3 == 0);
    p.pad_top = Uniform(r, 0, 2);
    p.pad_left = Uniform(r, 0, 2);
    const int32_t pad_bottom = Uniform(r, 0, 2), pad_right = Uniform(r, 0, 2);
    p.out_h = p.in_h + p.pad_top + pad_bottom - 2;
    p.out_w = p.in_w + p.pad_left + pad_right - 2;
    if (p.out_h < 1 || p.out_w < 1) continue;
    p.input_offset = it % 7 == 0 ? (it % 2 ? 128 : -127) : Uniform(r, -127, 128);
    p.output_offset = it % 11 == 0 ? (it % 2 ? 127 : -128) : Uniform(r, -128, 127);
    p.act_min = -128;
    p.act_max = 127;
    c.filter = RandomBytes(r, size_t(9) * p.out_c);
    if (it % 13 == 6)
      for (auto& w : c.filter) w = -128;
    for (int32_t o = 0; o < p.out_c; ++o) {
      c.bias.push_back(it % 17 == 3 ? ((1 << 29) - (1 << 19) - 1) * (o % 2 ? 1 : -1) : Uniform(r, -40000, 40000));
      c.mult.push_back(Uniform(r, 1 << 30, 2147483647));
      c.shift.push_back(it % 19 == 5 ? -21 : Uniform(r, -12, 0));
    }
    p.output_multiplier = c.mult.data();
    p.output_shift = c.shift.data();
    const ts_window win = RandomWindow(r, p.out_h, p.out_w, it % 3 == 0);
    const int32_t ww = win.x1 - win.x0, wh = win.y1 - win.y0, n = std::max(ww, wh), lines = std::min(ww, wh);
    if (n < 8) continue;
    ts_window iw = InputWindow(p, win);
    iw.y0 = std::max(0, iw.y0 - Uniform(r, 0, 1));
    iw.x0 = std::max(0, iw.x0 - Uniform(r, 0, 1));
    iw.y1 = std::min(p.in_h, iw.y1 + Uniform(r, 0, 1));
    iw.x1 = std::min(p.in_w, iw.x1 + Uniform(r, 0, 1));
    const std::vector<int8_t> input = RandomBytes(r, size_t(iw.y1 - iw.y0) * (iw.x1 - iw.x0) * p.in_c);
    const ts_cbuf in{input.data(), iw.y0, iw.x0, iw.y1 - iw.y0, iw.x1 - iw.x0};
    const std::vector<int8_t> canvas = RandomBytes(r, size_t(p.out_h) * p.out_w * p.out_c);
    std::vector<int8_t> a = canvas, b = canvas;
    ts_depthwise_conv2d_s8_portable(&p, in, c.filter.data(), c.bias.data(), ts_buf{a.data(), 0, 0, p.out_h, p.out_w},
                                    win, nullptr);
    ts_depthwise_conv2d_s8_dsp(&p, in, c.filter.data(), c.bias.data(), ts_buf{b.data(), 0, 0, p.out_h, p.out_w}, win,
                               nullptr);
    ASSERT_EQ(a, b) << "case " << it << ": " << Describe(p, win);
    tall += wh > ww;
    wide += wh <= ww;
    ring += lines + 2 > 8;
    odd += p.out_c % 2;
  }
  EXPECT_GT(tall, 200) << tall;
  EXPECT_GT(wide, 200) << wide;
  EXPECT_GT(ring, 200) << ring;
  EXPECT_GT(odd, 100) << odd;
}

}  // namespace
