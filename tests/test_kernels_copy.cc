// ts_copy_window and ts_copy_bytes move blocks of bytes at a time; their contract is the result
// of a byte-by-byte copy in ascending order (pixels row-major, bytes ascending), which for
// overlapping buffers can differ from a block copy. Compared here with that byte loop, written
// independently, over every relative placement of the two buffers within one array (overlapping
// both ways, by every gap up to a few blocks), random windows and pixel sizes.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "tessera/kernels.h"

namespace {

// The contract's order, one byte at a time.
void ByteCopyWindow(const int8_t* in, int32_t in_y0, int32_t in_x0, int32_t in_w, int8_t* out, int32_t out_y0,
                    int32_t out_x0, int32_t out_w, int32_t px, ts_window win) {
  for (int32_t y = win.y0; y < win.y1; ++y)
    for (int32_t x = win.x0; x < win.x1; ++x)
      for (int32_t i = 0; i < px; ++i)
        out[((y - out_y0) * out_w + (x - out_x0)) * px + i] = in[((y - in_y0) * in_w + (x - in_x0)) * px + i];
}

TEST(KernelsCopy, WindowCopyEqualsByteOrderForEveryOverlap) {
  std::mt19937 rng(99);
  int cases = 0;
  for (int trial = 0; trial < 400; ++trial) {
    const int32_t px = 1 + static_cast<int32_t>(rng() % 12);
    // Held windows of the two buffers, and a window inside both.
    const int32_t wy0 = static_cast<int32_t>(rng() % 4), wx0 = static_cast<int32_t>(rng() % 4);
    const int32_t wh = 1 + static_cast<int32_t>(rng() % 4), ww = 1 + static_cast<int32_t>(rng() % 5);
    const ts_window win{wy0, wy0 + wh, wx0, wx0 + ww};
    const bool exact_in = rng() % 2, exact_out = rng() % 2;  // buffers holding exactly the window's columns
    const int32_t in_x0 = exact_in ? wx0 : wx0 - static_cast<int32_t>(rng() % 3);
    const int32_t in_w = exact_in ? ww : ww + (wx0 - in_x0) + static_cast<int32_t>(rng() % 3);
    const int32_t out_x0 = exact_out ? wx0 : wx0 - static_cast<int32_t>(rng() % 3);
    const int32_t out_w = exact_out ? ww : ww + (wx0 - out_x0) + static_cast<int32_t>(rng() % 3);
    const int32_t in_y0 = wy0 - static_cast<int32_t>(rng() % 2), out_y0 = wy0 - static_cast<int32_t>(rng() % 2);
    const int32_t in_h = wh + (wy0 - in_y0), out_h = wh + (wy0 - out_y0);
    const int32_t in_bytes = in_h * in_w * px, out_bytes = out_h * out_w * px;
    // Every gap between the buffers' starts from -(out + 20) to in + 20 (overlapping both ways).
    for (int32_t gap = -(out_bytes + 20); gap <= in_bytes + 20; ++gap) {
      const int32_t base = out_bytes + 24;
      std::vector<int8_t> mem(static_cast<size_t>(base + in_bytes + out_bytes + 48));
      for (auto& b : mem) b = static_cast<int8_t>(rng());
      std::vector<int8_t> want = mem;
      const int32_t in_at = base, out_at = base + gap;
      ByteCopyWindow(want.data() + in_at, in_y0, in_x0, in_w, want.data() + out_at, out_y0, out_x0, out_w, px, win);
      ts_copy_window(ts_cbuf{mem.data() + in_at, in_y0, in_x0, in_h, in_w},
                     ts_buf{mem.data() + out_at, out_y0, out_x0, out_h, out_w}, px, win);
      ASSERT_EQ(mem, want) << "trial " << trial << " gap " << gap << " px " << px;
      ++cases;
    }
  }
  EXPECT_GT(cases, 10000);
}

TEST(KernelsCopy, ByteCopyEqualsByteOrderForEveryOverlap) {
  std::mt19937 rng(7);
  for (int32_t n : {0, 1, 3, 7, 8, 9, 15, 16, 17, 31, 64, 100}) {
    for (int32_t gap = -(n + 10); gap <= n + 10; ++gap) {
      std::vector<int8_t> mem(static_cast<size_t>(3 * n + 40));
      for (auto& b : mem) b = static_cast<int8_t>(rng());
      std::vector<int8_t> want = mem;
      const int32_t src = n + 20, dst = src + gap;
      for (int32_t i = 0; i < n; ++i) want[dst + i] = want[src + i];
      ts_copy_bytes(mem.data() + src, mem.data() + dst, static_cast<size_t>(n));
      ASSERT_EQ(mem, want) << "n " << n << " gap " << gap;
    }
  }
}

}  // namespace
