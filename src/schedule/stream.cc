#include "schedule/stream.h"

#include <algorithm>
#include <charconv>
#include <climits>
#include <set>
#include <sstream>
#include <string>

#include "analysis/macs.h"
#include "analysis/receptive_field.h"
#include "schedule/bands.h"
#include "schedule/fuse.h"

namespace tessera {
namespace {

std::vector<int> ProducerOf(const Graph& g) {
  std::vector<int> prod(g.tensors.size(), -1);
  for (int i = 0; i < static_cast<int>(g.ops.size()); ++i)
    for (int t : g.ops[i].outputs)
      if (t >= 0 && t < static_cast<int>(g.tensors.size())) prod[t] = i;
  return prod;
}

// PAD operators of a stage folded into the convolution that reads them.
std::vector<int> FoldedPads(const Graph& g, const ResolvedStage& st, bool fold, std::vector<bool>* folded) {
  std::vector<int> fused_into(g.ops.size(), -1);
  folded->assign(g.ops.size(), false);
  if (!fold) return fused_into;
  for (int op : st.sp.stage_ops) {
    if (g.ops[op].type != OpType::kPad) continue;
    const int out = g.ops[op].outputs[0];
    if (std::binary_search(st.sp.cut_tensors.begin(), st.sp.cut_tensors.end(), out)) continue;
    const std::vector<int> readers = g.consumers(out);
    if (readers.size() != 1 || readers[0] > st.sp.last_op || !CanFoldPad(g, op, readers[0])) continue;
    (*folded)[op] = true;
    fused_into[readers[0]] = op;
  }
  return fused_into;
}

}  // namespace

const char* HaloModeName(HaloMode m) {
  switch (m) {
    case HaloMode::kRecompute: return "recompute";
    case HaloMode::kCacheRows: return "mixed";
    case HaloMode::kCache: return "cache";
  }
  return "?";
}

HaloMode ParseHaloMode(const std::string& s) {
  if (s == "recompute") return HaloMode::kRecompute;
  if (s == "mixed" || s == "rows" || s == "cache-rows") return HaloMode::kCacheRows;
  if (s == "cache") return HaloMode::kCache;
  throw Error("unknown halo mode '" + s + "' (expected recompute, mixed or cache)");
}

StreamConfig ParseStreamSpec(const std::string& spec) {
  auto fail = [&]() -> StreamConfig {
    throw Error("stream spec '" + spec +
                "': expected SPLIT:ROWSxCOLS[:MODE] stages separated by commas (e.g. 12:4x4:mixed,30:7x1:cache; "
                "MODE recompute, mixed or cache)");
  };
  auto num = [](const std::string& s, int* v) {
    if (s.empty()) return false;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
    return ec == std::errc() && p == s.data() + s.size() && *v >= 0 && *v <= (1 << 20);
  };
  StreamConfig c;
  std::stringstream ss(spec);
  std::string part;
  while (std::getline(ss, part, ',')) {
    std::vector<std::string> f;
    std::stringstream ps(part);
    std::string x;
    while (std::getline(ps, x, ':')) f.push_back(x);
    if (f.size() < 2 || f.size() > 3) return fail();
    StageSpec st;
    if (!num(f[0], &st.last_op)) return fail();
    const size_t xp = f[1].find_first_of("xX");
    if (xp == std::string::npos) {
      if (!num(f[1], &st.rows)) return fail();
      st.cols = st.rows;
    } else if (!num(f[1].substr(0, xp), &st.rows) || !num(f[1].substr(xp + 1), &st.cols)) {
      return fail();
    }
    if (st.rows < 1 || st.cols < 1) return fail();
    if (f.size() == 3) st.halo = ParseHaloMode(f[2]);
    c.stages.push_back(st);
  }
  if (c.stages.empty()) return fail();
  return c;
}

std::string StreamSpecString(const StreamConfig& c) {
  std::string r;
  for (const StageSpec& s : c.stages) {
    if (!r.empty()) r += ',';
    r += std::to_string(s.last_op) + ":" + std::to_string(s.rows) + "x" + std::to_string(s.cols) + ":" +
         HaloModeName(s.halo);
  }
  return r.empty() ? "layer-by-layer" : r;
}

std::vector<ResolvedStage> ResolveStages(const Graph& g, const StreamConfig& c) {
  const int nops = static_cast<int>(g.ops.size());
  const int nt = static_cast<int>(g.tensors.size());
  const std::vector<int> prod = ProducerOf(g);
  std::vector<ResolvedStage> r;
  int prev_last = -1;
  for (size_t si = 0; si < c.stages.size(); ++si) {
    const StageSpec& s = c.stages[si];
    const std::string who = "model '" + g.name + "': stage " + std::to_string(si + 1) + " (ending after operator " +
                            std::to_string(s.last_op) + ")";
    if (s.last_op < 0 || s.last_op >= nops)
      throw Error(who + ": operator out of range (graph has " + std::to_string(nops) + " operators)");
    if (s.last_op <= prev_last) throw Error(who + ": stages must be in operator order and not overlap");
    int first = s.first_op >= 0 ? s.first_op : prev_last + 1;
    if (s.first_op < 0)
      for (int i = s.last_op; i >= first; --i)
        if (!IsWindowable(g, i)) {
          first = i + 1;
          break;
        }
    if (first <= prev_last || first > s.last_op)
      throw Error(who + ": " + OpLabel(g, s.last_op) + " cannot end a patch stage (no windowable operators before it)");
    ResolvedStage rs;
    rs.spec = s;
    rs.spec.first_op = first;
    SplitPoint& sp = rs.sp;
    sp.first_op = first;
    sp.last_op = s.last_op;
    auto in_stage = [&](int t) { return t >= 0 && t < nt && prod[t] >= first && prod[t] <= s.last_op; };
    std::set<int> inputs, cut;
    for (int i = first; i <= s.last_op; ++i) {
      if (!IsWindowable(g, i)) throw Error(who + ": " + OpLabel(g, i) + " cannot run over windows");
      sp.stage_ops.push_back(i);
      for (int t : g.ops[i].inputs)
        if (t != kNoTensor && g.is_activation(t) && !in_stage(t)) inputs.insert(t);
      for (int t : g.ops[i].outputs)
        sp.stage_peak_tensor_bytes = std::max(sp.stage_peak_tensor_bytes, g.tensors[t].num_bytes());
    }
    for (int i = s.last_op + 1; i < nops; ++i)
      for (int t : g.ops[i].inputs)
        if (in_stage(t)) cut.insert(t);
    for (int t : g.outputs)
      if (in_stage(t)) cut.insert(t);
    if (cut.empty()) throw Error(who + ": nothing the stage computes is read after it");
    sp.stage_inputs.assign(inputs.begin(), inputs.end());
    sp.cut_tensors.assign(cut.begin(), cut.end());
    bool firstcut = true;
    for (int t : sp.cut_tensors) {
      const Shape4 sh = AsNHWC(g.tensors[t].shape);
      if (int64_t{sh.h} * sh.w <= 1)
        throw Error(who + ": " + TensorLabel(g, t) + " crosses the cut but is not spatial (" + std::to_string(sh.h) +
                    "x" + std::to_string(sh.w) + ")");
      sp.cut_bytes += g.tensors[t].num_bytes();
      sp.min_cut_h = firstcut ? sh.h : std::min(sp.min_cut_h, sh.h);
      sp.min_cut_w = firstcut ? sh.w : std::min(sp.min_cut_w, sh.w);
      firstcut = false;
    }
    for (int t : sp.stage_inputs) sp.stage_input_bytes += g.tensors[t].num_bytes();
    if (s.rows < 1 || s.cols < 1 || s.rows > sp.min_cut_h || s.cols > sp.min_cut_w ||
        int64_t{s.rows} * s.cols > kMaxPatches)
      throw Error(who + ": patch grid " + std::to_string(s.rows) + "x" + std::to_string(s.cols) +
                  " does not fit the assembled tensors (smallest " + std::to_string(sp.min_cut_h) + "x" +
                  std::to_string(sp.min_cut_w) + ", at most " + std::to_string(kMaxPatches) + " patches)");
    prev_last = s.last_op;
    r.push_back(std::move(rs));
  }
  return r;
}

namespace {

// Demand-driven row caching (line buffers): per patch column, each stage tensor keeps the
// rows computed so far; a patch computes only the rows below them that its consumers'
// computed rows need, and holds exactly the rows its consumers read (plus rows computed
// earlier that are still held). Windows are derived from what consumers COMPUTE, not from
// the receptive field of the whole cell, so a deep stage needs a few rows per tensor.
StageWindows DemandRowWindows(const Graph& g, const ResolvedStage& st, StageWindows w) {
  const int np = static_cast<int>(w.patches.size());
  const int nt = static_cast<int>(g.tensors.size());
  const int cols = st.spec.cols;
  const std::vector<int> prod = ProducerOf(g);
  auto produced_here = [&](int t) { return t >= 0 && prod[t] >= st.sp.first_op && prod[t] <= st.sp.last_op; };
  std::vector<bool> is_cut(nt, false);
  for (int t : st.sp.cut_tensors) is_cut[t] = true;
  std::vector<std::vector<int32_t>> done(cols, std::vector<int32_t>(nt, INT32_MIN));
  std::vector<std::vector<Window>> held(cols, std::vector<Window>(nt));  // last buffer window per column
  for (int p = 0; p < np; ++p) {
    const int c = p % cols;
    std::vector<Window> req(nt), win(nt);
    // Seed: the grid cell of each assembled tensor.
    for (int t : st.sp.cut_tensors) {
      const Shape4 s = AsNHWC(g.tensors[t].shape);
      const int r = p / cols;
      req[t] = Window{static_cast<int32_t>(int64_t{r} * s.h / st.spec.rows),
                      static_cast<int32_t>(int64_t{r + 1} * s.h / st.spec.rows),
                      static_cast<int32_t>(int64_t{c} * s.w / cols), static_cast<int32_t>(int64_t{c + 1} * s.w / cols)};
    }
    for (auto it = st.sp.stage_ops.rbegin(); it != st.sp.stage_ops.rend(); ++it) {
      const int op = *it;
      const Operator& O = g.ops[op];
      const int t = O.outputs[0];
      const Window R = req[t];
      if (R.empty()) continue;
      Window compute;
      if (O.type == OpType::kPad) {
        compute = R;  // a PAD is recomputed (no MACs; folded PADs are no step at all)
        win[t] = R;
      } else {
        int32_t d = done[c][t];
        const Window& prev = held[c][t];
        // Rows computed earlier are taken over only when the column's windows are monotone;
        // otherwise this patch recomputes all it needs (exact, just more MACs).
        const bool take = d > R.y0 && !prev.empty() && prev.x0 == R.x0 && prev.x1 == R.x1 && R.y0 >= prev.y0 &&
                          d == prev.y1;
        if (d > R.y0 && !take) d = INT32_MIN;
        if (take && !is_cut[t]) w.from_above[p][t] = Window{R.y0, d, R.x0, R.x1};
        const int32_t y0 = std::max(R.y0, d);
        if (y0 < R.y1) compute = Window{y0, R.y1, R.x0, R.x1};
        win[t] = is_cut[t] ? R : Window{R.y0, std::max(R.y1, d), R.x0, R.x1};
        held[c][t] = Window{R.y0, std::max(R.y1, d), R.x0, R.x1};
        done[c][t] = std::max(d, R.y1);
      }
      w.compute[p][t] = compute;
      if (compute.empty()) continue;
      for (int i = 0; i < static_cast<int>(O.inputs.size()); ++i) {
        const int x = O.inputs[i];
        if (x == kNoTensor || !g.is_activation(x) || !produced_here(x)) continue;
        Window need = InputWindow(g, op, i, compute);
        if (need.empty()) {  // all padding: the step still reads through a one-pixel buffer
          const Shape4 is = AsNHWC(g.tensors[x].shape), os = AsNHWC(g.tensors[t].shape);
          const int32_t y = std::clamp<int32_t>(static_cast<int32_t>(int64_t{compute.y0} * is.h / os.h), 0, is.h - 1);
          const int32_t xx = std::clamp<int32_t>(static_cast<int32_t>(int64_t{compute.x0} * is.w / os.w), 0, is.w - 1);
          need = Window{y, y + 1, xx, xx + 1};
        }
        req[x] = UnionWindow(req[x], need);
      }
    }
    for (int t = 0; t < nt; ++t) {
      if (!produced_here(t)) continue;
      w.patches[p].tensor[t] = win[t];
      if (win[t].empty()) {  // nothing held: the next patch of the column starts afresh
        done[c][t] = INT32_MIN;
        held[c][t] = Window{};
      }
    }
  }
  return w;
}

}  // namespace

StageWindows ComputeStageWindows(const Graph& g, const ResolvedStage& st) {
  StageWindows w;
  w.patches = ComputePatchWindows(g, st.sp, st.spec.rows, st.spec.cols);
  const int np = static_cast<int>(w.patches.size());
  const int nt = static_cast<int>(g.tensors.size());
  const int cols = st.spec.cols;
  w.compute.assign(np, std::vector<Window>(nt));
  w.from_above.assign(np, std::vector<Window>(nt));
  w.from_left.assign(np, std::vector<Window>(nt));
  if (st.spec.halo == HaloMode::kCacheRows || (st.spec.halo == HaloMode::kCache && cols == 1))
    return DemandRowWindows(g, st, std::move(w));
  std::vector<int> produced;
  for (int op : st.sp.stage_ops)
    for (int t : g.ops[op].outputs) produced.push_back(t);
  for (int p = 0; p < np; ++p) {
    const int r = p / cols, c = p % cols;
    for (int t : produced) {
      const Window W = w.patches[p].tensor[t];
      if (W.empty()) continue;
      Window rows_src{}, cols_src{};
      int32_t rowstart = W.y0, colstart = W.x0;
      if (st.spec.halo != HaloMode::kRecompute && r > 0) {
        const Window& a = w.patches[p - cols].tensor[t];
        if (!a.empty() && a.x0 == W.x0 && a.x1 == W.x1 && a.y0 <= W.y0 && W.y0 < a.y1 && a.y1 <= W.y1) {
          rowstart = a.y1;
          rows_src = Window{W.y0, a.y1, W.x0, W.x1};
        }
      }
      if (st.spec.halo == HaloMode::kCache && c > 0 && rowstart < W.y1) {
        const Window& l = w.patches[p - 1].tensor[t];
        if (!l.empty() && l.y0 <= rowstart && l.y1 >= W.y1 && l.x0 <= W.x0 && W.x0 < l.x1 && l.x1 <= W.x1) {
          colstart = l.x1;
          cols_src = Window{rowstart, W.y1, W.x0, l.x1};
        }
      }
      w.from_above[p][t] = rows_src;
      w.from_left[p][t] = cols_src;
      if (rowstart < W.y1 && colstart < W.x1) w.compute[p][t] = Window{rowstart, W.y1, colstart, W.x1};
    }
  }
  return w;
}

std::vector<int64_t> StageMacs(const Graph& g, const StreamConfig& c) {
  std::vector<int64_t> r;
  for (const ResolvedStage& st : ResolveStages(g, c)) {
    const StageWindows w = ComputeStageWindows(g, st);
    int64_t m = 0;
    for (size_t p = 0; p < w.patches.size(); ++p)
      for (int op : st.sp.stage_ops) m += WindowMacs(g, op, w.compute[p][g.ops[op].outputs[0]]);
    r.push_back(m);
  }
  return r;
}

int64_t StreamMacs(const Graph& g, const StreamConfig& c) {
  int64_t total = GraphMacs(g);
  const std::vector<ResolvedStage> stages = ResolveStages(g, c);
  const std::vector<int64_t> sm = StageMacs(g, c);
  for (size_t i = 0; i < stages.size(); ++i) {
    for (int op : stages[i].sp.stage_ops) total -= OpMacs(g, op);
    total += sm[i];
  }
  return total;
}

Plan ScheduleStream(const Graph& g, const StreamConfig& c, Accounting acc) {
  const std::vector<ResolvedStage> stages = ResolveStages(g, c);
  const int nt = static_cast<int>(g.tensors.size());
  const int nops = static_cast<int>(g.ops.size());
  if (nops == 0) throw Error("model '" + g.name + "' has no operators to schedule");
  const std::vector<int> prod = ProducerOf(g);
  std::vector<int> stage_of_op(nops, -1);
  for (size_t s = 0; s < stages.size(); ++s)
    for (int op : stages[s].sp.stage_ops) stage_of_op[op] = static_cast<int>(s);
  std::vector<bool> per_patch(nt, false), is_input(nt, false);
  for (const ResolvedStage& st : stages) {
    for (int op : st.sp.stage_ops)
      for (int t : g.ops[op].outputs) per_patch[t] = true;
    for (int t : st.sp.cut_tensors) per_patch[t] = false;
  }
  for (int t : g.inputs) is_input[t] = true;

  Plan plan;
  plan.strategy = "stream";
  AssignState(g, plan);
  plan.accounting = acc;

  std::vector<int> whole(nt, -1);
  for (int t = 0; t < nt; ++t) {
    if (!g.is_activation(t) || per_patch[t]) continue;
    if (!is_input[t] && prod[t] < 0) continue;
    Buffer b = WholeTensorBuffer(g, t);
    b.external = is_input[t] && !acc.input_in_arena;
    whole[t] = static_cast<int>(plan.buffers.size());
    plan.buffers.push_back(std::move(b));
  }
  auto new_buffer = [&](int t, const Window& w, const std::string& name) {
    Buffer b;
    b.name = name;
    b.tensor = t;
    b.window = w;
    b.bytes = WindowBytes(g, t, w);
    plan.buffers.push_back(std::move(b));
    return static_cast<int>(plan.buffers.size()) - 1;
  };
  auto copy_step = [&](int src, int dst, const Window& w) {
    Step s;
    s.kind = StepKind::kCopy;
    s.window = w;
    s.inputs = {src};
    s.outputs = {dst};
    plan.steps.push_back(std::move(s));
  };
  auto whole_step = [&](int op) {
    const Operator& o = g.ops[op];
    Step s;
    s.op = op;
    s.window = o.outputs.empty() ? Window{} : FullWindow(g, o.outputs[0]);
    for (int t : o.inputs)
      if (t != kNoTensor && g.is_activation(t)) s.inputs.push_back(whole[t]);
    for (int t : o.outputs) s.outputs.push_back(whole[t]);
    plan.steps.push_back(std::move(s));
  };

  for (int op = 0; op < nops;) {
    if (stage_of_op[op] < 0) {
      whole_step(op++);
      continue;
    }
    const ResolvedStage& st = stages[stage_of_op[op]];
    std::vector<bool> folded;
    const std::vector<int> fused_into = FoldedPads(g, st, c.fold_pads, &folded);
    const StageWindows W = ComputeStageWindows(g, st);
    const int cols = st.spec.cols;
    const int np = static_cast<int>(W.patches.size());
    // The stage operator after which each per-patch tensor is read no more in a patch.
    std::vector<std::vector<int>> copy_after(nops);
    {
      std::vector<int> last_reader(nt, -1);
      for (int o : st.sp.stage_ops) {
        if (folded[o]) continue;
        for (int t : g.ops[o].outputs) last_reader[t] = std::max(last_reader[t], o);
        for (int i = 0; i < static_cast<int>(g.ops[o].inputs.size()); ++i) {
          int t = g.ops[o].inputs[i];
          if (i == 0 && fused_into[o] >= 0) t = g.ops[fused_into[o]].inputs[0];
          if (t != kNoTensor && t < nt) last_reader[t] = std::max(last_reader[t], o);
        }
      }
      for (int t = 0; t < nt; ++t)
        if (per_patch[t] && last_reader[t] >= st.sp.first_op && last_reader[t] <= st.sp.last_op &&
            stage_of_op[prod[t]] == stage_of_op[op])
          copy_after[last_reader[t]].push_back(t);
    }
    std::vector<std::vector<int>> halo_row(cols, std::vector<int>(nt, -1));
    std::vector<int> halo_col(nt, -1);
    for (int p = 0; p < np; ++p) {
      const int r = p / cols, cc = p % cols;
      const std::string suffix = "@p" + std::to_string(r) + "_" + std::to_string(cc);
      std::vector<int> local(nt, -1);
      // Saves the halos the next patches need from the tensors in `ts`.
      auto save_halos = [&](const std::vector<int>& ts) {
        for (int t : ts) {
          if (local[t] < 0) continue;
          if (r + 1 < st.spec.rows) {
            const Window& need = W.from_above[p + cols][t];
            if (!need.empty()) {
              const int h = new_buffer(t, need, TensorBufferName(g, t) + "@rows" + suffix);
              copy_step(local[t], h, need);
              halo_row[cc][t] = h;
            }
          }
          if (cc + 1 < cols) {
            const Window& need = W.from_left[p + 1][t];
            if (!need.empty()) {
              const int h = new_buffer(t, need, TensorBufferName(g, t) + "@cols" + suffix);
              copy_step(local[t], h, need);
              halo_col[t] = h;
            }
          }
        }
      };
      for (int o : st.sp.stage_ops) {
        const Operator& O = g.ops[o];
        if (!folded[o]) {
          const int t = O.outputs[0];
          const Window& win = W.patches[p].tensor[t];
          if (!win.empty()) {
            if (per_patch[t]) {
              local[t] = new_buffer(t, win, TensorBufferName(g, t) + suffix);
              if (!W.from_above[p][t].empty()) {
                const int h = halo_row[cc][t];
                if (h < 0) throw Error("internal: no row halo of " + TensorLabel(g, t) + " for patch " + suffix);
                copy_step(h, local[t], W.from_above[p][t]);
                halo_row[cc][t] = -1;
              }
              if (!W.from_left[p][t].empty()) {
                const int h = halo_col[t];
                if (h < 0) throw Error("internal: no column halo of " + TensorLabel(g, t) + " for patch " + suffix);
                copy_step(h, local[t], W.from_left[p][t]);
                halo_col[t] = -1;
              }
            }
            const Window& cw = W.compute[p][t];
            if (!cw.empty()) {
              Step s;
              s.op = o;
              s.window = cw;
              s.fused_pad = fused_into[o];
              for (int i = 0; i < static_cast<int>(O.inputs.size()); ++i) {
                int in = O.inputs[i];
                if (in == kNoTensor || !g.is_activation(in)) continue;
                if (i == 0 && s.fused_pad >= 0) in = g.ops[s.fused_pad].inputs[0];
                const int b = whole[in] >= 0 ? whole[in] : local[in];
                if (b < 0)
                  throw Error("internal: patch " + suffix + " " + OpLabel(g, o) + " reads " + TensorLabel(g, in) +
                              " which this patch did not compute");
                s.inputs.push_back(b);
              }
              for (int out : O.outputs) s.outputs.push_back(whole[out] >= 0 ? whole[out] : local[out]);
              plan.steps.push_back(std::move(s));
            }
          }
        }
        // Save the halos the next patches need once this patch reads a tensor no more. (Saving
        // them just before the last reader instead would let that reader's output overlap the
        // tensor, but the placements found were larger: the halo then lives beside the whole
        // tensor instead of on its dying bytes.)
        save_halos(copy_after[o]);
      }
    }
    op = st.sp.last_op + 1;
  }

  // Precise live intervals.
  const int nsteps = static_cast<int>(plan.steps.size());
  std::vector<int> first(plan.buffers.size(), -1), last(plan.buffers.size(), -1);
  auto touch = [&](int b, int i) {
    if (b < 0) return;
    if (first[b] < 0) first[b] = i;
    last[b] = std::max(last[b], i);
  };
  for (int t : g.inputs) touch(whole[t], 0);
  for (int i = 0; i < nsteps; ++i) {
    for (int b : plan.steps[i].outputs) touch(b, i);
    for (int b : plan.steps[i].inputs) touch(b, i);
  }
  for (int t : g.outputs) touch(whole[t], nsteps - 1);
  for (size_t b = 0; b < plan.buffers.size(); ++b) {
    plan.buffers[b].first = std::max(first[b], 0);
    plan.buffers[b].last = std::max(last[b], plan.buffers[b].first);
  }
  for (int t : g.inputs) plan.input_buffers.push_back(whole[t]);
  for (int t : g.outputs) plan.output_buffers.push_back(whole[t]);
  if (c.fold_pads) FusePads(g, plan);
  // Assembled outputs grow as patches write them; whole tensors the patches read shrink.
  AssignRowBands(g, plan);
  return plan;
}

}  // namespace tessera
