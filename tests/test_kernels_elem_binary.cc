// Broadcasting binary int8 kernels (SUB, SQUARED_DIFFERENCE, MAXIMUM, MINIMUM, PRELU) and their
// Prepare functions, against naive int64 formulations of TFLM's arithmetic (naive::Mbqm), real-
// valued results within a stated tolerance, random windows and broadcasts, and in-place runs.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

#include "ops/ops.h"
#include "support/elem_window.h"
#include "support/naive_elem.h"

namespace tessera {
namespace {

using test::Dims;
using test::Rng;
using test::Uniform;

// One random case of a binary kernel: output dims, operand dims (broadcasting), data.
struct BinaryCase {
  Dims out, ad, bd;
  std::vector<int8_t> a, b;
};
// One case in eight is large (windows of 1,024 elements and more take the kernels' table paths).
BinaryCase RandomBinaryCase(Rng& r) {
  BinaryCase k;
  k.out = Uniform(r, 0, 7) == 0 ? Dims{Uniform(r, 8, 16), Uniform(r, 8, 16), Uniform(r, 8, 16)}
                                : Dims{Uniform(r, 1, 7), Uniform(r, 1, 7), Uniform(r, 1, 9)};
  k.ad = Uniform(r, 0, 1) ? k.out : test::BroadcastDimsOf(r, k.out);
  k.bd = test::BroadcastDimsOf(r, k.out);
  if (Uniform(r, 0, 3) == 0) std::swap(k.ad, k.bd);
  k.a = test::RandomBytes(r, static_cast<size_t>(k.ad.size()));
  k.b = test::RandomBytes(r, static_cast<size_t>(k.bd.size()));
  // saturation edges: some operands all at one end of the range
  if (Uniform(r, 0, 7) == 0) std::fill(k.a.begin(), k.a.end(), Uniform(r, 0, 1) ? 127 : -128);
  if (Uniform(r, 0, 7) == 0) std::fill(k.b.begin(), k.b.end(), Uniform(r, 0, 1) ? 127 : -128);
  return k;
}

using ElementFn = std::function<int8_t(int8_t, int8_t)>;
using KernelFn = std::function<void(ts_operand, ts_operand, ts_buf, int32_t, ts_window)>;

std::vector<int8_t> Expected(const BinaryCase& k, const ElementFn& f) {
  std::vector<int8_t> e(static_cast<size_t>(k.out.size()));
  for (int y = 0; y < k.out.h; ++y)
    for (int x = 0; x < k.out.w; ++x)
      for (int c = 0; c < k.out.c; ++c)
        e[(int64_t(y) * k.out.w + x) * k.out.c + c] =
            f(k.a[test::BroadcastIndex(k.ad, y, x, c)], k.b[test::BroadcastIndex(k.bd, y, x, c)]);
  return e;
}

// Runs the kernel on the whole tensor, on random windows with operands held in random enclosing
// windows, and in place (output written over a's buffer when a is not broadcast).
void CheckKernel(Rng& r, const BinaryCase& k, const ElementFn& f, const KernelFn& kernel,
                 const std::string& what) {
  const std::vector<int8_t> expect = Expected(k, f);
  for (int t = 0; t < 4; ++t) {
    const ts_window w = t == 0 ? ts_window{0, k.out.h, 0, k.out.w} : test::RandomWindow(r, k.out);
    const test::HeldOperand ha = test::HoldOperand(r, k.ad, k.a, w), hb = test::HoldOperand(r, k.bd, k.b, w);
    test::CheckWindow(k.out, w, expect, [&](ts_buf o) { kernel(ha.op, hb.op, o, k.out.c, w); },
                      what + " window " + std::to_string(t));
  }
  if (k.ad.h == k.out.h && k.ad.w == k.out.w && k.ad.c == k.out.c) {
    const ts_window w = test::RandomWindow(r, k.out);
    test::HeldOperand ha = test::HoldOperand(r, k.ad, k.a, w);
    const test::HeldOperand hb = test::HoldOperand(r, k.bd, k.b, w);
    const int held_w = ha.w;
    kernel(ha.op, hb.op, ts_buf{ha.bytes.data(), ha.op.y0, ha.op.x0, ha.h, held_w}, k.out.c, w);
    for (int y = w.y0; y < w.y1; ++y)
      for (int x = w.x0; x < w.x1; ++x)
        for (int c = 0; c < k.out.c; ++c)
          ASSERT_EQ(int(ha.bytes[(int64_t(y - ha.op.y0) * held_w + (x - ha.op.x0)) * k.out.c + c]),
                    int(expect[(int64_t(y) * k.out.w + x) * k.out.c + c]))
              << what << " in place at " << y << "," << x << "," << c;
  }
}

int32_t QmShift(double real, int32_t* m) {
  int s = 0;
  ops::QuantizeMultiplier(real, m, &s);
  return s;
}

TEST(KernelsElemBinary, QuantizeMultiplierMatchesOperatorLayer) {
  Rng r(5);
  std::vector<double> values = {0.0, 1.0, 0.5, 0.75, std::nextafter(1.0, 0.0), std::ldexp(1.0, -31),
                                std::ldexp(1.0, -32), std::ldexp(1.0, -33), 1e-12, 3e5, 123456.789};
  for (int i = 0; i < 20000; ++i)
    values.push_back(std::exp(std::uniform_real_distribution<double>(-25.0, 12.0)(r)));
  for (double v : values) {
    int32_t m = 0, em = 0;
    int s = 0, es = 0;
    ts_quantize_multiplier(v, &m, &s);
    ops::QuantizeMultiplier(v, &em, &es);
    ASSERT_EQ(m, em) << v;
    ASSERT_EQ(s, es) << v;
  }
}

TEST(KernelsElemBinary, SubPrepareFollowsTflmExpressions) {
  Rng r(7);
  for (int i = 0; i < 2000; ++i) {
    const float s1 = test::RandomScale(r, 1e-3, 1.0), s2 = test::RandomScale(r, 1e-3, 1.0);
    const float so = test::RandomScale(r, 1e-3, 1.0);
    const int32_t z1 = test::RandomZeroPoint(r), z2 = test::RandomZeroPoint(r), zo = test::RandomZeroPoint(r);
    ts_add_params p{};
    ASSERT_EQ(ts_sub_s8_prepare(s1, z1, s2, z2, so, zo, -100, 90, &p), 0);
    // sub_common.cc: float ratios (twice the larger input scale), converted to double
    const float twice = 2 * std::max(s1, s2);
    int32_t m;
    EXPECT_EQ(p.input1_shift, QmShift(static_cast<double>(s1 / twice), &m));
    EXPECT_EQ(p.input1_multiplier, m);
    EXPECT_EQ(p.input2_shift, QmShift(static_cast<double>(s2 / twice), &m));
    EXPECT_EQ(p.input2_multiplier, m);
    EXPECT_EQ(p.output_shift, QmShift(static_cast<double>(twice / ((1 << 20) * so)), &m));
    EXPECT_EQ(p.output_multiplier, m);
    EXPECT_EQ(p.input1_offset, -z1);
    EXPECT_EQ(p.input2_offset, -z2);
    EXPECT_EQ(p.output_offset, zo);
    EXPECT_EQ(p.left_shift, 20);
    EXPECT_EQ(p.act_min, -100);
    EXPECT_EQ(p.act_max, 90);
  }
  // an output scale so small the output multiplier reaches 1: TFLM's check fails
  ts_add_params p{};
  EXPECT_EQ(ts_sub_s8_prepare(0.5f, 0, 0.5f, 0, 1e-7f, 0, -128, 127, &p), -1);
}

TEST(KernelsElemBinary, SubMatchesNaive) {
  Rng r(11);
  for (int trial = 0; trial < 300; ++trial) {
    const BinaryCase k = RandomBinaryCase(r);
    const float s1 = test::RandomScale(r, 1e-3, 0.5), s2 = test::RandomScale(r, 1e-3, 0.5);
    const float so = test::RandomScale(r, 2e-3, 1.0);
    const int32_t z1 = test::RandomZeroPoint(r), z2 = test::RandomZeroPoint(r), zo = test::RandomZeroPoint(r);
    const int32_t lo = Uniform(r, 0, 2) ? -128 : Uniform(r, -128, 0), hi = Uniform(r, 0, 2) ? 127 : Uniform(r, 0, 127);
    ts_add_params p{};
    ASSERT_EQ(ts_sub_s8_prepare(s1, z1, s2, z2, so, zo, lo, hi, &p), 0);
    const ElementFn f = [&](int8_t a, int8_t b) {
      const int8_t v = naive::SubElement(p, a, b);
      // the real-valued difference, requantized, is within one step of it
      const double real = (double(s1) * (a - z1) - double(s2) * (b - z2)) / so + zo;
      if (real > lo + 1 && real < hi - 1) {
        EXPECT_LE(std::abs(double(v) - real), 1.0) << int(a) << " " << int(b);
      }
      return v;
    };
    CheckKernel(r, k, f, [&](ts_operand a, ts_operand b, ts_buf o, int32_t ch, ts_window w) {
      ts_sub_s8(&p, a, b, o, ch, w);
    }, "sub trial " + std::to_string(trial));
  }
}

TEST(KernelsElemBinary, SquaredDifferencePrepareFollowsTflmExpressions) {
  Rng r(13);
  for (int i = 0; i < 2000; ++i) {
    const float s1 = test::RandomScale(r, 1e-3, 1.0), s2 = test::RandomScale(r, 1e-3, 1.0);
    const float so = test::RandomScale(r, 1e-5, 1.0);
    const int32_t z1 = test::RandomZeroPoint(r), z2 = test::RandomZeroPoint(r), zo = test::RandomZeroPoint(r);
    ts_add_params p{};
    ASSERT_EQ(ts_squared_difference_s8_prepare(s1, z1, s2, z2, so, zo, &p), 0);
    // squared_difference.cc PrepareQuantized, left shift 7: doubles, the denominator a float product
    const double twice = 2.0 * static_cast<double>(std::max(s1, s2));
    int32_t m;
    EXPECT_EQ(p.input1_shift, QmShift(static_cast<double>(s1) / twice, &m));
    EXPECT_EQ(p.input1_multiplier, m);
    EXPECT_EQ(p.input2_shift, QmShift(static_cast<double>(s2) / twice, &m));
    EXPECT_EQ(p.input2_multiplier, m);
    EXPECT_EQ(p.output_shift, QmShift(twice * twice / static_cast<double>((1 << 14) * so), &m));
    EXPECT_EQ(p.output_multiplier, m);
    EXPECT_EQ(p.left_shift, 7);
    EXPECT_EQ(p.act_min, -128);
    EXPECT_EQ(p.act_max, 127);
  }
  ts_add_params p{};
  EXPECT_EQ(ts_squared_difference_s8_prepare(0.1f, 0, 0.1f, 128, 0.1f, 0, &p), -1);  // zero point out of range
}

TEST(KernelsElemBinary, SquaredDifferenceMatchesNaive) {
  Rng r(17);
  for (int trial = 0; trial < 300; ++trial) {
    const BinaryCase k = RandomBinaryCase(r);
    const float s1 = test::RandomScale(r, 1e-3, 0.5), s2 = test::RandomScale(r, 1e-3, 0.5);
    const float so = test::RandomScale(r, 1e-4, 2.0);
    const int32_t z1 = test::RandomZeroPoint(r), z2 = test::RandomZeroPoint(r), zo = test::RandomZeroPoint(r);
    ts_add_params p{};
    ASSERT_EQ(ts_squared_difference_s8_prepare(s1, z1, s2, z2, so, zo, &p), 0);
    const ElementFn f = [&](int8_t a, int8_t b) {
      const int8_t v = naive::SquaredDifferenceElement(p, a, b);
      // the real-valued square: the inputs' rescaling to 1/128 of a step gives a relative error
      // of the difference of about 1/(64 |difference in steps|)
      const double d = double(s1) * (a - z1) - double(s2) * (b - z2);
      const double real = d * d / so + zo;
      if (real < 126) {
        EXPECT_LE(std::abs(double(v) - real), 1.0 + 0.05 * (real - zo)) << int(a) << " " << int(b);
      }
      return v;
    };
    CheckKernel(r, k, f, [&](ts_operand a, ts_operand b, ts_buf o, int32_t ch, ts_window w) {
      ts_squared_difference_s8(&p, a, b, o, ch, w);
    }, "squared difference trial " + std::to_string(trial));
  }
}

TEST(KernelsElemBinary, MaximumMinimumMatchNaive) {
  Rng r(19);
  for (int trial = 0; trial < 200; ++trial) {
    const BinaryCase k = RandomBinaryCase(r);
    CheckKernel(r, k, [](int8_t a, int8_t b) { return a > b ? a : b; },
                [](ts_operand a, ts_operand b, ts_buf o, int32_t ch, ts_window w) { ts_maximum_s8(a, b, o, ch, w); },
                "maximum trial " + std::to_string(trial));
    CheckKernel(r, k, [](int8_t a, int8_t b) { return a < b ? a : b; },
                [](ts_operand a, ts_operand b, ts_buf o, int32_t ch, ts_window w) { ts_minimum_s8(a, b, o, ch, w); },
                "minimum trial " + std::to_string(trial));
  }
}

TEST(KernelsElemBinary, PreluPrepareAndKernelMatchNaive) {
  Rng r(23);
  for (int trial = 0; trial < 300; ++trial) {
    BinaryCase k = RandomBinaryCase(r);
    // alpha usually broadcast over rows and columns (one value per channel), as PRELU models have
    if (Uniform(r, 0, 1)) {
      k.ad = k.out;
      k.a = test::RandomBytes(r, static_cast<size_t>(k.ad.size()));
      k.bd = Dims{1, 1, Uniform(r, 0, 1) ? k.out.c : 1};
      k.b = test::RandomBytes(r, static_cast<size_t>(k.bd.size()));
    }
    const float si = test::RandomScale(r, 1e-3, 0.5), sa = test::RandomScale(r, 1e-3, 0.5);
    const float so = test::RandomScale(r, 1e-3, 0.5);
    const int32_t zi = test::RandomZeroPoint(r), za = test::RandomZeroPoint(r), zo = test::RandomZeroPoint(r);
    ts_prelu_params p{};
    ASSERT_EQ(ts_prelu_s8_prepare(si, zi, sa, za, so, zo, &p), 0);
    int32_t m;
    // prelu_common.cc: double ratios
    ASSERT_EQ(p.output_shift_1, QmShift(double(si) / double(so), &m));
    ASSERT_EQ(p.output_multiplier_1, m);
    ASSERT_EQ(p.output_shift_2, QmShift(double(si) * double(sa) / double(so), &m));
    ASSERT_EQ(p.output_multiplier_2, m);
    ASSERT_EQ(p.input_offset, -zi);
    ASSERT_EQ(p.alpha_offset, -za);
    ASSERT_EQ(p.output_offset, zo);
    const ElementFn f = [&](int8_t x, int8_t al) {
      const int64_t v = int64_t(x) - zi;
      const int8_t o = naive::PreluElement(p, x, al);
      const double xr = double(si) * v;
      const double real = (xr >= 0 ? xr : xr * double(sa) * (al - za)) / so + zo;
      if (real > -127 && real < 126) {
        EXPECT_LE(std::abs(double(o) - real), 1.0) << int(x) << " " << int(al);
      }
      return o;
    };
    CheckKernel(r, k, f, [&](ts_operand a, ts_operand b, ts_buf o, int32_t ch, ts_window w) {
      ts_prelu_s8(&p, a, b, o, ch, w);
    }, "prelu trial " + std::to_string(trial));
  }
}

}  // namespace
}  // namespace tessera
