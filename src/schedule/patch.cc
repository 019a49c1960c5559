#include "schedule/patch.h"

#include <algorithm>
#include <charconv>
#include <climits>
#include <set>
#include <string>

#include "analysis/macs.h"
#include "analysis/receptive_field.h"
#include "schedule/fuse.h"

namespace tessera {
namespace {

// Producer of every tensor (-1: graph input, constant or never written), checked to be a
// topologically ordered graph whose operands are all in range.
std::vector<int> Producers(const Graph& g) {
  const int nt = static_cast<int>(g.tensors.size());
  std::vector<int> prod(nt, -1);
  std::vector<bool> avail(nt, false);
  for (int t : g.inputs) {
    if (t < 0 || t >= nt) throw Error("graph input tensor index " + std::to_string(t) + " out of range");
    avail[t] = true;
  }
  for (int i = 0; i < static_cast<int>(g.ops.size()); ++i) {
    const Operator& o = g.ops[i];
    for (int t : o.inputs) {
      if (t == kNoTensor) continue;
      if (t < 0 || t >= nt)
        throw Error(OpLabel(g, i) + ": input tensor index " + std::to_string(t) + " out of range");
      if (g.is_activation(t) && !avail[t])
        throw Error(OpLabel(g, i) + " reads " + TensorLabel(g, t) +
                    " before any operator writes it and it is not a graph input");
    }
    for (int t : o.outputs) {
      if (t < 0 || t >= nt)
        throw Error(OpLabel(g, i) + ": output tensor index " + std::to_string(t) + " out of range");
      if (avail[t]) throw Error(TensorLabel(g, t) + " is written twice (by " + OpLabel(g, i) + ")");
      prod[t] = i;
      avail[t] = true;
    }
  }
  for (int t : g.outputs)
    if (t < 0 || t >= nt || !avail[t])
      throw Error("graph output tensor index " + std::to_string(t) + " is never written");
  return prod;
}

// Analysis of the cut after operator k. Returns an empty string and fills `sp` when valid,
// else the reason it is not.
std::string AnalyzeCut(const Graph& g, const std::vector<int>& prod, int k, SplitPoint* sp) {
  const int nops = static_cast<int>(g.ops.size());
  if (k < 0 || k >= nops)
    return "split operator " + std::to_string(k) + " out of range (graph has " + std::to_string(nops) +
           " operators)";
  int first = 0;
  for (int i = k; i >= 0; --i)
    if (!IsWindowable(g, i)) {
      first = i + 1;
      break;
    }
  if (first > k) return OpLabel(g, k) + " cannot run over windows, so no patch stage can end with it";
  const int nt = static_cast<int>(g.tensors.size());
  auto in_stage = [&](int t) { return t >= 0 && t < nt && prod[t] >= first && prod[t] <= k; };

  SplitPoint s;
  s.first_op = first;
  s.last_op = k;
  std::set<int> inputs, cut;
  for (int i = first; i <= k; ++i) {
    s.stage_ops.push_back(i);
    for (int t : g.ops[i].inputs)
      if (g.is_activation(t) && !in_stage(t)) inputs.insert(t);
    for (int t : g.ops[i].outputs)
      s.stage_peak_tensor_bytes = std::max(s.stage_peak_tensor_bytes, g.tensors[t].num_bytes());
  }
  for (int i = k + 1; i < nops; ++i)
    for (int t : g.ops[i].inputs)
      if (in_stage(t)) cut.insert(t);
  for (int t : g.outputs)
    if (in_stage(t)) cut.insert(t);
  if (cut.empty()) return "nothing computed by operators " + std::to_string(first) + ".." + std::to_string(k) +
                          " is read after the cut";
  s.stage_inputs.assign(inputs.begin(), inputs.end());
  s.cut_tensors.assign(cut.begin(), cut.end());
  bool firstcut = true;
  for (int t : s.cut_tensors) {
    const Shape4 sh = AsNHWC(g.tensors[t].shape);
    if (static_cast<int64_t>(sh.h) * sh.w <= 1)
      return TensorLabel(g, t) + " crosses the cut after " + OpLabel(g, k) + " but is not spatial (" +
             std::to_string(sh.h) + "x" + std::to_string(sh.w) + ")";
    s.cut_bytes += g.tensors[t].num_bytes();
    s.min_cut_h = firstcut ? sh.h : std::min(s.min_cut_h, sh.h);
    s.min_cut_w = firstcut ? sh.w : std::min(s.min_cut_w, sh.w);
    firstcut = false;
  }
  for (int t : s.stage_inputs) s.stage_input_bytes += g.tensors[t].num_bytes();
  *sp = std::move(s);
  return "";
}

// Grid row r of n over `size`: balanced, every part non-empty when n <= size.
int32_t GridEdge(int32_t size, int n, int r) {
  return static_cast<int32_t>(static_cast<int64_t>(r) * size / n);
}

}  // namespace

std::vector<SplitPoint> ValidSplits(const Graph& g) {
  const std::vector<int> prod = Producers(g);
  std::vector<SplitPoint> r;
  for (int k = 0; k < static_cast<int>(g.ops.size()); ++k) {
    SplitPoint sp;
    if (AnalyzeCut(g, prod, k, &sp).empty()) r.push_back(std::move(sp));
  }
  return r;
}

SplitPoint ResolveSplit(const Graph& g, const PatchConfig& cfg) {
  const std::vector<int> prod = Producers(g);
  int k = cfg.split_op;
  if (k < 0) {
    if (cfg.cut_tensors.empty())
      throw Error("patch config names neither a split operator nor the tensors to assemble");
    for (int t : cfg.cut_tensors) {
      if (t < 0 || t >= static_cast<int>(g.tensors.size()))
        throw Error("patch config: cut tensor index " + std::to_string(t) + " out of range");
      if (prod[t] < 0) throw Error("patch config: " + TensorLabel(g, t) + " is not computed by any operator");
      k = std::max(k, prod[t]);
    }
  }
  SplitPoint sp;
  const std::string why = AnalyzeCut(g, prod, k, &sp);
  if (!why.empty()) throw Error("model '" + g.name + "': invalid patch split: " + why);
  if (cfg.split_op < 0) {
    std::set<int> want(cfg.cut_tensors.begin(), cfg.cut_tensors.end());
    for (int t : sp.cut_tensors)
      if (!want.count(t))
        throw Error("model '" + g.name + "': " + TensorLabel(g, t) + " also crosses the cut after " +
                    OpLabel(g, k) + " and must be assembled");
    for (int t : want)
      if (!std::binary_search(sp.cut_tensors.begin(), sp.cut_tensors.end(), t))
        throw Error("model '" + g.name + "': " + TensorLabel(g, t) + " does not cross the cut after " +
                    OpLabel(g, k));
  }
  if (cfg.rows < 1 || cfg.cols < 1)
    throw Error("patch grid " + std::to_string(cfg.rows) + "x" + std::to_string(cfg.cols) +
                " must have at least one row and one column");
  if (static_cast<int64_t>(cfg.rows) * cfg.cols > kMaxPatches)
    throw Error("patch grid " + std::to_string(cfg.rows) + "x" + std::to_string(cfg.cols) + " has more than " +
                std::to_string(kMaxPatches) + " patches");
  if (cfg.rows > sp.min_cut_h || cfg.cols > sp.min_cut_w)
    throw Error("model '" + g.name + "': patch grid " + std::to_string(cfg.rows) + "x" +
                std::to_string(cfg.cols) + " does not fit the assembled tensors after " + OpLabel(g, k) +
                " (smallest is " + std::to_string(sp.min_cut_h) + "x" + std::to_string(sp.min_cut_w) + ")");
  return sp;
}

std::vector<PatchWindows> ComputePatchWindows(const Graph& g, const SplitPoint& sp, int rows, int cols) {
  if (rows < 1 || cols < 1 || rows > sp.min_cut_h || cols > sp.min_cut_w ||
      static_cast<int64_t>(rows) * cols > kMaxPatches)
    throw Error("patch grid " + std::to_string(rows) + "x" + std::to_string(cols) +
                " does not fit the assembled tensors");
  std::vector<PatchWindows> r;
  for (int pr = 0; pr < rows; ++pr)
    for (int pc = 0; pc < cols; ++pc) {
      std::vector<std::pair<int, Window>> seeds;
      for (int t : sp.cut_tensors) {
        const Shape4 s = AsNHWC(g.tensors[t].shape);
        seeds.push_back({t, Window{GridEdge(s.h, rows, pr), GridEdge(s.h, rows, pr + 1), GridEdge(s.w, cols, pc),
                                   GridEdge(s.w, cols, pc + 1)}});
      }
      PatchWindows pw;
      pw.row = pr;
      pw.col = pc;
      pw.tensor = PropagateWindows(g, sp.stage_ops, seeds);
      // A step whose output window lies wholly in padding (e.g. a PAD's border rows) needs
      // nothing of its input, but still reads through an input buffer: give such an input
      // one pixel (the one nearest the output window) and propagate again.
      for (bool changed = true; changed;) {
        changed = false;
        for (int op : sp.stage_ops) {
          const Operator& o = g.ops[op];
          const Window& out = pw.tensor[o.outputs[0]];
          if (out.empty()) continue;
          for (int t : o.inputs) {
            if (!g.is_activation(t) || !pw.tensor[t].empty()) continue;
            const int pt = g.producer(t);
            if (pt < sp.first_op || pt > sp.last_op) continue;  // stage inputs are whole
            const Shape4 is = AsNHWC(g.tensors[t].shape), os = AsNHWC(g.tensors[o.outputs[0]].shape);
            const int32_t y = std::clamp<int32_t>(static_cast<int32_t>(int64_t{out.y0} * is.h / os.h), 0, is.h - 1);
            const int32_t x = std::clamp<int32_t>(static_cast<int32_t>(int64_t{out.x0} * is.w / os.w), 0, is.w - 1);
            seeds.push_back({t, Window{y, y + 1, x, x + 1}});
            changed = true;
          }
        }
        if (changed) pw.tensor = PropagateWindows(g, sp.stage_ops, seeds);
      }
      r.push_back(std::move(pw));
    }
  return r;
}

Plan SchedulePatches(const Graph& g, const PatchConfig& cfg, Accounting acc) {
  const SplitPoint sp = ResolveSplit(g, cfg);
  const std::vector<PatchWindows> patches = ComputePatchWindows(g, sp, cfg.rows, cfg.cols);
  const std::vector<int> prod = Producers(g);
  const int nt = static_cast<int>(g.tensors.size());
  const int nops = static_cast<int>(g.ops.size());
  auto in_stage = [&](int t) { return t >= 0 && prod[t] >= sp.first_op && prod[t] <= sp.last_op; };
  std::vector<bool> is_cut(nt, false), is_input(nt, false);
  for (int t : sp.cut_tensors) is_cut[t] = true;
  for (int t : g.inputs) is_input[t] = true;

  Plan plan;
  plan.strategy = "patch";
  AssignState(g, plan);
  plan.accounting = acc;

  // Whole-tensor buffers, tensor-index order.
  std::vector<int> whole(nt, -1);
  for (int t = 0; t < nt; ++t) {
    if (!g.is_activation(t)) continue;
    if (!is_input[t] && prod[t] < 0) continue;
    if (in_stage(t) && !is_cut[t]) continue;
    Buffer b = WholeTensorBuffer(g, t);
    b.external = is_input[t] && !acc.input_in_arena;
    whole[t] = static_cast<int>(plan.buffers.size());
    plan.buffers.push_back(std::move(b));
  }
  const int num_whole = static_cast<int>(plan.buffers.size());

  auto whole_step = [&](int op) {
    const Operator& o = g.ops[op];
    Step s;
    s.op = op;
    s.window = o.outputs.empty() ? Window{} : FullWindow(g, o.outputs[0]);
    for (int t : o.inputs)
      if (g.is_activation(t)) s.inputs.push_back(whole[t]);
    for (int t : o.outputs) s.outputs.push_back(whole[t]);
    plan.steps.push_back(std::move(s));
  };

  for (int op = 0; op < sp.first_op; ++op) whole_step(op);

  // PADs folded into the convolution that reads them (per patch: the convolution reads the
  // PAD input's window, which the PAD's receptive field already gives).
  std::vector<int> fused_into(nops, -1);  // consumer op -> folded PAD op
  std::vector<bool> folded(nops, false);
  if (cfg.fold_pads)
    for (int op : sp.stage_ops) {
      if (g.ops[op].type != OpType::kPad || is_cut[g.ops[op].outputs[0]]) continue;
      const std::vector<int> readers = g.consumers(g.ops[op].outputs[0]);
      if (readers.size() != 1 || !CanFoldPad(g, op, readers[0])) continue;
      folded[op] = true;
      fused_into[readers[0]] = op;
    }

  std::vector<Buffer> per_patch;  // appended after the whole buffers
  for (const PatchWindows& pw : patches) {
    std::vector<int> local(nt, -1);  // this patch's per-patch buffer of each tensor
    for (int op : sp.stage_ops) {
      if (folded[op]) continue;
      const Operator& o = g.ops[op];
      const Window win = pw.tensor[o.outputs[0]];
      if (win.empty()) continue;
      Step s;
      s.op = op;
      s.window = win;
      s.fused_pad = fused_into[op];
      for (int i = 0; i < static_cast<int>(o.inputs.size()); ++i) {
        int t = o.inputs[i];
        if (!g.is_activation(t)) continue;
        if (i == 0 && s.fused_pad >= 0) t = g.ops[s.fused_pad].inputs[0];
        const int b = whole[t] >= 0 ? whole[t] : local[t];
        if (b < 0)
          throw Error("internal: patch (" + std::to_string(pw.row) + "," + std::to_string(pw.col) + ") " +
                      OpLabel(g, op) + " reads " + TensorLabel(g, t) + " which this patch did not compute");
        s.inputs.push_back(b);
      }
      for (int t : o.outputs) {
        if (whole[t] >= 0) {
          s.outputs.push_back(whole[t]);
          continue;
        }
        Buffer b;
        b.name = TensorBufferName(g, t) + "@p" + std::to_string(pw.row) + "_" + std::to_string(pw.col);
        b.tensor = t;
        b.window = pw.tensor[t];
        b.bytes = WindowBytes(g, t, b.window);
        local[t] = num_whole + static_cast<int>(per_patch.size());
        per_patch.push_back(std::move(b));
        s.outputs.push_back(local[t]);
      }
      plan.steps.push_back(std::move(s));
    }
  }
  for (Buffer& b : per_patch) plan.buffers.push_back(std::move(b));

  for (int op = sp.last_op + 1; op < nops; ++op) whole_step(op);

  // Precise live intervals.
  const int nsteps = static_cast<int>(plan.steps.size());
  std::vector<int> first(plan.buffers.size(), -1), last(plan.buffers.size(), -1);
  auto touch = [&](int b, int i) {
    if (first[b] < 0) first[b] = i;
    last[b] = std::max(last[b], i);
  };
  for (int t : g.inputs) touch(whole[t], 0);
  for (int i = 0; i < nsteps; ++i) {
    const Step& s = plan.steps[i];
    for (int b : s.outputs) touch(b, i);
    for (int b : s.inputs) touch(b, i);
    if (s.scratch >= 0) touch(s.scratch, i);
  }
  for (int t : g.outputs) touch(whole[t], nsteps - 1);
  for (size_t b = 0; b < plan.buffers.size(); ++b) {
    plan.buffers[b].first = std::max(first[b], 0);
    plan.buffers[b].last = std::max(last[b], plan.buffers[b].first);
  }
  for (int t : g.inputs) plan.input_buffers.push_back(whole[t]);
  for (int t : g.outputs) plan.output_buffers.push_back(whole[t]);
  return plan;
}

PatchCost EstimatePatchCost(const Graph& g, const PatchConfig& cfg) {
  const SplitPoint sp = ResolveSplit(g, cfg);
  const std::vector<PatchWindows> patches = ComputePatchWindows(g, sp, cfg.rows, cfg.cols);
  PatchCost c;
  c.graph_macs = GraphMacs(g);
  for (int op : sp.stage_ops) c.stage_macs += OpMacs(g, op);
  for (const PatchWindows& pw : patches) {
    for (int op : sp.stage_ops) c.patch_stage_macs += WindowMacs(g, op, pw.tensor[g.ops[op].outputs[0]]);
    for (int t : sp.stage_inputs) {
      const Window& w = pw.tensor[t];
      c.max_input_patch_h = std::max(c.max_input_patch_h, w.h());
      c.max_input_patch_w = std::max(c.max_input_patch_w, w.w());
    }
  }
  c.plan_macs = c.graph_macs - c.stage_macs + c.patch_stage_macs;

  // Unclipped receptive field of the largest grid cell.
  const int nt = static_cast<int>(g.tensors.size());
  std::vector<int64_t> rh(nt, 0), rw(nt, 0);
  for (int t : sp.cut_tensors) {
    const Shape4 s = AsNHWC(g.tensors[t].shape);
    rh[t] = (s.h + cfg.rows - 1) / cfg.rows;
    rw[t] = (s.w + cfg.cols - 1) / cfg.cols;
  }
  for (auto it = sp.stage_ops.rbegin(); it != sp.stage_ops.rend(); ++it) {
    const Operator& o = g.ops[*it];
    int64_t h = 0, w = 0;
    for (int t : o.outputs) h = std::max(h, rh[t]), w = std::max(w, rw[t]);
    if (h == 0 || w == 0) continue;
    int64_t kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1;
    if (o.type == OpType::kConv2D || o.type == OpType::kDepthwiseConv2D) {
      const std::vector<int32_t>& f = g.tensors[o.inputs[operand::kFilter]].shape;
      kh = f[1], kw = f[2];
      if (o.type == OpType::kConv2D) {
        const auto& p = o.opts<Conv2DOptions>();
        sh = p.stride_h, sw = p.stride_w, dh = p.dilation_h, dw = p.dilation_w;
      } else {
        const auto& p = o.opts<DepthwiseConv2DOptions>();
        sh = p.stride_h, sw = p.stride_w, dh = p.dilation_h, dw = p.dilation_w;
      }
    } else if (o.type == OpType::kAveragePool2D || o.type == OpType::kMaxPool2D) {
      const auto& p = o.opts<Pool2DOptions>();
      kh = p.filter_h, kw = p.filter_w, sh = p.stride_h, sw = p.stride_w;
    }
    const int64_t ih = (h - 1) * sh + (kh - 1) * dh + 1, iw = (w - 1) * sw + (kw - 1) * dw + 1;
    for (int t : o.inputs)
      if (g.is_activation(t)) rh[t] = std::max(rh[t], ih), rw[t] = std::max(rw[t], iw);
  }
  for (int t : sp.stage_inputs) {
    c.patch_rf_h = std::max<int32_t>(c.patch_rf_h, static_cast<int32_t>(std::min<int64_t>(rh[t], INT32_MAX)));
    c.patch_rf_w = std::max<int32_t>(c.patch_rf_w, static_cast<int32_t>(std::min<int64_t>(rw[t], INT32_MAX)));
  }
  return c;
}

PatchConfig ParsePatchSpec(const std::string& spec) {
  auto fail = [&]() -> PatchConfig {
    throw Error("--patch '" + spec + "': expected SPLIT:ROWSxCOLS (e.g. 12:4x4, SPLIT = the operator after "
                "which the patch stage ends) or SPLIT:N for an NxN grid");
  };
  auto num = [&](const char* b, const char* e, int* v) {
    if (b == e) return false;
    auto [p, ec] = std::from_chars(b, e, *v);
    return ec == std::errc() && p == e && *v >= 0 && *v <= 1 << 20;
  };
  const size_t colon = spec.find(':');
  if (colon == std::string::npos) return fail();
  PatchConfig c;
  const char* s = spec.data();
  if (!num(s, s + colon, &c.split_op)) return fail();
  const std::string grid = spec.substr(colon + 1);
  const size_t x = grid.find_first_of("xX");
  if (x == std::string::npos) {
    if (!num(grid.data(), grid.data() + grid.size(), &c.rows)) return fail();
    c.cols = c.rows;
  } else if (!num(grid.data(), grid.data() + x, &c.rows) ||
             !num(grid.data() + x + 1, grid.data() + grid.size(), &c.cols)) {
    return fail();
  }
  if (c.rows < 1 || c.cols < 1) return fail();
  return c;
}

}  // namespace tessera
