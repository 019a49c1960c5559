// The executor against buffers that are too small for what a step writes.
//  - Every build: the executor's own bounds validation refuses a plan whose output buffer is
//    declared smaller than its window, or that lies (partly) outside the arena, naming the
//    buffer (tessera::Error from the constructor, before anything runs).
//  - Sanitized builds (TESSERA_SANITIZE): the arena is surrounded by guard bytes checked after
//    every step. A step that writes past the end of its buffer at the end of the arena lands in
//    the guard (inside the arena's allocation, where AddressSanitizer cannot see it) and
//    Invoke() fails with the guard's message naming the step. The out-of-bounds write is made
//    real by enlarging the RESHAPE output tensor after the executor validated the plan: the
//    RESHAPE step copies the tensor's current byte size into a buffer sized for the old one.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "exec/executor.h"
#include "ir/graph.h"
#include "plan/plan.h"

namespace tessera {
namespace {

// input [1,48] int8 -> RESHAPE -> [1,6,8] (graph output).
Graph ReshapeGraph() {
  Graph g;
  g.name = "reshape";
  Tensor in;
  in.name = "in";
  in.shape = {1, 48};
  in.quant.scale = {0.1f};
  in.quant.zero_point = {0};
  Tensor out = in;
  out.name = "out";
  out.shape = {1, 6, 8};
  g.tensors = {in, out};
  Operator op;
  op.type = OpType::kReshape;
  op.inputs = {0};
  op.outputs = {1};
  op.options = ReshapeOptions{{1, 6, 8}};
  g.ops = {op};
  g.inputs = {0};
  g.outputs = {1};
  g.Validate();
  return g;
}

// Input buffer at [0,48), output buffer at [48,96) = the end of the arena.
Plan ReshapePlan(const Graph& g) {
  Plan p;
  p.strategy = "by hand";
  Buffer a{"in", 0, FullWindow(g, 0), 48, 0, 0, 0, false, {}};
  Buffer b{"out", 1, FullWindow(g, 1), 48, 48, 0, 0, false, {}};
  p.buffers = {a, b};
  Step s;
  s.op = 0;
  s.window = FullWindow(g, 1);
  s.inputs = {0};
  s.outputs = {1};
  p.steps = {s};
  p.arena_bytes = 96;
  p.input_buffers = {0};
  p.output_buffers = {1};
  return p;
}

std::string ConstructError(const Graph& g, const Plan& p) {
  try {
    Executor ex(g, p);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(ArenaGuard, ValidPlanRuns) {
  const Graph g = ReshapeGraph();
  std::vector<uint8_t> in(48);
  for (int i = 0; i < 48; ++i) in[i] = static_cast<uint8_t>(i * 5 + 1);
  const auto out = RunPlan(g, ReshapePlan(g), {in});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], in);
}

TEST(ArenaGuard, OutputBufferDeclaredTooSmallIsRefused) {
  const Graph g = ReshapeGraph();
  Plan p = ReshapePlan(g);
  p.buffers[1].bytes = 40;
  const std::string m = ConstructError(g, p);
  EXPECT_NE(m.find("buffer 1 ('out') has 40 bytes, its window needs 48"), std::string::npos) << m;
}

TEST(ArenaGuard, BufferPastTheArenaEndIsRefused) {
  const Graph g = ReshapeGraph();
  Plan p = ReshapePlan(g);
  p.buffers[1].offset = 64;
  const std::string m = ConstructError(g, p);
  EXPECT_NE(m.find("buffer 1 ('out') [64, 112) lies outside the arena of 96 bytes"), std::string::npos) << m;
  p = ReshapePlan(g);
  p.arena_bytes = 95;
  EXPECT_NE(ConstructError(g, p).find("lies outside the arena of 95 bytes"), std::string::npos);
}

TEST(ArenaGuard, StepWritingPastItsBufferTripsTheGuard) {
#ifndef TESSERA_SANITIZE
  GTEST_SKIP() << "guard bytes exist only in TESSERA_SANITIZE builds (make test runs this in build-asan)";
#else
  Graph g = ReshapeGraph();
  Executor ex(g, ReshapePlan(g));  // validated against the 48-byte tensors
  // The step now writes 64 bytes into its 48-byte buffer at the end of the arena: 16 bytes
  // land in the guard (the source read stays inside the arena).
  g.tensors[1].shape = {1, 8, 8};
  ex.SetInput(0, std::vector<uint8_t>(48, 7));
  try {
    ex.Invoke();
    FAIL() << "the write past the arena was not detected";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "step 0 (operator 0 RESHAPE) wrote outside the arena (guard bytes changed)");
  }
#endif
}

}  // namespace
}  // namespace tessera
