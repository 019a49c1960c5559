// SUM int8 and ARG_MAX / ARG_MIN against naive formulations: SUM from an int64 sum per output
// (found by dropping the reduced axes of each input index) and TFLM's requantization, checked
// also against the real-valued sum; ARG_MAX / ARG_MIN from std::max_element / std::min_element
// (the first extreme element), with many ties.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "ops/ops.h"
#include "support/elem_window.h"

namespace tessera {
namespace {

using test::Rng;
using test::Uniform;

TEST(KernelsElemReduce, SumMatchesNaive) {
  Rng r(61);
  for (int trial = 0; trial < 400; ++trial) {
    ts_mean_params p{};
    p.rank = Uniform(r, 1, TS_MAX_DIMS);
    int64_t n = 1;
    for (int i = 0; i < p.rank; ++i) {
      p.dims[i] = Uniform(r, 1, p.rank > 3 ? 3 : 6);
      p.reduce[i] = Uniform(r, 0, 1);
      n *= p.dims[i];
    }
    const float si = test::RandomScale(r, 1e-3, 1.0), so = test::RandomScale(r, 1e-3, 4.0);
    const int32_t zi = test::RandomZeroPoint(r), zo = test::RandomZeroPoint(r);
    ASSERT_EQ(ts_sum_s8_prepare(si, zi, so, zo, &p), 0);
    int32_t m;
    int s;
    ops::QuantizeMultiplier(double(si) / double(so), &m, &s);
    ASSERT_EQ(p.multiplier, m);
    ASSERT_EQ(p.shift, s);
    const std::vector<int8_t> in = test::RandomBytes(r, static_cast<size_t>(n));
    // naive: every input index's output index (reduced axes dropped), int64 sums
    int64_t num_out = 1, count = 1;
    for (int i = 0; i < p.rank; ++i) (p.reduce[i] ? count : num_out) *= p.dims[i];
    std::vector<int64_t> sums(static_cast<size_t>(num_out), 0);
    for (int64_t flat = 0; flat < n; ++flat) {
      int64_t rem = flat, o = 0, mul = 1;
      for (int i = p.rank - 1; i >= 0; --i) {
        const int64_t idx = rem % p.dims[i];
        rem /= p.dims[i];
        if (!p.reduce[i]) o += idx * mul, mul *= p.dims[i];
      }
      sums[static_cast<size_t>(o)] += in[static_cast<size_t>(flat)];
    }
    std::vector<int8_t> expect(sums.size());
    for (size_t o = 0; o < sums.size(); ++o) {
      const int64_t v = naive::Mbqm(sums[o] - count * zi, p.multiplier, p.shift) + zo;
      expect[o] = static_cast<int8_t>(std::clamp<int64_t>(v, -128, 127));
      const double real = double(si) * double(sums[o] - count * zi) / so + zo;
      if (real > -127 && real < 126) {
        EXPECT_LE(std::abs(double(v) - real), 1.0);
      }
    }
    ASSERT_EQ(ts_sum_s8_scratch_bytes(&p), expect.size());
    std::vector<int8_t> out(expect.size(), 0x5a), scratch(expect.size());
    ts_sum_s8(&p, in.data(), out.data(), nullptr);
    ASSERT_EQ(out, expect) << "trial " << trial;
    std::fill(out.begin(), out.end(), 0x5a);
    ts_sum_s8(&p, in.data(), out.data(), scratch.data());
    ASSERT_EQ(out, expect) << "trial " << trial << " with scratch";
  }
}

TEST(KernelsElemReduce, ArgMinMaxMatchNaive) {
  Rng r(67);
  for (int trial = 0; trial < 400; ++trial) {
    const int32_t outer = Uniform(r, 1, 6), axis = Uniform(r, 1, 12), inner = Uniform(r, 1, 6);
    std::vector<int8_t> in = test::RandomBytes(r, static_cast<size_t>(outer * axis * inner));
    // few distinct values (ties), or the int8 extremes
    const int mode = Uniform(r, 0, 2);
    for (auto& v : in) {
      if (mode == 0) v = static_cast<int8_t>(Uniform(r, -2, 1));
      if (mode == 1) v = Uniform(r, 0, 1) ? 127 : -128;
    }
    for (int is_max = 0; is_max < 2; ++is_max) {
      for (int bytes : {4, 8}) {
        std::vector<unsigned char> out(static_cast<size_t>(outer * inner * bytes), 0xcc);
        ts_arg_min_max_s8(in.data(), outer, axis, inner, is_max, bytes, out.data());
        for (int o = 0; o < outer; ++o)
          for (int j = 0; j < inner; ++j) {
            std::vector<int8_t> line;
            for (int i = 0; i < axis; ++i) line.push_back(in[(size_t(o) * axis + i) * inner + j]);
            const auto it = is_max ? std::max_element(line.begin(), line.end())
                                   : std::min_element(line.begin(), line.end());
            const int64_t want = it - line.begin();
            int64_t got = 0;
            if (bytes == 8) {
              std::memcpy(&got, &out[(size_t(o) * inner + j) * 8], 8);
            } else {
              int32_t g32;
              std::memcpy(&g32, &out[(size_t(o) * inner + j) * 4], 4);
              got = g32;
            }
            ASSERT_EQ(got, want) << "trial " << trial << " max " << is_max << " bytes " << bytes;
          }
      }
    }
  }
}

}  // namespace
}  // namespace tessera
