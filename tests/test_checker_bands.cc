// The checker and buffer bands (plan.h Buffer::bands): malformed bands are structure
// failures naming the buffer; a band whose interval misses an access is a liveness failure;
// offsets that let one buffer's live bytes be clobbered by another's are value failures; and
// a placement that reuses bytes only their bands free is accepted.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "checker/checker.h"
#include "memory/lifetime.h"
#include "schedule/bands.h"
#include "schedule/stream.h"
#include "support/checker_graphs.h"
#include "zoo/zoo.h"

namespace tessera {
namespace {

int BufferOf(const Graph& g, const Plan& p, int t) {
  for (size_t i = 0; i < p.buffers.size(); ++i)
    if (p.buffers[i].tensor == t && p.buffers[i].window == FullWindow(g, t)) return static_cast<int>(i);
  return -1;
}

// x (8x4x1, 4 bytes a row) -> 3x3 SAME conv -> y (8x4x2, 8 bytes a row) -> 1x1 conv -> z, the
// first conv in two patches: step 0 writes y rows 0..3 reading x rows 0..4, step 1 writes y
// rows 4..7 reading x rows 3..7, step 2 reads all of y. Bands: x bytes [0, 12) live [0, 0],
// y bytes [32, 64) live [1, 2].
struct Hand {
  Graph g;
  Plan p;
  int x = -1, y = -1, z = -1;  // buffers
  Hand() {
    test::TinyGraph b("bands");
    const int tx = b.Input("x", {1, 8, 4, 1});
    const int ty = b.Conv(tx, 2, 3, 1, Padding::kSame);
    const int tz = b.Conv(ty, 2, 1, 1, Padding::kSame);
    g = b.Finish({tz});
    p = ScheduleStream(g, ParseStreamSpec("0:2x1"), Accounting{true});
    AssignRowBands(g, p);
    x = BufferOf(g, p, tx);
    y = BufferOf(g, p, ty);
    z = BufferOf(g, p, tz);
  }
  // y at 0; x at `x_offset`; z at 64 (x is dead by step 2).
  void Place(int64_t x_offset) {
    p.buffers[y].offset = 0;
    p.buffers[x].offset = x_offset;
    p.buffers[z].offset = 64;
    p.arena_bytes = std::max<int64_t>(128, x_offset + 32);
  }
};

TEST(CheckerBands, HandPlanBandsAsExpected) {
  Hand h;
  ASSERT_EQ(h.p.steps.size(), 3u);
  EXPECT_EQ(h.p.buffers[h.x].bands, (std::vector<BufferBand>{{0, 12, 0, 0}}));
  EXPECT_EQ(h.p.buffers[h.y].bands, (std::vector<BufferBand>{{32, 64, 1, 2}}));
}

// x's first three rows, dead after step 0, sit on y's last four rows, not written before step
// 1: only the bands make this legal, and the checker accepts it.
TEST(CheckerBands, ReuseThatOnlyBandsAllowIsAccepted) {
  Hand h;
  h.Place(52);  // x bytes [0, 12) on y bytes [52, 64); x bytes [12, 32) above y
  const CheckResult r = CheckPlan(h.g, h.p);
  EXPECT_TRUE(r.ok) << r.message;
  // Without bands the same offsets are still safe by value (the bytes really are free), so the
  // checker accepts them too: bands describe what the placement may rely on.
  Plan nb = h.p;
  for (Buffer& b : nb.buffers) b.bands.clear();
  EXPECT_TRUE(CheckPlan(h.g, nb).ok);
}

// Correct bands, offsets that overlap live bytes: x rows 3..7 (live to step 1) on y rows 5..7
// (written at step 1): patch 1 clobbers x rows it still has to read.
TEST(CheckerBands, OverlapOfLivePiecesIsAValueFailure) {
  Hand h;
  h.Place(32);  // x bytes [0, 12) on y bytes [32, 44) (fine), x bytes [12, 32) on y bytes [44, 64)
  const CheckResult r = CheckPlan(h.g, h.p);
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.failure, CheckFailure::kValue) << r.message;
  EXPECT_EQ(r.step, 1) << r.message;
}

// The mutation: y's band starts one step after its first writer (step 1). The offsets that
// the wrong band would allow (x rows 3..7, live to step 1, on y rows 5..7), and the original
// ones: rejected both ways, naming the buffer and the band.
TEST(CheckerBands, BandStartingAfterItsWriterIsRejected) {
  for (int64_t x_offset : {int64_t{32}, int64_t{64}}) {
    SCOPED_TRACE(x_offset);
    Hand h;
    h.Place(x_offset);
    if (x_offset == 64) {
      ASSERT_TRUE(CheckPlan(h.g, h.p).ok);
    }
    h.p.buffers[h.y].bands[0].first = 2;
    ASSERT_EQ(BandsError(h.p.buffers[h.y]), "");
    const CheckResult r = CheckPlan(h.g, h.p);
    ASSERT_FALSE(r.ok);
    EXPECT_EQ(r.failure, CheckFailure::kLiveness) << r.message;
    EXPECT_EQ(r.step, 1);
    EXPECT_NE(r.message.find("buffer " + std::to_string(h.y) + " '"), std::string::npos) << r.message;
    EXPECT_NE(r.message.find("band 0 (bytes [32,64) live [2, 2])"), std::string::npos) << r.message;
  }
}

// A read tensor's band that ends before its last reader.
TEST(CheckerBands, BandEndingBeforeItsReaderIsRejected) {
  Hand h;
  h.Place(64);
  h.p.buffers[h.x].bands = {BufferBand{0, 20, 0, 0}};  // x row 3 is read by step 1 too
  const CheckResult r = CheckPlan(h.g, h.p);
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.failure, CheckFailure::kLiveness) << r.message;
  EXPECT_EQ(r.step, 1);
  EXPECT_NE(r.message.find("reads bytes [12,"), std::string::npos) << r.message;
}

// A graph input is present from the start: none of its bands may start later.
TEST(CheckerBands, InputBandStartingLateIsRejected) {
  Hand h;
  h.Place(64);
  h.p.buffers[h.x].bands = {BufferBand{12, 32, 1, 1}};
  const CheckResult r = CheckPlan(h.g, h.p);
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.failure, CheckFailure::kLiveness) << r.message;
  EXPECT_NE(r.message.find("graph input 0"), std::string::npos) << r.message;
}

TEST(CheckerBands, MalformedBandsAreStructureFailures) {
  const std::vector<std::vector<BufferBand>> bad = {
      {{0, 40, 1, 2}, {32, 64, 1, 2}},  // overlapping
      {{32, 64, 1, 2}, {0, 8, 1, 2}},   // out of order
      {{32, 72, 1, 2}},                 // beyond the buffer's 64 bytes
      {{8, 8, 1, 2}},                   // empty
      {{32, 64, 1, 3}},                 // beyond the buffer's interval [0, 2]
      {{32, 64, 2, 1}},                 // last before first
  };
  for (const auto& bands : bad) {
    Hand h;
    h.Place(64);
    h.p.buffers[h.y].bands = bands;
    const CheckResult r = CheckPlan(h.g, h.p);
    ASSERT_FALSE(r.ok);
    EXPECT_EQ(r.failure, CheckFailure::kStructure) << r.message;
    EXPECT_NE(r.message.find("buffer " + std::to_string(h.y) + " '"), std::string::npos) << r.message;
    EXPECT_NE(r.message.find("malformed bands"), std::string::npos) << r.message;
  }
}

// On a real streamed plan placed lifetime-precisely: the banded plan passes; each band of an
// assembled output moved to start one step later, then re-placed, is rejected.
TEST(CheckerBands, StreamPlanMutations) {
  const Graph g = BuildZooModel("mobilenetv2-w0.35-r144");
  const StreamConfig c = ParseStreamSpec("12:4x1:mixed");
  Plan p = ScheduleStream(g, c, Accounting{true});
  ASSERT_GT(AssignRowBands(g, p), 0);
  PlaceLifetime(g, p);
  const CheckResult ok = CheckPlan(g, p);
  ASSERT_TRUE(ok.ok) << ok.message;
  const std::vector<ResolvedStage> st = ResolveStages(g, c);
  const int b = BufferOf(g, p, st[0].sp.cut_tensors.front());
  ASSERT_GE(b, 0);
  int mutants = 0;
  for (size_t k = 0; k < p.buffers[b].bands.size(); ++k) {
    Plan q = p;
    BufferBand& band = q.buffers[b].bands[k];
    if (band.first >= band.last) continue;
    band.first += 1;
    PlaceLifetime(g, q);
    const CheckResult r = CheckPlan(g, q);
    EXPECT_FALSE(r.ok) << "band " << k;
    if (!r.ok) {
      EXPECT_TRUE(r.failure == CheckFailure::kLiveness || r.failure == CheckFailure::kValue) << r.message;
    }
    ++mutants;
  }
  EXPECT_GT(mutants, 0);
}

}  // namespace
}  // namespace tessera
