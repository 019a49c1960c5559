// REDUCE_MAX / REDUCE_MIN int8 against a naive reduction (each input element folded into the
// output its kept coordinates name, starting from TFLM's initial values -128 / 127) over random
// ranks 1..6, dimensions, axis sets (none, some, all), with and without scratch, and in place
// with scratch (reads all before writing). Empty reduced axes give the initial value.
#include <gtest/gtest.h>

#include <algorithm>

#include "support/naive_zoo_kernels.h"
#include "tessera/kernels.h"

namespace tessera::zoo {
namespace {

std::vector<int8_t> Naive(const std::vector<int>& dims, const std::vector<bool>& red, bool is_max,
                          const std::vector<int8_t>& in) {
  const int rank = static_cast<int>(dims.size());
  int64_t num_out = 1, total = 1;
  for (int i = 0; i < rank; ++i) {
    total *= dims[i];
    if (!red[i]) num_out *= dims[i];
  }
  std::vector<int8_t> out(static_cast<size_t>(num_out), static_cast<int8_t>(is_max ? -128 : 127));
  for (int64_t e = 0; e < total; ++e) {
    // Coordinates of input element e, then the row-major index over the kept axes.
    std::vector<int> coord(rank);
    int64_t r = e;
    for (int i = rank - 1; i >= 0; --i) {
      coord[i] = static_cast<int>(r % dims[i]);
      r /= dims[i];
    }
    int64_t o = 0;
    for (int i = 0; i < rank; ++i)
      if (!red[i]) o = o * dims[i] + coord[i];
    out[o] = is_max ? std::max(out[o], in[e]) : std::min(out[o], in[e]);
  }
  return out;
}

TEST(KernelsZooReduce, MaxAndMinMatchTheNaiveReduction) {
  Rng rng(21);
  for (int it = 0; it < 3000; ++it) {
    const int rank = Int(rng, 1, TS_MAX_DIMS);
    ts_reduce_params p{};
    p.rank = rank;
    std::vector<int> dims(rank);
    std::vector<bool> red(rank);
    int64_t total = 1;
    const int mode = Int(rng, 0, 5);  // 0: no axis, 1: all axes, else random
    for (int i = 0; i < rank; ++i) {
      dims[i] = Int(rng, 1, rank > 4 ? 3 : 6);
      red[i] = mode == 0 ? false : mode == 1 ? true : Int(rng, 0, 1) == 1;
      p.dims[i] = dims[i];
      p.reduce[i] = red[i];
      total *= dims[i];
    }
    // Some data from a narrow range (many equal values), some with the extremes.
    std::vector<int8_t> in = RandomBytes(rng, static_cast<size_t>(total));
    if (it % 3 == 0)
      for (auto& b : in) b = static_cast<int8_t>(Int(rng, -3, 3));
    if (it % 5 == 0) in[Int(rng, 0, static_cast<int>(total) - 1)] = it % 2 ? -128 : 127;
    for (int is_max = 0; is_max < 2; ++is_max) {
      const auto expect = Naive(dims, red, is_max, in);
      ASSERT_EQ(ts_reduce_s8_scratch_bytes(&p), expect.size());
      auto run = [&](const int8_t* src, int8_t* dst, int8_t* scratch) {
        if (is_max)
          ts_reduce_max_s8(&p, src, dst, scratch);
        else
          ts_reduce_min_s8(&p, src, dst, scratch);
      };
      std::vector<int8_t> got(expect.size() + 1, 0x41), scratch(expect.size() + 1, 0x42);
      run(in.data(), got.data(), nullptr);
      ASSERT_EQ(std::vector<int8_t>(got.begin(), got.end() - 1), expect) << "it " << it << " max " << is_max;
      ASSERT_EQ(got.back(), 0x41) << "wrote past the output";
      std::fill(got.begin(), got.end(), 0x41);
      run(in.data(), got.data(), scratch.data());
      ASSERT_EQ(std::vector<int8_t>(got.begin(), got.end() - 1), expect) << "scratch, it " << it;
      // In place: the output overwrites the start of the input.
      std::vector<int8_t> buf = in;
      run(buf.data(), buf.data(), scratch.data());
      ASSERT_EQ(std::vector<int8_t>(buf.begin(), buf.begin() + static_cast<long>(expect.size())), expect)
          << "in place, it " << it;
    }
  }
}

TEST(KernelsZooReduce, HandValuesAndEmptyAxes) {
  // 2 x 3: max over axis 1 and min over axis 0.
  const std::vector<int8_t> in = {1, -5, 7, -128, 127, 0};
  ts_reduce_params p{};
  p.rank = 2;
  p.dims[0] = 2;
  p.dims[1] = 3;
  p.reduce[1] = 1;
  int8_t out[3] = {0, 0, 0};
  ts_reduce_max_s8(&p, in.data(), out, nullptr);
  EXPECT_EQ(out[0], 7);
  EXPECT_EQ(out[1], 127);
  ts_reduce_min_s8(&p, in.data(), out, nullptr);
  EXPECT_EQ(out[0], -5);
  EXPECT_EQ(out[1], -128);
  p.reduce[0] = 1;
  p.reduce[1] = 0;
  ts_reduce_min_s8(&p, in.data(), out, nullptr);
  EXPECT_EQ(out[0], -128);
  EXPECT_EQ(out[1], -5);
  EXPECT_EQ(out[2], 0);
  // A reduced axis of size 0: every output is the initial value.
  ts_reduce_params e{};
  e.rank = 2;
  e.dims[0] = 3;
  e.dims[1] = 0;
  e.reduce[1] = 1;
  int8_t o3[3] = {1, 2, 3};
  ts_reduce_max_s8(&e, in.data(), o3, nullptr);
  EXPECT_EQ(o3[0], -128);
  EXPECT_EQ(o3[2], -128);
  ts_reduce_min_s8(&e, in.data(), o3, nullptr);
  EXPECT_EQ(o3[1], 127);
}

}  // namespace
}  // namespace tessera::zoo
