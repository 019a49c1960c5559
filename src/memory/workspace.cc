#include "memory/workspace.h"

#include <algorithm>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "memory/greedy.h"
#include "ops/ops.h"
#include "ops/unit.h"

extern "C" {
#include "tessera/kernels.h"
}

namespace tessera {
namespace {

int64_t AlignUp(int64_t n) { return (n + kWorkspaceAlignment - 1) / kWorkspaceAlignment * kWorkspaceAlignment; }

// Prepared operators by (operator, fused PAD); nullopt when the operator cannot be prepared
// (a graph planned for its structure only, which no executor runs): no workspace then.
using PreparedCache = std::map<std::pair<int, int>, std::optional<ops::PreparedOp>>;

int64_t Need(const Graph& g, const Step& st, PreparedCache& prepared) {
  if (st.kind != StepKind::kOp || st.op < 0 || st.op >= static_cast<int>(g.ops.size())) return 0;
  if (ops::Unit(g.ops[st.op].type).View()) return 0;
  const auto key = std::make_pair(st.op, st.fused_pad);
  auto it = prepared.find(key);
  if (it == prepared.end()) {
    std::optional<ops::PreparedOp> p;
    try {
      p = ops::PrepareOp(g, st.op, st.fused_pad);
    } catch (const Error&) {
    }
    it = prepared.emplace(key, std::move(p)).first;
  }
  return it->second ? ops::WorkspaceBytes(*it->second, st.window) : 0;
}

}  // namespace

int64_t StepWorkspaceBytes(const Graph& g, const Plan& plan, int s) {
  PreparedCache prepared;
  return Need(g, plan.steps.at(s), prepared);
}

std::vector<int64_t> WorkspaceNeeds(const Graph& g, const Plan& plan) {
  PreparedCache prepared;
  std::vector<int64_t> r(plan.steps.size(), 0);
  for (int s = 0; s < static_cast<int>(plan.steps.size()); ++s) r[s] = Need(g, plan.steps[s], prepared);
  return r;
}

int64_t PlaceWorkspaces(const Graph& g, Plan& plan) {
  PreparedCache prepared;
  const int64_t before = plan.arena_bytes;
  std::vector<std::pair<int64_t, int64_t>> busy;  // [begin, end) owned during the step
  for (int s = 0; s < static_cast<int>(plan.steps.size()); ++s) {
    Step& st = plan.steps[s];
    st.workspace = Step::Workspace{};
    const int64_t need = Need(g, st, prepared);
    if (need <= 0) continue;
    busy.clear();
    for (const Buffer& b : plan.buffers) {
      if (b.external || s < b.first || s > b.last) continue;
      for (const BufferBand& piece : BufferPieces(b))
        if (piece.first <= s && s <= piece.last && piece.end > piece.begin)
          busy.emplace_back(b.offset + piece.begin, b.offset + piece.end);
    }
    std::sort(busy.begin(), busy.end());
    // The lowest aligned gap that holds `need` bytes (first fit), else above everything.
    int64_t at = 0;
    for (const auto& [begin, end] : busy) {
      if (begin - at >= need) break;
      at = std::max(at, AlignUp(end));
    }
    st.workspace.offset = at;
    st.workspace.bytes = need;
    plan.arena_bytes = std::max(plan.arena_bytes, at + need);
  }
  return plan.arena_bytes - before;
}

bool WorkspacesPay(int64_t arena_with, int64_t arena_without, int64_t stack_estimate) {
  return stack_estimate > 0 && arena_with - arena_without < stack_estimate;
}

int64_t WorkspaceStackEstimate(const Graph& g, const Plan& plan, const std::vector<int64_t>& needs) {
  int64_t buffer = 0;
  for (int s = 0; s < static_cast<int>(needs.size()) && s < static_cast<int>(plan.steps.size()); ++s) {
    if (needs[s] <= 0) continue;
    const OpType t = g.ops.at(plan.steps[s].op).type;
    const size_t b = t == OpType::kConv2D            ? ts_conv2d_s8_stack_workspace_bytes()
                     : t == OpType::kDepthwiseConv2D ? ts_depthwise_conv2d_s8_stack_workspace_bytes()
                                                     : ts_add_s8_stack_workspace_bytes();  // ADD, SUB, SQUARED_DIFFERENCE
    buffer = std::max<int64_t>(buffer, std::max<int64_t>(static_cast<int64_t>(b), needs[s]));
  }
  return buffer > 0 ? std::max<int64_t>(buffer - kWorkspaceFrameMargin, 1) : 0;
}

WorkspaceChoice ChooseWorkspaces(const Graph& g, Plan& plan, WorkspacePolicy policy) {
  WorkspaceChoice c;
  c.arena_without = plan.arena_bytes;
  PlaceWorkspaces(g, plan);
  c.arena_with = plan.arena_bytes;
  std::vector<int64_t> needs(plan.steps.size(), 0);
  for (int s = 0; s < static_cast<int>(plan.steps.size()); ++s) needs[s] = plan.steps[s].workspace.bytes;
  for (int64_t n : needs) c.largest = std::max(c.largest, n);
  c.stack_estimate = WorkspaceStackEstimate(g, plan, needs);
  c.kept = policy == WorkspacePolicy::kAlways ||
           (policy == WorkspacePolicy::kAuto && WorkspacesPay(c.arena_with, c.arena_without, c.stack_estimate));
  if (c.largest == 0) c.kept = false;
  if (!c.kept) {
    for (Step& st : plan.steps) st.workspace = Step::Workspace{};
    plan.arena_bytes = c.arena_without;
  }
  return c;
}

WorkspaceChoice PlaceGreedyWithWorkspaces(const Graph& g, Plan& plan, WorkspacePolicy policy) {
  WorkspaceChoice c;
  const std::vector<int64_t> needs = WorkspaceNeeds(g, plan);
  for (int64_t n : needs) c.largest = std::max(c.largest, n);
  c.stack_estimate = WorkspaceStackEstimate(g, plan, needs);
  Plan plain = plan;
  for (Step& st : plain.steps) st.workspace = Step::Workspace{};
  PlaceGreedy(plain);
  c.arena_without = c.arena_with = plain.arena_bytes;
  if (c.largest == 0 || policy == WorkspacePolicy::kNever) {
    plan = std::move(plain);
    return c;
  }
  // (a) the workspaces as items of TFLM's greedy placement (as TFLM places its kernels'
  // scratch buffers): one more buffer per workspace, alive at its step, in the same order
  Plan items = plain;
  const int nb = static_cast<int>(plan.buffers.size());
  for (int s = 0; s < static_cast<int>(needs.size()); ++s) {
    if (needs[s] <= 0) continue;
    Buffer w;
    w.name = "workspace of step " + std::to_string(s);
    w.bytes = needs[s];
    w.first = w.last = s;
    items.buffers.push_back(w);
  }
  PlaceGreedy(items);
  for (int s = 0, k = nb; s < static_cast<int>(needs.size()); ++s)
    if (needs[s] > 0) items.steps[s].workspace = Step::Workspace{items.buffers[k++].offset, needs[s]};
  items.buffers.resize(nb);
  // (b) the buffers' placement, the workspaces after it
  Plan after = plain;
  PlaceWorkspaces(g, after);
  c.arena_with = std::min(items.arena_bytes, after.arena_bytes);
  c.kept = policy == WorkspacePolicy::kAlways || WorkspacesPay(c.arena_with, c.arena_without, c.stack_estimate);
  if (!c.kept)
    plan = std::move(plain);
  else
    plan = std::move(items.arena_bytes <= after.arena_bytes ? items : after);
  return c;
}

namespace {
constexpr int kWorkspaceSearchRounds = 300;
}  // namespace

WorkspaceChoice PlaceWithWorkspaces(const Graph& g, Plan& plan,
                                    const std::function<PlacementProblem(const std::vector<int64_t>&)>& build,
                                    const std::function<Placement(const PlacementProblem&)>& place,
                                    WorkspacePolicy policy, PlacementProblem* problem, Placement* placement) {
  WorkspaceChoice c;
  const std::vector<int64_t> needs = WorkspaceNeeds(g, plan);
  for (int64_t n : needs) c.largest = std::max(c.largest, n);
  c.stack_estimate = WorkspaceStackEstimate(g, plan, needs);
  PlacementProblem prob0 = build({});
  Placement pl0 = place(prob0);
  Plan plain = plan;
  for (Step& st : plain.steps) st.workspace = Step::Workspace{};
  ApplyPlacement(prob0, pl0, plain);
  c.arena_without = c.arena_with = plain.arena_bytes;
  auto take = [&](Plan&& chosen, PlacementProblem&& prob, Placement&& pl) {
    plan = std::move(chosen);
    if (problem) *problem = std::move(prob);
    if (placement) *placement = std::move(pl);
  };
  if (c.largest == 0 || policy == WorkspacePolicy::kNever) {
    take(std::move(plain), std::move(prob0), std::move(pl0));
    return c;
  }
  // (a) the workspaces as items: the planner's own search over the whole problem, and a local
  // search (RuinAndRecreate) from the buffers' placement with each workspace first-fit in it
  // (first fit in the buffers' offset order reproduces their placement), which may move
  // buffers to make room for a workspace; the smaller of the two
  PlacementProblem prob1 = build(needs);
  Placement pl1 = place(prob1);
  if (prob1.items.size() > prob0.items.size()) {
    const int n0 = static_cast<int>(prob0.items.size()), n1 = static_cast<int>(prob1.items.size());
    std::vector<int> order(n0);
    for (int i = 0; i < n0; ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
      return pl0.offsets[a] != pl0.offsets[b] ? pl0.offsets[a] < pl0.offsets[b]
                                              : prob0.items[a].size > prob0.items[b].size;
    });
    for (int i = n0; i < n1; ++i) order.push_back(i);
    Placement seeded = RuinAndRecreate(prob1, PlaceFirstFit(prob1, order), kWorkspaceSearchRounds);
    SeparateOpPairs(prob1, seeded, plan);
    if (seeded.size < pl1.size) {
      seeded.method = pl0.method + ", workspaces in its gaps + ruin-and-recreate";
      seeded.proved_optimal = seeded.size <= PlacementLowerBound(prob1);
      pl1 = std::move(seeded);
    }
  }
  Plan items = plan;
  ApplyPlacement(prob1, pl1, items);
  // (b) the buffers' placement, the workspaces after it
  Plan after = plain;
  PlaceWorkspaces(g, after);
  c.arena_with = std::min(items.arena_bytes, after.arena_bytes);
  c.kept = policy == WorkspacePolicy::kAlways || WorkspacesPay(c.arena_with, c.arena_without, c.stack_estimate);
  if (!c.kept)
    take(std::move(plain), std::move(prob0), std::move(pl0));
  else if (items.arena_bytes <= after.arena_bytes)
    take(std::move(items), std::move(prob1), std::move(pl1));
  else
    take(std::move(after), std::move(prob0), std::move(pl0));  // (the problem of its buffers)
  return c;
}

}  // namespace tessera
