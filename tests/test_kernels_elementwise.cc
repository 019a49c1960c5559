// Requantization helpers, element-wise kernels (ADD, MUL with broadcasting, requantize,
// clamp, QUANTIZE, DEQUANTIZE, LOGISTIC, HARD_SWISH) and whole-tensor kernels
// (FULLY_CONNECTED, SOFTMAX, MEAN, TRANSPOSE, CONCATENATION) against the naive reference
// or, for the fixed-point approximations, against double-precision math within a stated
// tolerance.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "ops/ops.h"
#include "support/naive_kernels.h"
#include "tessera/kernels.h"

namespace tessera {
namespace {

using naive::Dims;

struct Rng {
  std::mt19937 g;
  explicit Rng(uint32_t seed) : g(seed) {}
  int Int(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(g); }
  int64_t I64(int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(g); }
  double Real(double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(g); }
  std::vector<int8_t> Bytes(int64_t n) {
    std::vector<int8_t> v(static_cast<size_t>(n));
    for (auto& b : v) b = static_cast<int8_t>(Int(-128, 127));
    return v;
  }
};

TEST(KernelsHelpers, MatchNaiveFormulation) {
  Rng rng(3);
  const int32_t kMin = std::numeric_limits<int32_t>::min(), kMax = std::numeric_limits<int32_t>::max();
  EXPECT_EQ(ts_saturating_rounding_doubling_high_mul(kMin, kMin), kMax);
  EXPECT_EQ(ts_saturating_rounding_doubling_high_mul(1 << 30, 1 << 30), 1 << 29);
  EXPECT_EQ(ts_rounding_divide_by_pot(-3, 1), -2);  // -1.5 rounds away from zero
  EXPECT_EQ(ts_rounding_divide_by_pot(3, 1), 2);
  EXPECT_EQ(ts_rounding_divide_by_pot(-5, 2), -1);
  for (int i = 0; i < 200000; ++i) {
    const int32_t a = static_cast<int32_t>(rng.I64(kMin, kMax));
    const int32_t b = static_cast<int32_t>(rng.I64(kMin, kMax));
    ASSERT_EQ(ts_saturating_rounding_doubling_high_mul(a, b), naive::Srdhm(a, b)) << a << " " << b;
    const int e = rng.Int(0, 31);
    ASSERT_EQ(ts_rounding_divide_by_pot(a, e), naive::RoundingDivideByPot(a, e)) << a << " " << e;
    const int shift = rng.Int(-31, 8);
    const int32_t x = shift > 0 ? a >> (shift + 1) : a;
    const int32_t m = static_cast<int32_t>(rng.I64(1 << 30, kMax));
    ASSERT_EQ(ts_multiply_by_quantized_multiplier(x, m, shift), naive::Mbqm(x, m, shift));
  }
}

TEST(KernelsHelpers, QuantizeMultiplierKnownValues) {
  int32_t m;
  int s;
  ops::QuantizeMultiplier(0.5, &m, &s);
  EXPECT_EQ(m, 1 << 30);
  EXPECT_EQ(s, 0);
  ops::QuantizeMultiplier(1.0, &m, &s);
  EXPECT_EQ(m, 1 << 30);
  EXPECT_EQ(s, 1);
  ops::QuantizeMultiplier(0.75, &m, &s);  // 0.75 = 0.75 * 2^0
  EXPECT_EQ(m, 1610612736);
  EXPECT_EQ(s, 0);
  ops::QuantizeMultiplier(0.0, &m, &s);
  EXPECT_EQ(m, 0);
  ops::QuantizeMultiplier(std::ldexp(1.0, -40), &m, &s);  // below 2^-32: zero
  EXPECT_EQ(m, 0);
  EXPECT_EQ(s, 0);
  ops::QuantizeMultiplier(std::nextafter(1.0, 0.0), &m, &s);  // rounds to 2^31: renormalised
  EXPECT_EQ(m, 1 << 30);
  EXPECT_EQ(s, 1);
}

// An operand buffer holding a random window that contains `w` (or all of a broadcast axis).
struct HeldOperand {
  std::vector<int8_t> bytes;
  ts_operand op{};
};
HeldOperand Hold(Rng& rng, const Dims& d, const std::vector<int8_t>& full, const Dims& out,
                 const ts_window& w) {
  HeldOperand h;
  const int y0 = d.h == 1 ? 0 : rng.Int(0, w.y0), y1 = d.h == 1 ? 1 : rng.Int(w.y1, d.h);
  const int x0 = d.w == 1 ? 0 : rng.Int(0, w.x0), x1 = d.w == 1 ? 1 : rng.Int(w.x1, d.w);
  for (int y = y0; y < y1; ++y)
    for (int x = x0; x < x1; ++x)
      for (int c = 0; c < d.c; ++c) h.bytes.push_back(full[(int64_t(y) * d.w + x) * d.c + c]);
  h.op.data = h.bytes.data();
  h.op.y0 = y0;
  h.op.x0 = x0;
  h.op.sc = d.c == out.c ? 1 : 0;
  h.op.sx = d.w == out.w ? d.c : 0;
  h.op.sy = d.h == out.h ? (x1 - x0) * d.c : 0;
  return h;
}

Dims BroadcastOf(Rng& rng, const Dims& out) {
  return Dims{rng.Int(0, 2) ? out.h : 1, rng.Int(0, 2) ? out.w : 1, rng.Int(0, 2) ? out.c : 1};
}

ts_window RandomWindow(Rng& rng, const Dims& d) {
  const int y0 = rng.Int(0, d.h - 1), x0 = rng.Int(0, d.w - 1);
  return ts_window{y0, rng.Int(y0 + 1, d.h), x0, rng.Int(x0 + 1, d.w)};
}

// Checks window `w` of `got_full`-shaped output written through `run` against `expect`.
template <class Run>
void CheckWindow(const Dims& out, const ts_window& w, const std::vector<int8_t>& expect, Run run,
                 const std::string& what) {
  std::vector<int8_t> buf(static_cast<size_t>(int64_t(w.y1 - w.y0) * (w.x1 - w.x0) * out.c), 0x11);
  run(ts_buf{buf.data(), w.y0, w.x0, w.y1 - w.y0, w.x1 - w.x0});
  for (int y = w.y0; y < w.y1; ++y)
    for (int x = w.x0; x < w.x1; ++x)
      for (int c = 0; c < out.c; ++c)
        ASSERT_EQ(buf[(int64_t(y - w.y0) * (w.x1 - w.x0) + (x - w.x0)) * out.c + c],
                  expect[(int64_t(y) * out.w + x) * out.c + c])
            << what << " at " << y << "," << x << "," << c;
}

TEST(KernelsElementwise, AddAndMulBroadcastMatchNaive) {
  Rng rng(17);
  for (int trial = 0; trial < 300; ++trial) {
    const Dims out{rng.Int(1, 8), rng.Int(1, 8), rng.Int(1, 9)};
    const Dims ad = rng.Int(0, 1) ? out : BroadcastOf(rng, out);
    const Dims bd = BroadcastOf(rng, out);
    const auto a = rng.Bytes(ad.size()), b = rng.Bytes(bd.size());
    const float sa = static_cast<float>(rng.Real(0.005, 0.1)), sb = static_cast<float>(rng.Real(0.005, 0.1));
    const float so = static_cast<float>(rng.Real(0.01, 0.2));
    // ADD parameters as TFLM derives them (left shift 20).
    naive::AddSpec s;
    s.zp1 = rng.Int(-128, 127), s.zp2 = rng.Int(-128, 127), s.out_zp = rng.Int(-128, 127);
    const double twice = 2.0 * std::max(sa, sb);
    int sh;
    ops::QuantizeMultiplier(sa / twice, &s.m1, &sh), s.s1 = sh;
    ops::QuantizeMultiplier(sb / twice, &s.m2, &sh), s.s2 = sh;
    ops::QuantizeMultiplier(twice / ((1 << 20) * double(so)), &s.mo, &sh), s.so = sh;
    if (rng.Int(0, 1)) s.act_min = s.out_zp;
    const auto expect_add = naive::Add(s, ad, a, bd, b, out);
    ts_add_params p{};
    p.input1_offset = -s.zp1, p.input2_offset = -s.zp2, p.output_offset = s.out_zp, p.left_shift = 20;
    p.input1_multiplier = s.m1, p.input1_shift = s.s1, p.input2_multiplier = s.m2, p.input2_shift = s.s2;
    p.output_multiplier = s.mo, p.output_shift = s.so, p.act_min = s.act_min, p.act_max = s.act_max;
    naive::MulSpec ms;
    ms.zp1 = s.zp1, ms.zp2 = s.zp2, ms.out_zp = s.out_zp, ms.act_min = s.act_min;
    ops::QuantizeMultiplier(double(sa) * sb / so, &ms.mo, &sh), ms.so = sh;
    const auto expect_mul = naive::Mul(ms, ad, a, bd, b, out);
    ts_mul_params q{};
    q.input1_offset = -ms.zp1, q.input2_offset = -ms.zp2, q.output_offset = ms.out_zp;
    q.output_multiplier = ms.mo, q.output_shift = ms.so, q.act_min = ms.act_min, q.act_max = ms.act_max;
    for (int k = 0; k < 3; ++k) {
      const ts_window w = k == 0 ? ts_window{0, out.h, 0, out.w} : RandomWindow(rng, out);
      const HeldOperand ha = Hold(rng, ad, a, out, w), hb = Hold(rng, bd, b, out, w);
      CheckWindow(out, w, expect_add, [&](ts_buf o) { ts_add_s8(&p, ha.op, hb.op, o, out.c, w); },
                  "add trial " + std::to_string(trial));
      CheckWindow(out, w, expect_mul, [&](ts_buf o) { ts_mul_s8(&q, ha.op, hb.op, o, out.c, w); },
                  "mul trial " + std::to_string(trial));
    }
  }
}

TEST(KernelsElementwise, UnaryKernels) {
  Rng rng(23);
  for (int trial = 0; trial < 100; ++trial) {
    const Dims d{rng.Int(1, 7), rng.Int(1, 7), rng.Int(1, 9)};
    const auto in = rng.Bytes(d.size());
    const ts_window w = RandomWindow(rng, d);
    const ts_cbuf cin{in.data(), 0, 0, d.h, d.w};
    // requantize
    ts_requant_params r{};
    r.input_zero_point = rng.Int(-128, 127), r.output_zero_point = rng.Int(-128, 127);
    int sh;
    ops::QuantizeMultiplier(rng.Real(0.1, 3.0), &r.multiplier, &sh);
    r.shift = sh;
    r.act_min = rng.Int(-128, 0), r.act_max = rng.Int(1, 127);
    std::vector<int8_t> expect(in.size());
    for (size_t i = 0; i < in.size(); ++i)
      expect[i] = static_cast<int8_t>(std::clamp<int64_t>(
          int64_t(r.output_zero_point) + naive::Mbqm(in[i] - r.input_zero_point, r.multiplier, r.shift),
          r.act_min, r.act_max));
    CheckWindow(d, w, expect, [&](ts_buf o) { ts_requantize_s8(&r, cin, o, d.c, w); }, "requantize");
    // clamp
    const int8_t lo = static_cast<int8_t>(rng.Int(-128, 0)), hi = static_cast<int8_t>(rng.Int(0, 127));
    for (size_t i = 0; i < in.size(); ++i) expect[i] = std::clamp(in[i], lo, hi);
    CheckWindow(d, w, expect, [&](ts_buf o) { ts_clamp_s8(lo, hi, cin, o, d.c, w); }, "clamp");
    // dequantize (TFLM's Dequantize: the float scale times the difference, in float) then
    // quantize with the same parameters is the identity
    const double scale = static_cast<float>(rng.Real(0.001, 0.5));
    const int32_t zp = rng.Int(-128, 127);
    std::vector<int8_t> f(in.size() * 4);
    ts_dequantize_s8_f32(scale, zp, cin, ts_buf{f.data(), 0, 0, d.h, d.w}, d.c, ts_window{0, d.h, 0, d.w});
    for (size_t i = 0; i < in.size(); ++i) {
      float v;
      std::memcpy(&v, f.data() + i * 4, 4);
      ASSERT_EQ(v, static_cast<float>(scale) * static_cast<float>(in[i] - zp));
    }
    CheckWindow(d, w, in,
                [&](ts_buf o) { ts_quantize_f32_s8(scale, zp, ts_cbuf{f.data(), 0, 0, d.h, d.w}, o, d.c, w); },
                "quantize(dequantize)");
  }
}

TEST(KernelsElementwise, QuantizeRoundsHalfAwayAndSaturates) {
  const float in[6] = {0.5f, -0.5f, 1.5f, 1000.0f, -1000.0f, 0.49f};
  const int8_t expect[6] = {1, -1, 2, 127, -128, 0};
  int8_t out[6];
  ts_quantize_f32_s8(1.0, 0, ts_cbuf{reinterpret_cast<const int8_t*>(in), 0, 0, 1, 1},
                     ts_buf{out, 0, 0, 1, 1}, 6, ts_window{0, 1, 0, 1});
  for (int i = 0; i < 6; ++i) EXPECT_EQ(out[i], expect[i]) << i;
}

TEST(KernelsElementwise, LogisticWithinOneStepOfExact) {
  Rng rng(31);
  for (int trial = 0; trial < 40; ++trial) {
    const float scale = static_cast<float>(rng.Real(0.01, 0.2));
    const int32_t zp = rng.Int(-128, 127);
    // The parameters as the operator layer derives them (TFLM's Prepare).
    ts_logistic_params p{};
    const double real = double(scale) * double(1 << 27);
    int ls;
    const double q = std::frexp(real, &ls);
    p.input_multiplier = static_cast<int32_t>(std::round(q * 2147483648.0));
    p.input_left_shift = ls;
    p.input_zero_point = zp;
    p.input_range_radius = static_cast<int32_t>(std::floor(15.0 * double(1 << 27) / std::ldexp(1.0, ls)));
    std::vector<int8_t> in(256), out(256);
    for (int i = 0; i < 256; ++i) in[i] = static_cast<int8_t>(i - 128);
    ts_logistic_s8(&p, ts_cbuf{in.data(), 0, 0, 1, 1}, ts_buf{out.data(), 0, 0, 1, 1}, 256, ts_window{0, 1, 0, 1});
    for (int i = 0; i < 256; ++i) {
      const double x = scale * (in[i] - zp);
      const double exact = std::clamp(256.0 / (1.0 + std::exp(-x)) - 128.0, -128.0, 127.0);
      ASSERT_LE(std::abs(out[i] - exact), 1.0) << "x=" << x;
    }
  }
}

TEST(KernelsElementwise, HardSwishWithinOneStepOfExact) {
  Rng rng(37);
  for (int trial = 0; trial < 40; ++trial) {
    const float si = static_cast<float>(rng.Real(0.02, 0.1)), so = static_cast<float>(rng.Real(0.02, 0.1));
    const int32_t zi = rng.Int(-50, 50), zo = rng.Int(-100, -50);
    ts_hard_swish_params p{};
    p.input_zero_point = zi, p.output_zero_point = zo;
    const float hires = (1.0f / 128.0f) * si;
    int32_t m;
    int s;
    auto down16 = [](int32_t v) { return static_cast<int16_t>(v >= 2147483647 - 32768 ? 32767 : (v + 32768) >> 16); };
    ops::QuantizeMultiplier(double(hires / so), &m, &s);
    p.output_multiplier_fixedpoint_int16 = down16(m), p.output_multiplier_exponent = s;
    ops::QuantizeMultiplier(double(hires / (3.0f / 32768.0f)), &m, &s);
    p.reluish_multiplier_fixedpoint_int16 = down16(m), p.reluish_multiplier_exponent = s;
    std::vector<int8_t> in(256), out(256);
    for (int i = 0; i < 256; ++i) in[i] = static_cast<int8_t>(i - 128);
    ts_hard_swish_s8(&p, ts_cbuf{in.data(), 0, 0, 1, 1}, ts_buf{out.data(), 0, 0, 1, 1}, 256, ts_window{0, 1, 0, 1});
    for (int i = 0; i < 256; ++i) {
      const double x = si * (in[i] - zi);
      const double y = x * std::clamp(x + 3.0, 0.0, 6.0) / 6.0;
      const double exact = std::clamp(y / so + zo, -128.0, 127.0);
      ASSERT_LE(std::abs(out[i] - exact), 1.0) << "x=" << x;
    }
  }
}

TEST(KernelsWhole, FullyConnectedMatchesNaive) {
  Rng rng(41);
  for (int trial = 0; trial < 100; ++trial) {
    const int batches = rng.Int(1, 3), depth = rng.Int(1, 100), out_depth = rng.Int(1, 20);
    const bool per_channel = rng.Int(0, 1);
    const int32_t izp = rng.Int(-128, 127), fzp = per_channel ? 0 : rng.Int(-5, 5), ozp = rng.Int(-128, 127);
    std::vector<int32_t> mult(per_channel ? out_depth : 1), shift(mult.size());
    for (size_t i = 0; i < mult.size(); ++i) {
      int s;
      ops::QuantizeMultiplier(std::exp2(rng.Real(-14, -4)), &mult[i], &s);
      shift[i] = s;
    }
    const auto in = rng.Bytes(int64_t(batches) * depth), w = rng.Bytes(int64_t(out_depth) * depth);
    std::vector<int32_t> bias;
    if (rng.Int(0, 1)) {
      bias.resize(out_depth);
      for (auto& b : bias) b = rng.Int(-30000, 30000);
    }
    const int32_t lo = rng.Int(0, 1) ? -128 : ozp;
    const auto expect = naive::FullyConnected(batches, depth, out_depth, izp, fzp, ozp, lo, 127, mult,
                                              shift, per_channel, in, w, bias);
    ts_fc_params p{};
    p.batches = batches, p.in_depth = depth, p.out_depth = out_depth;
    p.input_offset = -izp, p.filter_offset = -fzp, p.output_offset = ozp, p.act_min = lo, p.act_max = 127;
    p.output_multiplier = mult.data(), p.output_shift = shift.data(), p.per_channel = per_channel;
    for (int sc = 0; sc < 2; ++sc) {
      std::vector<int8_t> out(expect.size()), scratch(out_depth);
      ts_fully_connected_s8(&p, in.data(), w.data(), bias.empty() ? nullptr : bias.data(), out.data(),
                            sc ? scratch.data() : nullptr);
      ASSERT_EQ(out, expect) << "trial " << trial;
    }
  }
}

TEST(KernelsWhole, MeanMatchesNaive) {
  Rng rng(43);
  for (int trial = 0; trial < 200; ++trial) {
    const int rank = rng.Int(1, 5);
    std::vector<int> dims(rank);
    std::vector<bool> reduce(rank);
    ts_mean_params p{};
    p.rank = rank;
    bool any = false;
    for (int i = 0; i < rank; ++i) {
      dims[i] = p.dims[i] = rng.Int(1, 6);
      p.reduce[i] = rng.Int(0, 1);
      reduce[i] = p.reduce[i] != 0;
      any = any || reduce[i];
    }
    if (!any) {
      reduce[0] = true;
      p.reduce[0] = 1;
    }
    p.requantize = 1;
    p.input_zero_point = rng.Int(-128, 127), p.output_zero_point = rng.Int(-128, 127);
    int s;
    ops::QuantizeMultiplier(rng.Real(0.3, 3.0), &p.multiplier, &s);
    p.shift = s;
    int64_t n = 1;
    for (int d : dims) n *= d;
    const auto in = rng.Bytes(n);
    const auto expect = naive::Mean(dims, reduce, p.input_zero_point, p.output_zero_point, p.multiplier, p.shift, in);
    ASSERT_EQ(ts_mean_s8_scratch_bytes(&p), expect.size());
    for (int sc = 0; sc < 2; ++sc) {
      std::vector<int8_t> out(expect.size()), scratch(expect.size());
      ts_mean_s8(&p, in.data(), out.data(), sc ? scratch.data() : nullptr);
      ASSERT_EQ(out, expect) << "trial " << trial;
    }
  }
}

TEST(KernelsWhole, TransposeMatchesNaive) {
  Rng rng(47);
  for (int trial = 0; trial < 200; ++trial) {
    const int rank = rng.Int(1, 5), eb = rng.Int(0, 1) ? 1 : 4;
    std::vector<int> dims(rank), perm(rank);
    ts_transpose_params p{};
    p.rank = rank, p.elem_bytes = eb;
    int64_t n = eb;
    for (int i = 0; i < rank; ++i) {
      dims[i] = p.in_dims[i] = rng.Int(1, 5);
      perm[i] = i;
      n *= dims[i];
    }
    std::shuffle(perm.begin(), perm.end(), rng.g);
    for (int i = 0; i < rank; ++i) p.perm[i] = perm[i];
    std::vector<uint8_t> in(static_cast<size_t>(n));
    for (auto& b : in) b = static_cast<uint8_t>(rng.Int(0, 255));
    std::vector<uint8_t> out(in.size());
    ts_transpose(&p, in.data(), out.data());
    ASSERT_EQ(out, naive::Transpose(dims, perm, eb, in)) << "trial " << trial;
  }
}

TEST(KernelsWhole, ConcatenationInterleavesSlices) {
  // [2][axis][3] with axis sizes 1 and 2.
  const int8_t a[6] = {1, 2, 3, 4, 5, 6};
  const int8_t b[12] = {10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21};
  const void* ins[2] = {a, b};
  const int32_t sizes[2] = {1, 2};
  int8_t out[18];
  ts_concatenation(ins, sizes, 2, 2, 3, out);
  const int8_t expect[18] = {1, 2, 3, 10, 11, 12, 13, 14, 15, 4, 5, 6, 16, 17, 18, 19, 20, 21};
  for (int i = 0; i < 18; ++i) EXPECT_EQ(out[i], expect[i]) << i;
}

TEST(KernelsWhole, SoftmaxWithinOneStepOfExactAndInPlace) {
  Rng rng(53);
  for (int trial = 0; trial < 60; ++trial) {
    const int rows = rng.Int(1, 4), depth = rng.Int(1, 40);
    const double scale = rng.Real(0.01, 0.3);
    // TFLM's Prepare for beta = 1 (see ops.cc PrepareSoftmax).
    ts_softmax_params p{};
    int s;
    ops::QuantizeMultiplier(std::min(scale * double(1 << 26), double((1ll << 31) - 1)), &p.input_multiplier, &s);
    p.input_left_shift = s;
    p.diff_min = -static_cast<int32_t>(std::floor(31.0 * double(1 << 26) / std::ldexp(1.0, s)));
    const auto in = rng.Bytes(int64_t(rows) * depth);
    std::vector<int8_t> out(in.size()), scratch(depth);
    ts_softmax_s8(&p, in.data(), out.data(), rows, depth, nullptr);
    for (int r = 0; r < rows; ++r) {
      double sum = 0;
      const int mx = *std::max_element(in.begin() + r * depth, in.begin() + (r + 1) * depth);
      for (int c = 0; c < depth; ++c) sum += std::exp(scale * (in[r * depth + c] - mx));
      for (int c = 0; c < depth; ++c) {
        const double exact = std::min(127.0, 256.0 * std::exp(scale * (in[r * depth + c] - mx)) / sum - 128.0);
        ASSERT_LE(std::abs(out[r * depth + c] - exact), 1.0) << "trial " << trial;
      }
    }
    std::vector<int8_t> inplace = in, with_scratch(in.size());
    ts_softmax_s8(&p, inplace.data(), inplace.data(), rows, depth, nullptr);
    ts_softmax_s8(&p, in.data(), with_scratch.data(), rows, depth, scratch.data());
    ASSERT_EQ(inplace, out);
    ASSERT_EQ(with_scratch, out);
  }
}

}  // namespace
}  // namespace tessera
