// ts_lstm (UNIDIRECTIONAL_SEQUENCE_LSTM, 8x8->16 and 16x8->16) against a naive version of
// TensorFlow Lite Micro's EvalLstm written here the way lstm_eval.h is laid out: per time
// step, whole gate vectors (FullyConnected of the input with the bias, FullyConnected of the
// hidden state, saturating add, Logistic/Tanh), the cell update (two MulElementwise, add,
// clip), the hidden update (Tanh of the cell state, MulElementwise) and the copy to the
// output; int16 Logistic and Tanh re-derived from reference_integer_ops (interpolation in the
// sigmoid table). Random shapes (batch-major and time-major), quantization parameters and
// several invokes on persistent states; the DSP path (ts_lstm_dsp, kernels/src/lstm.c) gives the
// same bytes on every case.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "support/tflm_sigmoid_table.h"
#include "support/naive_kernels.h"
#include "tessera/kernels.h"

namespace {

namespace naive = tessera::naive;
// TFLM's requantization: tests/support/naive_kernels.h.
constexpr auto Mbqm = naive::MbqmWrap;
using naive::Mbqm64;

struct Rng {
  std::mt19937_64 r;
  explicit Rng(uint64_t s) : r(s) {}
  int64_t I(int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(r); }
};

const auto& kTable = tessera::test::kTflmSigmoidTable;

int32_t Clamp(int64_t v, int64_t lo, int64_t hi) { return static_cast<int32_t>(std::min(hi, std::max(lo, v))); }

// reference_integer_ops::Logistic / Tanh for int16, in int64 arithmetic.
int64_t Scaled(int16_t x, int32_t mult, int32_t shift) {
  if (mult == 0) {
    mult = 3 << shift;
    shift = 0;
  }
  const int64_t round = shift > 0 ? int64_t{1} << (shift - 1) : 0;
  const int64_t v = static_cast<int64_t>(x) * mult + round;
  return v >= 0 ? v >> shift : -((-v + (int64_t{1} << shift) - 1) >> shift);  // floor division
}
int16_t Sigmoid(int16_t x, int32_t mult = 0, int32_t shift = 0) {
  const int64_t v = Scaled(x, mult, shift);
  const int64_t a = v < 0 ? -v : v;
  int64_t r;
  if ((a >> 9) >= 255) {
    r = int64_t{0x7FFF} << 10;
  } else {
    const int64_t lo = kTable[a >> 9], hi = kTable[(a >> 9) + 1];
    r = lo * 512 + (a % 512) * (hi - lo);
  }
  r = v >= 0 ? r + 512 : (int64_t{1} << 25) - r + 511;
  return static_cast<int16_t>(r / 1024);
}
int16_t Tanh(int16_t x, int32_t mult, int32_t shift) {
  const int64_t v = Scaled(x, mult, shift);
  const int64_t a = v < 0 ? -v : v;
  int64_t r;
  if ((a >> 8) >= 255) {
    r = int64_t{0xFFFF} << 8;
  } else {
    const int64_t lo = kTable[a >> 8], hi = kTable[(a >> 8) + 1];
    r = lo * 256 + (a % 256) * (hi - lo);
  }
  r = v >= 0 ? r - (int64_t{1} << 23) + 128 : -r + (int64_t{1} << 23) + 127;
  const int64_t q = r >= 0 ? r / 256 : -((-r + 255) / 256);  // arithmetic shift
  return static_cast<int16_t>(q);
}

struct Case {
  ts_lstm_params p{};
  std::vector<int8_t> w_in[4], w_rec[4];
  std::vector<int32_t> b32[4];
  std::vector<int64_t> b64[4];
  int32_t zp_in = 0, zp_h = 0;
};

// The naive model: one step over `rows` rows; x, h (activations as int32), c int16.
void NaiveStep(const Case& k, const std::vector<int32_t>& x, std::vector<int32_t>& h, std::vector<int16_t>& c,
               int rows, std::vector<int32_t>& out_rows) {
  const ts_lstm_params& p = k.p;
  const int ni = p.n_input, ns = p.n_state;
  auto gate = [&](int g) {
    std::vector<int16_t> in_fc(rows * ns), rec_fc(rows * ns), sum(rows * ns);
    const ts_lstm_gate& q = p.gate[g];
    for (int r = 0; r < rows; ++r)
      for (int j = 0; j < ns; ++j) {
        int32_t a;
        int32_t b;
        if (p.s16) {
          int64_t acc = 0;
          for (int d = 0; d < ni; ++d) acc += (k.w_in[g][j * ni + d] + q.input_filter_offset) * x[r * ni + d];
          if (!k.b64[g].empty()) acc += k.b64[g][j];
          a = Clamp(Mbqm64(acc, q.input_multiplier, q.input_shift), -32768, 32767);
          int64_t acc2 = 0;
          for (int d = 0; d < ns; ++d) acc2 += (k.w_rec[g][j * ns + d] + q.recurrent_filter_offset) * h[r * ns + d];
          b = Clamp(Mbqm64(acc2, q.recurrent_multiplier, q.recurrent_shift), -32768, 32767);
        } else {
          int32_t acc = 0;
          for (int d = 0; d < ni; ++d)
            acc += (k.w_in[g][j * ni + d] + q.input_filter_offset) * (x[r * ni + d] + p.input_offset);
          if (!k.b32[g].empty()) acc += k.b32[g][j];
          a = Clamp(Mbqm(acc, q.input_multiplier, q.input_shift), -32768, 32767);
          int32_t acc2 = 0;
          for (int d = 0; d < ns; ++d)
            acc2 += (k.w_rec[g][j * ns + d] + q.recurrent_filter_offset) * (h[r * ns + d] + p.hidden_offset);
          b = Clamp(Mbqm(acc2, q.recurrent_multiplier, q.recurrent_shift), -32768, 32767);
        }
        in_fc[r * ns + j] = static_cast<int16_t>(a);
        rec_fc[r * ns + j] = static_cast<int16_t>(b);
      }
    for (int i = 0; i < rows * ns; ++i) {
      const int16_t s = static_cast<int16_t>(Clamp(int32_t{in_fc[i]} + rec_fc[i], -32768, 32767));
      const bool sig = g != TS_LSTM_CELL || p.cell_gate_sigmoid;
      sum[i] = sig ? Sigmoid(s) : Tanh(s, 0, 0);
    }
    return sum;
  };
  const auto f = gate(TS_LSTM_FORGET), in = gate(TS_LSTM_INPUT), cg = gate(TS_LSTM_CELL);
  std::vector<int16_t> fc(rows * ns), ic(rows * ns);
  for (int i = 0; i < rows * ns; ++i) {
    fc[i] = static_cast<int16_t>(Clamp(Mbqm(int32_t{f[i]} * c[i], p.forget_multiplier, p.forget_shift), -32768, 32767));
    ic[i] = static_cast<int16_t>(Clamp(Mbqm(int32_t{in[i]} * cg[i], p.input_multiplier, p.input_shift), -32768, 32767));
  }
  for (int i = 0; i < rows * ns; ++i) {
    int16_t v = static_cast<int16_t>(Clamp(int32_t{fc[i]} + ic[i], -32768, 32767));
    if (p.cell_clip >= 0) v = static_cast<int16_t>(Clamp(v, -p.cell_clip, p.cell_clip));
    c[i] = v;
  }
  const auto og = gate(TS_LSTM_OUTPUT);
  const int lo = p.s16 ? -32768 : -128, hi = p.s16 ? 32767 : 127;
  for (int i = 0; i < rows * ns; ++i) {
    const int16_t t = Tanh(c[i], p.cell_tanh_multiplier, p.cell_tanh_shift);
    h[i] = Clamp(int64_t{p.hidden_zero_point} + Mbqm(int32_t{t} * og[i], p.hidden_multiplier, p.hidden_shift), lo, hi);
  }
  out_rows = h;
}

int32_t RandMult(Rng& r) { return static_cast<int32_t>(r.I(int64_t{1} << 30, INT32_MAX)); }

Case RandomCase(Rng& r) {
  Case k;
  ts_lstm_params& p = k.p;
  p.s16 = static_cast<int32_t>(r.I(0, 1));
  p.batches = static_cast<int32_t>(r.I(1, 3));
  p.time_steps = static_cast<int32_t>(r.I(1, 6));
  p.n_input = static_cast<int32_t>(r.I(1, 13));
  p.n_state = static_cast<int32_t>(r.I(1, 11));
  p.time_major = static_cast<int32_t>(r.I(0, 1));
  k.zp_in = p.s16 ? 0 : static_cast<int32_t>(r.I(-128, 127));
  k.zp_h = p.s16 ? 0 : static_cast<int32_t>(r.I(-20, 20));
  p.input_offset = -k.zp_in;
  p.hidden_offset = -k.zp_h;
  p.hidden_zero_point = k.zp_h;
  p.cell_gate_sigmoid = r.I(0, 5) == 0 ? 1 : 0;
  for (int g = 0; g < 4; ++g) {
    ts_lstm_gate& q = p.gate[g];
    k.w_in[g].resize(static_cast<size_t>(p.n_state * p.n_input));
    k.w_rec[g].resize(static_cast<size_t>(p.n_state * p.n_state));
    for (auto& v : k.w_in[g]) v = static_cast<int8_t>(r.I(-127, 127));
    for (auto& v : k.w_rec[g]) v = static_cast<int8_t>(r.I(-127, 127));
    q.input_filter_offset = r.I(0, 4) == 0 ? static_cast<int32_t>(r.I(-3, 3)) : 0;
    q.recurrent_filter_offset = r.I(0, 4) == 0 ? static_cast<int32_t>(r.I(-3, 3)) : 0;
    if (r.I(0, 5) != 0) {
      if (p.s16) {
        k.b64[g].resize(static_cast<size_t>(p.n_state));
        for (auto& v : k.b64[g]) v = r.I(-(int64_t{1} << 22), int64_t{1} << 22);
      } else {
        k.b32[g].resize(static_cast<size_t>(p.n_state));
        for (auto& v : k.b32[g]) v = static_cast<int32_t>(r.I(-40000, 40000));
      }
    }
    q.input_multiplier = RandMult(r);
    q.recurrent_multiplier = RandMult(r);
    // 8-bit FC sums reach ~2^15 per 128*128*n: left shifts up to +3 reach the int16 limits;
    // 16-bit sums ~2^22: right shifts
    q.input_shift = static_cast<int32_t>(p.s16 ? r.I(-14, -4) : r.I(-6, 3));
    q.recurrent_shift = static_cast<int32_t>(p.s16 ? r.I(-14, -4) : r.I(-6, 3));
  }
  const int power = static_cast<int>(r.I(-15, -9));  // cell state scale 2^power
  p.forget_multiplier = 1 << 30;
  p.forget_shift = -14;  // 2^-15 * s / s
  int shift = 0;
  ts_quantize_multiplier(std::ldexp(1.0, -30 - power), &p.input_multiplier, &shift);
  p.input_shift = shift;
  const double hidden_scale = p.s16 ? std::ldexp(1.0, -15) * (0.5 + r.I(0, 100) / 100.0)
                                    : std::ldexp(1.0, -7) * (0.5 + r.I(0, 100) / 100.0);
  ts_quantize_multiplier(std::ldexp(1.0, -30) / hidden_scale, &p.hidden_multiplier, &shift);
  p.hidden_shift = shift;
  int32_t sh = 15 + power - 3, m = 0;
  if (sh < 0) {
    sh = -sh;
    m = 3;
  }
  p.cell_tanh_multiplier = m;
  p.cell_tanh_shift = sh;
  p.cell_clip = r.I(0, 2) == 0 ? static_cast<int32_t>(r.I(0, 32767)) : -1;
  for (int g = 0; g < 4; ++g) {
    p.gate[g].input_weights = k.w_in[g].data();
    p.gate[g].recurrent_weights = k.w_rec[g].data();
    p.gate[g].bias32 = k.b32[g].empty() ? nullptr : k.b32[g].data();
    p.gate[g].bias64 = k.b64[g].empty() ? nullptr : k.b64[g].data();
  }
  return k;
}

int32_t Get(const std::vector<int8_t>& buf, bool s16, size_t i) {
  if (!s16) return buf[i];
  int16_t v;
  std::memcpy(&v, buf.data() + 2 * i, 2);
  return v;
}
void Put(std::vector<int8_t>& buf, bool s16, size_t i, int32_t v) {
  if (!s16) {
    buf[i] = static_cast<int8_t>(v);
    return;
  }
  const int16_t x = static_cast<int16_t>(v);
  std::memcpy(buf.data() + 2 * i, &x, 2);
}

TEST(KernelLstm, SigmoidAndTanhFollowTheirFunctions) {
  // the int16 tables' functions: sigmoid in Q0.15 of an input in Q3.12, tanh likewise
  for (int x = -32768; x <= 32767; x += 7) {
    const double in = x / 4096.0;
    const int16_t s = ts_logistic_s16_value(static_cast<int16_t>(x), 0, 0);
    const int16_t t = ts_tanh_s16_value(static_cast<int16_t>(x), 0, 0);
    EXPECT_NEAR(s / 32768.0, 1.0 / (1.0 + std::exp(-in)), 2e-4) << x;
    EXPECT_NEAR(t / 32768.0, std::tanh(in), 4e-4) << x;
    EXPECT_EQ(s, Sigmoid(static_cast<int16_t>(x))) << x;
    EXPECT_EQ(t, Tanh(static_cast<int16_t>(x), 0, 0)) << x;
    for (int sh = 1; sh <= 3; ++sh) {
      EXPECT_EQ(ts_tanh_s16_value(static_cast<int16_t>(x), 3, sh), Tanh(static_cast<int16_t>(x), 3, sh)) << x;
      EXPECT_EQ(ts_tanh_s16_value(static_cast<int16_t>(x), 0, sh), Tanh(static_cast<int16_t>(x), 0, sh)) << x;
    }
  }
}

TEST(KernelLstm, RandomCasesMatchNaiveOverSeveralInvokes) {
  Rng r(20261207);
  int cases[2] = {0, 0};
  std::vector<bool> seen8(256, false);  // int8 outputs seen: the cases are not all saturated
  for (int iter = 0; iter < 400; ++iter) {
    Case k = RandomCase(r);
    const ts_lstm_params& p = k.p;
    const bool s16 = p.s16 != 0;
    const int B = p.batches, T = p.time_steps, ni = p.n_input, ns = p.n_state, eb = s16 ? 2 : 1;
    std::vector<int8_t> hidden(static_cast<size_t>(B * ns * eb)), cell(static_cast<size_t>(B * ns * 2));
    std::vector<int32_t> nh(static_cast<size_t>(B * ns), k.zp_h);
    std::vector<int16_t> nc(static_cast<size_t>(B * ns), 0);
    for (size_t i = 0; i < nh.size(); ++i) Put(hidden, s16, i, k.zp_h);
    // a non-zero initial cell state in half of the cases
    if (r.I(0, 1))
      for (size_t i = 0; i < nc.size(); ++i) {
        nc[i] = static_cast<int16_t>(r.I(-32768, 32767));
        std::memcpy(cell.data() + 2 * i, &nc[i], 2);
      }
    std::vector<int8_t> hidden_dsp = hidden, cell_dsp = cell;
    const int invokes = static_cast<int>(r.I(1, 3));
    for (int inv = 0; inv < invokes; ++inv) {
      std::vector<int8_t> in(static_cast<size_t>(B * T * ni * eb)), out(static_cast<size_t>(B * T * ns * eb), 0x55);
      std::vector<int32_t> xin(static_cast<size_t>(B * T * ni));
      for (size_t i = 0; i < xin.size(); ++i) {
        xin[i] = static_cast<int32_t>(s16 ? r.I(-32768, 32767) : r.I(-128, 127));
        Put(in, s16, i, xin[i]);
      }
      // the DSP path (SMLAD over the emulated intrinsics here) on its own copies of the states
      std::vector<int8_t> out_dsp(out.size(), 0x55);
      ts_lstm_dsp(&p, in.data(), out_dsp.data(), hidden_dsp.data(), cell_dsp.data());
      ts_lstm(&p, in.data(), out.data(), hidden.data(), cell.data());
      ASSERT_EQ(out_dsp, out) << "case " << iter << " invoke " << inv << ": DSP path";
      ASSERT_EQ(hidden_dsp, hidden) << "case " << iter << " invoke " << inv << ": DSP path";
      ASSERT_EQ(cell_dsp, cell) << "case " << iter << " invoke " << inv << ": DSP path";
      // naive
      std::vector<int32_t> nout(static_cast<size_t>(B * T * ns));
      if (p.time_major) {
        for (int t = 0; t < T; ++t) {
          std::vector<int32_t> x(xin.begin() + t * B * ni, xin.begin() + (t + 1) * B * ni), o;
          NaiveStep(k, x, nh, nc, B, o);
          std::copy(o.begin(), o.end(), nout.begin() + t * B * ns);
        }
      } else {
        for (int b = 0; b < B; ++b) {
          std::vector<int32_t> h(nh.begin() + b * ns, nh.begin() + (b + 1) * ns);
          std::vector<int16_t> c(nc.begin() + b * ns, nc.begin() + (b + 1) * ns);
          for (int t = 0; t < T; ++t) {
            const size_t at = static_cast<size_t>((b * T + t) * ni);
            std::vector<int32_t> x(xin.begin() + static_cast<std::ptrdiff_t>(at),
                                   xin.begin() + static_cast<std::ptrdiff_t>(at + ni)),
                o;
            NaiveStep(k, x, h, c, 1, o);
            std::copy(o.begin(), o.end(), nout.begin() + (b * T + t) * ns);
          }
          std::copy(h.begin(), h.end(), nh.begin() + b * ns);
          std::copy(c.begin(), c.end(), nc.begin() + b * ns);
        }
      }
      for (size_t i = 0; i < nout.size(); ++i)
        ASSERT_EQ(Get(out, s16, i), nout[i]) << "case " << iter << " invoke " << inv << " output " << i
                                             << (s16 ? " 16x8" : " 8x8") << (p.time_major ? " time-major" : "");
      for (size_t i = 0; i < nh.size(); ++i) ASSERT_EQ(Get(hidden, s16, i), nh[i]) << "case " << iter << " hidden " << i;
      for (size_t i = 0; i < nc.size(); ++i) {
        int16_t v;
        std::memcpy(&v, cell.data() + 2 * i, 2);
        ASSERT_EQ(v, nc[i]) << "case " << iter << " cell " << i;
      }
    }
    ++cases[s16 ? 1 : 0];
    if (!s16)
      for (int8_t v : hidden) seen8[static_cast<uint8_t>(v)] = true;
  }
  EXPECT_GT(std::count(seen8.begin(), seen8.end(), true), 200);
  EXPECT_GT(cases[0], 100);
  EXPECT_GT(cases[1], 100);
}

// The kernel works at any byte offset of its int16 data (a plan may place buffers anywhere).
TEST(KernelLstm, MisalignedInt16Buffers) {
  Rng r(99);
  Case k = RandomCase(r);
  k.p.s16 = 1;
  for (int g = 0; g < 4; ++g) {
    k.b32[g].clear();
    k.b64[g].assign(static_cast<size_t>(k.p.n_state), 1000);
    k.p.gate[g].bias32 = nullptr;
    k.p.gate[g].bias64 = k.b64[g].data();
  }
  const ts_lstm_params& p = k.p;
  const size_t nin = static_cast<size_t>(p.batches * p.time_steps * p.n_input * 2);
  const size_t nout = static_cast<size_t>(p.batches * p.time_steps * p.n_state * 2);
  const size_t nst = static_cast<size_t>(p.batches * p.n_state * 2);
  std::vector<int8_t> a(nin + 1), b(nout + 1), h(nst + 1, 0), c(nst + 1, 0);
  for (auto& v : a) v = static_cast<int8_t>(r.I(-128, 127));
  std::vector<int8_t> a2(a.begin() + 1, a.end()), b2(nout), h2(nst, 0), c2(nst, 0);
  ts_lstm(&p, a.data() + 1, b.data() + 1, h.data() + 1, c.data() + 1);
  ts_lstm(&p, a2.data(), b2.data(), h2.data(), c2.data());
  EXPECT_EQ(std::vector<int8_t>(b.begin() + 1, b.end()), b2);
  std::vector<int8_t> b3(nout + 1), h3(nst + 1, 0), c3(nst + 1, 0);
  ts_lstm_dsp(&p, a.data() + 1, b3.data() + 1, h3.data() + 1, c3.data() + 1);
  EXPECT_EQ(std::vector<int8_t>(b3.begin() + 1, b3.end()), b2);
  EXPECT_EQ(std::vector<int8_t>(c.begin() + 1, c.end()), c2);
}

}  // namespace
