// Unary int8 kernels (LEAKY_RELU, ABS, RSQRT, TANH, ELU through a table) and their Prepare
// functions, against naive formulations of TFLM's arithmetic (int64 requantization, gemmlowp's
// fixed point re-derived in support/naive_fixedpoint), real-valued results within a stated
// tolerance, random windows held in random enclosing windows, and in-place runs.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>

#include "ops/ops.h"
#include "support/elem_window.h"
#include "support/naive_elem.h"
#include "support/naive_fixedpoint.h"

namespace tessera {
namespace {

using test::Dims;
using test::Rng;
using test::Uniform;

using ElementFn = std::function<int8_t(int8_t)>;
using KernelFn = std::function<void(ts_cbuf, ts_buf, int32_t, ts_window)>;

// The kernel over random tensors: whole tensor, random windows of random enclosing buffers, and in
// place (the output written over the input's buffer). Every byte value occurs in each tensor.
void CheckUnary(Rng& r, const ElementFn& f, const KernelFn& kernel, const std::string& what) {
  int8_t table[256];
  for (int v = -128; v < 128; ++v) table[uint8_t(v)] = f(static_cast<int8_t>(v));
  for (int trial = 0; trial < 20; ++trial) {
    const Dims d{Uniform(r, 1, 9), Uniform(r, 1, 9), Uniform(r, 1, 9)};
    std::vector<int8_t> in = test::RandomBytes(r, static_cast<size_t>(d.size()));
    for (size_t i = 0; i < in.size() && i < 256; ++i) in[i] = static_cast<int8_t>(int(i) - 128);
    std::vector<int8_t> expect(in.size());
    for (size_t i = 0; i < in.size(); ++i) expect[i] = table[uint8_t(in[i])];
    for (int t = 0; t < 3; ++t) {
      const ts_window w = t == 0 ? ts_window{0, d.h, 0, d.w} : test::RandomWindow(r, d);
      const test::HeldBuf h = test::HoldWindow(r, d, in, w);
      test::CheckWindow(d, w, expect, [&](ts_buf o) { kernel(h.buf, o, d.c, w); },
                        what + " trial " + std::to_string(trial) + " window " + std::to_string(t));
    }
    const ts_window w = test::RandomWindow(r, d);
    test::HeldBuf h = test::HoldWindow(r, d, in, w);
    kernel(h.buf, ts_buf{h.bytes.data(), h.buf.y0, h.buf.x0, h.buf.h, h.buf.w}, d.c, w);
    for (int y = w.y0; y < w.y1; ++y)
      for (int x = w.x0; x < w.x1; ++x)
        for (int c = 0; c < d.c; ++c)
          ASSERT_EQ(int(h.bytes[(int64_t(y - h.buf.y0) * h.buf.w + (x - h.buf.x0)) * d.c + c]),
                    int(expect[(int64_t(y) * d.w + x) * d.c + c]))
              << what << " in place at " << y << "," << x << "," << c;
  }
}

int32_t QmShift(double real, int32_t* m) {
  int s = 0;
  ops::QuantizeMultiplier(real, m, &s);
  return s;
}

TEST(KernelsElemUnary, LeakyReluMatchesNaive) {
  Rng r(31);
  for (int k = 0; k < 60; ++k) {
    const float si = test::RandomScale(r, 1e-3, 1.0), so = test::RandomScale(r, 1e-3, 1.0);
    const float alpha = static_cast<float>(std::uniform_real_distribution<double>(-2.0, 2.0)(r));
    const int32_t zi = test::RandomZeroPoint(r), zo = test::RandomZeroPoint(r);
    ts_leaky_relu_params p{};
    ASSERT_EQ(ts_leaky_relu_s8_prepare(si, zi, so, zo, alpha, &p), 0);
    int32_t m;
    // leaky_relu_common.cc: float ratios converted to double
    ASSERT_EQ(p.shift_alpha, QmShift(static_cast<double>(si * alpha / so), &m));
    ASSERT_EQ(p.multiplier_alpha, m);
    ASSERT_EQ(p.shift_identity, QmShift(static_cast<double>(si / so), &m));
    ASSERT_EQ(p.multiplier_identity, m);
    const ElementFn f = [&](int8_t x) {
      const int64_t v = int64_t(x) - zi;
      const int8_t o = naive::LeakyReluElement(p, x);
      const double real = (v >= 0 ? double(si) * v : double(si) * alpha * v) / so + zo;
      if (real > -127 && real < 126) {
        EXPECT_LE(std::abs(double(o) - real), 1.0) << int(x);
      }
      return o;
    };
    CheckUnary(r, f, [&](ts_cbuf i, ts_buf o, int32_t c, ts_window w) { ts_leaky_relu_s8(&p, i, o, c, w); },
               "leaky relu");
  }
}

TEST(KernelsElemUnary, AbsMatchesNaive) {
  Rng r(37);
  for (int k = 0; k < 60; ++k) {
    const float si = test::RandomScale(r, 1e-3, 1.0);
    const float so = Uniform(r, 0, 3) == 0 ? si : test::RandomScale(r, 1e-3, 1.0);
    const int32_t zi = test::RandomZeroPoint(r), zo = test::RandomZeroPoint(r);
    ts_abs_params p{};
    ASSERT_EQ(ts_abs_s8_prepare(si, zi, so, zo, &p), 0);
    ASSERT_EQ(p.needs_rescale, si != so ? 1 : 0);
    int32_t m = 0, s = 0;
    if (si != so) s = QmShift(double(si) / double(so), &m);
    ASSERT_EQ(p.multiplier, m);
    ASSERT_EQ(p.shift, s);
    const ElementFn f = [&](int8_t x) {
      const int64_t v = std::abs(int64_t(x) - zi);
      const int8_t o = naive::AbsElement(p, x);
      const double real = double(si) * v / so + zo;
      if (real < 126) {
        EXPECT_LE(std::abs(double(o) - real), 1.0) << int(x);
      }
      return o;
    };
    CheckUnary(r, f, [&](ts_cbuf i, ts_buf o, int32_t c, ts_window w) { ts_abs_s8(&p, i, o, c, w); }, "abs");
  }
}

TEST(KernelsElemUnary, InvSqrtMultiplierIsOneOverSqrt) {
  // the re-derivation the RSQRT test relies on, against 1/sqrt(v)
  for (int32_t v = 2; v < 300; ++v) {
    int32_t m;
    int s;
    naive::InvSqrtMultiplier(v, &m, &s);
    ASSERT_NEAR(std::ldexp(double(m), s - 31), 1.0 / std::sqrt(double(v)), 2e-6) << v;
  }
}

TEST(KernelsElemUnary, RsqrtMatchesNaive) {
  Rng r(41);
  for (int k = 0; k < 60; ++k) {
    const float si = test::RandomScale(r, 1e-3, 1.0), so = test::RandomScale(r, 1e-2, 1.0);
    const int32_t zi = test::RandomZeroPoint(r), zo = test::RandomZeroPoint(r);
    ts_rsqrt_params p{};
    ASSERT_EQ(ts_rsqrt_s8_prepare(si, zi, so, zo, &p), 0);
    int32_t m;
    ASSERT_EQ(p.shift, QmShift(1.0 / (std::sqrt(double(si)) * double(so)), &m));
    ASSERT_EQ(p.multiplier, m);
    const ElementFn f = [&](int8_t x) -> int8_t {
      const int32_t v = int32_t(x) - zi;
      const int8_t o = naive::RsqrtElement(p, x);
      if (v == 0) {
        EXPECT_EQ(o, 127);
      } else if (v > 0) {
        const double real = 1.0 / std::sqrt(double(si) * v) / so + zo;
        if (real < 126) {
          EXPECT_LE(std::abs(double(o) - real), 1.0) << int(x);
        }
      }
      return o;
    };
    CheckUnary(r, f, [&](ts_cbuf i, ts_buf o, int32_t c, ts_window w) { ts_rsqrt_s8(&p, i, o, c, w); }, "rsqrt");
    // the count of inputs below the zero point (TFLM's Eval fails on them)
    std::vector<int8_t> in(256), out(256);
    int32_t below = 0;
    for (int v = -128; v < 128; ++v) in[v + 128] = static_cast<int8_t>(v), below += v < zi;
    EXPECT_EQ(ts_rsqrt_s8(&p, ts_cbuf{in.data(), 0, 0, 1, 1}, ts_buf{out.data(), 0, 0, 1, 1}, 256,
                          ts_window{0, 1, 0, 1}),
              below);
  }
}

TEST(KernelsElemUnary, TanhPrepareFollowsTflm) {
  Rng r(43);
  for (int k = 0; k < 2000; ++k) {
    const float s = test::RandomScale(r, 1e-4, 1.0);
    const int32_t z = test::RandomZeroPoint(r);
    ts_logistic_params p{};
    ASSERT_EQ(ts_tanh_s8_prepare(s, z, &p), 0);
    // tanh.cc: frexp of scale * 2^27, the mantissa rounded to Q31 (never renormalised), and
    // CalculateInputRadius(4, shift, 31) = floor(15 * 2^27 / 2^shift)
    int e;
    const double q = std::frexp(double(s) * double(1 << 27), &e);
    EXPECT_EQ(p.input_multiplier, static_cast<int32_t>(std::round(q * 2147483648.0)));
    EXPECT_EQ(p.input_left_shift, e);
    EXPECT_EQ(p.input_range_radius, static_cast<int32_t>(std::floor(15.0 * std::ldexp(1.0, 27 - e))));
    EXPECT_EQ(p.input_zero_point, z);
  }
  ts_logistic_params p{};
  EXPECT_EQ(ts_tanh_s8_prepare(100.0f, 0, &p), -1);  // left shift above 30
}

TEST(KernelsElemUnary, TanhMatchesNaiveAndReal) {
  Rng r(47);
  for (int k = 0; k < 60; ++k) {
    const float s = test::RandomScale(r, 1e-3, 0.5);
    const int32_t z = test::RandomZeroPoint(r);
    ts_logistic_params p{};
    ASSERT_EQ(ts_tanh_s8_prepare(s, z, &p), 0);
    const ElementFn f = [&](int8_t x) -> int8_t {
      const int32_t v = int32_t(x) - z;
      const int8_t o = naive::TanhElement(p, x);
      // output scale 1/128, zero point 0
      EXPECT_LE(std::abs(double(o) - std::clamp(128.0 * std::tanh(double(s) * v), -128.0, 127.0)), 1.0) << int(x);
      return o;
    };
    CheckUnary(r, f, [&](ts_cbuf i, ts_buf o, int32_t c, ts_window w) { ts_tanh_s8(&p, i, o, c, w); }, "tanh");
  }
}

TEST(KernelsElemUnary, EluTableAndLookup) {
  Rng r(53);
  for (int k = 0; k < 200; ++k) {
    const float si = test::RandomScale(r, 1e-3, 1.0), so = test::RandomScale(r, 1e-3, 1.0);
    const int32_t zi = test::RandomZeroPoint(r), zo = test::RandomZeroPoint(r);
    int8_t table[256];
    ts_elu_s8_table(si, zi, so, zo, table);
    for (int v = -128; v < 128; ++v) {
      // elu.cc PopulateLookupTable: float dequantization, std::exp(float), round(float)
      const float deq = si * static_cast<float>(v - zi);
      const float tr = deq < 0.0f ? std::exp(deq) - 1.0f : deq;
      const float q = std::round(tr * (1 / so)) + static_cast<float>(zo);
      const int8_t want = static_cast<int8_t>(std::clamp(q, -128.0f, 127.0f));
      ASSERT_EQ(int(table[uint8_t(v)]), int(want)) << v;
      // and within one step of the double-precision value
      const double dd = double(si) * (v - zi);
      const double real = (dd < 0 ? std::expm1(dd) : dd) / so + zo;
      ASSERT_LE(std::abs(double(want) - std::clamp(real, -128.0, 127.0)), 1.0) << v;
    }
    if (k < 20) {
      const int8_t* t = table;
      CheckUnary(r, [&](int8_t x) { return t[uint8_t(x)]; },
                 [&](ts_cbuf i, ts_buf o, int32_t c, ts_window w) { ts_lut_s8(t, i, o, c, w); }, "elu lookup");
    }
  }
}

TEST(KernelsElemUnary, KernelOverEveryByteIsItsLookupTable) {
  // kernels.h: a unary kernel run over the bytes (int8_t)i, i = 0..255, writes the table with
  // which ts_lut_s8 gives its bytes
  Rng r(59);
  ts_logistic_params p{};
  ASSERT_EQ(ts_tanh_s8_prepare(0.05f, 3, &p), 0);
  std::vector<int8_t> bytes(256), table(256);
  for (int i = 0; i < 256; ++i) bytes[size_t(i)] = static_cast<int8_t>(i);
  ts_tanh_s8(&p, ts_cbuf{bytes.data(), 0, 0, 1, 1}, ts_buf{table.data(), 0, 0, 1, 1}, 256, ts_window{0, 1, 0, 1});
  const int8_t* t = table.data();
  CheckUnary(r, [&](int8_t x) { return naive::TanhElement(p, x); },
             [&](ts_cbuf i, ts_buf o, int32_t c, ts_window w) { ts_lut_s8(t, i, o, c, w); }, "tanh table");
}

}  // namespace
}  // namespace tessera
