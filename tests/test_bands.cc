// Row bands (schedule/bands.h AssignRowBands) on real patch and streamed plans.
//
// Every plan's bands are checked against an independent brute-force walk over its steps: the
// rows each step reads and writes are computed here from the operators' definitions (kernel,
// stride, dilation, padding, a folded PAD's offsets, element-wise broadcasting), not with
// analysis/receptive_field.h, and every byte a step touches must lie in a piece
// (plan.h BufferPieces) live at that step. Then: a stage's assembled output grows patch by
// patch, a counted model input shrinks, fewer bytes are owned per step, and the banded plans
// still pass the checker and give the layer-by-layer bytes once placed.
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "checker/checker.h"
#include "exec/executor.h"
#include "memory/greedy.h"
#include "memory/lifetime.h"
#include "plan/plan_json.h"
#include "schedule/bands.h"
#include "schedule/patch.h"
#include "schedule/stream.h"
#include "support/checker_graphs.h"
#include "support/model_cases.h"
#include "support/paths.h"
#include "zoo/zoo.h"

namespace tessera {
namespace {

// ---- the brute-force access walk ------------------------------------------------------------

int32_t Rows(const Graph& g, int t) { return AsNHWC(g.tensors[t].shape).h; }

// Top padding of a PAD operator (rank-4 paddings, int32 or int64).
int32_t PadTop(const Graph& g, int pad_op) {
  const Operator& o = g.ops[pad_op];
  const Tensor& p = g.tensors[o.inputs[1]];
  const int rank = static_cast<int>(g.tensors[o.inputs[0]].shape.size());
  const int row_axis = rank - 3;  // NHWC: H is the third axis from the end
  if (p.type == DType::kInt64) {
    int64_t v;
    std::memcpy(&v, p.data.data() + 8 * (2 * row_axis), 8);
    return static_cast<int32_t>(v);
  }
  int32_t v;
  std::memcpy(&v, p.data.data() + 4 * (2 * row_axis), 4);
  return v;
}

// Marks in `rows` (one flag per row of the operator's operand `pos` tensor) the rows output
// rows [y0, y1) read.
void MarkReadRows(const Graph& g, int op, int pos, const Window& out, std::vector<char>& rows) {
  const Operator& o = g.ops[op];
  const int in = o.inputs[pos];
  const int32_t H = Rows(g, in);
  const int32_t OH = Rows(g, o.outputs[0]);
  auto spatial = [&](int32_t kh, int32_t s, int32_t d, Padding pad) {
    const int64_t eff = int64_t{kh - 1} * d + 1;
    const int32_t pt =
        pad == Padding::kSame ? static_cast<int32_t>(std::max<int64_t>(0, int64_t{OH - 1} * s + eff - H) / 2) : 0;
    for (int32_t oy = out.y0; oy < out.y1; ++oy)
      for (int32_t k = 0; k < kh; ++k) {
        const int64_t iy = int64_t{oy} * s - pt + int64_t{k} * d;
        if (iy >= 0 && iy < H) rows[iy] = 1;
      }
  };
  if (pos == 0) {
    switch (o.type) {
      case OpType::kConv2D: {
        const auto& c = o.opts<Conv2DOptions>();
        spatial(g.tensors[o.inputs[1]].shape[1], c.stride_h, c.dilation_h, c.padding);
        return;
      }
      case OpType::kDepthwiseConv2D: {
        const auto& c = o.opts<DepthwiseConv2DOptions>();
        spatial(g.tensors[o.inputs[1]].shape[1], c.stride_h, c.dilation_h, c.padding);
        return;
      }
      case OpType::kAveragePool2D:
      case OpType::kMaxPool2D: {
        const auto& c = o.opts<Pool2DOptions>();
        spatial(c.filter_h, c.stride_h, 1, c.padding);
        return;
      }
      case OpType::kPad: {
        const int32_t top = PadTop(g, op);
        for (int32_t oy = out.y0; oy < out.y1; ++oy)
          if (oy - top >= 0 && oy - top < H) rows[oy - top] = 1;
        return;
      }
      default: break;
    }
  }
  const bool whole = out.y0 == 0 && out.y1 == OH;
  if (whole || (o.type != OpType::kAdd && o.type != OpType::kMul && o.type != OpType::kQuantize &&
                o.type != OpType::kDequantize && o.type != OpType::kRelu && o.type != OpType::kRelu6 &&
                o.type != OpType::kLogistic && o.type != OpType::kHardSwish)) {
    std::fill(rows.begin(), rows.end(), 1);
    return;
  }
  if (H == 1) {  // broadcast along rows
    rows[0] = 1;
    return;
  }
  for (int32_t y = out.y0; y < out.y1; ++y) rows[y] = 1;
}

// One access of a step: rows [y0, y1) of the buffer's tensor (whole buffer: the window rows).
struct Access {
  int buffer;
  std::vector<char> rows;  // per row of the tensor
};

std::vector<Access> StepAccesses(const Graph& g, const Plan& p, int s) {
  const Step& st = p.steps[s];
  std::vector<Access> r;
  auto window_rows = [&](int b, int32_t y0, int32_t y1) {
    const Buffer& buf = p.buffers[b];
    Access a{b, std::vector<char>(buf.tensor == kNoTensor ? 1 : Rows(g, buf.tensor), 0)};
    if (buf.tensor == kNoTensor) {
      a.rows[0] = 1;
    } else {
      for (int32_t y = y0; y < y1; ++y) a.rows[y] = 1;
    }
    r.push_back(std::move(a));
  };
  if (st.scratch >= 0) window_rows(st.scratch, 0, 1);
  if (st.kind == StepKind::kCopy) {
    window_rows(st.inputs[0], st.window.y0, st.window.y1);
    window_rows(st.outputs[0], st.window.y0, st.window.y1);
    return r;
  }
  const Operator& o = g.ops[st.op];
  for (int b : st.outputs) window_rows(b, st.window.y0, st.window.y1);
  int k = 0;
  for (int pos = 0; pos < static_cast<int>(o.inputs.size()); ++pos) {
    const int t = o.inputs[pos];
    if (t == kNoTensor || g.tensors[t].is_const) continue;
    const int b = st.inputs[k++];
    const Buffer& buf = p.buffers[b];
    std::vector<char> rows(Rows(g, t), 0);
    MarkReadRows(g, st.op, pos, st.window, rows);
    Access a{b, std::vector<char>(Rows(g, buf.tensor), 0)};
    if (pos == 0 && st.fused_pad >= 0) {
      const int32_t top = PadTop(g, st.fused_pad);
      for (int32_t y = 0; y < static_cast<int32_t>(rows.size()); ++y)
        if (rows[y] && y - top >= 0 && y - top < static_cast<int32_t>(a.rows.size())) a.rows[y - top] = 1;
    } else {
      a.rows = rows;
    }
    r.push_back(std::move(a));
  }
  return r;
}

// Every byte each step touches lies in a piece live at that step; graph inputs' pieces start
// with the buffer, graph outputs' end with it. Returns the number of violations (the first
// one is reported).
int CheckBandsCoverAccesses(const Graph& g, const Plan& p) {
  int bad = 0;
  for (size_t i = 0; i < p.buffers.size(); ++i) {
    EXPECT_EQ(BandsError(p.buffers[i]), "") << "buffer " << i;
  }
  for (int s = 0; s < static_cast<int>(p.steps.size()); ++s)
    for (const Access& a : StepAccesses(g, p, s)) {
      const Buffer& buf = p.buffers[a.buffer];
      const int32_t wy0 = buf.tensor == kNoTensor ? 0 : buf.window.y0;
      const int64_t row_bytes = buf.bytes / std::max(1, buf.tensor == kNoTensor ? 1 : buf.window.h());
      for (int32_t y = 0; y < static_cast<int32_t>(a.rows.size()); ++y) {
        if (!a.rows[y]) continue;
        const int64_t b0 = (y - wy0) * row_bytes, b1 = b0 + row_bytes;
        if (b0 < 0 || b1 > buf.bytes) {
          if (++bad == 1) ADD_FAILURE() << "step " << s << " touches row " << y << " outside buffer " << buf.name;
          continue;
        }
        for (const BufferBand& pc : BufferPieces(buf))
          if (pc.begin < b1 && b0 < pc.end && (s < pc.first || s > pc.last))
            if (++bad == 1)
              ADD_FAILURE() << "step " << s << " touches row " << y << " (bytes [" << b0 << "," << b1 << ")) of "
                            << buf.name << ", whose piece [" << pc.begin << "," << pc.end << ") lives [" << pc.first
                            << "," << pc.last << "]";
      }
    }
  for (int b : p.input_buffers)
    for (const BufferBand& pc : BufferPieces(p.buffers[b])) EXPECT_EQ(pc.first, p.buffers[b].first);
  for (int b : p.output_buffers)
    for (const BufferBand& pc : BufferPieces(p.buffers[b])) EXPECT_EQ(pc.last, p.buffers[b].last);
  return bad;
}

// Sum over steps of the arena bytes owned at that step, and the largest.
struct Owned {
  int64_t sum = 0, peak = 0;
};
Owned OwnedBytes(const Plan& p) {
  Owned o;
  for (int s = 0; s < static_cast<int>(p.steps.size()); ++s) {
    int64_t n = 0;
    for (const Buffer& b : p.buffers)
      if (!b.external) n += BufferBytesAt(b, s);
    o.sum += n;
    o.peak = std::max(o.peak, n);
  }
  return o;
}

// The buffer holding tensor t whole (fails the test when there is none).
const Buffer& WholeBuffer(const Graph& g, const Plan& p, int t) {
  for (const Buffer& b : p.buffers)
    if (b.tensor == t && b.window == FullWindow(g, t)) return b;
  ADD_FAILURE() << "no buffer holds tensor " << t << " whole";
  static const Buffer none;
  return none;
}

// The assembled output grows: its pieces in byte order start no earlier than the ones before,
// and `patch_rows` distinct starts (one per patch row of the grid).
void ExpectGrows(const Buffer& b, int patch_rows) {
  SCOPED_TRACE("assembled " + b.name);
  ASSERT_FALSE(b.bands.empty());
  const std::vector<BufferBand> pieces = BufferPieces(b);
  ASSERT_FALSE(pieces.empty());
  std::set<int> starts;
  for (size_t k = 0; k < pieces.size(); ++k) {
    if (k > 0) {
      EXPECT_GE(pieces[k].first, pieces[k - 1].first);
    }
    starts.insert(pieces[k].first);
  }
  EXPECT_EQ(pieces.front().first, b.first);
  EXPECT_GT(pieces.back().first, b.first);
  EXPECT_EQ(static_cast<int>(starts.size()), patch_rows);
}

// A read tensor shrinks: its pieces in byte order end no earlier than the ones before, the
// first before the buffer.
void ExpectShrinks(const Buffer& b) {
  SCOPED_TRACE("read " + b.name);
  ASSERT_FALSE(b.bands.empty());
  const std::vector<BufferBand> pieces = BufferPieces(b);
  for (size_t k = 1; k < pieces.size(); ++k) EXPECT_GE(pieces[k].last, pieces[k - 1].last);
  EXPECT_LT(pieces.front().last, b.last);
  EXPECT_EQ(pieces.back().last, b.last);
}

// Bands, brute-force cover, owned bytes below the unbanded plan's; then placed, checked and run.
Plan Banded(const test::ModelCase& m, Plan p, const char* what) {
  SCOPED_TRACE(what);
  for (Buffer& b : p.buffers) b.bands.clear();  // schedulers may already give bands
  const Owned before = OwnedBytes(p);
  const int n = AssignRowBands(m.g, p);
  EXPECT_GT(n, 0);
  int counted = 0;
  for (const Buffer& b : p.buffers) counted += !b.bands.empty();
  EXPECT_EQ(counted, n);
  EXPECT_EQ(CheckBandsCoverAccesses(m.g, p), 0);
  const Owned after = OwnedBytes(p);
  EXPECT_LT(after.sum, before.sum);
  EXPECT_LE(after.peak, before.peak);
  // Idempotent.
  Plan q = p;
  EXPECT_EQ(AssignRowBands(m.g, q), n);
  for (size_t i = 0; i < p.buffers.size(); ++i) EXPECT_EQ(q.buffers[i].bands, p.buffers[i].bands);
  // JSON round trip keeps them.
  const Plan j = PlanFromJson(PlanToJson(p, &m.g), &m.g);
  for (size_t i = 0; i < p.buffers.size(); ++i) EXPECT_EQ(j.buffers[i].bands, p.buffers[i].bands);
  // Placed, the plan is still safe and exact.
  Plan placed = p;
  PlaceLifetime(m.g, placed);
  const CheckResult r = CheckPlan(m.g, placed);
  EXPECT_TRUE(r.ok) << r.message;
  if (r.ok) {
    EXPECT_EQ(RunPlan(m.g, placed, m.inputs), m.expected);
  }
  return p;
}

// ---- tests ------------------------------------------------------------------------------------

// A hand-sized case whose bands are worked out by hand: x (8x4x1) -> 3x3 SAME conv -> y
// (8x4x2) -> 1x1 conv -> z, the first conv in two patches of four rows. Steps: 0 = patch 0
// (y rows 0..3, reads x rows 0..4), 1 = patch 1 (y rows 4..7, reads x rows 3..7), 2 = the 1x1
// conv over all of y.
TEST(RowBands, HandWorkedStage) {
  test::TinyGraph b("bands");
  const int x = b.Input("x", {1, 8, 4, 1});
  const int y = b.Conv(x, 2, 3, 1, Padding::kSame);
  const int z = b.Conv(y, 2, 1, 1, Padding::kSame);
  const Graph g = b.Finish({z});
  Plan p = ScheduleStream(g, ParseStreamSpec("0:2x1"), Accounting{true});
  ASSERT_EQ(p.steps.size(), 3u);
  EXPECT_EQ(AssignRowBands(g, p), 2);
  const Buffer& bx = WholeBuffer(g, p, x);
  const Buffer& by = WholeBuffer(g, p, y);
  const Buffer& bz = WholeBuffer(g, p, z);
  // x rows 0..2 (4 bytes each) are read by patch 0 only; rows 3..7 keep x's [0, 1].
  EXPECT_EQ(bx.bands, (std::vector<BufferBand>{{0, 12, 0, 0}}));
  // y rows 4..7 (8 bytes each) are written by patch 1; rows 0..3 keep y's [0, 2].
  EXPECT_EQ(by.bands, (std::vector<BufferBand>{{32, 64, 1, 2}}));
  EXPECT_TRUE(bz.bands.empty());
  EXPECT_EQ(BufferBytesAt(bx, 0), 32);
  EXPECT_EQ(BufferBytesAt(bx, 1), 20);
  EXPECT_EQ(BufferBytesAt(by, 0), 32);
  EXPECT_EQ(BufferBytesAt(by, 1), 64);
  EXPECT_EQ(CheckBandsCoverAccesses(g, p), 0);
  // Streamed input: external buffers get no bands.
  Plan s = ScheduleStream(g, ParseStreamSpec("0:2x1"), Accounting{false});
  EXPECT_EQ(AssignRowBands(g, s), 1);
  EXPECT_TRUE(WholeBuffer(g, s, x).bands.empty());
}

TEST(RowBands, LayerByLayerPlansGetNone) {
  const Graph g = BuildZooModel("mobilenetv2-w0.35-r144");
  Plan p = PlanLayerByLayer(g);
  EXPECT_EQ(AssignRowBands(g, p), 0);
  for (const Buffer& b : p.buffers) EXPECT_TRUE(b.bands.empty());
}

TEST(RowBands, StreamStagesGrowAndShrink) {
  const test::ModelCase& m = test::LoadModelCase("mobilenetv2-w0.35-r144", 7);
  for (const char* spec : {"12:4x1:mixed", "12:4x2:recompute", "12:3x3:cache"}) {
    SCOPED_TRACE(spec);
    const StreamConfig c = ParseStreamSpec(spec);
    const Plan p = Banded(m, ScheduleStream(m.g, c, Accounting{true}), spec);
    const std::vector<ResolvedStage> st = ResolveStages(m.g, c);
    for (int t : st[0].sp.cut_tensors) ExpectGrows(WholeBuffer(m.g, p, t), c.stages[0].rows);
    ExpectShrinks(p.buffers[p.input_buffers[0]]);
  }
}

// Two stages: the first stage's assembled output is also the second stage's input, so it
// both grows and shrinks; the streamed model input gets no bands.
TEST(RowBands, TwoStagesStreamedInput) {
  const test::ModelCase& m = test::LoadModelCase("mobilenetv2-w0.35-r144", 7);
  const StreamConfig c = ParseStreamSpec("12:4x1:mixed,30:2x1:cache");
  const Plan p = Banded(m, ScheduleStream(m.g, c, Accounting{false}), "two stages");
  EXPECT_TRUE(p.buffers[p.input_buffers[0]].bands.empty());
  const std::vector<ResolvedStage> st = ResolveStages(m.g, c);
  for (int t : st[0].sp.cut_tensors) {
    const Buffer& b = WholeBuffer(m.g, p, t);
    const std::vector<BufferBand> pieces = BufferPieces(b);
    EXPECT_GT(pieces.back().first, b.first);  // grows
    EXPECT_LT(pieces.front().last, b.last);   // shrinks
  }
  for (int t : st[1].sp.cut_tensors) ExpectGrows(WholeBuffer(m.g, p, t), 2);
}

TEST(RowBands, ZooModels) {
  for (const char* name : {"mcunet-style-r160", "nonsquare-pad-r128x160", "resnet8-cifar10"}) {
    SCOPED_TRACE(name);
    const test::ModelCase& m = test::LoadModelCase(name, 7);
    const std::vector<SplitPoint> splits = ValidSplits(m.g);
    ASSERT_FALSE(splits.empty());
    const SplitPoint& a = splits[splits.size() / 2];
    const int rows = std::min(3, a.min_cut_h);
    const std::string spec = std::to_string(a.last_op) + ":" + std::to_string(rows) + "x1:mixed";
    const Plan p = Banded(m, ScheduleStream(m.g, ParseStreamSpec(spec), Accounting{true}), spec.c_str());
    for (int t : a.cut_tensors) ExpectGrows(WholeBuffer(m.g, p, t), rows);
  }
}

// Shared models: MCUNet's VWW model (explicit PADs folded into the stage's convolutions, a
// float input quantized patch by patch) streamed, and its MCUNetV2-style patch stage.
TEST(RowBands, SharedModels) {
  TESSERA_REQUIRE_SHARED();
  const test::ModelCase& v = test::LoadModelCase("shared:mcunet_vww1_80", 0);
  {
    const StreamConfig c = ParseStreamSpec("16:4x4:cache");
    const Plan p = Banded(v, ScheduleStream(v.g, c, Accounting{true}), "vww stream");
    bool fused = false;
    for (const Step& s : p.steps) fused = fused || s.fused_pad >= 0;
    EXPECT_TRUE(fused);
    const std::vector<ResolvedStage> st = ResolveStages(v.g, c);
    for (int t : st[0].sp.cut_tensors) ExpectGrows(WholeBuffer(v.g, p, t), 4);
    ExpectShrinks(p.buffers[p.input_buffers[0]]);
  }
  {
    PatchConfig pc = ParsePatchSpec("7:2x2");
    pc.fold_pads = true;
    const Plan p = Banded(v, SchedulePatches(v.g, pc, Accounting{true}), "vww patch stage");
    const SplitPoint sp = ResolveSplit(v.g, pc);
    for (int t : sp.cut_tensors) ExpectGrows(WholeBuffer(v.g, p, t), 2);
  }
  const test::ModelCase& mb = test::LoadModelCase("shared:mobilenet_v2_1.0_224_nchw_int8", 0);
  Banded(mb, ScheduleStream(mb.g, ParseStreamSpec("40:4x1:cache"), Accounting{true}), "mbv2 224");
}

// The walk above can fail: a band of the assembled output that starts one step after its
// first writer, or a band of the input that ends one step before its last reader, is found.
TEST(RowBands, BruteForceWalkFindsWrongBands) {
  const Graph g = BuildZooModel("mobilenetv2-w0.35-r144");
  const StreamConfig c = ParseStreamSpec("12:4x1:mixed");
  Plan p = ScheduleStream(g, c, Accounting{true});
  ASSERT_GT(AssignRowBands(g, p), 0);
  ASSERT_EQ(CheckBandsCoverAccesses(g, p), 0);
  const int out = ResolveStages(g, c)[0].sp.cut_tensors.front();
  for (Buffer& b : p.buffers)
    if (b.tensor == out && b.window == FullWindow(g, out)) {
      Plan q = p;
      Buffer& qb = q.buffers[&b - p.buffers.data()];
      ASSERT_FALSE(qb.bands.empty());
      qb.bands.back().first += 1;  // stays inside [first, last]: the 1x1 convolution after reads it
      ASSERT_EQ(BandsError(qb), "");
      int bad = 0;
      EXPECT_NONFATAL_FAILURE(bad = CheckBandsCoverAccesses(g, q), "touches row");
      EXPECT_GT(bad, 0);
    }
  Plan q = p;
  Buffer& in = q.buffers[q.input_buffers[0]];
  auto band = std::find_if(in.bands.begin(), in.bands.end(), [&](const BufferBand& b) { return b.last > in.first; });
  ASSERT_NE(band, in.bands.end());
  band->last -= 1;
  ASSERT_EQ(BandsError(in), "");
  int bad = 0;
  EXPECT_NONFATAL_FAILURE(bad = CheckBandsCoverAccesses(g, q), "touches row");
  EXPECT_GT(bad, 0);
}

TEST(RowBands, BadPlansNameTheStep) {
  const Graph g = BuildZooModel("mobilenetv2-w0.35-r144");
  Plan p = ScheduleStream(g, ParseStreamSpec("12:2x1"), Accounting{true});
  p.steps[3].inputs[0] = static_cast<int>(p.buffers.size()) + 5;
  try {
    AssignRowBands(g, p);
    ADD_FAILURE() << "accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("step 3"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace tessera
