// 16x8 kernels (ts_add_s16, ts_sub_s16, ts_mul_s16, ts_conv2d_s16, ts_depthwise_conv2d_s16,
// ts_fully_connected_s16, ts_avg_pool2d_s16, ts_max_pool2d_s16, ts_transpose_conv_s16) and ts_transpose_conv_s8
// against naive implementations of TensorFlow Lite Micro's arithmetic written here (add.cc's
// int16 path: reference_ops AddElementwise with left_shift 15; conv.cc's int16 path:
// reference_integer_ops::ConvPerChannel with an int64 or int32 accumulator; transpose_conv.cc:
// every input element scattered into a scratch of accumulators, then requantized), on random
// shapes, windows and quantization parameters.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "support/naive_kernels.h"
#include "tessera/kernels.h"

namespace {

namespace naive = tessera::naive;
// TFLM's requantization: tests/support/naive_kernels.h.
constexpr auto Mbqm32 = naive::MbqmWrap;
using naive::Mbqm64;

struct Rng {
  std::mt19937_64 r;
  explicit Rng(uint64_t s) : r(s) {}
  int64_t I(int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(r); }
};


TEST(Mbqm64, MatchesTheDefinitionAndSaturatesTheReducedMultiplier) {
  // 0x7FFFFFFF would round to 0x8000; TFLM caps the reduced multiplier at 0x7FFF
  EXPECT_EQ(ts_multiply_by_quantized_multiplier_64(int64_t{1} << 20, 0x7FFFFFFF, 0), 0x7FFF * 32);
  EXPECT_EQ(ts_multiply_by_quantized_multiplier_64(3, 1 << 30, -1), 1);    // 0.75 rounds up to 1
  EXPECT_EQ(ts_multiply_by_quantized_multiplier_64(-3, 1 << 30, -1), -1);  // -0.75 rounds half up: -1
  EXPECT_EQ(ts_multiply_by_quantized_multiplier_64(-2, 1 << 30, -1), 0);   // -0.5 rounds up to 0
  Rng r(7);
  for (int k = 0; k < 20000; ++k) {
    const int64_t x = r.I(-(int64_t{1} << 46), (int64_t{1} << 46) - 1) >> r.I(0, 40);
    const int32_t m = static_cast<int32_t>(r.I(int64_t{1} << 30, INT32_MAX));
    const int shift = static_cast<int>(r.I(-31, 7));
    if (shift > 0 && (x > (int64_t{1} << 38) || x < -(int64_t{1} << 38))) continue;
    ASSERT_EQ(ts_multiply_by_quantized_multiplier_64(x, m, shift), Mbqm64(x, m, shift)) << x << " " << m << " " << shift;
  }
}

TEST(AddS16, RandomShapesWindowsAndBroadcastsMatchTflmArithmetic) {
  Rng r(16);
  for (int k = 0; k < 300; ++k) {
    const int32_t h = static_cast<int32_t>(r.I(1, 6)), w = static_cast<int32_t>(r.I(1, 6)),
                  c = static_cast<int32_t>(r.I(1, 9));
    // operand b broadcast along some axes
    const bool bh = r.I(0, 3) == 0, bw = r.I(0, 3) == 0, bc = r.I(0, 3) == 0;
    const int32_t hb = bh ? 1 : h, wb = bw ? 1 : w, cb = bc ? 1 : c;
    std::vector<int16_t> a(static_cast<size_t>(h * w * c)), b(static_cast<size_t>(hb * wb * cb));
    for (auto& v : a) v = static_cast<int16_t>(r.I(-32768, 32767));
    for (auto& v : b) v = static_cast<int16_t>(r.I(-32768, 32767));
    ts_add_params p{};
    p.left_shift = 15;
    p.input1_multiplier = static_cast<int32_t>(r.I(int64_t{1} << 30, INT32_MAX));
    p.input2_multiplier = static_cast<int32_t>(r.I(int64_t{1} << 30, INT32_MAX));
    p.output_multiplier = static_cast<int32_t>(r.I(int64_t{1} << 30, INT32_MAX));
    p.input1_shift = static_cast<int32_t>(r.I(-8, 0));
    p.input2_shift = static_cast<int32_t>(r.I(-8, 0));
    p.output_shift = static_cast<int32_t>(r.I(-18, -10));
    p.act_min = r.I(0, 1) ? -32768 : static_cast<int32_t>(r.I(-32768, 0));
    p.act_max = r.I(0, 1) ? 32767 : static_cast<int32_t>(r.I(0, 32767));
    // expected: every element, TFLM's AddElementwise
    std::vector<int16_t> want(a.size());
    for (int32_t y = 0; y < h; ++y)
      for (int32_t x = 0; x < w; ++x)
        for (int32_t ch = 0; ch < c; ++ch) {
          const int32_t va = a[static_cast<size_t>((y * w + x) * c + ch)];
          const int32_t vb = b[static_cast<size_t>(((bh ? 0 : y) * wb + (bw ? 0 : x)) * cb + (bc ? 0 : ch))];
          const int32_t s1 = Mbqm32(va * (1 << 15), p.input1_multiplier, p.input1_shift);
          const int32_t s2 = Mbqm32(vb * (1 << 15), p.input2_multiplier, p.input2_shift);
          const int32_t o = Mbqm32(s1 + s2, p.output_multiplier, p.output_shift);
          want[static_cast<size_t>((y * w + x) * c + ch)] = static_cast<int16_t>(std::clamp(o, p.act_min, p.act_max));
        }
    // the output in two row windows and two column windows
    std::vector<int16_t> got(a.size(), 0x5555);
    const int32_t ys = static_cast<int32_t>(r.I(0, h)), xs = static_cast<int32_t>(r.I(0, w));
    const ts_operand oa{reinterpret_cast<const int8_t*>(a.data()), 0, 0, w * c, c, 1};
    const ts_operand ob{reinterpret_cast<const int8_t*>(b.data()), 0, 0, bh ? 0 : wb * cb, bw ? 0 : cb, bc ? 0 : 1};
    const ts_buf out{reinterpret_cast<int8_t*>(got.data()), 0, 0, h, w};
    for (const ts_window win : {ts_window{0, ys, 0, xs}, ts_window{0, ys, xs, w}, ts_window{ys, h, 0, xs},
                                ts_window{ys, h, xs, w}})
      ts_add_s16(&p, oa, ob, out, c, win);
    ASSERT_EQ(got, want) << "case " << k << ": " << h << "x" << w << "x" << c;
  }
}

TEST(SubMulS16, RandomShapesWindowsAndBroadcastsMatchTflmArithmetic) {
  Rng r(1611);
  for (int k = 0; k < 300; ++k) {
    const bool mul = k % 2 == 0;
    const int32_t h = static_cast<int32_t>(r.I(1, 6)), w = static_cast<int32_t>(r.I(1, 6)),
                  c = static_cast<int32_t>(r.I(1, 9));
    const bool bh = r.I(0, 3) == 0, bw = r.I(0, 3) == 0, bc = r.I(0, 3) == 0;
    const int32_t hb = bh ? 1 : h, wb = bw ? 1 : w, cb = bc ? 1 : c;
    std::vector<int16_t> a(static_cast<size_t>(h * w * c)), b(static_cast<size_t>(hb * wb * cb));
    for (auto& v : a) v = static_cast<int16_t>(r.I(-32768, 32767));
    for (auto& v : b) v = static_cast<int16_t>(r.I(-32768, 32767));
    ts_add_params ap{};
    ts_mul_params mp{};
    const int32_t act_min = r.I(0, 1) ? -32768 : static_cast<int32_t>(r.I(-32768, 0));
    const int32_t act_max = r.I(0, 1) ? 32767 : static_cast<int32_t>(r.I(0, 32767));
    if (mul) {
      mp.output_multiplier = static_cast<int32_t>(r.I(int64_t{1} << 30, INT32_MAX));
      mp.output_shift = static_cast<int32_t>(r.I(-20, -8));
      mp.act_min = act_min;
      mp.act_max = act_max;
    } else {
      ap.left_shift = 15;
      ap.input1_multiplier = static_cast<int32_t>(r.I(int64_t{1} << 30, INT32_MAX));
      ap.input2_multiplier = static_cast<int32_t>(r.I(int64_t{1} << 30, INT32_MAX));
      ap.output_multiplier = static_cast<int32_t>(r.I(int64_t{1} << 30, INT32_MAX));
      ap.input1_shift = static_cast<int32_t>(r.I(-8, 0));
      ap.input2_shift = static_cast<int32_t>(r.I(-8, 0));
      ap.output_shift = static_cast<int32_t>(r.I(-18, -10));
      ap.act_min = act_min;
      ap.act_max = act_max;
    }
    // expected: TFLM's MulElementwise (int16) / SubElementwise (general rescaling)
    std::vector<int16_t> want(a.size());
    for (int32_t y = 0; y < h; ++y)
      for (int32_t x = 0; x < w; ++x)
        for (int32_t ch = 0; ch < c; ++ch) {
          const int32_t va = a[static_cast<size_t>((y * w + x) * c + ch)];
          const int32_t vb = b[static_cast<size_t>(((bh ? 0 : y) * wb + (bw ? 0 : x)) * cb + (bc ? 0 : ch))];
          int32_t o;
          if (mul) {
            o = Mbqm32(va * vb, mp.output_multiplier, mp.output_shift);
          } else {
            const int32_t s1 = Mbqm32(va * (1 << 15), ap.input1_multiplier, ap.input1_shift);
            const int32_t s2 = Mbqm32(vb * (1 << 15), ap.input2_multiplier, ap.input2_shift);
            o = Mbqm32(s1 - s2, ap.output_multiplier, ap.output_shift);
          }
          want[static_cast<size_t>((y * w + x) * c + ch)] = static_cast<int16_t>(std::clamp(o, act_min, act_max));
        }
    // four output windows; operands and output at odd byte offsets
    std::vector<int8_t> abytes(a.size() * 2 + 1), bbytes(b.size() * 2 + 1), obytes(a.size() * 2 + 1, 0x55);
    std::memcpy(abytes.data() + 1, a.data(), a.size() * 2);
    std::memcpy(bbytes.data() + 1, b.data(), b.size() * 2);
    const int32_t ys = static_cast<int32_t>(r.I(0, h)), xs = static_cast<int32_t>(r.I(0, w));
    const ts_operand oa{abytes.data() + 1, 0, 0, w * c, c, 1};
    const ts_operand ob{bbytes.data() + 1, 0, 0, bh ? 0 : wb * cb, bw ? 0 : cb, bc ? 0 : 1};
    const ts_buf out{obytes.data() + 1, 0, 0, h, w};
    for (const ts_window win : {ts_window{0, ys, 0, xs}, ts_window{0, ys, xs, w}, ts_window{ys, h, 0, xs},
                                ts_window{ys, h, xs, w}}) {
      if (mul)
        ts_mul_s16(&mp, oa, ob, out, c, win);
      else
        ts_sub_s16(&ap, oa, ob, out, c, win);
    }
    std::vector<int16_t> got(want.size());
    std::memcpy(got.data(), obytes.data() + 1, got.size() * 2);
    ASSERT_EQ(got, want) << "case " << k << (mul ? " MUL " : " SUB ") << h << "x" << w << "x" << c;
  }
}

TEST(ConvS16, RandomShapesWindowsAndBiasTypesMatchTflmArithmetic) {
  Rng r(1608);
  for (int k = 0; k < 200; ++k) {
    ts_conv_params p{};
    p.in_h = static_cast<int32_t>(r.I(1, 9));
    p.in_w = static_cast<int32_t>(r.I(1, 9));
    p.filter_in_c = static_cast<int32_t>(r.I(1, 6));
    const int32_t groups = r.I(0, 4) == 0 ? static_cast<int32_t>(r.I(1, 3)) : 1;
    p.in_c = p.filter_in_c * groups;
    p.out_c = groups * static_cast<int32_t>(r.I(1, 4));
    p.filter_h = static_cast<int32_t>(r.I(1, 4));
    p.filter_w = static_cast<int32_t>(r.I(1, 4));
    p.stride_h = static_cast<int32_t>(r.I(1, 3));
    p.stride_w = static_cast<int32_t>(r.I(1, 3));
    p.dilation_h = static_cast<int32_t>(r.I(1, 2));
    p.dilation_w = static_cast<int32_t>(r.I(1, 2));
    p.pad_top = static_cast<int32_t>(r.I(0, p.filter_h - 1));
    p.pad_left = static_cast<int32_t>(r.I(0, p.filter_w - 1));
    p.out_h = static_cast<int32_t>(r.I(1, 6));
    p.out_w = static_cast<int32_t>(r.I(1, 6));
    p.depth_multiplier = 1;
    p.act_min = r.I(0, 1) ? -32768 : static_cast<int32_t>(r.I(-32768, 0));
    p.act_max = r.I(0, 1) ? 32767 : static_cast<int32_t>(r.I(0, 32767));
    const int bias_kind = static_cast<int>(r.I(0, 2));  // 0 int64, 1 int32, 2 none
    std::vector<int32_t> mult(static_cast<size_t>(p.out_c)), shift(mult.size());
    for (size_t i = 0; i < mult.size(); ++i) {
      mult[i] = static_cast<int32_t>(r.I(int64_t{1} << 30, INT32_MAX));
      shift[i] = static_cast<int32_t>(r.I(-20, -8));
    }
    p.output_multiplier = mult.data();
    p.output_shift = shift.data();
    std::vector<int16_t> in(static_cast<size_t>(p.in_h * p.in_w * p.in_c));
    for (auto& v : in) v = static_cast<int16_t>(r.I(-32768, 32767));
    std::vector<int8_t> f(static_cast<size_t>(p.out_c * p.filter_h * p.filter_w * p.filter_in_c));
    for (auto& v : f) v = static_cast<int8_t>(r.I(-127, 127));
    std::vector<int64_t> b64(static_cast<size_t>(p.out_c));
    std::vector<int32_t> b32(b64.size());
    for (size_t i = 0; i < b64.size(); ++i) {
      b64[i] = r.I(-(int64_t{1} << 36), int64_t{1} << 36);
      b32[i] = static_cast<int32_t>(r.I(-(1 << 24), 1 << 24));
    }
    // expected: TFLM's ConvPerChannel loops over the whole output
    std::vector<int16_t> want(static_cast<size_t>(p.out_h * p.out_w * p.out_c));
    const int32_t per_group = p.out_c / groups;
    for (int32_t oy = 0; oy < p.out_h; ++oy)
      for (int32_t ox = 0; ox < p.out_w; ++ox)
        for (int32_t oc = 0; oc < p.out_c; ++oc) {
          const int32_t g = oc / per_group;
          int64_t acc = 0;
          for (int32_t ky = 0; ky < p.filter_h; ++ky)
            for (int32_t kx = 0; kx < p.filter_w; ++kx) {
              const int32_t iy = oy * p.stride_h - p.pad_top + ky * p.dilation_h;
              const int32_t ix = ox * p.stride_w - p.pad_left + kx * p.dilation_w;
              if (iy < 0 || iy >= p.in_h || ix < 0 || ix >= p.in_w) continue;
              for (int32_t ic = 0; ic < p.filter_in_c; ++ic)
                acc += static_cast<int64_t>(f[static_cast<size_t>(((oc * p.filter_h + ky) * p.filter_w + kx) *
                                                                      p.filter_in_c + ic)]) *
                       in[static_cast<size_t>((iy * p.in_w + ix) * p.in_c + g * p.filter_in_c + ic)];
            }
          int32_t o;
          if (bias_kind == 0) {
            o = Mbqm64(acc + b64[static_cast<size_t>(oc)], mult[static_cast<size_t>(oc)], shift[static_cast<size_t>(oc)]);
          } else {
            // int32 accumulator: |acc| < 2^31 here (at most 16 * 6 * 3 taps of 2^22)
            const int32_t a32 = static_cast<int32_t>(acc) + (bias_kind == 1 ? b32[static_cast<size_t>(oc)] : 0);
            o = Mbqm32(a32, mult[static_cast<size_t>(oc)], shift[static_cast<size_t>(oc)]);
          }
          want[static_cast<size_t>((oy * p.out_w + ox) * p.out_c + oc)] =
              static_cast<int16_t>(std::clamp(o, p.act_min, p.act_max));
        }
    // tessera: output windows split at a random row and column, half of them through scratch
    std::vector<int16_t> got(want.size(), 0x5555);
    std::vector<int16_t> scratch(static_cast<size_t>(p.out_c));
    ASSERT_EQ(ts_conv2d_s16_scratch_bytes(&p), static_cast<size_t>(p.out_c) * 2);
    const int32_t ys = static_cast<int32_t>(r.I(0, p.out_h)), xs = static_cast<int32_t>(r.I(0, p.out_w));
    const ts_cbuf cin{reinterpret_cast<const int8_t*>(in.data()), 0, 0, p.in_h, p.in_w};
    const ts_buf out{reinterpret_cast<int8_t*>(got.data()), 0, 0, p.out_h, p.out_w};
    int n = 0;
    for (const ts_window win : {ts_window{0, ys, 0, xs}, ts_window{0, ys, xs, p.out_w},
                                ts_window{ys, p.out_h, 0, xs}, ts_window{ys, p.out_h, xs, p.out_w}})
      ts_conv2d_s16(&p, cin, f.data(), bias_kind == 1 ? b32.data() : nullptr, bias_kind == 0 ? b64.data() : nullptr,
                    out, win, (n++ % 2) ? reinterpret_cast<int8_t*>(scratch.data()) : nullptr);
    ASSERT_EQ(got, want) << "case " << k << " bias kind " << bias_kind;
  }
}

TEST(DepthwiseConvS16, RandomShapesWindowsAndBiasMatchTflmArithmetic) {
  Rng r(1609);
  for (int k = 0; k < 200; ++k) {
    ts_conv_params p{};
    p.in_h = static_cast<int32_t>(r.I(1, 9));
    p.in_w = static_cast<int32_t>(r.I(1, 9));
    p.in_c = static_cast<int32_t>(r.I(1, 6));
    p.depth_multiplier = static_cast<int32_t>(r.I(1, 3));
    p.out_c = p.in_c * p.depth_multiplier;
    p.filter_in_c = 1;
    p.filter_h = static_cast<int32_t>(r.I(1, 5));
    p.filter_w = static_cast<int32_t>(r.I(1, 5));
    p.stride_h = static_cast<int32_t>(r.I(1, 3));
    p.stride_w = static_cast<int32_t>(r.I(1, 3));
    p.dilation_h = static_cast<int32_t>(r.I(1, 2));
    p.dilation_w = static_cast<int32_t>(r.I(1, 2));
    p.pad_top = static_cast<int32_t>(r.I(0, p.filter_h - 1));
    p.pad_left = static_cast<int32_t>(r.I(0, p.filter_w - 1));
    p.out_h = static_cast<int32_t>(r.I(1, 6));
    p.out_w = static_cast<int32_t>(r.I(1, 6));
    p.act_min = r.I(0, 1) ? -32768 : static_cast<int32_t>(r.I(-32768, 0));
    p.act_max = r.I(0, 1) ? 32767 : static_cast<int32_t>(r.I(0, 32767));
    const bool has_bias = r.I(0, 3) != 0;
    std::vector<int32_t> mult(static_cast<size_t>(p.out_c)), shift(mult.size());
    for (size_t i = 0; i < mult.size(); ++i) {
      mult[i] = static_cast<int32_t>(r.I(int64_t{1} << 30, INT32_MAX));
      shift[i] = static_cast<int32_t>(r.I(-18, -4));
    }
    p.output_multiplier = mult.data();
    p.output_shift = shift.data();
    std::vector<int16_t> in(static_cast<size_t>(p.in_h * p.in_w * p.in_c));
    for (auto& v : in) v = static_cast<int16_t>(r.I(-32768, 32767));
    std::vector<int8_t> f(static_cast<size_t>(p.filter_h * p.filter_w * p.out_c));
    for (auto& v : f) v = static_cast<int8_t>(r.I(-128, 127));
    std::vector<int64_t> b64(static_cast<size_t>(p.out_c));
    for (auto& b : b64) b = r.I(-(int64_t{1} << 36), int64_t{1} << 36);
    // expected: TFLM's int16 DepthwiseConvPerChannel over the whole output, every tap tested
    // against the input's bounds
    std::vector<int16_t> want(static_cast<size_t>(p.out_h * p.out_w * p.out_c));
    for (int32_t oy = 0; oy < p.out_h; ++oy)
      for (int32_t ox = 0; ox < p.out_w; ++ox)
        for (int32_t ic = 0; ic < p.in_c; ++ic)
          for (int32_t m = 0; m < p.depth_multiplier; ++m) {
            const int32_t oc = ic * p.depth_multiplier + m;
            int64_t acc = 0;
            for (int32_t ky = 0; ky < p.filter_h; ++ky)
              for (int32_t kx = 0; kx < p.filter_w; ++kx) {
                const int32_t iy = oy * p.stride_h - p.pad_top + ky * p.dilation_h;
                const int32_t ix = ox * p.stride_w - p.pad_left + kx * p.dilation_w;
                if (iy < 0 || iy >= p.in_h || ix < 0 || ix >= p.in_w) continue;
                acc += static_cast<int64_t>(f[static_cast<size_t>((ky * p.filter_w + kx) * p.out_c + oc)]) *
                       in[static_cast<size_t>((iy * p.in_w + ix) * p.in_c + ic)];
              }
            if (has_bias) acc += b64[static_cast<size_t>(oc)];
            const int32_t o = Mbqm64(acc, mult[static_cast<size_t>(oc)], shift[static_cast<size_t>(oc)]);
            want[static_cast<size_t>((oy * p.out_w + ox) * p.out_c + oc)] =
                static_cast<int16_t>(std::clamp(o, p.act_min, p.act_max));
          }
    // tessera: four output windows, half through scratch, the buffers at an odd byte offset
    // (a plan may place int16 buffers anywhere)
    std::vector<int8_t> in_bytes(in.size() * 2 + 1), out_bytes(want.size() * 2 + 1, 0x55);
    std::memcpy(in_bytes.data() + 1, in.data(), in.size() * 2);
    std::vector<int8_t> scratch(static_cast<size_t>(p.out_c) * 2 + 1);
    ASSERT_EQ(ts_depthwise_conv2d_s16_scratch_bytes(&p), static_cast<size_t>(p.out_c) * 2);
    const int32_t ys = static_cast<int32_t>(r.I(0, p.out_h)), xs = static_cast<int32_t>(r.I(0, p.out_w));
    const ts_cbuf cin{in_bytes.data() + 1, 0, 0, p.in_h, p.in_w};
    const ts_buf out{out_bytes.data() + 1, 0, 0, p.out_h, p.out_w};
    int n = 0;
    for (const ts_window win : {ts_window{0, ys, 0, xs}, ts_window{0, ys, xs, p.out_w},
                                ts_window{ys, p.out_h, 0, xs}, ts_window{ys, p.out_h, xs, p.out_w}})
      ts_depthwise_conv2d_s16(&p, cin, f.data(), has_bias ? b64.data() : nullptr, out, win,
                              (n++ % 2) ? scratch.data() + 1 : nullptr);
    std::vector<int16_t> got(want.size());
    std::memcpy(got.data(), out_bytes.data() + 1, got.size() * 2);
    ASSERT_EQ(got, want) << "case " << k << (has_bias ? " with bias" : " without bias");
  }
}

TEST(FullyConnectedS16, RandomShapesAndBiasMatchTflmArithmetic) {
  Rng r(1610);
  for (int k = 0; k < 300; ++k) {
    ts_fc_params p{};
    p.batches = static_cast<int32_t>(r.I(1, 4));
    p.in_depth = static_cast<int32_t>(r.I(1, 64));
    p.out_depth = static_cast<int32_t>(r.I(1, 12));
    p.filter_offset = 0;
    p.act_min = r.I(0, 1) ? -32768 : static_cast<int32_t>(r.I(-32768, 0));
    p.act_max = r.I(0, 1) ? 32767 : static_cast<int32_t>(r.I(0, 32767));
    const int32_t mult = static_cast<int32_t>(r.I(int64_t{1} << 30, INT32_MAX));
    const int32_t shift = static_cast<int32_t>(r.I(-20, -4));
    p.output_multiplier = &mult;
    p.output_shift = &shift;
    p.per_channel = 0;
    const bool has_bias = r.I(0, 3) != 0;
    std::vector<int16_t> in(static_cast<size_t>(p.batches * p.in_depth));
    for (auto& v : in) v = static_cast<int16_t>(r.I(-32768, 32767));
    std::vector<int8_t> f(static_cast<size_t>(p.out_depth * p.in_depth));
    for (auto& v : f) v = static_cast<int8_t>(r.I(-128, 127));
    std::vector<int64_t> b64(static_cast<size_t>(p.out_depth));
    for (auto& b : b64) b = r.I(-(int64_t{1} << 36), int64_t{1} << 36);
    // expected: TFLM's int16 FullyConnected, AccumScalar int64
    std::vector<int16_t> want(static_cast<size_t>(p.batches * p.out_depth));
    for (int32_t b = 0; b < p.batches; ++b)
      for (int32_t o = 0; o < p.out_depth; ++o) {
        int64_t acc = 0;
        for (int32_t d = 0; d < p.in_depth; ++d)
          acc += static_cast<int64_t>(f[static_cast<size_t>(o * p.in_depth + d)]) *
                 in[static_cast<size_t>(b * p.in_depth + d)];
        if (has_bias) acc += b64[static_cast<size_t>(o)];
        want[static_cast<size_t>(b * p.out_depth + o)] =
            static_cast<int16_t>(std::clamp(Mbqm64(acc, mult, shift), p.act_min, p.act_max));
      }
    // tessera, buffers at odd byte offsets, with and without scratch
    const bool use_scratch = k % 2 == 1;
    std::vector<int8_t> in_bytes(in.size() * 2 + 1), out_bytes(want.size() * 2 + 1, 0x55);
    std::memcpy(in_bytes.data() + 1, in.data(), in.size() * 2);
    ASSERT_EQ(ts_fully_connected_s16_scratch_bytes(&p), static_cast<size_t>(p.out_depth) * 2);
    std::vector<int8_t> scratch(static_cast<size_t>(p.out_depth) * 2 + 1);
    ts_fully_connected_s16(&p, in_bytes.data() + 1, f.data(), has_bias ? b64.data() : nullptr, out_bytes.data() + 1,
                           use_scratch ? scratch.data() + 1 : nullptr);
    std::vector<int16_t> got(want.size());
    std::memcpy(got.data(), out_bytes.data() + 1, got.size() * 2);
    ASSERT_EQ(got, want) << "case " << k;
  }
}

TEST(PoolS16, RandomShapesWindowsMatchTflmArithmetic) {
  Rng r(1612);
  for (int k = 0; k < 300; ++k) {
    const bool is_max = k % 2 == 1;
    ts_pool_params p{};
    p.in_h = static_cast<int32_t>(r.I(1, 9));
    p.in_w = static_cast<int32_t>(r.I(1, 9));
    p.channels = static_cast<int32_t>(r.I(1, 7));
    p.filter_h = static_cast<int32_t>(r.I(1, 4));
    p.filter_w = static_cast<int32_t>(r.I(1, 4));
    p.stride_h = static_cast<int32_t>(r.I(1, 3));
    p.stride_w = static_cast<int32_t>(r.I(1, 3));
    p.pad_top = static_cast<int32_t>(r.I(0, p.filter_h - 1));
    p.pad_left = static_cast<int32_t>(r.I(0, p.filter_w - 1));
    p.out_h = static_cast<int32_t>(r.I(1, 6));
    p.out_w = static_cast<int32_t>(r.I(1, 6));
    p.act_min = r.I(0, 1) ? -32768 : static_cast<int32_t>(r.I(-32768, 0));
    p.act_max = r.I(0, 1) ? 32767 : static_cast<int32_t>(r.I(0, 32767));
    std::vector<int16_t> in(static_cast<size_t>(p.in_h * p.in_w * p.channels));
    for (auto& v : in) v = static_cast<int16_t>(r.I(-32768, 32767));
    // expected: TFLM's int16 AveragePool / MaxPool, every tap tested against the input's bounds
    std::vector<int16_t> want(static_cast<size_t>(p.out_h * p.out_w * p.channels));
    for (int32_t oy = 0; oy < p.out_h; ++oy)
      for (int32_t ox = 0; ox < p.out_w; ++ox)
        for (int32_t c = 0; c < p.channels; ++c) {
          int32_t acc = is_max ? -32768 : 0, count = 0;
          for (int32_t ky = 0; ky < p.filter_h; ++ky)
            for (int32_t kx = 0; kx < p.filter_w; ++kx) {
              const int32_t iy = oy * p.stride_h - p.pad_top + ky, ix = ox * p.stride_w - p.pad_left + kx;
              if (iy < 0 || iy >= p.in_h || ix < 0 || ix >= p.in_w) continue;
              const int32_t v = in[static_cast<size_t>((iy * p.in_w + ix) * p.channels + c)];
              acc = is_max ? std::max(acc, v) : acc + v;
              ++count;
            }
          if (!is_max && count > 0) acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
          if (!is_max && count == 0) acc = 0;
          want[static_cast<size_t>((oy * p.out_w + ox) * p.channels + c)] =
              static_cast<int16_t>(std::clamp(acc, p.act_min, p.act_max));
        }
    std::vector<int8_t> in_bytes(in.size() * 2 + 1), out_bytes(want.size() * 2 + 1, 0x55);
    std::memcpy(in_bytes.data() + 1, in.data(), in.size() * 2);
    std::vector<int8_t> scratch(static_cast<size_t>(p.channels) * 2 + 1);
    ASSERT_EQ(ts_pool2d_s16_scratch_bytes(&p), static_cast<size_t>(p.channels) * 2);
    const int32_t ys = static_cast<int32_t>(r.I(0, p.out_h)), xs = static_cast<int32_t>(r.I(0, p.out_w));
    const ts_cbuf cin{in_bytes.data() + 1, 0, 0, p.in_h, p.in_w};
    const ts_buf out{out_bytes.data() + 1, 0, 0, p.out_h, p.out_w};
    int n = 0;
    for (const ts_window win : {ts_window{0, ys, 0, xs}, ts_window{0, ys, xs, p.out_w},
                                ts_window{ys, p.out_h, 0, xs}, ts_window{ys, p.out_h, xs, p.out_w}})
      (is_max ? ts_max_pool2d_s16 : ts_avg_pool2d_s16)(&p, cin, out, win, (n++ % 2) ? scratch.data() + 1 : nullptr);
    std::vector<int16_t> got(want.size());
    std::memcpy(got.data(), out_bytes.data() + 1, got.size() * 2);
    ASSERT_EQ(got, want) << "case " << k << (is_max ? " max" : " average");
  }
}

TEST(TransposeConv, RandomShapesMatchTflmScatterArithmetic) {
  Rng r(4242);
  for (int k = 0; k < 300; ++k) {
    const bool s16 = k % 2 == 0;
    ts_conv_params p{};
    p.in_h = static_cast<int32_t>(r.I(1, 6));
    p.in_w = static_cast<int32_t>(r.I(1, 6));
    p.in_c = static_cast<int32_t>(r.I(1, 5));
    p.filter_in_c = p.in_c;
    p.out_c = static_cast<int32_t>(r.I(1, 5));
    p.filter_h = static_cast<int32_t>(r.I(1, 5));
    p.filter_w = static_cast<int32_t>(r.I(1, 5));
    p.stride_h = static_cast<int32_t>(r.I(1, 3));
    p.stride_w = static_cast<int32_t>(r.I(1, 3));
    p.out_h = static_cast<int32_t>(r.I(1, p.in_h * p.stride_h + 3));
    p.out_w = static_cast<int32_t>(r.I(1, p.in_w * p.stride_w + 3));
    p.pad_top = static_cast<int32_t>(r.I(0, p.filter_h - 1));
    p.pad_left = static_cast<int32_t>(r.I(0, p.filter_w - 1));
    p.depth_multiplier = p.dilation_h = p.dilation_w = 1;
    p.input_offset = s16 ? 0 : static_cast<int32_t>(r.I(-127, 128));
    p.output_offset = s16 ? 0 : static_cast<int32_t>(r.I(-128, 127));
    p.act_min = s16 ? -32768 : -128;
    p.act_max = s16 ? 32767 : 127;
    const bool has_bias = r.I(0, 3) != 0;
    std::vector<int32_t> mult(static_cast<size_t>(p.out_c)), shift(mult.size());
    for (size_t i = 0; i < mult.size(); ++i) {
      mult[i] = static_cast<int32_t>(r.I(int64_t{1} << 30, INT32_MAX));
      shift[i] = static_cast<int32_t>(s16 ? r.I(-18, -6) : r.I(-12, -4));
    }
    p.output_multiplier = mult.data();
    p.output_shift = shift.data();
    const size_t n_in = static_cast<size_t>(p.in_h * p.in_w * p.in_c);
    std::vector<int16_t> in16(n_in);
    std::vector<int8_t> in8(n_in);
    for (size_t i = 0; i < n_in; ++i) {
      in16[i] = static_cast<int16_t>(r.I(-32768, 32767));
      in8[i] = static_cast<int8_t>(r.I(-128, 127));
    }
    std::vector<int8_t> f(static_cast<size_t>(p.out_c * p.filter_h * p.filter_w * p.in_c));
    for (auto& v : f) v = static_cast<int8_t>(r.I(-127, 127));
    std::vector<int64_t> b64(static_cast<size_t>(p.out_c));
    std::vector<int32_t> b32(b64.size());
    for (size_t i = 0; i < b64.size(); ++i) {
      b64[i] = r.I(-(int64_t{1} << 34), int64_t{1} << 34);
      b32[i] = static_cast<int32_t>(r.I(-100000, 100000));
    }
    // TFLM: scatter every input element into the accumulators of the outputs it reaches
    const size_t n_out = static_cast<size_t>(p.out_h * p.out_w * p.out_c);
    std::vector<int64_t> acc(n_out, 0);
    for (int32_t iy = 0; iy < p.in_h; ++iy)
      for (int32_t ix = 0; ix < p.in_w; ++ix)
        for (int32_t ic = 0; ic < p.in_c; ++ic)
          for (int32_t ky = 0; ky < p.filter_h; ++ky)
            for (int32_t kx = 0; kx < p.filter_w; ++kx)
              for (int32_t oc = 0; oc < p.out_c; ++oc) {
                const int32_t oy = iy * p.stride_h - p.pad_top + ky, ox = ix * p.stride_w - p.pad_left + kx;
                if (oy < 0 || oy >= p.out_h || ox < 0 || ox >= p.out_w) continue;
                const size_t ii = static_cast<size_t>((iy * p.in_w + ix) * p.in_c + ic);
                const int64_t v = s16 ? in16[ii] : in8[ii] + p.input_offset;
                acc[static_cast<size_t>((oy * p.out_w + ox) * p.out_c + oc)] +=
                    v * f[static_cast<size_t>(((oc * p.filter_h + ky) * p.filter_w + kx) * p.in_c + ic)];
              }
    std::vector<int16_t> want16(n_out);
    std::vector<int8_t> want8(n_out);
    for (size_t i = 0; i < n_out; ++i) {
      const size_t oc = i % static_cast<size_t>(p.out_c);
      if (s16) {
        const int32_t o = Mbqm64(acc[i] + (has_bias ? b64[oc] : 0), mult[oc], shift[oc]);
        want16[i] = static_cast<int16_t>(std::clamp(o, p.act_min, p.act_max));
      } else {
        // |acc| < 2^31: at most 25 taps * 5 channels of 255 * 127
        const int32_t o = Mbqm32(static_cast<int32_t>(acc[i]) + (has_bias ? b32[oc] : 0), mult[oc], shift[oc]) +
                          p.output_offset;
        want8[i] = static_cast<int8_t>(std::clamp(o, p.act_min, p.act_max));
      }
    }
    // tessera, over four output windows
    std::vector<int16_t> got16(n_out, 0x5555);
    std::vector<int8_t> got8(n_out, 0x55);
    const int32_t ys = static_cast<int32_t>(r.I(0, p.out_h)), xs = static_cast<int32_t>(r.I(0, p.out_w));
    for (const ts_window win : {ts_window{0, ys, 0, xs}, ts_window{0, ys, xs, p.out_w},
                                ts_window{ys, p.out_h, 0, xs}, ts_window{ys, p.out_h, xs, p.out_w}}) {
      if (s16)
        ts_transpose_conv_s16(&p, ts_cbuf{reinterpret_cast<const int8_t*>(in16.data()), 0, 0, p.in_h, p.in_w},
                              f.data(), has_bias ? b64.data() : nullptr,
                              ts_buf{reinterpret_cast<int8_t*>(got16.data()), 0, 0, p.out_h, p.out_w}, win);
      else
        ts_transpose_conv_s8(&p, ts_cbuf{in8.data(), 0, 0, p.in_h, p.in_w}, f.data(),
                             has_bias ? b32.data() : nullptr, ts_buf{got8.data(), 0, 0, p.out_h, p.out_w}, win);
    }
    if (s16)
      ASSERT_EQ(got16, want16) << "case " << k;
    else
      ASSERT_EQ(got8, want8) << "case " << k;
  }
}

}  // namespace
