// The checker against mutated valid plans.
//
// 1. Real violations must be rejected. Starting from layer-by-layer plans (PlanLayerByLayer:
//    every buffer lives exactly from its producing step to its last reader), the generator
//    only makes mutations that are violations by construction:
//    - move one buffer B onto a buffer A whose live interval shares at least two steps with
//      B's: at the first shared step one of them is written in full by its producer, while
//      the other is still read (its first pixel included) at a later step or is a graph
//      output checked at the end. The arena grows if needed, so the conflict is the only
//      problem;
//    - shorten one live interval from either end: its producing step or its last reader (or,
//      for graph inputs/outputs, the start/end of the plan) falls outside it;
//    - swap two steps i < j where step j reads a tensor step i writes: step j then reads a
//      tensor nothing has written yet.
//    Hundreds of each, over hand-built, zoo and shared models, each must be rejected.
// 2. Soundness against an independent oracle: random mutations of any kind (random offsets
//    anywhere, random step swaps, random interval changes, moves into fresh space); whenever
//    the checker accepts one, the host executor must produce exactly the bytes of the
//    unmutated plan. Moves into fresh space make sure some are accepted.
// 3. Targeted mutations around the model-zoo operators: a RESIZE_BILINEAR patch step whose
//    input buffer lacks one row it reads, and a TILE whose output overlaps its input.
// 4. State (SVDF's variable tensors, plan.h StateSlot): an activation buffer placed over a
//    state tensor (a buffer holding it in the arena), state slots over each other, misaligned,
//    outside the state region or missing, all rejected; the executor gives the plan's bytes
//    for the valid ones.
// 5. Kernel workspaces (plan.h Step::workspace): a step's workspace moved onto a buffer live
//    during that step (by construction an overlap) is rejected; moved outside the arena or off
//    word alignment, or given to a copy step, too.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "analysis/receptive_field.h"
#include "checker/checker.h"
#include "exec/executor.h"
#include "memory/greedy.h"
#include "memory/workspace.h"
#include "support/checker_graphs.h"
#include "support/paths.h"
#include "support/svdf_graph.h"
#include "plan/strategy.h"
#include "schedule/patch.h"
#include "tflite/reader.h"
#include "zoo/builder.h"
#include "zoo/zoo.h"

namespace tessera {
namespace {

struct Model {
  std::string name;
  Graph g;
};

std::vector<Model> MutationModels(bool include_large) {
  std::vector<Model> m;
  m.push_back({"residual", test::ResidualNet()});
  for (const char* z : {"resnet8-cifar10", "mobilenetv1-0.25-vww-r96"}) m.push_back({z, BuildZooModel(z)});
  if (test::HaveShared())
    for (const std::string& stem : test::SharedModelStems()) {
      if (!include_large && stem.find("mobilenet_v2") != std::string::npos) continue;
      m.push_back({stem, ReadTflite(test::SharedModel(stem))});
    }
  return m;
}

bool IsTensorBuffer(const Buffer& b) { return b.tensor != kNoTensor && !b.external; }

// Steps writing each buffer.
std::vector<std::vector<int>> Writers(const Plan& p) {
  std::vector<std::vector<int>> w(p.buffers.size());
  for (size_t s = 0; s < p.steps.size(); ++s)
    for (int b : p.steps[s].outputs) w[b].push_back(static_cast<int>(s));
  return w;
}

enum class Mut { kMoveOntoLive, kShorten, kSwapDependent, kSwapRepaired };
const char* MutName(Mut m) {
  switch (m) {
    case Mut::kMoveOntoLive: return "move onto live buffer";
    case Mut::kShorten: return "shorten live interval";
    case Mut::kSwapDependent: return "swap dependent steps";
    case Mut::kSwapRepaired: return "swap, intervals repaired";
  }
  return "?";
}

// Applies one violating mutation of kind k; false when the plan offers none.
bool MutateViolating(Plan& p, Mut k, std::mt19937_64& rng, std::string* what) {
  const int nb = static_cast<int>(p.buffers.size());
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint64_t>(n)); };
  switch (k) {
    case Mut::kMoveOntoLive: {
      std::vector<std::pair<int, int>> pairs;
      for (int a = 0; a < nb; ++a)
        for (int b = 0; b < nb; ++b) {
          const Buffer& A = p.buffers[a];
          const Buffer& B = p.buffers[b];
          if (a == b || !IsTensorBuffer(A) || !IsTensorBuffer(B) || A.offset == B.offset) continue;
          if (std::min(A.last, B.last) - std::max(A.first, B.first) + 1 >= 2) pairs.emplace_back(a, b);
        }
      if (pairs.empty()) return false;
      auto [a, b] = pairs[pick(static_cast<int>(pairs.size()))];
      Buffer& B = p.buffers[b];
      *what = "buffer " + std::to_string(b) + " moved from " + std::to_string(B.offset) + " onto buffer " +
              std::to_string(a) + " at " + std::to_string(p.buffers[a].offset);
      B.offset = p.buffers[a].offset;
      p.arena_bytes = std::max(p.arena_bytes, B.offset + B.bytes);
      return true;
    }
    case Mut::kShorten: {
      std::vector<int> cand;
      for (int b = 0; b < nb; ++b)
        if (p.buffers[b].last > p.buffers[b].first) cand.push_back(b);
      if (cand.empty()) return false;
      Buffer& B = p.buffers[cand[pick(static_cast<int>(cand.size()))]];
      const int span = B.last - B.first;  // >= 1
      const int cut = 1 + pick(span);     // 1..span
      if (rng() & 1) {
        *what = B.name + " last " + std::to_string(B.last) + " -> " + std::to_string(B.last - cut);
        B.last -= cut;
      } else {
        *what = B.name + " first " + std::to_string(B.first) + " -> " + std::to_string(B.first + cut);
        B.first += cut;
      }
      return true;
    }
    case Mut::kSwapDependent:
    case Mut::kSwapRepaired: {
      const auto writers = Writers(p);
      std::vector<std::pair<int, int>> deps;
      for (int j = 0; j < static_cast<int>(p.steps.size()); ++j)
        for (int b : p.steps[j].inputs)
          for (int i : writers[b])
            if (i < j) deps.emplace_back(i, j);
      if (deps.empty()) return false;
      auto [i, j] = deps[pick(static_cast<int>(deps.size()))];
      *what = "steps " + std::to_string(i) + " and " + std::to_string(j) + " swapped";
      std::swap(p.steps[i], p.steps[j]);
      if (k == Mut::kSwapRepaired) {
        // Every buffer live over every step that touches it (inputs from 0, outputs to the end),
        // so only the replay of values can object.
        const int ns = static_cast<int>(p.steps.size());
        std::vector<int> lo(nb, ns), hi(nb, -1);
        for (int s = 0; s < ns; ++s) {
          const Step& st = p.steps[s];
          for (int b : st.inputs) lo[b] = std::min(lo[b], s), hi[b] = std::max(hi[b], s);
          for (int b : st.outputs) lo[b] = std::min(lo[b], s), hi[b] = std::max(hi[b], s);
          if (st.scratch >= 0) lo[st.scratch] = std::min(lo[st.scratch], s), hi[st.scratch] = std::max(hi[st.scratch], s);
        }
        for (int b : p.input_buffers) lo[b] = 0;
        for (int b : p.output_buffers) hi[b] = ns - 1;
        for (int b = 0; b < nb; ++b)
          if (hi[b] >= 0) p.buffers[b].first = std::min(lo[b], hi[b]), p.buffers[b].last = hi[b];
      }
      return true;
    }
  }
  return false;
}

TEST(CheckerMutations, RealViolationsAreRejected) {
  std::mt19937_64 rng(20240611);
  std::map<std::string, int> rejected;  // by mutation kind
  std::map<std::string, int> kinds;     // by failure kind
  int total = 0;
  for (const Model& m : MutationModels(/*include_large=*/true)) {
    SCOPED_TRACE(m.name);
    const Plan base = PlanLayerByLayer(m.g);
    ASSERT_TRUE(CheckPlan(m.g, base).ok) << CheckPlan(m.g, base).message;
    const bool large = base.arena_bytes > (1 << 20);
    const int per_kind = large ? 4 : 40;
    for (Mut k : {Mut::kMoveOntoLive, Mut::kShorten, Mut::kSwapDependent, Mut::kSwapRepaired}) {
      for (int n = 0; n < per_kind; ++n) {
        Plan p = base;
        std::string what;
        if (!MutateViolating(p, k, rng, &what)) break;
        const CheckResult r = CheckPlan(m.g, p);
        EXPECT_FALSE(r.ok) << MutName(k) << ": " << what;
        EXPECT_FALSE(r.message.empty());
        if (!r.ok) {
          ++rejected[MutName(k)];
          ++kinds[CheckFailureName(r.failure)];
        }
        ++total;
      }
    }
  }
  std::printf("  %d violating mutations\n", total);
  for (auto& [k, n] : rejected) std::printf("    %-24s %4d rejected\n", k.c_str(), n);
  for (auto& [k, n] : kinds) std::printf("    failure %-16s %4d\n", k.c_str(), n);
  EXPECT_GE(total, 300);
  int all = 0;
  for (auto& [k, n] : rejected) all += n;
  EXPECT_EQ(all, total);
  EXPECT_GE(rejected[MutName(Mut::kSwapRepaired)], 100);
  EXPECT_GE(rejected[MutName(Mut::kMoveOntoLive)], 100);
}

// Any mutation; a plan the checker accepts must run to exactly the original bytes.
void RandomMutation(Plan& p, std::mt19937_64& rng) {
  const int nb = static_cast<int>(p.buffers.size());
  const int ns = static_cast<int>(p.steps.size());
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint64_t>(std::max(1, n))); };
  Buffer& B = p.buffers[pick(nb)];
  switch (pick(5)) {
    case 0:  // anywhere in the arena
      if (!B.external && p.arena_bytes > B.bytes) B.offset = pick(static_cast<int>(p.arena_bytes - B.bytes + 1));
      break;
    case 1:  // into fresh space past the arena
      if (!B.external) {
        B.offset = p.arena_bytes + pick(4);
        p.arena_bytes = B.offset + B.bytes;
      }
      break;
    case 2: {  // swap any two steps
      const int i = pick(ns), j = pick(ns);
      std::swap(p.steps[i], p.steps[j]);
      break;
    }
    case 3:  // shift by a few bytes
      if (!B.external) B.offset = std::max<int64_t>(0, std::min<int64_t>(p.arena_bytes - B.bytes, B.offset + pick(33) - 16));
      break;
    case 4:  // change the live interval
      B.first = std::max(0, std::min(B.last, B.first + pick(3) - 1));
      B.last = std::min(ns - 1, std::max(B.first, B.last + pick(3) - 1));
      break;
  }
}

TEST(CheckerMutations, AcceptedMutationsRunToTheSameBytes) {
  std::mt19937_64 rng(7);
  int accepted = 0, rejected = 0, rejected_but_same = 0, n_total = 0;
  for (const Model& m : MutationModels(/*include_large=*/false)) {
    if (m.name == "residual" || m.name == "mcunet_vww1_80") continue;  // no weights / float input
    if (m.name.find("mobilenet") != std::string::npos && m.name != "mobilenetv1-0.25-vww-r96") continue;
    SCOPED_TRACE(m.name);
    const Plan base = PlanLayerByLayer(m.g);
    std::vector<std::vector<uint8_t>> inputs;
    for (int t : m.g.inputs) {
      std::vector<uint8_t> v(static_cast<size_t>(m.g.tensors[t].num_bytes()));
      for (auto& x : v) x = static_cast<uint8_t>(rng());
      inputs.push_back(v);
    }
    const auto want = RunPlan(m.g, base, inputs);
    for (int n = 0; n < 40; ++n) {
      Plan p = base;
      RandomMutation(p, rng);
      if (rng() & 1) RandomMutation(p, rng);
      ++n_total;
      const CheckResult r = CheckPlan(m.g, p);
      if (r.ok) {
        ++accepted;
        std::vector<std::vector<uint8_t>> got;
        ASSERT_NO_THROW(got = RunPlan(m.g, p, inputs)) << "accepted plan the executor refuses";
        EXPECT_EQ(got, want) << "the checker accepted a mutation that changes the output";
      } else {
        ++rejected;
#ifndef TESSERA_SANITIZE
        // Informational only: a rejected plan may hand a kernel overlapping buffers its
        // contract forbids (undefined behaviour the sanitized build would abort on).
        try {
          if (RunPlan(m.g, p, inputs) == want) ++rejected_but_same;
        } catch (const Error&) {
        }
#endif
      }
    }
  }
  std::printf("  %d random mutations: %d accepted (same bytes), %d rejected (%d of them still gave the same "
              "bytes on this input)\n", n_total, accepted, rejected, rejected_but_same);
  EXPECT_GE(accepted, 20);
  EXPECT_GE(rejected, 20);
}


// input -> conv 3x3 -> RESIZE_BILINEAR (upscaling, each mode) -> conv 3x3 -> TILE or not -> conv
// 1x1 -> global pool: a RESIZE_BILINEAR inside a patch stage.
Graph ZooNet(int mode, bool tile) {
  zoo::GraphBuilder b("zoo_mut_" + std::to_string(mode) + (tile ? "_tile" : ""), 99 + mode);
  int x = b.Input({1, 11, 9, 3}, 0.02f, -3);
  x = b.Conv2D("c0", x, 4, 3, 1, Activation::kRelu);
  x = b.ResizeBilinear("bilinear", x, 17, 14, mode == 1, mode == 2);
  x = b.Conv2D("c1", x, 4, 3, 1, Activation::kRelu6);
  if (tile) x = b.Tile("tile", x, {1, 1, 2, 2});
  x = b.Conv2D("c2", x, 6, 1, 1, Activation::kNone);
  x = b.GlobalAveragePool("pool", x);
  Graph g = b.Finish({x});
  g.Validate();
  return g;
}

int OpOfType(const Graph& g, OpType t) {
  for (size_t i = 0; i < g.ops.size(); ++i)
    if (g.ops[i].type == t) return static_cast<int>(i);
  return -1;
}

std::vector<std::vector<uint8_t>> SomeInputs(const Graph& g) {
  std::vector<std::vector<uint8_t>> in;
  for (int t : g.inputs) {
    std::vector<uint8_t> v(static_cast<size_t>(g.tensors[t].num_bytes()));
    for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<uint8_t>(i * 97 + 13);
    in.push_back(v);
  }
  return in;
}

TEST(CheckerMutations, ResizeBilinearPatchInputOneRowShortIsRejected) {
  int mutated = 0;
  std::map<std::string, int> kinds;
  std::string example;
  for (int mode = 0; mode < 3; ++mode) {
    const Graph g = ZooNet(mode, false);
    const int rb = OpOfType(g, OpType::kResizeBilinear);
    ASSERT_GE(rb, 0);
    const std::vector<std::vector<uint8_t>> inputs = SomeInputs(g);
    const auto want = RunPlan(g, PlanLayerByLayer(g), inputs);
    for (int rows = 2; rows <= 4; ++rows) {
      SCOPED_TRACE("mode " + std::to_string(mode) + ", " + std::to_string(rows) + " patch rows");
      PatchConfig cfg;
      cfg.split_op = rb + 1;  // the conv after the resize: the resize runs per patch
      cfg.rows = rows;
      cfg.cols = 2;
      Plan base = SchedulePatches(g, cfg);
      PlaceGreedy(base);
      const CheckResult ok = CheckPlan(g, base);
      ASSERT_TRUE(ok.ok) << ok.message;
      ASSERT_EQ(RunPlan(g, base, inputs), want);
      for (size_t s = 0; s < base.steps.size(); ++s) {
        const Step& st = base.steps[s];
        if (st.op != rb) continue;
        const Buffer& in = base.buffers[st.inputs[0]];
        const Shape4 full = AsNHWC(g.tensors[in.tensor].shape);
        if (in.window.h() < 2) continue;
        // Drop the last row of the input buffer (or the first, when the first row is inside the
        // tensor's interior and the buffer ends at the bottom edge): the step reads that row.
        for (bool drop_first : {false, true}) {
          Plan p = base;
          Buffer& b = p.buffers[st.inputs[0]];
          if (drop_first) ++b.window.y0;
          else --b.window.y1;
          b.bytes -= static_cast<int64_t>(in.window.w()) * full.c;
          // The step producing that buffer computes the rows the buffer still holds, so that only
          // the RESIZE_BILINEAR step is at fault.
          for (Step& w : p.steps)
            if (std::find(w.outputs.begin(), w.outputs.end(), st.inputs[0]) != w.outputs.end())
              w.window = IntersectWindow(w.window, b.window);
          const CheckResult r = CheckPlan(g, p);
          EXPECT_FALSE(r.ok) << "step " << s << ": input buffer " << b.name << " one row short ("
                             << (drop_first ? "first" : "last") << " row) accepted";
          EXPECT_NE(r.message.find("RESIZE_BILINEAR"), std::string::npos) << r.message;
          ++kinds[CheckFailureName(r.failure)];
          if (example.empty()) example = r.message;
          ++mutated;
        }
      }
    }
  }
  std::printf("  %d one-row-short RESIZE_BILINEAR patch inputs rejected, e.g. %s\n", mutated, example.c_str());
  for (auto& [k, n] : kinds) std::printf("    failure %-16s %4d\n", k.c_str(), n);
  EXPECT_GE(mutated, 20);
}

TEST(CheckerMutations, TileOutputOverlappingItsInputIsRejected) {
  const Graph g = ZooNet(0, true);
  const int tile = OpOfType(g, OpType::kTile);
  ASSERT_GE(tile, 0);
  const Plan base = PlanLayerByLayer(g);
  ASSERT_TRUE(CheckPlan(g, base).ok);
  const std::vector<std::vector<uint8_t>> inputs = SomeInputs(g);
  const auto want = RunPlan(g, base, inputs);
  int step = -1;
  for (size_t s = 0; s < base.steps.size(); ++s)
    if (base.steps[s].op == tile) step = static_cast<int>(s);
  ASSERT_GE(step, 0);
  const int in = base.steps[step].inputs[0], out = base.steps[step].outputs[0];
  int rejected = 0, changed = 0;
  // The output placed at the input's offset, and shifted by a few bytes either way.
  for (int64_t shift : {0, 1, 3, -1, -5, 17}) {
    Plan p = base;
    const int64_t at = p.buffers[in].offset + shift;
    if (at < 0) continue;
    p.buffers[out].offset = at;
    p.arena_bytes = std::max(p.arena_bytes, at + p.buffers[out].bytes);
    // Only the TILE's two buffers may meet: move every other buffer live at that step away.
    int64_t top = p.arena_bytes;
    for (size_t b = 0; b < p.buffers.size(); ++b) {
      Buffer& B = p.buffers[b];
      if (static_cast<int>(b) == in || static_cast<int>(b) == out || B.external) continue;
      B.offset = top;
      top += B.bytes;
    }
    p.arena_bytes = top;
    const CheckResult r = CheckPlan(g, p);
    EXPECT_FALSE(r.ok) << "TILE output at input offset + " << shift << " accepted";
    if (!r.ok) ++rejected;
#ifndef TESSERA_SANITIZE
    // Informational: the overlapping TILE is undefined behaviour the sanitized build aborts on.
    try {
      if (RunPlan(g, p, inputs) != want) ++changed;
    } catch (const Error&) {
    }
#endif
  }
  std::printf("  %d overlapping TILE placements rejected (%d of them change the output on this input)\n", rejected,
              changed);
  EXPECT_GE(rejected, 5);
}

TEST(CheckerMutations, StateOverlapsAreRejected) {
  std::vector<std::pair<std::string, Graph>> graphs;
  for (int layers : {2, 3}) {
    test::SvdfSpec spec;
    spec.layers = layers;
    spec.memory = 5;
    spec.units = 3;
    spec.state16 = layers == 2;
    graphs.emplace_back("svdf x" + std::to_string(layers), test::SvdfGraph(spec, 11 + layers));
  }
  if (test::HaveShared())
    graphs.emplace_back("tflm_keyword_scrambled_8bit",
                        ReadTflite(test::SharedModel("coverage/tflm_keyword_scrambled_8bit")));
  int rejected = 0;
  for (const auto& [name, g] : graphs) {
    for (const std::string& strategy : {std::string("greedy"), std::string("best")}) {
      const Plan base = MakePlan(g, PlanOptions::FromStrategy(strategy));
      ASSERT_GE(base.state.size(), 2u) << name;
      ASSERT_TRUE(CheckPlan(g, base).ok) << name << " " << strategy << ": " << CheckPlan(g, base).message;
      auto expect_rejected = [&](const Plan& p, const std::string& what) {
        const CheckResult r = CheckPlan(g, p);
        EXPECT_FALSE(r.ok) << name << " " << strategy << ": " << what << " accepted";
        if (!r.ok) ++rejected;
        return r;
      };
      // An activation over state: a buffer holding the first SVDF's state tensor in the arena,
      // at the offset of the SVDF's input, live over the whole plan.
      {
        Plan p = base;
        Buffer b = WholeTensorBuffer(g, p.state[0].tensor);
        b.first = 0;
        b.last = static_cast<int>(p.steps.size()) - 1;
        b.offset = p.buffers[p.input_buffers[0]].offset;
        p.arena_bytes = std::max(p.arena_bytes, b.offset + b.bytes);
        p.buffers.push_back(b);
        const CheckResult r = expect_rejected(p, "an arena buffer holding state");
        EXPECT_NE(r.message.find("which is state"), std::string::npos) << r.message;
      }
      // State over state: each slot moved onto every other one (whole or shifted by 8 bytes).
      for (size_t a = 0; a < base.state.size(); ++a)
        for (size_t b = 0; b < base.state.size(); ++b) {
          if (a == b) continue;
          for (int64_t shift : {int64_t{0}, kStateAlignment}) {
            Plan p = base;
            p.state[a].offset = p.state[b].offset + shift;
            p.state_bytes = std::max(p.state_bytes, p.state[a].offset + p.state[a].bytes);
            const CheckResult r = expect_rejected(p, "state slot over another");
            EXPECT_EQ(r.failure, CheckFailure::kBounds) << r.message;
            EXPECT_NE(r.message.find("overlaps state slot"), std::string::npos) << r.message;
          }
        }
      // Misaligned, outside the region, missing, duplicated.
      {
        Plan p = base;
        p.state.back().offset += 2;
        p.state_bytes += 8;
        expect_rejected(p, "a misaligned state slot");
      }
      {
        Plan p = base;
        p.state_bytes = p.state.back().offset + p.state.back().bytes - 1;
        expect_rejected(p, "a state region one byte short of its last slot");
      }
      {
        Plan p = base;
        p.state.pop_back();
        expect_rejected(p, "a state tensor without a slot");
      }
      {
        Plan p = base;
        p.state.push_back(p.state.front());
        expect_rejected(p, "a state tensor with two slots");
      }
      // A valid move: the last slot placed past the region's end (the region grows) runs to
      // the same bytes over three invokes.
      {
        Plan p = base;
        p.state.back().offset = p.state_bytes + kStateAlignment;
        p.state_bytes = p.state.back().offset + p.state.back().bytes;
        ASSERT_TRUE(CheckPlan(g, p).ok) << CheckPlan(g, p).message;
        const auto inputs = SomeInputs(g);
        EXPECT_EQ(RunPlan(g, p, inputs, 3), RunPlan(g, base, inputs, 3)) << name;
      }
    }
  }
  std::printf("  %d state mutations rejected\n", rejected);
  EXPECT_GE(rejected, 20);
}

TEST(CheckerMutations, WorkspaceOverlappingALiveBufferIsRejected) {
  int planned = 0, moved = 0, rejected = 0, bounds = 0;
  for (const Model& m : MutationModels(/*include_large=*/false)) {
    SCOPED_TRACE(m.name);
    // Every workspace placed (PlanLayerByLayer keeps them only where they pay).
    Plan base = PlanLayerByLayer(m.g);
    PlaceWorkspaces(m.g, base);
    ASSERT_TRUE(CheckPlan(m.g, base).ok) << CheckPlan(m.g, base).message;
    for (size_t s = 0; s < base.steps.size(); ++s) {
      const Step::Workspace ws = base.steps[s].workspace;
      if (ws.bytes == 0) continue;
      ++planned;
      // Onto every buffer live at the step: the workspace's first byte on one of the buffer's
      // bytes (its offset rounded down to a word, plus the words of its last byte).
      for (size_t b = 0; b < base.buffers.size(); ++b) {
        const Buffer& B = base.buffers[b];
        if (B.external || B.bytes == 0 || static_cast<int>(s) < B.first || static_cast<int>(s) > B.last ||
            !B.bands.empty())
          continue;
        for (int64_t at : {B.offset / 4 * 4, (B.offset + B.bytes - 1) / 4 * 4}) {
          Plan p = base;
          p.steps[s].workspace.offset = at;
          p.arena_bytes = std::max(p.arena_bytes, at + ws.bytes);
          const CheckResult r = CheckPlan(m.g, p);
          ++moved;
          EXPECT_FALSE(r.ok) << "step " << s << " workspace at " << at << " over live buffer " << b;
          if (!r.ok) {
            ++rejected;
            EXPECT_EQ(r.failure, CheckFailure::kLiveness) << r.message;
            EXPECT_NE(r.message.find("workspace"), std::string::npos) << r.message;
          }
        }
      }
      // Out of the arena, off word alignment, on a copy step.
      Plan out = base;
      out.steps[s].workspace.offset = out.arena_bytes - ws.bytes + 4;
      Plan odd = base;
      odd.steps[s].workspace.offset = ws.offset + 2;
      odd.arena_bytes += 4;
      for (const Plan* p : {&out, &odd}) {
        const CheckResult r = CheckPlan(m.g, *p);
        EXPECT_FALSE(r.ok);
        if (!r.ok && r.failure == CheckFailure::kBounds) ++bounds;
      }
    }
  }
  std::printf("  %d planned workspaces, %d moved onto live buffers, %d rejected; %d misplaced rejected (bounds)\n",
              planned, moved, rejected, bounds);
  EXPECT_GE(planned, 5);
  EXPECT_GE(moved, 20);
  EXPECT_EQ(rejected, moved);
  EXPECT_EQ(bounds, 2 * planned);
}

TEST(CheckerMutations, WorkspaceOnACopyStepIsRejected) {
  const Graph g = test::ResidualNet();
  Plan p = PlanLayerByLayer(g);
  // A copy step of the whole output tensor into a fresh buffer at the end of the plan, its
  // workspace above everything (free bytes): rejected for the kind of step alone.
  const int in = p.output_buffers.at(0);
  Buffer copy = p.buffers[in];
  copy.name = "copy";
  copy.offset = p.arena_bytes;
  copy.first = copy.last = static_cast<int>(p.steps.size());
  p.arena_bytes += copy.bytes;
  for (int b : p.output_buffers) p.buffers[b].last = static_cast<int>(p.steps.size());
  p.buffers.push_back(copy);
  Step st;
  st.kind = StepKind::kCopy;
  st.window = copy.window;
  st.inputs = {in};
  st.outputs = {static_cast<int>(p.buffers.size()) - 1};
  p.steps.push_back(st);
  ASSERT_TRUE(CheckPlan(g, p).ok) << CheckPlan(g, p).message;
  p.steps.back().workspace = {p.arena_bytes, 64};
  p.arena_bytes += 64;
  const CheckResult r = CheckPlan(g, p);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.failure, CheckFailure::kStructure) << r.message;
}

}  // namespace
}  // namespace tessera
