// ts_copy_rows (the generated code's copy step) and the word/block moves under it
// (kernels/src/copy_util.h): the result must be that of a byte-by-byte copy, rows in
// ascending order, each row's bytes ascending, for every placement of source and destination:
// disjoint, overlapping either way (by every gap around the block sizes, the smallest gaps at
// which blocks become exact especially), any alignment of either pointer, strides equal to the
// row (one merged move) or longer. Compared with that byte loop, written here independently.
// On the host these are the C loops (copy_util.h's TS_COPY_LDM is 0); the Thumb-2 LDM/STM path
// is compared with the same loop on the emulated Cortex-M4 (tests/test_firmware_copy.cc).
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "tessera/kernels.h"

namespace {

void ByteRows(const int8_t* in, int8_t* out, int32_t rows, int32_t row_bytes, int32_t in_stride,
              int32_t out_stride) {
  for (int32_t r = 0; r < rows; ++r)
    for (int32_t i = 0; i < row_bytes; ++i) out[r * out_stride + i] = in[r * in_stride + i];
}

struct Case {
  int32_t rows, row_bytes, in_stride, out_stride;
};

// One case at every gap (destination start - source start) in [lo, hi], the source at each
// of the alignments 0..7 of a 16-byte aligned array.
int RunGaps(const Case& c, int32_t lo, int32_t hi, std::mt19937& rng) {
  const int32_t in_span = (c.rows - 1) * c.in_stride + c.row_bytes;
  const int32_t out_span = (c.rows - 1) * c.out_stride + c.row_bytes;
  int n = 0;
  for (int32_t align = 0; align < 8; ++align) {
    for (int32_t gap = lo; gap <= hi; ++gap) {
      const int32_t base = 64 + align + (gap < 0 ? -gap : 0);
      const size_t size = static_cast<size_t>(base + in_span + out_span + (gap > 0 ? gap : 0) + 64);
      std::vector<int8_t> mem(size + 16);
      // 16-byte aligned start inside the vector.
      const size_t shift = (16 - reinterpret_cast<uintptr_t>(mem.data()) % 16) % 16;
      for (auto& b : mem) b = static_cast<int8_t>(rng());
      std::vector<int8_t> want = mem;
      int8_t* m = mem.data() + shift;
      int8_t* w = want.data() + shift;
      ByteRows(w + base, w + base + gap, c.rows, c.row_bytes, c.in_stride, c.out_stride);
      ts_copy_rows(m + base, m + base + gap, c.rows, c.row_bytes, c.in_stride, c.out_stride);
      EXPECT_EQ(mem, want) << "rows " << c.rows << " row_bytes " << c.row_bytes << " strides " << c.in_stride
                           << "/" << c.out_stride << " align " << align << " gap " << gap;
      if (mem != want) return n;
      ++n;
    }
  }
  return n;
}

TEST(KernelsCopyRows, EqualsByteLoopForEveryGapAndAlignment) {
  std::mt19937 rng(2026);
  int cases = 0;
  for (int trial = 0; trial < 160; ++trial) {
    Case c;
    c.rows = 1 + static_cast<int32_t>(rng() % 5);
    const bool words = rng() % 3 != 0;  // row and strides multiples of 4 (the LDM path)
    c.row_bytes = words ? 4 * (1 + static_cast<int32_t>(rng() % 24)) : 1 + static_cast<int32_t>(rng() % 90);
    switch (rng() % 3) {
      case 0:  // both contiguous: one merged move
        c.in_stride = c.out_stride = c.row_bytes;
        break;
      case 1:  // one contiguous, the other longer (halo column copies)
        c.in_stride = c.row_bytes + (words ? 4 : 1) * static_cast<int32_t>(rng() % 12);
        c.out_stride = c.row_bytes;
        if (rng() % 2) std::swap(c.in_stride, c.out_stride);
        break;
      default:
        c.in_stride = c.row_bytes + (words ? 4 : 1) * static_cast<int32_t>(rng() % 12);
        c.out_stride = c.row_bytes + (words ? 4 : 1) * static_cast<int32_t>(rng() % 12);
    }
    const int32_t span = (c.rows - 1) * std::max(c.in_stride, c.out_stride) + c.row_bytes;
    // Overlapping both ways, and beyond by a few blocks.
    cases += RunGaps(c, -(span + 40), span + 40, rng);
    if (HasFailure()) return;
  }
  EXPECT_GT(cases, 100000);
}

// Long single moves (the merged whole-row copies): every gap up to past two 32-byte blocks,
// lengths around the block and word boundaries.
TEST(KernelsCopyRows, LongMovesAtSmallGaps) {
  std::mt19937 rng(31);
  for (int32_t n : {1, 3, 4, 7, 8, 12, 16, 24, 28, 31, 32, 33, 36, 60, 63, 64, 65, 100, 255, 1024, 6384}) {
    const Case c{1, n, n, n};
    RunGaps(c, -80, 80, rng);
    if (HasFailure()) return;
  }
}

// ts_copy_window through ts_copy_rows: windows of halo-copy shape (a band of whole rows, a
// column strip) between buffers of different widths, pixel sizes of 3 (unaligned rows) and
// multiples of 8, placed overlapping and apart.
TEST(KernelsCopyRows, HaloWindowsEqualByteLoop) {
  std::mt19937 rng(5);
  for (int32_t px : {3, 8, 16, 48}) {
    for (int shape = 0; shape < 2; ++shape) {
      const int32_t H = 12, W = 10;
      const ts_window win = shape == 0 ? ts_window{8, 12, 0, W} : ts_window{0, H, 7, W};
      // Source holds the whole tensor; destination exactly the window (or a wider strip).
      const int32_t out_x0 = shape == 0 ? 0 : 5, out_w = shape == 0 ? W : W - 5;
      const int32_t in_bytes = H * W * px;
      const int32_t out_bytes = (win.y1 - win.y0) * out_w * px;
      for (int32_t gap = -(out_bytes + 40); gap <= in_bytes + 40; gap += (gap > -40 && gap < 40) ? 1 : 7) {
        const int32_t base = out_bytes + 64;
        std::vector<int8_t> mem(static_cast<size_t>(base + in_bytes + out_bytes + 128));
        for (auto& b : mem) b = static_cast<int8_t>(rng());
        std::vector<int8_t> want = mem;
        int8_t* w = want.data() + base;
        int8_t* wo = w + gap;
        for (int32_t y = win.y0; y < win.y1; ++y)
          for (int32_t x = win.x0; x < win.x1; ++x)
            for (int32_t i = 0; i < px; ++i)
              wo[((y - win.y0) * out_w + (x - out_x0)) * px + i] = w[(y * W + x) * px + i];
        ts_copy_window(ts_cbuf{mem.data() + base, 0, 0, H, W},
                       ts_buf{mem.data() + base + gap, win.y0, out_x0, win.y1 - win.y0, out_w}, px, win);
        ASSERT_EQ(mem, want) << "px " << px << " shape " << shape << " gap " << gap;
      }
    }
  }
}

}  // namespace
