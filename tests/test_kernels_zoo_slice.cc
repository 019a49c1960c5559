// STRIDED_SLICE / SLICE: ts_strided_slice_resolve + ts_slice against a naive reading of the
// slice spec as TensorFlow defines it (a list of items: a range begin:end:stride with Python's
// index normalization, an index (shrunk axis), a new axis, one ellipsis standing for the whole
// axes the other items leave; items missing at the end are whole axes), over random ranks,
// element sizes 1/2/4, negative indices and strides, every mask and offset = 1; hand-computed
// cases; and the slices TFLite would get wrong are refused.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <sstream>

#include "support/naive_zoo_kernels.h"
#include "tessera/kernels.h"

namespace tessera::zoo {
namespace {

enum class Kind { kRange, kIndex, kNewAxis, kEllipsis };
struct Item {
  Kind kind = Kind::kRange;
  std::optional<int> b, e;  // nullopt: masked (whole range in the stride's direction)
  int s = 1;
};

// Python's slice normalization for an axis of size n: the selected indices.
std::vector<int> PyRange(std::optional<int> b, std::optional<int> e, int s, int n, bool offset) {
  auto norm = [&](int v, bool is_stop) {
    (void)is_stop;
    if (v < 0) v += n;
    return s > 0 ? std::clamp(v, 0, n) : std::clamp(v, -1, n - 1);
  };
  const int start = b ? norm(*b, false) : (s > 0 ? 0 : n - 1);
  int stop;
  if (!e)
    stop = s > 0 ? n : -1;
  else
    stop = norm(offset ? *e + start : *e, true);
  std::vector<int> r;
  for (int i = start; s > 0 ? i < stop : i > stop; i += s) r.push_back(i);
  return r;
}

std::string Describe(const std::vector<Item>& items, const std::vector<int>& dims, int eb, bool offset) {
  std::ostringstream r;
  r << "dims [";
  for (int d : dims) r << d << " ";
  r << "] eb " << eb << (offset ? " offset" : "") << " items:";
  for (const auto& it : items) {
    if (it.kind == Kind::kEllipsis) r << " ...";
    if (it.kind == Kind::kNewAxis) r << " new";
    if (it.kind == Kind::kIndex) r << " [" << *it.b << "]";
    if (it.kind != Kind::kRange) continue;
    r << " ";
    if (it.b) r << *it.b;
    r << ":";
    if (it.e) r << *it.e;
    r << ":" << it.s;
  }
  return r.str();
}

struct NaiveResult {
  std::vector<int> out_shape;
  std::vector<uint8_t> out;
};

NaiveResult Naive(const std::vector<Item>& items, const std::vector<int>& in_dims, int eb, bool offset,
                  const std::vector<uint8_t>& in) {
  // Expand the ellipsis (or append whole axes) so that the items consume every input axis.
  int consuming = 0;
  bool has_ellipsis = false;
  for (const auto& it : items) {
    if (it.kind == Kind::kRange || it.kind == Kind::kIndex) ++consuming;
    if (it.kind == Kind::kEllipsis) has_ellipsis = true;
  }
  std::vector<Item> full;
  const Item whole{Kind::kRange, std::nullopt, std::nullopt, 1};  // NOLINT
  for (const auto& it : items) {
    if (it.kind == Kind::kEllipsis)
      for (int k = 0; k < static_cast<int>(in_dims.size()) - consuming; ++k) full.push_back(whole);
    else
      full.push_back(it);
  }
  if (!has_ellipsis)
    while (consuming < static_cast<int>(in_dims.size())) full.push_back(whole), ++consuming;
  // Per item: the input axis it walks (or -1 for a new axis) and the indices it selects.
  std::vector<int> axis_of;
  std::vector<std::vector<int>> sel;
  NaiveResult r;
  int axis = 0;
  for (const auto& it : full) {
    if (it.kind == Kind::kNewAxis) {
      axis_of.push_back(-1);
      sel.push_back({0});
      r.out_shape.push_back(1);
      continue;
    }
    const int n = in_dims[axis];
    if (it.kind == Kind::kIndex) {
      sel.push_back({*it.b < 0 ? *it.b + n : *it.b});
    } else {
      sel.push_back(PyRange(it.b, it.e, it.s, n, offset));
      r.out_shape.push_back(static_cast<int>(sel.back().size()));
    }
    axis_of.push_back(axis++);
  }
  std::vector<int64_t> in_stride(in_dims.size(), 1);
  for (int i = static_cast<int>(in_dims.size()) - 2; i >= 0; --i) in_stride[i] = in_stride[i + 1] * in_dims[i + 1];
  // Odometer over the selections, last fastest.
  std::vector<size_t> pos(sel.size(), 0);
  for (const auto& s : sel)
    if (s.empty()) return r;
  for (;;) {
    int64_t src = 0;
    for (size_t k = 0; k < sel.size(); ++k)
      if (axis_of[k] >= 0) src += sel[k][pos[k]] * in_stride[axis_of[k]];
    r.out.insert(r.out.end(), in.begin() + src * eb, in.begin() + (src + 1) * eb);
    int k = static_cast<int>(sel.size()) - 1;
    for (; k >= 0; --k) {
      if (++pos[k] < sel[k].size()) break;
      pos[k] = 0;
    }
    if (k < 0) break;
  }
  return r;
}

struct Resolved {
  bool ok = false;
  ts_slice_params p{};
  std::vector<int> out_shape;
};

Resolved Resolve(const std::vector<Item>& items, const std::vector<int>& in_dims, int eb, bool offset) {
  std::vector<int32_t> b, e, s;
  ts_strided_slice_spec spec{};
  for (size_t i = 0; i < items.size(); ++i) {
    const Item& it = items[i];
    const int32_t bit = 1 << i;
    b.push_back(it.b.value_or(12345));  // a masked value is never looked at
    e.push_back(it.e.value_or(-12345));
    s.push_back(it.s);
    if (it.kind == Kind::kRange && !it.b) spec.begin_mask |= bit;
    if (it.kind == Kind::kRange && !it.e) spec.end_mask |= bit;
    if (it.kind == Kind::kIndex) spec.shrink_axis_mask |= bit, e.back() = 0;
    if (it.kind == Kind::kNewAxis) spec.new_axis_mask |= bit;
    if (it.kind == Kind::kEllipsis) spec.ellipsis_mask |= bit;
  }
  spec.num = static_cast<int32_t>(items.size());
  spec.begin = b.data();
  spec.end = e.data();
  spec.strides = s.data();
  spec.offset = offset;
  std::vector<int32_t> dims(in_dims.begin(), in_dims.end());
  Resolved r;
  int32_t out_rank = 0, out_dims[TS_SLICE_MAX_DIMS];
  r.ok = ts_strided_slice_resolve(&spec, static_cast<int32_t>(dims.size()), dims.data(), eb, &r.p, &out_rank,
                                  out_dims) == 1;
  if (r.ok) r.out_shape.assign(out_dims, out_dims + out_rank);
  return r;
}

std::vector<uint8_t> RunSlice(const ts_slice_params& p, const std::vector<uint8_t>& in) {
  int64_t n = 1;
  for (int i = 0; i < p.rank; ++i) n *= p.count[i];
  std::vector<uint8_t> out(static_cast<size_t>(n * p.elem_bytes) + 3, 0xee);
  ts_slice(&p, in.data(), out.data());
  for (int k = 1; k <= 3; ++k) EXPECT_EQ(out[out.size() - k], 0xee) << "wrote past the output";
  out.resize(out.size() - 3);
  return out;
}

std::vector<uint8_t> RandomData(Rng& rng, const std::vector<int>& dims, int eb) {
  int64_t n = eb;
  for (int d : dims) n *= d;
  std::vector<uint8_t> v(static_cast<size_t>(n));
  for (auto& x : v) x = static_cast<uint8_t>(Int(rng, 0, 255));
  return v;
}

TEST(KernelsZooStridedSlice, RandomSpecsMatchTheNaiveSemantics) {
  Rng rng(41);
  int with_ellipsis = 0, with_new = 0, with_shrink = 0, with_offset = 0, negative = 0;
  for (int it = 0; it < 6000; ++it) {
    const int rank = Int(rng, 1, 4);
    std::vector<int> dims(rank);
    for (auto& d : dims) d = Int(rng, 1, 6);
    const int eb = std::vector<int>{1, 2, 4}[Int(rng, 0, 2)];
    const bool offset = Int(rng, 0, 5) == 0;
    // Items: at most one ellipsis, at most 5 - rank new axes, consuming at most `rank` axes.
    std::vector<Item> items;
    int consuming = 0, news = 0;
    bool ellipsis = false;
    const int want = Int(rng, 1, rank + 1);
    for (int k = 0; k < want; ++k) {
      const int r = Int(rng, 0, 9);
      Item item;
      if (r == 0 && !ellipsis && !offset) {
        item.kind = Kind::kEllipsis;
        ellipsis = true;
      } else if (r == 1 && news + rank < 5 && !offset) {
        item.kind = Kind::kNewAxis;
        ++news;
      } else if (consuming < rank) {
        const int n = dims[consuming];
        if (r == 2 && !offset) {
          // The axis an item walks is known only once the ellipsis is expanded: an index valid
          // for every axis.
          const int m = *std::min_element(dims.begin(), dims.end());
          item.kind = Kind::kIndex;
          item.b = Int(rng, -m, m - 1);
        } else {
          item.s = Int(rng, 0, 2) == 0 ? -Int(rng, 1, 3) : Int(rng, 1, 3);
          if (Int(rng, 0, 3)) item.b = Int(rng, -n - 2, n + 2);
          if (Int(rng, 0, 3)) item.e = offset ? Int(rng, -2, n + 2) : Int(rng, -n - 2, n + 2);
        }
        ++consuming;
      } else {
        continue;
      }
      items.push_back(item);
    }
    // An ellipsis standing for no axis is a spec TensorFlow never writes (TFLite would give it
    // one axis anyway).
    if (items.empty() || (ellipsis && consuming == rank)) continue;
    for (const auto& i : items) {
      with_ellipsis += i.kind == Kind::kEllipsis;
      with_new += i.kind == Kind::kNewAxis;
      with_shrink += i.kind == Kind::kIndex;
      negative += i.s < 0;
    }
    with_offset += offset;
    const auto in = RandomData(rng, dims, eb);
    const NaiveResult expect = Naive(items, dims, eb, offset, in);
    const Resolved got = Resolve(items, dims, eb, offset);
    const std::string what = Describe(items, dims, eb, offset);
    ASSERT_TRUE(got.ok) << what;
    ASSERT_EQ(got.out_shape, expect.out_shape) << what;
    ASSERT_EQ(RunSlice(got.p, in), expect.out) << what;
  }
  // The generator did reach every feature.
  EXPECT_GT(with_ellipsis, 100);
  EXPECT_GT(with_new, 100);
  EXPECT_GT(with_shrink, 100);
  EXPECT_GT(with_offset, 100);
  EXPECT_GT(negative, 100);
}

TEST(KernelsZooStridedSlice, HandComputedCases) {
  std::vector<uint8_t> v6 = {10, 11, 12, 13, 14, 15};
  auto one = [&](Item item, bool offset, std::vector<uint8_t> want) {
    const Resolved r = Resolve({item}, {6}, 1, offset);
    ASSERT_TRUE(r.ok);
    EXPECT_EQ(RunSlice(r.p, v6), want);
  };
  one({Kind::kRange, -1, std::nullopt, -1}, false, {15, 14, 13, 12, 11, 10});
  one({Kind::kRange, 4, 0, -2}, false, {14, 12});
  one({Kind::kRange, -100, 100, 2}, false, {10, 12, 14});
  one({Kind::kRange, 100, -100, -3}, false, {15, 12});
  one({Kind::kRange, 3, 1, 1}, false, {});
  one({Kind::kRange, 1, 3, 1}, true, {11, 12, 13});  // offset: end = begin + 3
  one({Kind::kRange, -2, 5, 1}, true, {14, 15});     // start 4, end 9 clamped to 6
  one({Kind::kRange, 5, -3, -1}, true, {15, 14, 13});
  // [2, 3] tensor: x[1] (shrink) -> [3]; x[..., 0] -> [2]; x[:, None, ::-1] -> [2, 1, 3].
  std::vector<uint8_t> m = {1, 2, 3, 4, 5, 6};
  Resolved r = Resolve({{Kind::kIndex, 1, std::nullopt, 1}}, {2, 3}, 1, false);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.out_shape, std::vector<int>({3}));
  EXPECT_EQ(RunSlice(r.p, m), std::vector<uint8_t>({4, 5, 6}));
  r = Resolve({Item{Kind::kEllipsis, std::nullopt, std::nullopt, 1}, {Kind::kIndex, 0, std::nullopt, 1}}, {2, 3}, 1, false);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.out_shape, std::vector<int>({2}));
  EXPECT_EQ(RunSlice(r.p, m), std::vector<uint8_t>({1, 4}));
  r = Resolve({{Kind::kRange, std::nullopt, std::nullopt, 1}, Item{Kind::kNewAxis, std::nullopt, std::nullopt, 1}, {Kind::kRange, std::nullopt, std::nullopt, -1}},
              {2, 3}, 1, false);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.out_shape, std::vector<int>({2, 1, 3}));
  EXPECT_EQ(RunSlice(r.p, m), std::vector<uint8_t>({3, 2, 1, 6, 5, 4}));
  // 2-byte elements, stride 2 on the last axis.
  std::vector<uint8_t> w = {0, 1, 2, 3, 4, 5, 6, 7};
  r = Resolve({{Kind::kRange, 1, std::nullopt, 2}}, {4}, 2, false);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(RunSlice(r.p, w), std::vector<uint8_t>({2, 3, 6, 7}));
  // TFLite clamps a shrunk index below -n to the first element.
  r = Resolve({{Kind::kIndex, -9, std::nullopt, 1}}, {6}, 1, false);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(RunSlice(r.p, v6), std::vector<uint8_t>({10}));
}

TEST(KernelsZooStridedSlice, RefusesWhatTfliteRejectsOrGetsWrong) {
  EXPECT_FALSE(Resolve({{Kind::kRange, 0, 3, 0}}, {6}, 1, false).ok);              // zero stride
  EXPECT_FALSE(Resolve({{Kind::kIndex, 6, std::nullopt, 1}}, {6}, 1, false).ok);   // index past the end
  EXPECT_FALSE(Resolve({{Kind::kIndex, 2, std::nullopt, -1}}, {6}, 1, false).ok);  // shrink, stride < 0
  // Six effective axes.
  EXPECT_FALSE(Resolve({Item{Kind::kNewAxis, std::nullopt, std::nullopt, 1}, Item{Kind::kNewAxis, std::nullopt, std::nullopt, 1}}, {2, 2, 2, 2}, 1, false).ok);
  EXPECT_TRUE(Resolve({Item{Kind::kNewAxis, std::nullopt, std::nullopt, 1}}, {2, 2, 2, 2}, 1, false).ok);
}

// SLICE: begin / size (-1: to the end) against a naive copy.
TEST(KernelsZooSlice, RandomBeginsAndSizes) {
  Rng rng(43);
  for (int it = 0; it < 3000; ++it) {
    const int rank = Int(rng, 1, 5);
    std::vector<int32_t> dims(rank), begin(rank), size(rank);
    for (int i = 0; i < rank; ++i) {
      dims[i] = Int(rng, 1, 5);
      begin[i] = Int(rng, 0, dims[i]);
      size[i] = Int(rng, 0, 3) == 0 ? -1 : Int(rng, 0, dims[i] - begin[i]);
    }
    const int eb = std::vector<int>{1, 2, 4}[Int(rng, 0, 2)];
    const auto in = RandomData(rng, std::vector<int>(dims.begin(), dims.end()), eb);
    ts_slice_params p{};
    ASSERT_EQ(ts_slice_resolve(rank, dims.data(), begin.data(), size.data(), eb, &p), 1);
    // Naive: every input element whose coordinates lie in [begin, begin + size), in order.
    std::vector<uint8_t> expect;
    int64_t total = 1;
    for (int d : dims) total *= d;
    for (int64_t e = 0; e < total; ++e) {
      int64_t r = e;
      bool inside = true;
      for (int i = rank - 1; i >= 0; --i) {
        const int c = static_cast<int>(r % dims[i]);
        r /= dims[i];
        const int n = size[i] == -1 ? dims[i] - begin[i] : size[i];
        inside = inside && c >= begin[i] && c < begin[i] + n;
      }
      if (inside) expect.insert(expect.end(), in.begin() + e * eb, in.begin() + (e + 1) * eb);
    }
    ASSERT_EQ(RunSlice(p, in), expect) << "it " << it;
  }
  const int32_t d[2] = {3, 3}, b[2] = {2, 0}, s[2] = {2, -1};
  ts_slice_params p{};
  EXPECT_EQ(ts_slice_resolve(2, d, b, s, 1, &p), 0);  // 2 + 2 > 3
}

}  // namespace
}  // namespace tessera::zoo
