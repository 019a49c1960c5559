// The kernels' DSP-structured paths (kernels/src/*_dsp.c) on the host, where arm_dsp.h
// emulates the ACLE intrinsics in C: byte-identical with the portable loops on random shapes
// (strides, dilations, padding, odd channel counts, sub-windows of buffers holding input
// windows, extreme offsets and multipliers), and in the in-place layouts a plan may use.
// The emulated intrinsics themselves are checked against their architectural definitions.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "support/random_bytes.h"

extern "C" {
#include "tessera/kernels.h"
}
#include "../kernels/src/arm_dsp.h"

namespace {

using tessera::test::RandomBytes;
using tessera::test::Rng;
using tessera::test::Uniform;

TEST(DspPrimitives, EmulationMatchesArchitecturalDefinition) {
  Rng r(7);
  for (int i = 0; i < 20000; ++i) {
    const uint32_t a = static_cast<uint32_t>(r()), b = static_cast<uint32_t>(r()), x = static_cast<uint32_t>(r());
    const int32_t acc = static_cast<int32_t>(r());
    const int8_t b0 = static_cast<int8_t>(x & 0xff), b1 = static_cast<int8_t>((x >> 8) & 0xff);
    const int8_t b2 = static_cast<int8_t>((x >> 16) & 0xff), b3 = static_cast<int8_t>(x >> 24);
    EXPECT_EQ(ts_dsp_sxtb16_ror8(x), ts_dsp_sxtb16(ts_dsp_ror8(x)));
    EXPECT_EQ(ts_dsp_sxtab16_ror8(a, x), ts_dsp_sxtab16(a, ts_dsp_ror8(x)));
    // SXTB16 / SXTB16(ROR 8)
    EXPECT_EQ(ts_dsp_lane16(ts_dsp_sxtb16(x), 0), b0);
    EXPECT_EQ(ts_dsp_lane16(ts_dsp_sxtb16(x), 1), b2);
    EXPECT_EQ(ts_dsp_lane16(ts_dsp_sxtb16(ts_dsp_ror8(x)), 0), b1);
    EXPECT_EQ(ts_dsp_lane16(ts_dsp_sxtb16(ts_dsp_ror8(x)), 1), b3);
    // SXTAB16: per-lane addition mod 2^16
    const uint32_t s = ts_dsp_sxtab16(a, x);
    EXPECT_EQ(static_cast<uint16_t>(s & 0xffff), static_cast<uint16_t>((a & 0xffff) + b0));
    EXPECT_EQ(static_cast<uint16_t>(s >> 16), static_cast<uint16_t>((a >> 16) + b2));
    // SMLAD, SMLABB, SMLATT (mod 2^32)
    const int64_t p0 = int64_t{ts_dsp_lane16(a, 0)} * ts_dsp_lane16(b, 0);
    const int64_t p1 = int64_t{ts_dsp_lane16(a, 1)} * ts_dsp_lane16(b, 1);
    EXPECT_EQ(ts_dsp_smlad(a, b, acc), static_cast<int32_t>(static_cast<uint32_t>(int64_t{acc} + p0 + p1)));
    EXPECT_EQ(ts_dsp_smlabb(a, b, acc), static_cast<int32_t>(static_cast<uint32_t>(int64_t{acc} + p0)));
    EXPECT_EQ(ts_dsp_smlatt(a, b, acc), static_cast<int32_t>(static_cast<uint32_t>(int64_t{acc} + p1)));
    EXPECT_EQ(ts_dsp_pkhbt(a, b), (a & 0xffff) | (b << 16));
  }
}

TEST(DspPrimitives, InlinedRequantizeEqualsShared) {
  Rng r(11);
  const int32_t specials[] = {0, 1, -1, 2147483647, -2147483647 - 1, 1 << 30, -(1 << 30), 12345, -12345};
  for (int i = 0; i < 200000; ++i) {
    int32_t x = i < 9 * 9 ? specials[i % 9] : static_cast<int32_t>(r());
    if (i % 3 == 0) x >>= Uniform(r, 0, 24);
    int32_t m = i < 81 ? specials[i / 9] : static_cast<int32_t>(r());
    if (i % 4 == 0) m = Uniform(r, 1 << 30, 2147483647);
    const int shift = Uniform(r, -31, 8);
    ASSERT_EQ(ts_dsp_requantize(x, m, shift), ts_multiply_by_quantized_multiplier(x, m, shift))
        << x << " " << m << " " << shift;
  }
}

struct ConvCase {
  ts_conv_params p{};
  std::vector<int8_t> filter;
  std::vector<int32_t> bias, mult, shift;
};

// Random CONV_2D (depthwise: DEPTHWISE_CONV_2D) parameters.
ConvCase RandomConv(Rng& r, bool depthwise, int iter) {
  ConvCase c;
  ts_conv_params& p = c.p;
  p.filter_h = Uniform(r, 1, 5);
  p.filter_w = Uniform(r, 1, 5);
  if (iter % 4 == 0) p.filter_h = p.filter_w = 1;  // pointwise
  if (iter % 4 == 1) p.filter_h = p.filter_w = 3;
  p.stride_h = Uniform(r, 1, 3);
  p.stride_w = Uniform(r, 1, 3);
  p.dilation_h = iter % 5 == 0 ? Uniform(r, 1, 3) : 1;
  p.dilation_w = iter % 7 == 0 ? Uniform(r, 1, 3) : 1;
  p.in_h = Uniform(r, 1, 14);
  p.in_w = Uniform(r, 1, 14);
  p.in_c = Uniform(r, 1, 24);
  if (iter % 3 == 0) p.in_c = 4 * Uniform(r, 1, 8);
  p.depth_multiplier = depthwise ? (iter % 6 == 5 ? Uniform(r, 2, 3) : 1) : 1;
  p.out_c = depthwise ? p.in_c * p.depth_multiplier : Uniform(r, 1, 21);
  p.filter_in_c = depthwise ? 0 : p.in_c;
  if (!depthwise && iter % 11 == 3 && p.in_c % 2 == 0 && p.out_c % 2 == 0) p.filter_in_c = p.in_c / 2;  // groups
  p.pad_top = Uniform(r, 0, (p.filter_h - 1) * p.dilation_h);
  p.pad_left = Uniform(r, 0, (p.filter_w - 1) * p.dilation_w);
  const int32_t eff_h = (p.filter_h - 1) * p.dilation_h + 1, eff_w = (p.filter_w - 1) * p.dilation_w + 1;
  const int32_t pad_bottom = Uniform(r, 0, eff_h - 1), pad_right = Uniform(r, 0, eff_w - 1);
  p.out_h = std::max(1, (p.in_h + p.pad_top + pad_bottom - eff_h) / p.stride_h + 1);
  p.out_w = std::max(1, (p.in_w + p.pad_left + pad_right - eff_w) / p.stride_w + 1);
  p.input_offset = iter % 9 == 0 ? (iter % 2 ? 128 : -127) : Uniform(r, -127, 128);
  p.output_offset = Uniform(r, -128, 127);
  p.act_min = iter % 2 ? -128 : Uniform(r, -128, 0);
  p.act_max = iter % 2 ? 127 : Uniform(r, 0, 127);
  const size_t filter_elems = depthwise ? size_t(p.filter_h) * p.filter_w * p.out_c
                                        : size_t(p.out_c) * p.filter_h * p.filter_w * p.filter_in_c;
  c.filter = RandomBytes(r, filter_elems);
  if (iter % 8 == 2)  // extreme weights: every product at its largest magnitude
    for (auto& w : c.filter) w = -128;
  for (int32_t o = 0; o < p.out_c; ++o) {
    c.bias.push_back(Uniform(r, -40000, 40000));
    c.mult.push_back(Uniform(r, 1 << 30, 2147483647));
    c.shift.push_back(Uniform(r, -12, 2));
  }
  p.output_multiplier = c.mult.data();
  p.output_shift = c.shift.data();
  return c;
}

ts_window RandomWindow(Rng& r, int32_t h, int32_t w) {
  ts_window win;
  win.y0 = Uniform(r, 0, h - 1);
  win.y1 = Uniform(r, win.y0 + 1, h);
  win.x0 = Uniform(r, 0, w - 1);
  win.x1 = Uniform(r, win.x0 + 1, w);
  return win;
}

// The input window (clamped to the tensor) that output window `win` needs.
ts_window InputWindow(const ts_conv_params& p, ts_window win) {
  ts_window in;
  in.y0 = std::max(0, win.y0 * p.stride_h - p.pad_top);
  in.y1 = std::min(p.in_h, (win.y1 - 1) * p.stride_h - p.pad_top + (p.filter_h - 1) * p.dilation_h + 1);
  in.x0 = std::max(0, win.x0 * p.stride_w - p.pad_left);
  in.x1 = std::min(p.in_w, (win.x1 - 1) * p.stride_w - p.pad_left + (p.filter_w - 1) * p.dilation_w + 1);
  if (in.y1 <= in.y0) in.y1 = in.y0 + 1;  // every tap is padding: hold one pixel anyway
  if (in.x1 <= in.x0) in.x1 = in.x0 + 1;
  return in;
}

using SpatialFn = void (*)(const ts_conv_params*, ts_cbuf, const int8_t*, const int32_t*, ts_buf, ts_window,
                           int8_t*);

void CheckSpatial(bool depthwise, int iterations, uint32_t seed) {
  Rng r(seed);
  const SpatialFn dsp = depthwise ? ts_depthwise_conv2d_s8_dsp : ts_conv2d_s8_dsp;
  const SpatialFn portable = depthwise ? ts_depthwise_conv2d_s8_portable : ts_conv2d_s8_portable;
  int pairs_interior = 0;
  for (int it = 0; it < iterations; ++it) {
    ConvCase c = RandomConv(r, depthwise, it);
    const ts_conv_params& p = c.p;
    const ts_window win = RandomWindow(r, p.out_h, p.out_w);
    ts_window iw = InputWindow(p, win);
    // The input buffer holds a window a little larger than needed (as a patch buffer may).
    iw.y0 = std::max(0, iw.y0 - Uniform(r, 0, 1));
    iw.x0 = std::max(0, iw.x0 - Uniform(r, 0, 1));
    iw.y1 = std::min(p.in_h, iw.y1 + Uniform(r, 0, 1));
    iw.x1 = std::min(p.in_w, iw.x1 + Uniform(r, 0, 1));
    const std::vector<int8_t> input = RandomBytes(r, size_t(iw.y1 - iw.y0) * (iw.x1 - iw.x0) * p.in_c);
    const ts_cbuf in{input.data(), iw.y0, iw.x0, iw.y1 - iw.y0, iw.x1 - iw.x0};
    // The output buffer holds the whole output; bytes outside `win` must stay untouched.
    const size_t out_bytes = size_t(p.out_h) * p.out_w * p.out_c;
    const std::vector<int8_t> canvas = RandomBytes(r, out_bytes);
    const bool with_bias = it % 10 != 4;
    const bool with_scratch = it % 2 == 1;
    std::vector<int8_t> a = canvas, b = canvas, scratch_a(p.out_c), scratch_b(p.out_c);
    ts_buf oa{a.data(), 0, 0, p.out_h, p.out_w}, ob{b.data(), 0, 0, p.out_h, p.out_w};
    portable(&p, in, c.filter.data(), with_bias ? c.bias.data() : nullptr, oa, win,
             with_scratch ? scratch_a.data() : nullptr);
    dsp(&p, in, c.filter.data(), with_bias ? c.bias.data() : nullptr, ob, win,
        with_scratch ? scratch_b.data() : nullptr);
    ASSERT_EQ(a, b) << (depthwise ? "depthwise" : "conv") << " case " << it << ": in " << p.in_h << "x" << p.in_w
                    << "x" << p.in_c << " out_c " << p.out_c << " filter " << p.filter_h << "x" << p.filter_w
                    << " stride " << p.stride_h << "," << p.stride_w << " dilation " << p.dilation_h << ","
                    << p.dilation_w << " pad " << p.pad_top << "," << p.pad_left << " window [" << win.y0 << ","
                    << win.y1 << ")x[" << win.x0 << "," << win.x1 << ")";
    if (win.y1 - win.y0 > 2 && p.pad_top == 0 && p.pad_left == 0) ++pairs_interior;
  }
  EXPECT_GT(pairs_interior, iterations / 20);  // the two-pixel micro-kernel was exercised
}

TEST(DspKernels, Conv2DMatchesPortableOnRandomShapes) { CheckSpatial(false, 3000, 1); }
TEST(DspKernels, DepthwiseMatchesPortableOnRandomShapes) { CheckSpatial(true, 3000, 2); }

TEST(DspKernels, FullyConnectedMatchesPortable) {
  Rng r(3);
  for (int it = 0; it < 2000; ++it) {
    ts_fc_params p{};
    p.batches = Uniform(r, 1, 3);
    p.in_depth = it % 3 == 0 ? 4 * Uniform(r, 1, 64) : Uniform(r, 1, 300);
    p.out_depth = Uniform(r, 1, 33);
    p.input_offset = Uniform(r, -127, 128);
    p.filter_offset = it % 2 ? 0 : Uniform(r, -127, 128);
    p.output_offset = Uniform(r, -128, 127);
    p.act_min = Uniform(r, -128, 0);
    p.act_max = Uniform(r, 0, 127);
    p.per_channel = it % 2;
    std::vector<int32_t> mult, shift, bias;
    for (int32_t o = 0; o < p.out_depth; ++o) {
      mult.push_back(Uniform(r, 1 << 30, 2147483647));
      shift.push_back(Uniform(r, -14, 2));
      bias.push_back(Uniform(r, -100000, 100000));
    }
    p.output_multiplier = mult.data();
    p.output_shift = shift.data();
    const auto in = RandomBytes(r, size_t(p.batches) * p.in_depth);
    const auto filter = RandomBytes(r, size_t(p.out_depth) * p.in_depth);
    const bool with_scratch = it % 4 < 2;
    std::vector<int8_t> a(size_t(p.batches) * p.out_depth), b(a.size()), sa(p.out_depth), sb(p.out_depth);
    const int32_t* bp = it % 5 ? bias.data() : nullptr;
    ts_fully_connected_s8_portable(&p, in.data(), filter.data(), bp, a.data(), with_scratch ? sa.data() : nullptr);
    ts_fully_connected_s8_dsp(&p, in.data(), filter.data(), bp, b.data(), with_scratch ? sb.data() : nullptr);
    ASSERT_EQ(a, b) << "case " << it << ": depth " << p.in_depth << " -> " << p.out_depth;
  }
}

// In-place layouts a plan may give a pointwise convolution: the output over its own input
// with a one-pixel scratch (each pixel's reads end before its writes), and the output
// starting out_c bytes before the input without scratch (writes trail the reads). The DSP
// path must give the bytes of a separate-buffer run.
TEST(DspKernels, InPlacePointwiseEqualsSeparateBuffers) {
  Rng r(5);
  for (int it = 0; it < 400; ++it) {
    ConvCase c = RandomConv(r, false, 0);
    ts_conv_params& p = c.p;
    p.filter_h = p.filter_w = 1;
    p.stride_h = p.stride_w = 1;
    p.dilation_h = p.dilation_w = 1;
    p.pad_top = p.pad_left = 0;
    p.out_h = p.in_h;
    p.out_w = p.in_w;
    p.out_c = Uniform(r, 1, p.in_c);
    p.filter_in_c = p.in_c;
    c.filter = RandomBytes(r, size_t(p.out_c) * p.in_c);
    c.mult.resize(p.out_c, 1 << 30);
    c.shift.resize(p.out_c, -1);
    c.bias.resize(p.out_c, 100);
    p.output_multiplier = c.mult.data();
    p.output_shift = c.shift.data();
    const ts_window win{0, p.out_h, 0, p.out_w};
    const size_t npix = size_t(p.in_h) * p.in_w;
    const auto input = RandomBytes(r, npix * p.in_c);
    // Separate buffers.
    std::vector<int8_t> expect(npix * p.out_c);
    ts_conv2d_s8_portable(&p, ts_cbuf{input.data(), 0, 0, p.in_h, p.in_w}, c.filter.data(), c.bias.data(),
                          ts_buf{expect.data(), 0, 0, p.out_h, p.out_w}, win, nullptr);
    for (int layout = 0; layout < 2; ++layout) {
      const bool scratch = layout == 0;
      const size_t in_at = scratch ? 0 : size_t(p.out_c);
      std::vector<int8_t> arena(in_at + input.size());
      std::memcpy(arena.data() + in_at, input.data(), input.size());
      std::vector<int8_t> sc(p.out_c);
      ts_conv2d_s8_dsp(&p, ts_cbuf{arena.data() + in_at, 0, 0, p.in_h, p.in_w}, c.filter.data(), c.bias.data(),
                       ts_buf{arena.data(), 0, 0, p.out_h, p.out_w}, win, scratch ? sc.data() : nullptr);
      ASSERT_EQ(std::vector<int8_t>(arena.begin(), arena.begin() + expect.size()), expect)
          << "case " << it << (scratch ? " (in place, scratch)" : " (shifted, no scratch)");
    }
  }
}

// Depthwise 1x1 in place with scratch, and 3x3 with the output trailing the input by two
// rows plus a pixel (no scratch): the DSP path keeps the per-pixel order these rely on.
TEST(DspKernels, InPlaceDepthwiseEqualsSeparateBuffers) {
  Rng r(6);
  for (int it = 0; it < 400; ++it) {
    ConvCase c = RandomConv(r, true, 1);
    ts_conv_params& p = c.p;
    const bool pointwise = it % 2 == 0;
    p.depth_multiplier = 1;
    p.out_c = p.in_c;
    p.filter_h = p.filter_w = pointwise ? 1 : 3;
    p.stride_h = p.stride_w = 1;
    p.dilation_h = p.dilation_w = 1;
    p.pad_top = p.pad_left = pointwise ? 0 : 1;
    p.out_h = p.in_h;
    p.out_w = p.in_w;
    c.filter = RandomBytes(r, size_t(p.filter_h) * p.filter_w * p.out_c);
    c.mult.resize(p.out_c, 1 << 30);
    c.shift.resize(p.out_c, 0);
    c.bias.resize(p.out_c, 0);
    p.output_multiplier = c.mult.data();
    p.output_shift = c.shift.data();
    const ts_window win{0, p.out_h, 0, p.out_w};
    const size_t npix = size_t(p.in_h) * p.in_w;
    const auto input = RandomBytes(r, npix * p.in_c);
    std::vector<int8_t> expect(npix * p.out_c);
    ts_depthwise_conv2d_s8_portable(&p, ts_cbuf{input.data(), 0, 0, p.in_h, p.in_w}, c.filter.data(),
                                    c.bias.data(), ts_buf{expect.data(), 0, 0, p.out_h, p.out_w}, win, nullptr);
    // 3x3: output pixel i may overwrite input pixel i - (w + 1) once pixel i is computed,
    // i.e. the output sits (w + 1) pixels before the input.
    const size_t in_at = pointwise ? 0 : size_t(p.in_w + 1) * p.in_c;
    std::vector<int8_t> arena(in_at + input.size());
    std::memcpy(arena.data() + in_at, input.data(), input.size());
    std::vector<int8_t> sc(p.out_c);
    ts_depthwise_conv2d_s8_dsp(&p, ts_cbuf{arena.data() + in_at, 0, 0, p.in_h, p.in_w}, c.filter.data(),
                               c.bias.data(), ts_buf{arena.data(), 0, 0, p.out_h, p.out_w}, win,
                               pointwise ? sc.data() : nullptr);
    ASSERT_EQ(std::vector<int8_t>(arena.begin(), arena.begin() + expect.size()), expect) << "case " << it;
  }
}

TEST(DspKernels, FullyConnectedInPlaceWithScratch) {
  Rng r(8);
  for (int it = 0; it < 200; ++it) {
    ts_fc_params p{};
    p.batches = Uniform(r, 1, 3);
    p.in_depth = Uniform(r, 1, 64);
    p.out_depth = Uniform(r, 1, p.in_depth);
    p.input_offset = Uniform(r, -127, 128);
    p.output_offset = Uniform(r, -128, 127);
    p.act_min = -128;
    p.act_max = 127;
    const int32_t m = Uniform(r, 1 << 30, 2147483647), s = Uniform(r, -10, 0);
    p.output_multiplier = &m;
    p.output_shift = &s;
    const auto in = RandomBytes(r, size_t(p.batches) * p.in_depth);
    const auto filter = RandomBytes(r, size_t(p.out_depth) * p.in_depth);
    std::vector<int8_t> expect(size_t(p.batches) * p.out_depth);
    ts_fully_connected_s8_portable(&p, in.data(), filter.data(), nullptr, expect.data(), nullptr);
    // Rows of in_depth bytes overwritten by rows of out_depth <= in_depth bytes.
    std::vector<int8_t> arena = in, sc(p.out_depth);
    ts_fully_connected_s8_dsp(&p, arena.data(), filter.data(), nullptr, arena.data(), sc.data());
    ASSERT_EQ(std::vector<int8_t>(arena.begin(), arena.begin() + expect.size()), expect) << "case " << it;
  }
}

}  // namespace
