#include "memory/mcunetv2.h"

#include <algorithm>
#include <map>
#include <string>

#include "memory/greedy.h"
#include "schedule/fuse.h"

namespace tessera {

void PlaceMcunetV2(const Graph& g, const SplitPoint& sp, Plan& plan) {
  const int nsteps = static_cast<int>(plan.steps.size());
  auto in_stage_op = [&](int op) { return op >= sp.first_op && op <= sp.last_op; };
  // The stage is one contiguous run of steps.
  int s0 = -1, s1 = -1;
  for (int i = 0; i < nsteps; ++i) {
    const Step& s = plan.steps[i];
    if (s.kind == StepKind::kOp && in_stage_op(s.op)) {
      if (s0 < 0) s0 = i;
      else if (s1 != i - 1)
        throw Error("mcunetv2: the patch stage's steps are not contiguous (step " + std::to_string(i) + ")");
      s1 = i;
    }
  }
  if (s0 < 0) {
    // Every stage step was folded away (a stage of PADs folded into the convolution after the
    // cut): what remains is the layer-by-layer schedule, which this schedule places greedily.
    PlaceGreedy(plan);
    plan.strategy = "mcunetv2";
    return;
  }
  const int P = s0;
  const int S = static_cast<int>(sp.stage_ops.size());
  auto pos = [&](int step) { return plan.steps[step].op - sp.first_op; };
  auto map = [&](int i) {
    if (i < s0) return i;
    if (i <= s1) return P + pos(i);
    return i - (s1 + 1) + P + S;
  };
  auto in_stage_step = [&](int i) { return i >= s0 && i <= s1; };

  std::vector<bool> per_patch_tensor(g.tensors.size(), false);
  for (int op : sp.stage_ops)
    for (int t : g.ops[op].outputs) per_patch_tensor[t] = true;
  for (int t : sp.cut_tensors) per_patch_tensor[t] = false;
  std::vector<int> scratch_step(plan.buffers.size(), -1);
  for (int i = 0; i < nsteps; ++i)
    if (plan.steps[i].scratch >= 0) {
      if (plan.steps[i].scratch >= static_cast<int>(plan.buffers.size()))
        throw Error("mcunetv2: step " + std::to_string(i) + " scratch buffer out of range");
      scratch_step[plan.steps[i].scratch] = i;
    }

  // Template: one buffer per non-slot buffer, then one per slot.
  Plan tmpl;
  tmpl.accounting = plan.accounting;
  std::vector<int> tmpl_of(plan.buffers.size(), -1);
  std::map<long long, int> slot;  // key -> template buffer
  // Slotted: the per-patch buffers and stage scratch, living within the stage. (With a 1x1
  // grid, folding a PAD that ends the stage into the convolution after the cut makes the
  // PAD's input outlive the stage: such a buffer is placed like a whole one.)
  std::vector<bool> slotted(plan.buffers.size(), false);
  for (size_t b = 0; b < plan.buffers.size(); ++b) {
    const Buffer& buf = plan.buffers[b];
    long long key = -1;
    if (buf.tensor >= 0 && per_patch_tensor[buf.tensor]) {
      key = buf.tensor;
    } else if (buf.tensor < 0 && scratch_step[b] >= 0 && in_stage_step(scratch_step[b])) {
      key = static_cast<long long>(g.tensors.size()) + plan.steps[scratch_step[b]].op;
    }
    if (key >= 0 && in_stage_step(buf.first) && in_stage_step(buf.last)) {
      slotted[b] = true;
      auto it = slot.find(key);
      if (it == slot.end()) {
        Buffer sb;
        sb.name = "slot:" + buf.name;
        sb.tensor = buf.tensor;
        sb.bytes = buf.bytes;
        sb.first = map(buf.first);
        sb.last = map(buf.last);
        it = slot.emplace(key, static_cast<int>(tmpl.buffers.size())).first;
        tmpl.buffers.push_back(std::move(sb));
      } else {
        Buffer& sb = tmpl.buffers[it->second];
        sb.bytes = std::max(sb.bytes, buf.bytes);
        sb.first = std::min(sb.first, map(buf.first));
        sb.last = std::max(sb.last, map(buf.last));
      }
      tmpl_of[b] = it->second;
      continue;
    }
    Buffer tb = buf;
    tb.first = in_stage_step(buf.first) ? P : map(buf.first);
    tb.last = in_stage_step(buf.last) ? P + S - 1 : map(buf.last);
    tmpl_of[b] = static_cast<int>(tmpl.buffers.size());
    tmpl.buffers.push_back(std::move(tb));
  }
  PlaceGreedy(tmpl);

  for (size_t b = 0; b < plan.buffers.size(); ++b) {
    Buffer& buf = plan.buffers[b];
    buf.offset = tmpl.buffers[tmpl_of[b]].offset;
    if (slotted[b]) continue;
    if (in_stage_step(buf.first)) buf.first = s0;
    if (in_stage_step(buf.last)) buf.last = s1;
  }
  plan.arena_bytes = tmpl.arena_bytes;
  plan.strategy = "mcunetv2";
}

Plan PlanMcunetV2(const Graph& g, const PatchConfig& cfg, bool input_in_arena) {
  Accounting acc;
  acc.input_in_arena = input_in_arena;
  Plan plan = SchedulePatches(g, cfg, acc);
  // TinyEngine folds PADs into the convolutions that read them: with cfg.fold_pads, the ones
  // outside the patch stage too (those inside are folded by SchedulePatches).
  if (cfg.fold_pads) FusePads(g, plan);
  PlaceMcunetV2(g, ResolveSplit(g, cfg), plan);
  return plan;
}

}  // namespace tessera
