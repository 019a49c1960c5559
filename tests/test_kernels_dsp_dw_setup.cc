// DEPTHWISE_CONV_2D's DSP path (kernels/src/depthwise_conv_dsp.c): the 3-tap channel runs'
// per-call table of channel constants (ts_dw_tab3: four channels at a time, the rest one at a
// time, chunks of channels when the table does not hold them all) and its folded
// requantization (the output offset inside the rounding constant, which applies for shifts
// 0..-21 with |output offset| < 256 and -22 with output offsets in [-128, 127], biases within
// 2^29 - 2^19, the general path otherwise; the pixel path's table folds the same channels),
// byte-identical with the portable loops at the edges of each condition: shifts 0, -1, -21,
// -22, -30, -31 and positive, output offsets -128, 127, +-255, +-256 and beyond, input
// offsets -127 and 128, biases at the bound and one past it, extreme weights and inputs
// (accumulators near their bounds), full and narrow activation ranges, channel counts with
// a remainder mod 4 and larger than a table chunk, depth multipliers, whole outputs, windows
// (narrow ones: border rows and few pixels per run) and outputs overlapping the input.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
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

struct Layer {
  ts_conv_params p{};
  std::vector<int8_t> filter;
  std::vector<int32_t> bias, mult, shift;
};

// A 3x3 depthwise layer (the channel runs' shape) with per-channel quantization drawn from
// the edge values; `variant` picks which edges.
Layer EdgeLayer(Rng& r, int h, int w, int c, int dm, int stride, int pad, int variant) {
  Layer L;
  ts_conv_params& p = L.p;
  p.in_h = h;
  p.in_w = w;
  p.in_c = c;
  p.depth_multiplier = dm;
  p.out_c = c * dm;
  p.filter_h = p.filter_w = 3;
  p.stride_h = p.stride_w = stride;
  p.dilation_h = p.dilation_w = 1;
  p.pad_top = p.pad_left = pad;
  p.out_h = (h + 2 * pad - 3) / stride + 1;
  p.out_w = (w + 2 * pad - 3) / stride + 1;
  const int32_t in_offsets[] = {128, -127, 0, 5};
  const int32_t out_offsets[] = {-128, 127, 255, -255, 256, -256, 0, 1000};
  p.input_offset = in_offsets[variant % 4];
  p.output_offset = out_offsets[variant % 8];
  p.act_min = variant % 3 == 2 ? -100 : -128;
  p.act_max = variant % 3 == 2 ? 90 : 127;
  L.filter = RandomBytes(r, size_t(9) * p.out_c);
  if (variant % 5 == 1)  // every product at its largest magnitude: accumulators at their bounds
    for (auto& x : L.filter) x = variant % 2 ? -128 : 127;
  const int32_t shifts[] = {0, -1, -21, -22, -30, -31, 1, -8};
  const int32_t bound = (1 << 29) - (1 << 19);
  const int32_t biases[] = {0, bound - 1, -bound + 1, bound, -bound, 2000000000, -2000000000, 12345};
  for (int32_t o = 0; o < p.out_c; ++o) {
    L.shift.push_back(variant % 6 == 0 ? shifts[o % 8] : variant % 6 == 1 ? -8 : shifts[(o + variant) % 8]);
    L.bias.push_back(variant % 4 == 3 ? biases[(o * 3 + variant) % 8] : Uniform(r, -40000, 40000));
    L.mult.push_back(o % 7 == 3 ? 2147483647 : o % 7 == 5 ? (1 << 30) : Uniform(r, 1 << 30, 2147483647));
  }
  p.output_multiplier = L.mult.data();
  p.output_shift = L.shift.data();
  return L;
}

std::vector<int8_t> EdgeInput(Rng& r, size_t n, int variant) {
  std::vector<int8_t> x = RandomBytes(r, n);
  if (variant % 5 == 1)  // with the extreme weights: sums near 9 * 128 * 255
    for (auto& v : x) v = variant % 4 == 0 ? 127 : -128;
  return x;
}

std::string Describe(const ts_conv_params& p, ts_window win, int variant) {
  char s[300];
  std::snprintf(s, sizeof s, "in %dx%dx%d dm %d stride %d pad %d window [%d,%d)x[%d,%d) variant %d", p.in_h, p.in_w,
                p.in_c, p.depth_multiplier, p.stride_h, p.pad_top, win.y0, win.y1, win.x0, win.x1, variant);
  return s;
}

struct Shape {
  int h, w, c, dm, stride, pad;
};
// Channel counts below, at and above the table's chunk (68 channels without overlap), with
// remainders mod 4; narrow and wide rows; stride 1 and 2; depth multipliers.
const Shape kShapes[] = {{8, 9, 5, 1, 1, 1},   {7, 12, 7, 1, 2, 1},   {6, 6, 130, 1, 1, 1}, {9, 9, 69, 1, 1, 1},
                         {12, 12, 64, 1, 2, 0}, {5, 20, 13, 1, 1, 1}, {6, 10, 3, 4, 1, 1},  {10, 7, 1, 8, 2, 0},
                         {4, 40, 16, 1, 1, 1},  {3, 6, 256, 1, 1, 1}, {25, 5, 64, 1, 1, 1}, {7, 7, 2, 12, 1, 1}};

TEST(DspDepthwiseSetup, EdgeQuantizationMatchesPortable) {
  Rng r(41);
  int n = 0;
  for (const Shape& s : kShapes) {
    for (int variant = 0; variant < 24; ++variant, ++n) {
      const Layer L = EdgeLayer(r, s.h, s.w, s.c, s.dm, s.stride, s.pad, variant);
      const ts_conv_params& p = L.p;
      const auto input = EdgeInput(r, size_t(s.h) * s.w * s.c, variant);
      const ts_cbuf in{input.data(), 0, 0, s.h, s.w};
      ts_window win{0, p.out_h, 0, p.out_w};
      if (variant % 3 == 1) {  // a quadrant (patch windows: border rows on one side only)
        win.y1 = std::max(1, p.out_h / 2);
        win.x0 = p.out_w / 2;
      } else if (variant % 3 == 2) {  // a narrow band of columns
        win.x0 = std::min(p.out_w - 1, 1);
        win.x1 = std::min(p.out_w, win.x0 + 4);
      }
      const int32_t* bias = variant % 7 == 6 ? nullptr : L.bias.data();
      std::vector<int8_t> a(size_t(p.out_h) * p.out_w * p.out_c, 3), b = a;
      ts_depthwise_conv2d_s8_portable(&p, in, L.filter.data(), bias, ts_buf{a.data(), 0, 0, p.out_h, p.out_w}, win,
                                      nullptr);
      ts_depthwise_conv2d_s8_dsp(&p, in, L.filter.data(), bias, ts_buf{b.data(), 0, 0, p.out_h, p.out_w}, win,
                                 nullptr);
      ASSERT_EQ(a, b) << Describe(p, win, variant);
    }
  }
  EXPECT_EQ(n, 24 * 12);
}

// The same edges with the output overlapping the input as closely as the access-order
// contract allows (output pixel i at byte i * out_c, the input (pad_top * in_w + pad_left)
// pixels later): staged groups of rows and runs, tables placed beside them.
TEST(DspDepthwiseSetup, EdgeQuantizationOverlappingMatchesPortable) {
  Rng r(42);
  int n = 0;
  for (const Shape& s : kShapes) {
    if (s.dm != 1 || s.stride != 1) continue;
    for (int variant = 0; variant < 24; ++variant, ++n) {
      const Layer L = EdgeLayer(r, s.h, s.w, s.c, 1, 1, 1, variant);
      const ts_conv_params& p = L.p;
      const size_t npix = size_t(s.h) * s.w;
      const auto input = EdgeInput(r, npix * s.c, variant);
      const ts_window win{0, p.out_h, 0, p.out_w};
      std::vector<int8_t> expect(npix * p.out_c);
      ts_depthwise_conv2d_s8_portable(&p, ts_cbuf{input.data(), 0, 0, s.h, s.w}, L.filter.data(), L.bias.data(),
                                      ts_buf{expect.data(), 0, 0, p.out_h, p.out_w}, win, nullptr);
      const size_t in_at = (size_t(p.pad_top) * s.w + p.pad_left) * s.c;
      std::vector<int8_t> arena(in_at + input.size());
      std::memcpy(arena.data() + in_at, input.data(), input.size());
      ts_depthwise_conv2d_s8_dsp(&p, ts_cbuf{arena.data() + in_at, 0, 0, s.h, s.w}, L.filter.data(), L.bias.data(),
                                 ts_buf{arena.data(), 0, 0, p.out_h, p.out_w}, win, nullptr);
      ASSERT_EQ(std::vector<int8_t>(arena.begin(), arena.begin() + expect.size()), expect) << Describe(p, win, variant);
    }
  }
  EXPECT_EQ(n, 24 * 7);
}

// Every combination of the fold's conditions at their edges, one layer each (every channel
// alike, the largest multiplier, extreme weights and inputs, so |acc| reaches the bias bound
// plus 9 * 128 * 255): shifts around -21 / -22, output offsets around +-255 / +-256, biases
// around +-(2^29 - 2^19). Any overflow of the folded form changes bytes here.
TEST(DspDepthwiseSetup, FoldBoundaryGridMatchesPortable) {
  const int32_t bound = (1 << 29) - (1 << 19);
  const int32_t shifts[] = {0, -1, -20, -21, -22, -23, -30, -31};
  const int32_t out_offsets[] = {-128, 127, 255, -255, 256, -256};
  const int32_t biases[] = {0, bound - 1, -bound + 1, bound, -bound, bound - (1 << 19)};
  const int32_t in_offsets[] = {128, -127};
  Rng r(43);
  int n = 0;
  for (int32_t sh : shifts)
    for (int32_t oo : out_offsets)
      for (int32_t b : biases)
        for (int32_t off : in_offsets)
          for (int sign = 0; sign < 4; ++sign, ++n) {
            // 5 channels: the runs; 8: the pixel path (channels a multiple of 4, 7 columns)
            Layer L = EdgeLayer(r, 4, 7, sign < 2 ? 5 : 8, 1, 1, 1, 0);
            ts_conv_params& p = L.p;
            p.input_offset = off;
            p.output_offset = oo;
            p.act_min = -128;
            p.act_max = 127;
            for (auto& w : L.filter) w = sign % 2 ? 127 : -128;
            for (int32_t o = 0; o < p.out_c; ++o) {
              L.shift[o] = sh;
              L.bias[o] = b;
              L.mult[o] = o % 2 ? 2147483647 : (1 << 30);
            }
            std::vector<int8_t> input(size_t(4) * 7 * p.in_c, off > 0 ? 127 : -128);
            const ts_cbuf in{input.data(), 0, 0, 4, 7};
            const ts_window win{0, p.out_h, 0, p.out_w};
            std::vector<int8_t> a(size_t(p.out_h) * p.out_w * p.out_c, 3), c = a;
            ts_depthwise_conv2d_s8_portable(&p, in, L.filter.data(), L.bias.data(),
                                            ts_buf{a.data(), 0, 0, p.out_h, p.out_w}, win, nullptr);
            ts_depthwise_conv2d_s8_dsp(&p, in, L.filter.data(), L.bias.data(),
                                       ts_buf{c.data(), 0, 0, p.out_h, p.out_w}, win, nullptr);
            ASSERT_EQ(a, c) << "shift " << sh << " output offset " << oo << " bias " << b << " input offset " << off
                            << " weights " << (sign % 2 ? 127 : -128) << " channels " << p.out_c;
          }
  EXPECT_EQ(n, 8 * 6 * 6 * 2 * 4);
}

// The one-pixel path's output byte with the full activation range (SSAT as the clamp) equals
// the general one, either branch, at the edges of its conditions.
TEST(DspDepthwiseSetup, FullRangeOutputByteEqualsGeneral) {
  Rng r(44);
  const int32_t accs[] = {0, 1, -1, (1 << 29) - 1, -(1 << 29) + 1, 1 << 29, -(1 << 29), 2147483647, -2147483647 - 1};
  for (int32_t sh = -32; sh <= 3; ++sh)
    for (int32_t a : accs)
      for (int32_t oo : {-128, 127, 0})
        ASSERT_EQ(ts_dw_output_full(a, 2147483647, sh, oo), ts_dsp_output(a, 2147483647, sh, oo, -128, 127))
            << a << " " << sh << " " << oo;
  for (int i = 0; i < 200000; ++i) {
    int32_t a = static_cast<int32_t>(r());
    if (i % 2) a >>= Uniform(r, 0, 31);
    const int32_t m = i % 5 ? Uniform(r, 1 << 30, 2147483647) : static_cast<int32_t>(r());
    const int32_t sh = Uniform(r, -31, 3), oo = Uniform(r, -128, 127);
    ASSERT_EQ(ts_dw_output_full(a, m, sh, oo), ts_dsp_output(a, m, sh, oo, -128, 127)) << a << " " << m << " " << sh;
  }
}

}  // namespace
