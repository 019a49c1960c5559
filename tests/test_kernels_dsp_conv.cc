// CONV_2D's DSP path (kernels/src/conv_dsp.c): its im2col path and requantization variants
// against the portable loops, on the host (ACLE intrinsics emulated in C) and on the emulated
// Cortex-M4 and M7 (QEMU mps2-an386 and mps2-an500: the native intrinsics and the
// inline-assembly loops), plus the
// in-place layouts a plan may give it.
//  - requantization primitives (dsp_dot.h) against quant.c, including the saturating and
//    rounding edge cases;
//  - first layers (1 and 3 input channels, 3x3 stride 2, 10x4), pointwise and 3x3 layers, the
//    column-size limits (TS_CONV_DSP_COL_MAX, TS_CONV_DSP_GATHER_MAX) on both sides, odd
//    output channels and odd pixel counts, windows, every requantization mode (all shifts in
//    [-23, -1]; some outside; left shifts; an INT32_MIN multiplier; an output offset outside
//    int8; an empty activation range; accumulators near the int32 limits);
//  - overlapping output and input buffers (the im2col path, and the int8 path of larger filters
//    with its two-pixel staging): in every layout the access-order contract's model calls safe
//    (with or without scratch), the DSP path gives the separate-buffer bytes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include <unistd.h>

#include "codegen/device.h"
#include "support/kernel_program.h"

#include "support/random_bytes.h"

extern "C" {
#include "tessera/kernels.h"
}
#include "../kernels/src/dsp_dot.h"

namespace {

using tessera::test::RandomBytes;
using tessera::test::Rng;
using tessera::test::Uniform;

constexpr int32_t kMin = -2147483647 - 1;

int32_t RandomAcc(Rng& r, int i) {
  int32_t x = static_cast<int32_t>(r());
  if (i % 3 == 0) x >>= Uniform(r, 0, 30);
  if (i % 17 == 0) x = Uniform(r, 0, 1) ? 2147483647 - Uniform(r, 0, 1 << 20) : kMin + Uniform(r, 0, 1 << 20);
  return x;
}

TEST(DspConvPrimitives, HighMulEqualsSaturatingRoundingDoublingHighMul) {
  Rng r(21);
  const int32_t edge[] = {0, 1, -1, 2, -2, 2147483647, kMin, kMin + 1, 1 << 30, -(1 << 30), (1 << 30) + 1};
  for (int32_t a : edge) {
    for (int32_t b : edge) {
      if (a == kMin && b == kMin) continue;
      ASSERT_EQ(ts_dsp_high_mul(a, b), ts_saturating_rounding_doubling_high_mul(a, b)) << a << " " << b;
    }
  }
  for (int i = 0; i < 300000; ++i) {
    const int32_t a = RandomAcc(r, i);
    int32_t b = static_cast<int32_t>(r());
    if (i % 2) b = Uniform(r, 1 << 30, 2147483647);
    if (a == kMin && b == kMin) continue;
    ASSERT_EQ(ts_dsp_high_mul(a, b), ts_saturating_rounding_doubling_high_mul(a, b)) << a << " " << b;
  }
}

TEST(DspConvPrimitives, DecodedRequantizeEqualsShared) {
  Rng r(22);
  for (int i = 0; i < 300000; ++i) {
    const int32_t x = RandomAcc(r, i);
    int32_t m = static_cast<int32_t>(r());
    if (i % 2) m = Uniform(r, 1 << 30, 2147483647);
    if (m == kMin) m = 0;
    const int32_t shift = Uniform(r, -31, 31);
    const ts_dsp_rq q = ts_dsp_rq_decode(m, shift);
    ASSERT_EQ(ts_dsp_rq_apply(x, &q), ts_multiply_by_quantized_multiplier(x, m, shift)) << x << " " << m << " " << shift;
  }
}

// ts_dsp_rq_shifted folds the output offset into the rounding and saturates: equal after the
// saturation to int8, for right shifts 1..23 and int8 offsets, including sums beyond int32.
TEST(DspConvPrimitives, ShiftedRequantizeSaturatesLikeShared) {
  Rng r(23);
  int saturated = 0;
  for (int i = 0; i < 400000; ++i) {
    const int32_t x = RandomAcc(r, i);
    int32_t m = i % 4 ? Uniform(r, 1 << 30, 2147483647) : static_cast<int32_t>(r());
    if (m == kMin) m = 2147483647;
    const int32_t right = i < 1000 ? 1 + i % 23 : Uniform(r, 1, 23);
    const int32_t oo = Uniform(r, -128, 127);
    const int32_t nudge = static_cast<int32_t>(static_cast<uint32_t>(2 * oo + 1) << (right - 1));
    const int32_t expect = std::clamp(ts_multiply_by_quantized_multiplier(x, m, -right) + oo, -128, 127);
    const int32_t h = ts_dsp_high_mul(x, m);
    if (int64_t{h} + (h < 0 ? -1 : 0) + nudge > 2147483647 || int64_t{h} + (h < 0 ? -1 : 0) + nudge < kMin) ++saturated;
    ASSERT_EQ(ts_dsp_ssat8(ts_dsp_rq_shifted(x, m, right, nudge)), expect)
        << x << " " << m << " right " << right << " offset " << oo;
  }
  EXPECT_GT(saturated, 100);  // the saturating case was exercised
}

TEST(DspConvPrimitives, ByteLanePackClampSaturate) {
  Rng r(24);
  for (int i = 0; i < 100000; ++i) {
    const int32_t v[4] = {Uniform(r, -128, 127), Uniform(r, -128, 127), Uniform(r, -128, 127), Uniform(r, -128, 127)};
    int32_t lo = Uniform(r, -128, 127), hi = Uniform(r, -128, 127);
    if (lo > hi) std::swap(lo, hi);
    const uint32_t w = ts_dsp_clamp8x4(ts_dsp_pack8x4(v[0], v[1], v[2], v[3]), ts_dsp_dup8(lo), ts_dsp_dup8(hi));
    for (int k = 0; k < 4; ++k) ASSERT_EQ(static_cast<int8_t>(w >> (8 * k)), std::clamp(v[k], lo, hi));
    const int32_t x = static_cast<int32_t>(r()) >> Uniform(r, 0, 31);
    ASSERT_EQ(ts_dsp_ssat8(x), std::clamp(x, -128, 127));
    const int32_t a = static_cast<int32_t>(r()), b = static_cast<int32_t>(r());
    ASSERT_EQ(ts_dsp_qadd(a, b), static_cast<int32_t>(std::clamp<int64_t>(int64_t{a} + b, kMin, 2147483647)));
  }
}

struct Conv {
  ts_conv_params p{};
  std::vector<int8_t> filter;
  std::vector<int32_t> bias, mult, shift;
  void Bind() {
    p.output_multiplier = mult.data();
    p.output_shift = shift.data();
  }
};

int32_t OutSize(int32_t in, int32_t f, int32_t s, int32_t d, int32_t pad_before, int32_t pad_after) {
  return std::max(1, (in + pad_before + pad_after - ((f - 1) * d + 1)) / s + 1);
}

// A convolution of the given geometry; `quant` picks the requantization parameters:
// 0 realistic (shifts in [-23, -1]), 1 some shifts outside (-31, 0), 2 left shifts, 3 an
// INT32_MIN multiplier, 4 output offset outside int8, 5 empty activation range, 6 huge biases.
Conv MakeConv(Rng& r, int32_t in_h, int32_t in_w, int32_t in_c, int32_t out_c, int32_t fh, int32_t fw,
              int32_t stride, int32_t dilation, bool same, int quant) {
  Conv c;
  ts_conv_params& p = c.p;
  p.in_h = in_h;
  p.in_w = in_w;
  p.in_c = in_c;
  p.out_c = out_c;
  p.filter_h = fh;
  p.filter_w = fw;
  p.filter_in_c = in_c;
  p.depth_multiplier = 1;
  p.stride_h = p.stride_w = stride;
  p.dilation_h = p.dilation_w = dilation;
  const int32_t eff_h = (fh - 1) * dilation + 1, eff_w = (fw - 1) * dilation + 1;
  int32_t pad_h = 0, pad_w = 0;
  if (same) {
    const int32_t oh = (in_h + stride - 1) / stride, ow = (in_w + stride - 1) / stride;
    pad_h = std::max(0, (oh - 1) * stride + eff_h - in_h);
    pad_w = std::max(0, (ow - 1) * stride + eff_w - in_w);
  }
  p.pad_top = pad_h / 2;
  p.pad_left = pad_w / 2;
  p.out_h = OutSize(in_h, fh, stride, dilation, p.pad_top, pad_h - p.pad_top);
  p.out_w = OutSize(in_w, fw, stride, dilation, p.pad_left, pad_w - p.pad_left);
  p.input_offset = Uniform(r, -127, 128);
  p.output_offset = quant == 4 ? Uniform(r, 128, 300) * (Uniform(r, 0, 1) ? 1 : -1) : Uniform(r, -128, 127);
  p.act_min = Uniform(r, 0, 1) ? -128 : Uniform(r, -128, 0);
  p.act_max = Uniform(r, 0, 1) ? 127 : Uniform(r, 0, 127);
  if (quant == 5) {  // act_min > act_max
    std::swap(p.act_min, p.act_max);
    p.act_min = std::max(p.act_min, p.act_max + 1);
  }
  c.filter = RandomBytes(r, size_t(out_c) * fh * fw * in_c);
  for (int32_t o = 0; o < out_c; ++o) {
    c.bias.push_back(quant == 6 ? static_cast<int32_t>(r()) : Uniform(r, -40000, 40000));
    c.mult.push_back(Uniform(r, 1 << 30, 2147483647));
    c.shift.push_back(Uniform(r, -12, -1));
  }
  if (quant == 1) c.shift[Uniform(r, 0, out_c - 1)] = Uniform(r, 0, 1) ? -31 : 0;
  if (quant == 2) c.shift[Uniform(r, 0, out_c - 1)] = Uniform(r, 1, 3);
  if (quant == 3) c.mult[Uniform(r, 0, out_c - 1)] = kMin;
  c.Bind();
  return c;
}

// Portable and DSP over `win` of the whole output (bytes outside `win` must stay as they were).
void ExpectSame(const Conv& c, ts_window win, bool with_bias, bool with_scratch, uint32_t seed, const std::string& what) {
  Rng r(seed);
  const ts_conv_params& p = c.p;
  const auto input = RandomBytes(r, size_t(p.in_h) * p.in_w * p.in_c);
  const auto canvas = RandomBytes(r, size_t(p.out_h) * p.out_w * p.out_c);
  std::vector<int8_t> a = canvas, b = canvas, sa(p.out_c), sb(p.out_c);
  const ts_cbuf in{input.data(), 0, 0, p.in_h, p.in_w};
  const int32_t* bias = with_bias ? c.bias.data() : nullptr;
  ts_conv2d_s8_portable(&p, in, c.filter.data(), bias, ts_buf{a.data(), 0, 0, p.out_h, p.out_w}, win,
                        with_scratch ? sa.data() : nullptr);
  ts_conv2d_s8_dsp(&p, in, c.filter.data(), bias, ts_buf{b.data(), 0, 0, p.out_h, p.out_w}, win,
                   with_scratch ? sb.data() : nullptr);
  ASSERT_EQ(a, b) << what << ": in " << p.in_h << "x" << p.in_w << "x" << p.in_c << " out_c " << p.out_c << " filter "
                  << p.filter_h << "x" << p.filter_w << " stride " << p.stride_h << " pad " << p.pad_top << ","
                  << p.pad_left << " window [" << win.y0 << "," << win.y1 << ")x[" << win.x0 << "," << win.x1 << ")";
}

struct Geometry {
  int32_t in_h, in_w, in_c, out_c, fh, fw, stride, dilation;
  bool same;
};

// First layers, pointwise and 3x3 layers, and both sides of the column limits.
const Geometry kGeometries[] = {
    {17, 17, 1, 8, 3, 3, 2, 1, true},    // person-detect-like 1-channel stem
    {15, 13, 3, 8, 3, 3, 2, 1, true},    // 3-channel 3x3 stride-2 stems
    {16, 16, 3, 16, 3, 3, 2, 1, false},
    {11, 9, 3, 16, 3, 3, 1, 1, true},
    {25, 10, 1, 16, 10, 4, 2, 1, true},  // KWS-like 10x4 stem
    {9, 9, 8, 17, 1, 1, 1, 1, true},     // pointwise, odd out_c
    {7, 5, 16, 48, 1, 1, 1, 1, true},
    {6, 7, 64, 9, 1, 1, 2, 1, true},     // pointwise stride 2
    {8, 8, 64, 6, 3, 3, 1, 1, true},     // 576 taps: the column limit
    {6, 6, 16, 4, 6, 6, 1, 1, true},     // 576 taps
    {7, 7, 12, 4, 7, 7, 1, 1, true},     // 588: past the limit (int8 path)
    {9, 9, 3, 5, 6, 7, 1, 1, true},      // 126 -> 128 gathered taps: the gather limit
    {9, 9, 3, 5, 7, 7, 1, 1, true},      // 147: past the gather limit
    {12, 12, 1, 3, 11, 11, 1, 1, true},  // 121 -> 124 gathered taps
    {10, 10, 6, 5, 3, 3, 1, 2, true},    // dilated, in_c not a multiple of 4
    {10, 10, 8, 5, 3, 3, 1, 2, true},    // dilated, whole groups per tap
    {5, 5, 5, 2, 3, 3, 1, 1, true},
    {3, 3, 4, 1, 3, 3, 1, 1, true},      // one output channel
    {1, 1, 7, 3, 1, 1, 1, 1, true},      // one pixel
};

TEST(DspConvIm2col, LayersLimitsAndRequantizationModesMatchPortable) {
  Rng r(31);
  int cases = 0;
  for (const Geometry& g : kGeometries) {
    for (int quant = 0; quant <= 6; ++quant) {
      for (int rep = 0; rep < 3; ++rep) {
        Conv c = MakeConv(r, g.in_h, g.in_w, g.in_c, g.out_c, g.fh, g.fw, g.stride, g.dilation, g.same, quant);
        const ts_conv_params& p = c.p;
        std::vector<ts_window> wins = {{0, p.out_h, 0, p.out_w}};
        wins.push_back({p.out_h - 1, p.out_h, p.out_w - 1, p.out_w});  // one pixel (odd count)
        const int32_t y0 = Uniform(r, 0, p.out_h - 1), x0 = Uniform(r, 0, p.out_w - 1);
        wins.push_back({y0, Uniform(r, y0 + 1, p.out_h), x0, Uniform(r, x0 + 1, p.out_w)});
        for (size_t w = 0; w < wins.size(); ++w) {
          ExpectSame(c, wins[w], rep != 1, rep == 2, r(),
                     "geometry " + std::to_string(&g - kGeometries) + " quant " + std::to_string(quant));
          ++cases;
        }
      }
    }
  }
  EXPECT_EQ(cases, int(std::size(kGeometries)) * 7 * 3 * 3);
}

// Random geometries with realistic requantization (the random test of test_kernels_dsp.cc
// draws left shifts, which keep the fastest requantization out of most of its cases).
TEST(DspConvIm2col, RandomRealisticLayersMatchPortable) {
  Rng r(32);
  for (int it = 0; it < 1500; ++it) {
    const int32_t fh = Uniform(r, 1, 5), fw = it % 3 ? Uniform(r, 1, 5) : fh;
    Conv c = MakeConv(r, Uniform(r, 1, 14), Uniform(r, 1, 14), it % 2 ? 4 * Uniform(r, 1, 12) : Uniform(r, 1, 13),
                      Uniform(r, 1, 20), fh, fw, Uniform(r, 1, 3), it % 5 ? 1 : 2, Uniform(r, 0, 1), it % 4 ? 0 : 1);
    const ts_conv_params& p = c.p;
    const int32_t y0 = Uniform(r, 0, p.out_h - 1), x0 = Uniform(r, 0, p.out_w - 1);
    const ts_window win{y0, Uniform(r, y0 + 1, p.out_h), x0, Uniform(r, x0 + 1, p.out_w)};
    ExpectSame(c, win, it % 7 != 0, it % 2 == 0, r(), "case " + std::to_string(it));
  }
}

// The contract's model of a layout (docs/ARCHITECTURE.md, access order): output pixel i of
// `win` (row-major) writes its out_c bytes after reading its receptive field; with scratch its
// writes may clobber its own reads, without scratch they may not (a kernel may interleave
// them). A layout is safe when no pixel's write hits a byte some later pixel (or itself,
// without scratch) still reads.
bool SafeLayout(const ts_conv_params& p, ts_window win, size_t in_at, size_t out_at, bool scratch) {
  const size_t in_bytes = size_t(p.in_h) * p.in_w * p.in_c;
  std::vector<int> last(in_bytes, -1);  // the last pixel reading each input byte
  int idx = 0;
  for (int32_t oy = win.y0; oy < win.y1; ++oy) {
    for (int32_t ox = win.x0; ox < win.x1; ++ox, ++idx) {
      for (int32_t ky = 0; ky < p.filter_h; ++ky) {
        for (int32_t kx = 0; kx < p.filter_w; ++kx) {
          const int32_t iy = oy * p.stride_h - p.pad_top + ky * p.dilation_h;
          const int32_t ix = ox * p.stride_w - p.pad_left + kx * p.dilation_w;
          if (iy < 0 || iy >= p.in_h || ix < 0 || ix >= p.in_w) continue;
          for (int32_t c = 0; c < p.in_c; ++c) last[(size_t(iy) * p.in_w + ix) * p.in_c + c] = idx;
        }
      }
    }
  }
  idx = 0;
  for (int32_t oy = win.y0; oy < win.y1; ++oy) {
    for (int32_t ox = win.x0; ox < win.x1; ++ox, ++idx) {
      const size_t o = out_at + (size_t(oy) * p.out_w + ox) * p.out_c;
      for (size_t b = o; b < o + size_t(p.out_c); ++b) {
        if (b < in_at || b >= in_at + in_bytes) continue;
        const int reader = last[b - in_at];
        if (scratch ? reader > idx : reader >= idx) return false;
      }
    }
  }
  return true;
}

// Output and input in one arena, the output starting `shift` bytes before the input (or
// after it): in every layout the contract's model calls safe, with or without scratch, the
// portable loops and the DSP path give the separate-buffer bytes.
TEST(DspConvOverlap, EveryLayoutSafeForTheAccessOrderIsSafeForDsp) {
  Rng r(33);
  int safe = 0, pairs = 0;
  for (int it = 0; it < 300; ++it) {
    const bool pointwise = it % 2 == 0;
    // it % 5 == 1: taps past TS_CONV_DSP_COL_MAX (the int8 path), out_c below and above the
    // two-pixel staging limit.
    const bool large = it % 5 == 1;
    const int32_t in_c = large ? (pointwise ? 4 * Uniform(r, 145, 150) : 4 * Uniform(r, 17, 20))
                               : it % 3 ? 4 * Uniform(r, 1, 6) : Uniform(r, 1, 9);
    const int32_t out_c = large ? (it % 3 ? Uniform(r, 1, 40) : Uniform(r, 129, 140))
                                : Uniform(r, 1, pointwise ? in_c : 2 * in_c);
    Conv c = MakeConv(r, Uniform(r, 2, 8), Uniform(r, 2, 8), in_c, out_c, pointwise ? 1 : 3, pointwise ? 1 : 3, 1, 1,
                      true, it % 4 ? 0 : 1);
    const ts_conv_params& p = c.p;
    const size_t in_bytes = size_t(p.in_h) * p.in_w * p.in_c, out_bytes = size_t(p.out_h) * p.out_w * p.out_c;
    const auto input = RandomBytes(r, in_bytes);
    std::vector<int8_t> expect(out_bytes);
    const ts_window win{0, p.out_h, 0, p.out_w};
    ts_conv2d_s8_portable(&p, ts_cbuf{input.data(), 0, 0, p.in_h, p.in_w}, c.filter.data(), c.bias.data(),
                          ts_buf{expect.data(), 0, 0, p.out_h, p.out_w}, win, nullptr);
    const int32_t max_shift = int32_t(std::max(in_bytes, out_bytes));
    for (int trial = 0; trial < 16; ++trial) {
      // out = in - shift; small shifts (a pixel or two) are the interesting ones
      const int32_t shift = trial == 0   ? 0
                            : trial < 6 ? Uniform(r, -2 * p.out_c, 2 * std::max(p.in_c, p.out_c))
                                         : Uniform(r, -max_shift / 4, max_shift);
      const bool scratch = trial % 2 == 0;
      const size_t in_at = size_t(std::max(0, shift)), out_at = size_t(std::max(0, -shift));
      ++pairs;
      if (!SafeLayout(p, win, in_at, out_at, scratch)) continue;
      ++safe;
      const size_t arena_bytes = std::max(in_at + in_bytes, out_at + out_bytes);
      auto run = [&](bool dsp) {
        std::vector<int8_t> arena = RandomBytes(r, arena_bytes);
        std::memcpy(arena.data() + in_at, input.data(), in_bytes);
        std::vector<int8_t> sc(p.out_c);
        const ts_cbuf in{arena.data() + in_at, 0, 0, p.in_h, p.in_w};
        const ts_buf out{arena.data() + out_at, 0, 0, p.out_h, p.out_w};
        (dsp ? ts_conv2d_s8_dsp : ts_conv2d_s8_portable)(&p, in, c.filter.data(), c.bias.data(), out, win,
                                                         scratch ? sc.data() : nullptr);
        return std::vector<int8_t>(arena.begin() + out_at, arena.begin() + out_at + out_bytes);
      };
      const std::string what = "case " + std::to_string(it) + ": output " + std::to_string(shift) +
                               " bytes before the input" + (scratch ? " (scratch)" : "") + ", in " +
                               std::to_string(p.in_h) + "x" + std::to_string(p.in_w) + "x" + std::to_string(p.in_c) +
                               " out_c " + std::to_string(p.out_c);
      ASSERT_EQ(run(false), expect) << what << " (portable: the safety model is wrong)";
      ASSERT_EQ(run(true), expect) << what;
    }
  }
  EXPECT_GT(safe, pairs / 4);
  EXPECT_LT(safe, pairs);  // unsafe layouts were drawn too: the shifts reach the hazards
}

// ---- the same on the emulated Cortex-M4: native intrinsics and inline assembly ----

// (after test::DeviceRandomPrelude(12345): seed, rnd, uni, fill)
const char* kDeviceProgram = R"(
#include <stdint.h>
#include <string.h>
#include "tessera/kernels.h"
#include "dsp_dot.h"
#include "harness.h"

#define MAXI 8000
#define MAXF 40000
static int8_t in[MAXI], filt[MAXF], outa[MAXI * 2], outb[MAXI * 2], scr[64];
static int32_t bias[64], mult[64], shift[64];

static int32_t acc_value(int i) {
  int32_t x = (int32_t)rnd();
  if (i % 3 == 0) x >>= uni(0, 30);
  if (i % 17 == 0) x = uni(0, 1) ? 2147483647 - uni(0, 1 << 20) : (-2147483647 - 1) + uni(0, 1 << 20);
  return x;
}

static uint32_t requant_mismatches(void) {
  uint32_t bad = 0;
  int i;
  for (i = 0; i < 60000; ++i) {
    const int32_t x = acc_value(i);
    int32_t m = i % 2 ? uni(1 << 30, 2147483647) : (int32_t)rnd();
    int32_t s = uni(-31, 31), right = uni(1, 23), oo = uni(-128, 127), ref, got;
    ts_dsp_rq q;
    if (m == (-2147483647 - 1)) m = 0;
    if (ts_dsp_high_mul(x, m) != ts_saturating_rounding_doubling_high_mul(x, m)) ++bad;
    q = ts_dsp_rq_decode(m, s);
    if (ts_dsp_rq_apply(x, &q) != ts_multiply_by_quantized_multiplier(x, m, s)) ++bad;
    ref = ts_multiply_by_quantized_multiplier(x, m, -right) + oo;
    ref = ref < -128 ? -128 : (ref > 127 ? 127 : ref);
    got = ts_dsp_ssat8(ts_dsp_rq_shifted(x, m, right, (int32_t)((uint32_t)(2 * oo + 1) << (right - 1))));
    if (got != ref) ++bad;
  }
  return bad;
}

/* One random convolution (portable vs DSP over a random window); 1 if they differ. */
static int conv_case(int it) {
  ts_conv_params p;
  ts_window win;
  int32_t eff, o, n, quant = it % 8;
  memset(&p, 0, sizeof p);
  p.filter_h = uni(1, 5);
  p.filter_w = it % 3 ? uni(1, 5) : p.filter_h;
  if (it % 4 == 0) p.filter_h = p.filter_w = 1;
  p.stride_h = p.stride_w = uni(1, 2);
  p.dilation_h = p.dilation_w = it % 9 == 0 ? 2 : 1;
  p.in_h = uni(1, 12);
  p.in_w = uni(1, 12);
  p.in_c = it % 2 ? 4 * uni(1, 10) : uni(1, 13);
  p.out_c = uni(1, 40);
  p.filter_in_c = p.in_c;
  p.depth_multiplier = 1;
  p.pad_top = uni(0, (p.filter_h - 1) * p.dilation_h);
  p.pad_left = uni(0, (p.filter_w - 1) * p.dilation_w);
  eff = (p.filter_h - 1) * p.dilation_h + 1;
  p.out_h = (p.in_h + p.pad_top + uni(0, eff - 1) - eff) / p.stride_h + 1;
  eff = (p.filter_w - 1) * p.dilation_w + 1;
  p.out_w = (p.in_w + p.pad_left + uni(0, eff - 1) - eff) / p.stride_w + 1;
  if (p.out_h < 1) p.out_h = 1;
  if (p.out_w < 1) p.out_w = 1;
  p.input_offset = uni(-127, 128);
  p.output_offset = quant == 4 ? 200 : uni(-128, 127);
  p.act_min = uni(0, 1) ? -128 : uni(-128, 0);
  p.act_max = uni(0, 1) ? 127 : uni(0, 127);
  for (o = 0; o < p.out_c; ++o) {
    bias[o] = quant == 6 ? (int32_t)rnd() : uni(-40000, 40000);
    mult[o] = uni(1 << 30, 2147483647);
    shift[o] = uni(-12, -1);
  }
  if (quant == 1) shift[uni(0, p.out_c - 1)] = uni(0, 1) ? -31 : 0;
  if (quant == 2) shift[uni(0, p.out_c - 1)] = uni(1, 3);
  if (quant == 3) mult[uni(0, p.out_c - 1)] = -2147483647 - 1;
  p.output_multiplier = mult;
  p.output_shift = shift;
  fill(in, p.in_h * p.in_w * p.in_c);
  fill(filt, p.out_c * p.filter_h * p.filter_w * p.in_c);
  n = p.out_h * p.out_w * p.out_c;
  fill(outa, n);
  memcpy(outb, outa, (size_t)n);
  win.y0 = uni(0, p.out_h - 1);
  win.y1 = uni(win.y0 + 1, p.out_h);
  win.x0 = uni(0, p.out_w - 1);
  win.x1 = uni(win.x0 + 1, p.out_w);
  {
    const ts_cbuf ib = {in, 0, 0, p.in_h, p.in_w};
    const ts_buf oa = {outa, 0, 0, p.out_h, p.out_w}, ob = {outb, 0, 0, p.out_h, p.out_w};
    const int32_t* b = it % 7 ? bias : 0;
    ts_conv2d_s8_portable(&p, ib, filt, b, oa, win, 0);
    ts_conv2d_s8(&p, ib, filt, b, ob, win, it % 2 ? scr : 0);
  }
  return memcmp(outa, outb, (size_t)n) != 0;
}

/* Pointwise in place (output over the input, scratch) and 3x3 with the output trailing the
 * input by (w + 1) pixels (no scratch), against separate buffers. */
static int inplace_case(int it) {
  ts_conv_params p;
  int32_t o, npix, in_at;
  const int pointwise = it % 2 == 0;
  memset(&p, 0, sizeof p);
  p.in_h = p.out_h = uni(2, 9);
  p.in_w = p.out_w = uni(2, 9);
  p.in_c = it % 3 ? 4 * uni(1, 8) : uni(1, 11);
  p.out_c = pointwise ? uni(1, p.in_c) : p.in_c;
  p.filter_h = p.filter_w = pointwise ? 1 : 3;
  p.filter_in_c = p.in_c;
  p.depth_multiplier = 1;
  p.stride_h = p.stride_w = p.dilation_h = p.dilation_w = 1;
  p.pad_top = p.pad_left = pointwise ? 0 : 1;
  p.input_offset = uni(-127, 128);
  p.output_offset = uni(-128, 127);
  p.act_min = -128;
  p.act_max = 127;
  for (o = 0; o < p.out_c; ++o) {
    bias[o] = uni(-40000, 40000);
    mult[o] = uni(1 << 30, 2147483647);
    shift[o] = uni(-10, -1);
  }
  p.output_multiplier = mult;
  p.output_shift = shift;
  npix = p.in_h * p.in_w;
  fill(in, npix * p.in_c);
  fill(filt, p.out_c * p.filter_h * p.filter_w * p.in_c);
  {
    const ts_window win = {0, p.out_h, 0, p.out_w};
    const ts_cbuf ib = {in, 0, 0, p.in_h, p.in_w};
    const ts_buf oa = {outa, 0, 0, p.out_h, p.out_w};
    ts_conv2d_s8_portable(&p, ib, filt, bias, oa, win, 0);
    in_at = pointwise ? 0 : (p.in_w + 1) * p.in_c;
    memcpy(outb + in_at, in, (size_t)(npix * p.in_c));
    {
      const ts_cbuf ib2 = {outb + in_at, 0, 0, p.in_h, p.in_w};
      const ts_buf ob = {outb, 0, 0, p.out_h, p.out_w};
      ts_conv2d_s8(&p, ib2, filt, bias, ob, win, pointwise ? scr : 0);
    }
  }
  return memcmp(outa, outb, (size_t)(npix * p.out_c)) != 0;
}

static int fc_case(int it) {
  ts_fc_params p;
  int32_t o;
  memset(&p, 0, sizeof p);
  p.batches = uni(1, 3);
  p.in_depth = it % 3 ? 4 * uni(1, 64) : uni(1, 300);
  p.out_depth = uni(1, 40);
  p.input_offset = uni(-127, 128);
  p.filter_offset = it % 2 ? 0 : uni(-127, 128);
  p.output_offset = uni(-128, 127);
  p.act_min = uni(-128, 0);
  p.act_max = uni(0, 127);
  p.per_channel = it % 2;
  for (o = 0; o < p.out_depth; ++o) {
    bias[o] = uni(-100000, 100000);
    mult[o] = uni(1 << 30, 2147483647);
    shift[o] = uni(-14, it % 5 ? -1 : 2);
  }
  p.output_multiplier = mult;
  p.output_shift = shift;
  fill(in, p.batches * p.in_depth);
  fill(filt, p.out_depth * p.in_depth);
  ts_fully_connected_s8_portable(&p, in, filt, it % 5 ? bias : 0, outa, 0);
  ts_fully_connected_s8(&p, in, filt, it % 5 ? bias : 0, outb, it % 4 < 2 ? scr : 0);
  return memcmp(outa, outb, (size_t)(p.batches * p.out_depth)) != 0;
}

int main(void) {
  uint32_t conv_bad = 0, inplace_bad = 0, fc_bad = 0;
  int i;
  ts_fw_put_kv("requant_mismatches", requant_mismatches());
  for (i = 0; i < 1500; ++i) conv_bad += (uint32_t)conv_case(i);
  for (i = 0; i < 200; ++i) inplace_bad += (uint32_t)inplace_case(i);
  for (i = 0; i < 400; ++i) fc_bad += (uint32_t)fc_case(i);
  ts_fw_put_kv("conv_mismatches", conv_bad);
  ts_fw_put_kv("inplace_mismatches", inplace_bad);
  ts_fw_put_kv("fc_mismatches", fc_bad);
  ts_fw_put_kv("done", 1);
  return 0;
}
)";

TEST(DspConvDevice, NativePathsMatchPortableOnTheEmulatedCortexM4AndM7) {
  using namespace tessera;
  if (!HaveFirmwareTools()) GTEST_SKIP() << "arm-none-eabi-gcc / qemu-system-arm absent";
  // The native path is the one under test: the builds must define __ARM_FEATURE_DSP.
  const ShellResult macros = RunShell("arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -dM -E - </dev/null");
  EXPECT_NE(macros.output.find("__ARM_FEATURE_DSP 1"), std::string::npos);
  for (const test::KernelProgramRun& r :
       test::RunKernelProgramOn("dsp_conv", test::DeviceRandomPrelude(12345) + kDeviceProgram,
                                {"conv.c", "conv_dsp.c", "fully_connected.c", "fully_connected_dsp.c", "quant.c"},
                                {Board::kAn386, Board::kAn500}, {"-O2"})) {
    SCOPED_TRACE(r.label);
    FirmwareRun run = r.run;
    EXPECT_EQ(run.values["requant_mismatches"], "0") << run.output;
    EXPECT_EQ(run.values["conv_mismatches"], "0") << run.output;
    EXPECT_EQ(run.values["inplace_mismatches"], "0") << run.output;
    EXPECT_EQ(run.values["fc_mismatches"], "0") << run.output;
  }
}

}  // namespace
