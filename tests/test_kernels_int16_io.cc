// The int16 boundary and SOFTMAX kernels (ts_quantize_f32_s16, ts_requantize_s8_s16,
// ts_dequantize_s16_f32, ts_softmax_s16) and the int16 SOFTMAX tables of the operator layer
// (ops::GenLutInt16 / SoftmaxInt16Tables) against naive implementations of TensorFlow Lite
// Micro's arithmetic written here:
//  - quantize.h AffineQuantize: TfLiteRound(val / static_cast<float>(scale)) + zero_point, the
//    quotient and the rounding in float;
//  - dequantize.h Dequantize: static_cast<float>(scale * (val - zero_point));
//  - requantize.h Requantize: zero_point_out + MultiplyByQuantizedMultiplier(in - zero_point_in);
//  - softmax.h SoftmaxInt16 with common.h's gen_lut<float, int16_t, int16_t> tables and the
//    interpolating 513-entry table lookup,
// on random shapes, windows (buffers at odd byte offsets) and quantization parameters.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "ops/prepare_util.h"
#include "support/naive_softmax_s16.h"
#include "support/naive_kernels.h"
#include "tessera/kernels.h"

namespace {

namespace naive = tessera::naive;
// TFLM's 32-bit requantization: tests/support/naive_kernels.h.
constexpr auto Mbqm = naive::MbqmWrap;

struct Rng {
  std::mt19937_64 r;
  explicit Rng(uint64_t s) : r(s) {}
  int64_t I(int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(r); }
  double U(double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(r); }
};


// A tensor of h x w pixels of c elements of `es` bytes, held whole at byte offset `off` of a
// buffer; a window of it.
struct Layout {
  int32_t h, w, c;
  ts_window win;
};
Layout RandomLayout(Rng& r) {
  Layout l;
  l.h = static_cast<int32_t>(r.I(1, 5));
  l.w = static_cast<int32_t>(r.I(1, 6));
  l.c = static_cast<int32_t>(r.I(1, 7));
  l.win.y0 = static_cast<int32_t>(r.I(0, l.h - 1));
  l.win.y1 = static_cast<int32_t>(r.I(l.win.y0 + 1, l.h));
  l.win.x0 = static_cast<int32_t>(r.I(0, l.w - 1));
  l.win.x1 = static_cast<int32_t>(r.I(l.win.x0 + 1, l.w));
  return l;
}
bool InWin(const Layout& l, int64_t e) {
  const int64_t pixel = e / l.c, y = pixel / l.w, x = pixel % l.w;
  return y >= l.win.y0 && y < l.win.y1 && x >= l.win.x0 && x < l.win.x1;
}

// ---- QUANTIZE float32 -> int16

int16_t NaiveQuantizeS16(float v, double scale, int32_t zp) {
  const float q = v / static_cast<float>(scale);  // float / float
  const float rounded = std::round(q);            // TfLiteRound<float>
  // Beyond the int32 range TFLM's cast is undefined; tessera saturates (documented).
  if (rounded >= 2147483648.0f) return 32767;
  if (rounded < -2147483648.0f) return -32768;
  // (So is the int32 addition of the zero point when it overflows; tessera saturates it too.)
  const int64_t unclamped = static_cast<int64_t>(rounded) + zp;
  return static_cast<int16_t>(std::clamp<int64_t>(unclamped, -32768, 32767));
}

std::vector<int16_t> RunQuantize(const std::vector<float>& in, double scale, int32_t zp) {
  const int32_t n = static_cast<int32_t>(in.size());
  std::vector<int8_t> src(in.size() * 4 + 1), dst(in.size() * 2 + 3);
  std::memcpy(src.data() + 1, in.data(), in.size() * 4);
  ts_quantize_f32_s16(scale, zp, ts_cbuf{src.data() + 1, 0, 0, 1, n}, ts_buf{dst.data() + 3, 0, 0, 1, n}, 1,
                      ts_window{0, 1, 0, n});
  std::vector<int16_t> r(in.size());
  std::memcpy(r.data(), dst.data() + 3, in.size() * 2);
  return r;
}

TEST(KernelsInt16Io, QuantizeF32ToS16MatchesTflmOnRandomValuesAndWindows) {
  Rng r(1601);
  int64_t checked = 0;
  for (int k = 0; k < 300; ++k) {
    const Layout l = RandomLayout(r);
    const double scale = static_cast<float>(std::pow(10.0, r.U(-6, 0)));
    const int32_t zp = k % 3 == 0 ? 0 : static_cast<int32_t>(r.I(-32768, 32767));
    const int64_t n = int64_t{l.h} * l.w * l.c;
    std::vector<float> vals(n);
    for (auto& v : vals) {
      const int kind = static_cast<int>(r.I(0, 9));
      if (kind == 0) v = static_cast<float>((r.I(-40000, 40000) + 0.5) * scale);  // ties in real terms
      else if (kind == 1) v = static_cast<float>(r.U(-1e9, 1e9));                   // far out of range
      else v = static_cast<float>(r.U(-40000, 40000) * scale);
    }
    std::vector<int8_t> src(n * 4 + 1);
    std::memcpy(src.data() + 1, vals.data(), n * 4);
    std::vector<int8_t> out(n * 2 + 1, 0x5a);
    ts_quantize_f32_s16(scale, zp, ts_cbuf{src.data() + 1, 0, 0, l.h, l.w}, ts_buf{out.data() + 1, 0, 0, l.h, l.w}, l.c,
                        l.win);
    for (int64_t e = 0; e < n; ++e) {
      int16_t got;
      std::memcpy(&got, out.data() + 1 + 2 * e, 2);
      if (!InWin(l, e)) {
        ASSERT_EQ(got, static_cast<int16_t>(0x5a5a)) << "element " << e << " outside the window was written";
        continue;
      }
      ASSERT_EQ(got, NaiveQuantizeS16(vals[e], scale, zp)) << "case " << k << " element " << e << " value " << vals[e];
      ++checked;
    }
  }
  EXPECT_GT(checked, 2000);
}

TEST(KernelsInt16Io, QuantizeF32ToS16DividesAndRoundsInFloatNotDouble) {
  // Values whose float quotient is a tie k + 0.5 (rounded away from zero) while the exact
  // (double) quotient lies just below it: TFLM's float arithmetic gives k + 1, a double
  // division would give k. Found by search so the test does not depend on chosen constants.
  Rng r(1602);
  int found = 0;
  for (int k = 0; k < 200000 && found < 50; ++k) {
    const float scale = static_cast<float>(std::pow(10.0, r.U(-4, -1)));
    const int32_t t = static_cast<int32_t>(r.I(-20000, 20000));
    // The float just below (t + 0.5) * scale, and its neighbours.
    const float base = static_cast<float>((t + 0.5) * static_cast<double>(scale));
    for (float v : {std::nextafter(base, -INFINITY), base, std::nextafter(base, INFINITY)}) {
      const double exact = static_cast<double>(v) / static_cast<double>(scale);
      const float fq = v / scale;
      if (std::round(exact) == std::round(static_cast<double>(fq))) continue;
      const std::vector<int16_t> got = RunQuantize({v}, scale, 0);
      const int32_t want_float = static_cast<int32_t>(std::round(fq));
      ASSERT_EQ(got[0], std::clamp(want_float, -32768, 32767)) << "v " << v << " scale " << scale;
      ASSERT_NE(got[0], std::clamp(static_cast<int32_t>(std::round(exact)), -32768, 32767));
      ++found;
    }
  }
  EXPECT_GE(found, 50) << "no value separating float from double arithmetic found";
}

TEST(KernelsInt16Io, QuantizeF32ToS16Extremes) {
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<float> v = {inf, -inf, 3e38f, -3e38f, 0.0f, -0.0f, 1.5f, -1.5f, 2.5f, -2.5f, 32767.4f, -32768.6f};
  const std::vector<int16_t> got = RunQuantize(v, 1.0, 0);
  const std::vector<int16_t> want = {32767, -32768, 32767, -32768, 0, 0, 2, -2, 3, -3, 32767, -32768};
  EXPECT_EQ(got, want);
  // With a zero point: round(x / s) + zp, clamped after the addition.
  EXPECT_EQ(RunQuantize({100.0f, -100.0f}, 0.5, 32700), (std::vector<int16_t>{32767, 32500}));
  // NaN gives the zero point (TFLM's cast is undefined there).
  EXPECT_EQ(RunQuantize({std::nanf("")}, 0.25, -7)[0], -7);
  // Quotients around +-32768 (where the kernel's single-precision shortcut ends) and beyond,
  // with zero points that bring them back into range.
  std::vector<float> q;
  for (float x = 32760.0f; x <= 32776.0f; x += 0.25f)
    for (float y : {x, std::nextafter(x, 0.0f), std::nextafter(x, 1e9f)}) {
      q.push_back(y);
      q.push_back(-y);
    }
  for (float x : {65535.5f, 65536.5f, 1e5f, 2147483520.0f, 2147483648.0f, 4e9f}) {
    q.push_back(x);
    q.push_back(-x);
  }
  for (double scale : {1.0, 0.5, 3.0})
    for (int32_t zp : {-32768, -1, 0, 1, 32767}) {
      const std::vector<int16_t> g = RunQuantize(q, scale, zp);
      for (size_t i = 0; i < q.size(); ++i)
        ASSERT_EQ(g[i], NaiveQuantizeS16(q[i], scale, zp)) << q[i] << " scale " << scale << " zp " << zp;
    }
}

// ---- DEQUANTIZE int16 -> float32

TEST(KernelsInt16Io, DequantizeS16ToF32MatchesTflm) {
  Rng r(1603);
  int64_t checked = 0;
  for (int k = 0; k < 200; ++k) {
    const Layout l = RandomLayout(r);
    const float scale = static_cast<float>(std::pow(10.0, r.U(-7, 2)));
    const int32_t zp = k % 4 == 0 ? 0 : static_cast<int32_t>(r.I(-32768, 32767));
    const int64_t n = int64_t{l.h} * l.w * l.c;
    std::vector<int16_t> q(n);
    for (auto& v : q) v = static_cast<int16_t>(r.I(-32768, 32767));
    std::vector<int8_t> src(n * 2 + 3), out(n * 4 + 1, 0x11);
    std::memcpy(src.data() + 3, q.data(), n * 2);
    ts_dequantize_s16_f32(scale, zp, ts_cbuf{src.data() + 3, 0, 0, l.h, l.w}, ts_buf{out.data() + 1, 0, 0, l.h, l.w},
                          l.c, l.win);
    for (int64_t e = 0; e < n; ++e) {
      float got;
      std::memcpy(&got, out.data() + 1 + 4 * e, 4);
      if (!InWin(l, e)) {
        uint32_t bits;
        std::memcpy(&bits, &got, 4);
        ASSERT_EQ(bits, 0x11111111u);
        continue;
      }
      // TFLM with a double scale: the product in double, rounded to float.
      const float want = static_cast<float>(static_cast<double>(scale) * (q[e] - zp));
      // TFLM's float-scale formulation (newer versions): the same float (one rounding of an
      // exact product either way).
      const float want_f = scale * static_cast<float>(q[e] - zp);
      ASSERT_EQ(want, want_f);
      ASSERT_EQ(std::memcmp(&got, &want, 4), 0) << "case " << k << " element " << e;
      ++checked;
    }
  }
  EXPECT_GT(checked, 1500);
}

// ---- QUANTIZE int8 -> int16

TEST(KernelsInt16Io, RequantizeS8ToS16MatchesTflm) {
  Rng r(1604);
  int64_t checked = 0, clamped = 0;
  for (int k = 0; k < 300; ++k) {
    const Layout l = RandomLayout(r);
    ts_requant_params p{};
    p.input_zero_point = static_cast<int32_t>(r.I(-128, 127));
    p.output_zero_point = k % 3 == 0 ? 0 : static_cast<int32_t>(r.I(-32768, 32767));
    p.multiplier = static_cast<int32_t>(r.I(int64_t{1} << 30, INT32_MAX));
    p.shift = static_cast<int32_t>(r.I(-12, 9));
    p.act_min = -32768;
    p.act_max = 32767;
    const int64_t n = int64_t{l.h} * l.w * l.c;
    std::vector<int8_t> src(n + 1), out(n * 2 + 1, 0x33);
    for (int64_t e = 0; e < n; ++e) src[e + 1] = static_cast<int8_t>(r.I(-128, 127));
    ts_requantize_s8_s16(&p, ts_cbuf{src.data() + 1, 0, 0, l.h, l.w}, ts_buf{out.data() + 1, 0, 0, l.h, l.w}, l.c,
                         l.win);
    for (int64_t e = 0; e < n; ++e) {
      int16_t got;
      std::memcpy(&got, out.data() + 1 + 2 * e, 2);
      if (!InWin(l, e)) {
        ASSERT_EQ(got, 0x3333);
        continue;
      }
      const int32_t raw = p.output_zero_point + Mbqm(src[e + 1] - p.input_zero_point, p.multiplier, p.shift);
      const int32_t want = std::min(std::max(raw, -32768), 32767);
      clamped += raw != want;
      ASSERT_EQ(got, want) << "case " << k << " element " << e;
      ++checked;
    }
  }
  EXPECT_GT(checked, 2500);
  EXPECT_GT(clamped, 0) << "no case reached the int16 clamp";
}

// ---- SOFTMAX int16 -> int16

// common.h gen_lut<float, int16_t, int16_t> (TFLM's float tables) and SoftmaxInt16: support/naive_softmax_s16.h.
std::vector<int16_t> NaiveGenLut(float (*f)(float), float in_min, float in_max, float out_min, float out_max) {
  return tessera::naive::GenLutS16<float>(f, in_min, in_max, out_min, out_max);
}
float ExpF(float v) { return std::exp(v); }
float RecipF(float v) { return 1.0f / (1.0f + v); }
using tessera::naive::SoftmaxS16;

TEST(KernelsInt16Io, SoftmaxTablesAreTflmGenLut) {
  std::vector<int16_t> exp_lut, recip_lut;
  tessera::ops::SoftmaxInt16Tables(&exp_lut, &recip_lut);
  EXPECT_EQ(exp_lut, NaiveGenLut(ExpF, -10.0f, 0.0f, -1.0f, 1.0f));
  EXPECT_EQ(recip_lut, NaiveGenLut(RecipF, 0.0f, 1.0f, -1.0f, 1.0f));
  // What the tables mean: exp(x) and 1 / (1 + x) in Q0.15 (32768 clamped to 32767), each
  // entry within two steps of the function at its sample point (the bias halves the
  // interpolation error at the midpoints).
  ASSERT_EQ(exp_lut.size(), 513u);
  EXPECT_EQ(exp_lut[512], 32767);
  EXPECT_EQ(recip_lut[0], 32767);
  EXPECT_EQ(recip_lut[512], 16384);
  for (int i = 0; i <= 512; ++i) {
    EXPECT_LE(std::abs(exp_lut[i] - std::min(32767.0, std::exp(-10.0 + i * 10.0 / 512) * 32768)), 2.0) << i;
    EXPECT_LE(std::abs(recip_lut[i] - std::min(32767.0, 32768 / (1.0 + i / 512.0))), 2.0) << i;
  }
  // GenLutInt16 over another range and function is the same template.
  std::vector<int16_t> t(513);
  tessera::ops::GenLutInt16([](float v) { return std::tanh(v); }, -4.0f, 4.0f, -1.0f, 1.0f, t.data());
  EXPECT_EQ(t, NaiveGenLut([](float v) { return std::tanh(v); }, -4.0f, 4.0f, -1.0f, 1.0f));
}

TEST(KernelsInt16Io, SoftmaxS16MatchesTflmOnRandomRows) {
  const std::vector<int16_t> exp_lut = NaiveGenLut(ExpF, -10.0f, 0.0f, -1.0f, 1.0f);
  const std::vector<int16_t> recip_lut = NaiveGenLut(RecipF, 0.0f, 1.0f, -1.0f, 1.0f);
  Rng r(1605);
  int64_t checked = 0;
  double worst = 0;
  for (int k = 0; k < 400; ++k) {
    const int rows = static_cast<int>(r.I(1, 4)), depth = static_cast<int>(k % 50 == 0 ? r.I(200, 3000) : r.I(1, 40));
    const double in_scale = std::pow(10.0, r.U(-5, -2));
    const double beta = r.U(0.3, 2.0);
    const double real = static_cast<double>(static_cast<float>(in_scale)) * static_cast<double>(static_cast<float>(beta)) /
                        (10.0 / 65535.0);
    int32_t mult;
    int shift;
    ts_quantize_multiplier(real, &mult, &shift);
    std::vector<int16_t> in(static_cast<size_t>(rows) * depth);
    const int spread = static_cast<int>(r.I(1, 32767));
    const int centre = static_cast<int>(r.I(-32768 + spread / 2, 32767 - spread / 2));
    for (auto& v : in) v = static_cast<int16_t>(std::clamp<int>(centre + static_cast<int>(r.I(-spread / 2, spread / 2)), -32768, 32767));
    ts_softmax_s16_params p{};
    p.input_multiplier = mult;
    p.input_left_shift = shift;
    p.exp_lut = exp_lut.data();
    p.one_over_one_plus_x_lut = recip_lut.data();
    std::vector<int8_t> src(in.size() * 2 + 1), out(in.size() * 2 + 3);
    std::memcpy(src.data() + 1, in.data(), in.size() * 2);
    ts_softmax_s16(&p, src.data() + 1, out.data() + 3, rows, depth);
    std::vector<int16_t> got(in.size());
    std::memcpy(got.data(), out.data() + 3, in.size() * 2);
    const std::vector<int16_t> want = SoftmaxS16(in, rows, depth, mult, shift, exp_lut, recip_lut);
    ASSERT_EQ(got, want) << "case " << k << " rows " << rows << " depth " << depth;
    checked += static_cast<int64_t>(in.size());
    // And the values are a softmax: near the real one at scale 1/32768 (the exp table cuts
    // differences below -10 in its own units, so compare only where that does not bite).
    for (int i = 0; i < rows; ++i) {
      int mx = -32768;
      for (int c = 0; c < depth; ++c) mx = std::max<int>(mx, in[i * depth + c]);
      double sum = 0;
      bool cut = false;
      const double b = real * 10.0 / 65535.0;
      for (int c = 0; c < depth; ++c) {
        sum += std::exp(b * (in[i * depth + c] - mx));
        cut |= b * (in[i * depth + c] - mx) < -9.5;
      }
      if (cut || depth > 40) continue;
      for (int c = 0; c < depth; ++c)
        worst = std::max(worst, std::abs(got[i * depth + c] - std::exp(b * (in[i * depth + c] - mx)) / sum * 32768));
    }
  }
  EXPECT_GT(checked, 20000);
  EXPECT_LT(worst, 40.0) << "int16 SOFTMAX strays from the real softmax";
  std::printf("  SOFTMAX int16: largest distance to the real softmax %.2f steps of 1/32768\n", worst);
}

TEST(KernelsInt16Io, SoftmaxS16InPlace) {
  // TFLM keeps the exps in the output row: the kernel reads a row whole before writing it, so
  // the output may be the input's own bytes.
  std::vector<int16_t> exp_lut, recip_lut;
  tessera::ops::SoftmaxInt16Tables(&exp_lut, &recip_lut);
  Rng r(1606);
  std::vector<int16_t> in(3 * 17);
  for (auto& v : in) v = static_cast<int16_t>(r.I(-3000, 3000));
  int32_t mult;
  int shift;
  ts_quantize_multiplier(0.001 / (10.0 / 65535.0), &mult, &shift);
  ts_softmax_s16_params p{mult, shift, exp_lut.data(), recip_lut.data()};
  std::vector<int16_t> buf = in;
  ts_softmax_s16(&p, reinterpret_cast<const int8_t*>(buf.data()), reinterpret_cast<int8_t*>(buf.data()), 3, 17);
  EXPECT_EQ(buf, SoftmaxS16(in, 3, 17, mult, shift, exp_lut, recip_lut));
}

}  // namespace
