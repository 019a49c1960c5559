#include "memory/workspace.h"

#include <algorithm>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "ops/ops.h"
#include "ops/unit.h"

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

bool WorkspacesPay(int64_t arena_with, int64_t arena_without, int64_t largest) {
  return largest > 0 && arena_with - arena_without < largest;
}

WorkspaceChoice ChooseWorkspaces(const Graph& g, Plan& plan, WorkspacePolicy policy) {
  WorkspaceChoice c;
  c.arena_without = plan.arena_bytes;
  PlaceWorkspaces(g, plan);
  c.arena_with = plan.arena_bytes;
  for (const Step& st : plan.steps) c.largest = std::max(c.largest, st.workspace.bytes);
  c.kept = policy == WorkspacePolicy::kAlways ||
           (policy == WorkspacePolicy::kAuto && WorkspacesPay(c.arena_with, c.arena_without, c.largest));
  if (c.largest == 0) c.kept = false;
  if (!c.kept) {
    for (Step& st : plan.steps) st.workspace = Step::Workspace{};
    plan.arena_bytes = c.arena_without;
  }
  return c;
}

}  // namespace tessera
