// Rearrangement kernels (DEPTH_TO_SPACE, SPACE_TO_DEPTH, MIRROR_PAD, GATHER, SPACE_TO_BATCH_ND,
// BATCH_TO_SPACE_ND) against naive formulations written from the operators' definitions (gather
// and scatter forms, numpy-style mirror padding, batched row lookups, pad-then-reshape), over random tilings of the
// output for the window kernels, each tile reading only the input window the kernel's
// *_input_window function names; element sizes 1 and 4.
#include <gtest/gtest.h>

#include <cstring>

#include "support/elem_window.h"

namespace tessera {
namespace {

using test::Dims;
using test::Rng;
using test::Uniform;

// Runs a window kernel over a random tiling of `out`; each tile gets a buffer holding exactly
// the input window `in_window(tile)` (checked to lie inside the input) and writes into a
// whole-output buffer, which must then equal `expect`.
template <class InWindow, class Run>
void CheckTilings(Rng& r, const Dims& in, const std::vector<int8_t>& data, const Dims& out, int eb,
                  const std::vector<int8_t>& expect, InWindow in_window, Run run, const std::string& what) {
  for (int t = 0; t < 4; ++t) {
    std::vector<int8_t> got(expect.size(), 0x5a);
    for (const ts_window& w : test::RandomTiling(r, out)) {
      const ts_window iw = in_window(w);
      ASSERT_TRUE(iw.y0 >= 0 && iw.y1 <= in.h && iw.x0 >= 0 && iw.x1 <= in.w && iw.y0 < iw.y1 && iw.x0 < iw.x1)
          << what << ": input window out of range";
      const size_t pixel = size_t(in.c) * eb;
      std::vector<int8_t> held;
      for (int y = iw.y0; y < iw.y1; ++y)
        for (int x = iw.x0; x < iw.x1; ++x) {
          const int8_t* p = data.data() + (size_t(y) * in.w + x) * pixel;
          held.insert(held.end(), p, p + pixel);
        }
      run(ts_cbuf{held.data(), iw.y0, iw.x0, iw.y1 - iw.y0, iw.x1 - iw.x0},
          ts_buf{got.data(), 0, 0, out.h, out.w}, w);
    }
    ASSERT_EQ(got, expect) << what << " tiling " << t;
  }
}

TEST(KernelsElemRearrange, DepthToSpaceAndSpaceToDepthMatchNaive) {
  Rng r(71);
  for (int trial = 0; trial < 150; ++trial) {
    const int b = Uniform(r, 1, 4), eb = Uniform(r, 0, 1) ? 1 : 4;
    const Dims small{Uniform(r, 1, 5), Uniform(r, 1, 5), Uniform(r, 1, 4)};  // DEPTH_TO_SPACE output depth
    const Dims deep{small.h, small.w, small.c * b * b};
    const Dims big{small.h * b, small.w * b, small.c};
    // DEPTH_TO_SPACE deep -> big: gathered per output element
    const std::vector<int8_t> din = test::RandomBytes(r, size_t(deep.size()) * eb);
    std::vector<int8_t> dexp(size_t(big.size()) * eb);
    for (int y = 0; y < big.h; ++y)
      for (int x = 0; x < big.w; ++x)
        for (int c = 0; c < big.c; ++c) {
          const int ic = c + ((y % b) * b + x % b) * big.c;
          std::memcpy(&dexp[((size_t(y) * big.w + x) * big.c + c) * eb],
                      &din[((size_t(y / b) * deep.w + x / b) * deep.c + ic) * eb], eb);
        }
    const ts_space_depth_params dp{deep.h, deep.w, deep.c, big.h, big.w, big.c, b, eb};
    CheckTilings(r, deep, din, big, eb, dexp, [&](ts_window w) { return ts_depth_to_space_input_window(&dp, w); },
                 [&](ts_cbuf i, ts_buf o, ts_window w) { ts_depth_to_space(&dp, i, o, w); },
                 "depth to space " + std::to_string(trial));
    // SPACE_TO_DEPTH big -> deep: scattered per input element
    const std::vector<int8_t> sin = test::RandomBytes(r, size_t(big.size()) * eb);
    std::vector<int8_t> sexp(size_t(deep.size()) * eb);
    for (int y = 0; y < big.h; ++y)
      for (int x = 0; x < big.w; ++x)
        for (int c = 0; c < big.c; ++c) {
          const int oc = c + ((y % b) * b + x % b) * big.c;
          std::memcpy(&sexp[((size_t(y / b) * deep.w + x / b) * deep.c + oc) * eb],
                      &sin[((size_t(y) * big.w + x) * big.c + c) * eb], eb);
        }
    const ts_space_depth_params sp{big.h, big.w, big.c, deep.h, deep.w, deep.c, b, eb};
    CheckTilings(r, big, sin, deep, eb, sexp, [&](ts_window w) { return ts_space_to_depth_input_window(&sp, w); },
                 [&](ts_cbuf i, ts_buf o, ts_window w) { ts_space_to_depth(&sp, i, o, w); },
                 "space to depth " + std::to_string(trial));
  }
}

// numpy's mirror padding of index i (padded coordinates) along an axis of size n.
int MirrorSource(int i, int pad, int n, bool reflect) {
  int j = i - pad;
  if (j < 0) j = reflect ? -j : -j - 1;
  if (j >= n) j = reflect ? 2 * (n - 1) - j : 2 * n - 1 - j;
  return j;
}

TEST(KernelsElemRearrange, MirrorPadMatchesNaive) {
  Rng r(73);
  for (int trial = 0; trial < 200; ++trial) {
    const bool reflect = Uniform(r, 0, 1);
    const int eb = Uniform(r, 0, 1) ? 1 : 4, off = reflect ? 1 : 0;
    const Dims in{Uniform(r, 1 + off, 6), Uniform(r, 1 + off, 6), Uniform(r, 1 + off, 5)};
    // paddings up to size - offset per side, as TFLite requires
    int pads[3][2];
    const int sizes[3] = {in.h, in.w, in.c};
    for (int a = 0; a < 3; ++a)
      for (int s = 0; s < 2; ++s) pads[a][s] = Uniform(r, 0, sizes[a] - off);
    if (Uniform(r, 0, 2) == 0) pads[2][0] = pads[2][1] = 0;
    const Dims out{in.h + pads[0][0] + pads[0][1], in.w + pads[1][0] + pads[1][1], in.c + pads[2][0] + pads[2][1]};
    const std::vector<int8_t> data = test::RandomBytes(r, size_t(in.size()) * eb);
    std::vector<int8_t> expect(size_t(out.size()) * eb);
    for (int y = 0; y < out.h; ++y)
      for (int x = 0; x < out.w; ++x)
        for (int c = 0; c < out.c; ++c) {
          const int sy = MirrorSource(y, pads[0][0], in.h, reflect), sx = MirrorSource(x, pads[1][0], in.w, reflect);
          const int sc = MirrorSource(c, pads[2][0], in.c, reflect);
          std::memcpy(&expect[((size_t(y) * out.w + x) * out.c + c) * eb], &data[((size_t(sy) * in.w + sx) * in.c + sc) * eb],
                      eb);
        }
    const ts_mirror_pad_params p{in.h, in.w, in.c, out.h, out.w, out.c, pads[0][0], pads[1][0], pads[2][0], off, eb};
    std::vector<int8_t> scratch(ts_mirror_pad_scratch_bytes(&p));
    const bool use_scratch = Uniform(r, 0, 1);
    CheckTilings(r, in, data, out, eb, expect, [&](ts_window w) { return ts_mirror_pad_input_window(&p, w); },
                 [&](ts_cbuf i, ts_buf o, ts_window w) { ts_mirror_pad(&p, i, o, w, use_scratch ? scratch.data() : nullptr); },
                 "mirror pad " + std::to_string(trial));
  }
}

TEST(KernelsElemRearrange, GatherMatchesNaive) {
  Rng r(79);
  for (int trial = 0; trial < 300; ++trial) {
    const int batches = Uniform(r, 0, 2) == 0 ? Uniform(r, 2, 3) : 1;
    const int outer = Uniform(r, 1, 4), axis = Uniform(r, 1, 6), inner = Uniform(r, 1, 7), n = Uniform(r, 1, 8);
    const int index_bytes = Uniform(r, 0, 1) ? 4 : 8;
    const std::vector<int8_t> params = test::RandomBytes(r, size_t(batches) * outer * axis * inner);
    std::vector<int64_t> idx(size_t(batches) * n);
    for (auto& i : idx) i = Uniform(r, 0, axis - 1);
    const int bad = Uniform(r, 0, 3) == 0 ? Uniform(r, 0, batches * n - 1) : -1;
    if (bad >= 0) idx[size_t(bad)] = Uniform(r, 0, 1) ? -1 : axis;
    std::vector<unsigned char> ib(idx.size() * index_bytes);
    for (size_t k = 0; k < idx.size(); ++k) {
      if (index_bytes == 8) {
        std::memcpy(&ib[k * 8], &idx[k], 8);
      } else {
        const int32_t v = static_cast<int32_t>(idx[k]);
        std::memcpy(&ib[k * 4], &v, 4);
      }
    }
    std::vector<int8_t> out(size_t(batches) * outer * n * inner, 0x5a);
    const int32_t rc = ts_gather(params.data(), batches, outer, axis, inner, ib.data(), index_bytes, n, out.data());
    ASSERT_EQ(rc, bad >= 0 ? -1 : 0);
    // rows are written in (batch, outer, k) order up to the first bad index met
    const int bad_b = bad >= 0 ? bad / n : batches, bad_k = bad >= 0 ? bad % n : 0;
    for (int b = 0; b < batches; ++b)
      for (int o = 0; o < outer; ++o)
        for (int k = 0; k < n; ++k) {
          const bool written = b < bad_b || (b == bad_b && o == 0 && k < bad_k);
          for (int j = 0; j < inner; ++j) {
            const int8_t got = out[((size_t(b) * outer + o) * n + k) * inner + j];
            if (written) {
              ASSERT_EQ(got, params[((size_t(b) * outer + o) * axis + size_t(idx[size_t(b) * n + k])) * inner + j])
                  << trial;
            } else {
              ASSERT_EQ(got, 0x5a) << trial;
            }
          }
        }
  }
}

TEST(KernelsElemRearrange, SpaceToBatchAndBatchToSpaceMatchNaive) {
  Rng r(83);
  for (int trial = 0; trial < 200; ++trial) {
    const int eb = Uniform(r, 0, 1) ? 1 : 4;
    const int bh = Uniform(r, 1, 3), bw = Uniform(r, 1, 3), nb = Uniform(r, 1, 2), c = Uniform(r, 1, 3);
    const int h = Uniform(r, 1, 5), w = Uniform(r, 1, 5);
    const int pt = Uniform(r, 0, 2), pl = Uniform(r, 0, 2);
    // paddings after so the padded sizes divide by the blocks
    const int ph = ((h + pt + bh - 1) / bh) * bh, pw = ((w + pl + bw - 1) / bw) * bw;
    const int oh = ph / bh, ow = pw / bw, ob = nb * bh * bw;
    const int8_t pad = static_cast<int8_t>(Uniform(r, -128, 127));
    const std::vector<int8_t> in = test::RandomBytes(r, size_t(nb) * h * w * c * eb);
    // SPACE_TO_BATCH: pad, then output[(sh * bw + sw) * nb + b][y][x] = padded[b][y * bh + sh][x * bw + sw]
    const size_t pix = size_t(c) * eb;
    std::vector<int8_t> expect(size_t(ob) * oh * ow * pix);
    for (int b = 0; b < nb; ++b)
      for (int sh = 0; sh < bh; ++sh)
        for (int sw = 0; sw < bw; ++sw)
          for (int y = 0; y < oh; ++y)
            for (int x = 0; x < ow; ++x) {
              const int py = y * bh + sh - pt, px = x * bw + sw - pl;
              int8_t* dst = &expect[((size_t((sh * bw + sw) * nb + b) * oh + y) * ow + x) * pix];
              if (py < 0 || py >= h || px < 0 || px >= w)
                std::memset(dst, pad, pix);
              else
                std::memcpy(dst, &in[((size_t(b) * h + py) * w + px) * pix], pix);
            }
    const ts_batch_space_params s2b{nb, h, w, ob, oh, ow, c, bh, bw, pt, pl, eb, pad};
    std::vector<int8_t> got(expect.size(), 0x5a);
    ts_space_to_batch_nd(&s2b, in.data(), got.data());
    ASSERT_EQ(got, expect) << "space to batch " << trial;
    // BATCH_TO_SPACE with crops equal to the paddings undoes it; with other crops, output
    // (b, y, x) reads batch ((Y % bh) * bw + X % bw) * nb + b at (Y / bh, X / bw), Y = y + crop_top
    const int ct = Uniform(r, 0, pt), cl = Uniform(r, 0, pl);
    const int bo_h = Uniform(r, 1, ph - ct), bo_w = Uniform(r, 1, pw - cl);
    std::vector<int8_t> back_expect(size_t(nb) * bo_h * bo_w * pix);
    for (int b = 0; b < nb; ++b)
      for (int y = 0; y < bo_h; ++y)
        for (int x = 0; x < bo_w; ++x) {
          const int Y = y + ct, X = x + cl;
          const int src_b = ((Y % bh) * bw + X % bw) * nb + b;
          std::memcpy(&back_expect[((size_t(b) * bo_h + y) * bo_w + x) * pix],
                      &expect[((size_t(src_b) * oh + Y / bh) * ow + X / bw) * pix], pix);
        }
    const ts_batch_space_params b2s{ob, oh, ow, nb, bo_h, bo_w, c, bh, bw, ct, cl, eb, 0};
    std::vector<int8_t> back(back_expect.size(), 0x5a);
    ts_batch_to_space_nd(&b2s, expect.data(), back.data());
    ASSERT_EQ(back, back_expect) << "batch to space " << trial;
    if (ct == pt && cl == pl && bo_h == h && bo_w == w) {
      ASSERT_EQ(back, in) << "round trip " << trial;
    }
  }
}

}  // namespace
}  // namespace tessera
