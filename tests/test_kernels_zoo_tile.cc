// TILE against "output element = input element at coordinates modulo the input dims" (ranks
// 0..5, multiples 0..3, element sizes 1/2/4); SPLIT / SPLIT_V / UNPACK through ts_split and
// PACK through ts_concatenation against naive coordinate arithmetic over random shapes and axes.
#include <gtest/gtest.h>

#include <numeric>

#include "support/naive_zoo_kernels.h"
#include "tessera/kernels.h"

namespace tessera::zoo {
namespace {

std::vector<uint8_t> Data(Rng& rng, int64_t n) {
  std::vector<uint8_t> v(static_cast<size_t>(n));
  for (auto& x : v) x = static_cast<uint8_t>(Int(rng, 0, 255));
  return v;
}

int64_t Product(const std::vector<int>& d) {
  return std::accumulate(d.begin(), d.end(), int64_t(1), std::multiplies<int64_t>());
}

TEST(KernelsZooTile, MatchesModuloIndexing) {
  Rng rng(51);
  for (int it = 0; it < 3000; ++it) {
    const int rank = Int(rng, 0, 5);
    const int eb = std::vector<int>{1, 2, 4}[Int(rng, 0, 2)];
    std::vector<int> dims(rank), mult(rank), out_dims(rank);
    ts_tile_params p{};
    p.rank = rank;
    p.elem_bytes = eb;
    for (int i = 0; i < rank; ++i) {
      dims[i] = Int(rng, 1, 4);
      mult[i] = Int(rng, 0, 9) == 0 ? 0 : Int(rng, 1, 3);
      out_dims[i] = dims[i] * mult[i];
      p.in_dims[i] = dims[i];
      p.multiples[i] = mult[i];
    }
    const auto in = Data(rng, Product(dims) * eb);
    const int64_t n_out = Product(out_dims);
    std::vector<uint8_t> expect;
    for (int64_t e = 0; e < n_out; ++e) {
      int64_t r = e, src = 0, stride = 1;
      for (int i = rank - 1; i >= 0; --i) {
        src += (r % out_dims[i]) % dims[i] * stride;
        r /= out_dims[i];
        stride *= dims[i];
      }
      expect.insert(expect.end(), in.begin() + src * eb, in.begin() + (src + 1) * eb);
    }
    std::vector<uint8_t> got(expect.size() + 4, 0xcd);
    ts_tile(&p, in.data(), got.data());
    for (int k = 0; k < 4; ++k) ASSERT_EQ(got[expect.size() + k], 0xcd) << "wrote past the output, it " << it;
    got.resize(expect.size());
    ASSERT_EQ(got, expect) << "it " << it << " rank " << rank;
  }
  // Hand case: [2] tiled x3 -> a b a b a b; [2, 1] x [1, 2] -> [[a, a], [b, b]].
  const uint8_t ab[2] = {7, 9};
  uint8_t o[6];
  ts_tile_params p{1, {2}, {3}, 1};
  ts_tile(&p, ab, o);
  EXPECT_EQ(std::vector<uint8_t>(o, o + 6), std::vector<uint8_t>({7, 9, 7, 9, 7, 9}));
  ts_tile_params q{2, {2, 1}, {1, 2}, 1};
  ts_tile(&q, ab, o);
  EXPECT_EQ(std::vector<uint8_t>(o, o + 4), std::vector<uint8_t>({7, 7, 9, 9}));
}

// A random shape and axis: outer = product of the dims before the axis, inner after.
struct View {
  std::vector<int> dims;
  int axis = 0;
  int64_t outer = 1, inner = 1;
};
View RandomView(Rng& rng, int axis_size) {
  View v;
  const int rank = Int(rng, 1, 5);
  v.axis = Int(rng, 0, rank - 1);
  for (int i = 0; i < rank; ++i) v.dims.push_back(i == v.axis ? axis_size : Int(rng, 1, 4));
  for (int i = 0; i < v.axis; ++i) v.outer *= v.dims[i];
  for (int i = v.axis + 1; i < rank; ++i) v.inner *= v.dims[i];
  return v;
}

TEST(KernelsZooSplit, SplitSplitVAndUnpackMatchCoordinateArithmetic) {
  Rng rng(53);
  for (int it = 0; it < 2000; ++it) {
    const int eb = std::vector<int>{1, 2, 4}[Int(rng, 0, 2)];
    const int kind = Int(rng, 0, 2);  // 0 SPLIT, 1 SPLIT_V, 2 UNPACK
    std::vector<int32_t> sizes;
    if (kind == 0) {
      const int n = Int(rng, 1, 4), each = Int(rng, 1, 3);
      sizes.assign(n, each);
    } else if (kind == 1) {
      for (int n = Int(rng, 1, 5), i = 0; i < n; ++i) sizes.push_back(Int(rng, 0, 3));
    } else {
      sizes.assign(Int(rng, 1, 5), 1);
    }
    const int axis_size = std::accumulate(sizes.begin(), sizes.end(), 0);
    const View v = RandomView(rng, axis_size);
    const auto in = Data(rng, Product(v.dims) * eb);
    // Naive: output i element (o, a, n) = input (o, offset_i + a, n).
    std::vector<std::vector<uint8_t>> expect(sizes.size()), got(sizes.size());
    int offset = 0;
    for (size_t i = 0; i < sizes.size(); ++i) {
      for (int64_t o = 0; o < v.outer; ++o)
        for (int a = 0; a < sizes[i]; ++a)
          for (int64_t n = 0; n < v.inner; ++n) {
            const int64_t src = (o * axis_size + offset + a) * v.inner + n;
            expect[i].insert(expect[i].end(), in.begin() + src * eb, in.begin() + (src + 1) * eb);
          }
      offset += sizes[i];
      got[i].assign(expect[i].size() + 2, 0xab);
    }
    std::vector<void*> outs;
    for (auto& g : got) outs.push_back(g.data());
    ts_split(in.data(), outs.data(), sizes.data(), static_cast<int32_t>(sizes.size()),
             static_cast<int32_t>(v.outer), static_cast<int32_t>(v.inner * eb));
    for (size_t i = 0; i < sizes.size(); ++i) {
      ASSERT_EQ(got[i][got[i].size() - 1], 0xab) << "wrote past output " << i;
      got[i].resize(expect[i].size());
      ASSERT_EQ(got[i], expect[i]) << "it " << it << " output " << i;
    }
  }
}

TEST(KernelsZooSplit, PackIsConcatenationWithUnitAxisSizes) {
  Rng rng(57);
  for (int it = 0; it < 1000; ++it) {
    const int eb = std::vector<int>{1, 2, 4}[Int(rng, 0, 2)];
    const int n = Int(rng, 1, 5);
    // Inputs of shape `dims`; output inserts an axis of n at `axis`.
    const int rank = Int(rng, 0, 4), axis = Int(rng, 0, rank);
    std::vector<int> dims(rank);
    for (auto& d : dims) d = Int(rng, 1, 4);
    int64_t outer = 1, inner = 1;
    for (int i = 0; i < axis; ++i) outer *= dims[i];
    for (int i = axis; i < rank; ++i) inner *= dims[i];
    std::vector<std::vector<uint8_t>> ins;
    for (int i = 0; i < n; ++i) ins.push_back(Data(rng, Product(dims) * eb));
    std::vector<uint8_t> expect;
    for (int64_t o = 0; o < outer; ++o)
      for (int i = 0; i < n; ++i)
        expect.insert(expect.end(), ins[i].begin() + o * inner * eb, ins[i].begin() + (o + 1) * inner * eb);
    std::vector<const void*> ptrs;
    for (auto& x : ins) ptrs.push_back(x.data());
    const std::vector<int32_t> ones(n, 1);
    std::vector<uint8_t> got(expect.size());
    ts_concatenation(ptrs.data(), ones.data(), n, static_cast<int32_t>(outer), static_cast<int32_t>(inner * eb),
                     got.data());
    ASSERT_EQ(got, expect) << "it " << it;
  }
}

}  // namespace
}  // namespace tessera::zoo
