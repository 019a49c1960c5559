// Row bands of whole-tensor buffers (see bands.h).
#include "schedule/bands.h"

#include <algorithm>
#include <climits>
#include <string>
#include <vector>

#include "analysis/receptive_field.h"

namespace tessera {

namespace {

[[noreturn]] void Bad(int step, const std::string& what) {
  throw Error("row bands: step " + std::to_string(step) + ": " + what);
}

void CheckStep(const Graph& g, const Plan& plan, int s) {
  const Step& st = plan.steps[s];
  const int nb = static_cast<int>(plan.buffers.size());
  auto in_range = [&](int b) { return b >= 0 && b < nb; };
  for (int b : st.inputs)
    if (!in_range(b)) Bad(s, "input buffer " + std::to_string(b) + " is out of range");
  for (int b : st.outputs)
    if (!in_range(b)) Bad(s, "output buffer " + std::to_string(b) + " is out of range");
  if (st.scratch != -1 && !in_range(st.scratch)) Bad(s, "scratch buffer " + std::to_string(st.scratch) + " is out of range");
  if (st.kind == StepKind::kOp) {
    if (st.op < 0 || st.op >= static_cast<int>(g.ops.size())) Bad(s, "operator " + std::to_string(st.op) + " is out of range");
    if (st.fused_pad != -1 &&
        (st.fused_pad < 0 || st.fused_pad >= static_cast<int>(g.ops.size()) || g.ops[st.fused_pad].type != OpType::kPad))
      Bad(s, "fused_pad " + std::to_string(st.fused_pad) + " is not a PAD operator");
  }
}

// Per-row access intervals of one candidate buffer.
struct Rows {
  int buffer = -1;
  int h = 0;
  int64_t row_bytes = 0;
  bool partial = false;
  std::vector<int> lo, hi;
};

}  // namespace

Window StepInputWindow(const Graph& g, const Plan& plan, int step, int input) {
  if (step < 0 || step >= static_cast<int>(plan.steps.size())) Bad(step, "out of range");
  CheckStep(g, plan, step);
  const Step& st = plan.steps[step];
  if (input < 0 || input >= static_cast<int>(st.inputs.size()))
    Bad(step, "input " + std::to_string(input) + " is out of range (" + std::to_string(st.inputs.size()) + " inputs)");
  const Buffer& b = plan.buffers[st.inputs[input]];
  if (st.kind == StepKind::kCopy) return st.window;
  const Operator& o = g.ops[st.op];
  int pos = -1;
  for (int i = 0, k = 0; i < static_cast<int>(o.inputs.size()); ++i) {
    const int t = o.inputs[i];
    if (t == kNoTensor || !g.is_activation(t)) continue;
    if (k++ == input) {
      pos = i;
      break;
    }
  }
  // A buffer the operator does not list: assume it is read whole.
  if (pos < 0) return b.window;
  Window w = InputWindow(g, st.op, pos, st.window);
  if (pos == 0 && st.fused_pad >= 0) w = InputWindow(g, st.fused_pad, 0, w);
  return w;
}

int AssignRowBands(const Graph& g, Plan& plan) {
  const int nb = static_cast<int>(plan.buffers.size());
  const int ns = static_cast<int>(plan.steps.size());
  std::vector<int> cand_of(nb, -1);
  std::vector<Rows> cands;
  for (int b = 0; b < nb; ++b) {
    const Buffer& buf = plan.buffers[b];
    if (buf.external || buf.tensor == kNoTensor || !g.is_activation(buf.tensor)) continue;
    const Tensor& T = g.tensors[buf.tensor];
    const Shape4 s = AsNHWC(T.shape);
    if (s.n != 1 || s.h < 2 || s.w < 1 || s.c < 1) continue;
    if (buf.window != FullWindow(g, buf.tensor)) continue;
    const int64_t row_bytes = int64_t{s.w} * s.c * DTypeSize(T.type);
    if (row_bytes <= 0 || row_bytes * s.h != buf.bytes) continue;
    Rows r;
    r.buffer = b;
    r.h = s.h;
    r.row_bytes = row_bytes;
    r.lo.assign(s.h, INT_MAX);
    r.hi.assign(s.h, INT_MIN);
    cand_of[b] = static_cast<int>(cands.size());
    cands.push_back(std::move(r));
  }
  if (cands.empty()) return 0;

  auto touch = [&](int b, int32_t y0, int32_t y1, int s) {
    if (cand_of[b] < 0) return;
    Rows& r = cands[cand_of[b]];
    y0 = std::max(y0, 0);
    y1 = std::min(y1, r.h);
    if (y0 >= y1) return;
    if (y0 > 0 || y1 < r.h) r.partial = true;
    for (int32_t y = y0; y < y1; ++y) {
      r.lo[y] = std::min(r.lo[y], s);
      r.hi[y] = std::max(r.hi[y], s);
    }
  };
  auto touch_all = [&](int b, int s) {
    if (cand_of[b] >= 0) touch(b, 0, cands[cand_of[b]].h, s);
  };

  for (int s = 0; s < ns; ++s) {
    CheckStep(g, plan, s);
    const Step& st = plan.steps[s];
    for (int k = 0; k < static_cast<int>(st.inputs.size()); ++k) {
      const int b = st.inputs[k];
      if (cand_of[b] < 0) continue;
      const Window w = StepInputWindow(g, plan, s, k);
      touch(b, w.y0, w.y1, s);
    }
    for (int j = 0; j < static_cast<int>(st.outputs.size()); ++j) {
      const int b = st.outputs[j];
      if (cand_of[b] < 0) continue;
      bool same_geometry = j == 0;
      if (st.kind == StepKind::kOp && j > 0) {
        const Operator& o = g.ops[st.op];
        same_geometry = !o.outputs.empty() && j < static_cast<int>(o.outputs.size()) &&
                        FullWindow(g, o.outputs[0]) == FullWindow(g, o.outputs[j]);
      }
      if (same_geometry) {
        touch(b, st.window.y0, st.window.y1, s);
      } else {
        touch_all(b, s);
      }
    }
  }

  // Graph inputs are present from the buffer's first step; graph outputs stay to its last.
  for (int b : plan.input_buffers)
    if (b >= 0 && b < nb && cand_of[b] >= 0) {
      Rows& r = cands[cand_of[b]];
      for (int y = 0; y < r.h; ++y) {
        r.lo[y] = std::min(r.lo[y], plan.buffers[b].first);
        r.hi[y] = std::max(r.hi[y], plan.buffers[b].first);
      }
    }
  for (int b : plan.output_buffers)
    if (b >= 0 && b < nb && cand_of[b] >= 0) {
      Rows& r = cands[cand_of[b]];
      for (int y = 0; y < r.h; ++y) {
        r.lo[y] = std::min(r.lo[y], plan.buffers[b].last);
        r.hi[y] = std::max(r.hi[y], plan.buffers[b].last);
      }
    }

  int given = 0;
  for (const Rows& r : cands) {
    Buffer& buf = plan.buffers[r.buffer];
    buf.bands.clear();
    if (!r.partial) continue;
    // Row intervals inside the buffer's own; rows nothing accesses keep the buffer's.
    std::vector<int> f(r.h), l(r.h);
    for (int y = 0; y < r.h; ++y) {
      if (r.lo[y] == INT_MAX) {
        f[y] = buf.first;
        l[y] = buf.last;
      } else {
        f[y] = std::clamp(r.lo[y], buf.first, buf.last);
        l[y] = std::clamp(r.hi[y], f[y], buf.last);
      }
    }
    for (int y = 0; y < r.h;) {
      int e = y + 1;
      while (e < r.h && f[e] == f[y] && l[e] == l[y]) ++e;
      if (f[y] != buf.first || l[y] != buf.last)
        buf.bands.push_back(BufferBand{y * r.row_bytes, e * r.row_bytes, f[y], l[y]});
      y = e;
    }
    if (!buf.bands.empty()) ++given;
  }
  return given;
}

}  // namespace tessera
