#include "exec/executor.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "ops/ops.h"
#include "ops/unit.h"

namespace tessera {
namespace {

#ifdef TESSERA_SANITIZE
constexpr int64_t kGuardBytes = 64;
#else
constexpr int64_t kGuardBytes = 0;
#endif
constexpr uint8_t kGuardByte = 0xCD;
// Largest arena or external region the executor allocates (a plan asking for more is bad input).
constexpr int64_t kMaxRegionBytes = int64_t{1} << 30;

std::string WinStr(const Window& w) {
  return "[" + std::to_string(w.y0) + "," + std::to_string(w.y1) + ")x[" + std::to_string(w.x0) + "," +
         std::to_string(w.x1) + ")";
}

std::string BufStr(const Plan& p, int b) {
  return "buffer " + std::to_string(b) + " ('" + p.buffers[b].name + "')";
}

std::string StepStr(const Graph& g, const Plan& p, int s) {
  const Step& st = p.steps[s];
  std::string r = "step " + std::to_string(s);
  if (st.kind == StepKind::kCopy) return r + " (copy)";
  if (st.op >= 0 && st.op < static_cast<int>(g.ops.size()))
    r += " (operator " + std::to_string(st.op) + " " + OpTypeName(g.ops[st.op].type) + ")";
  return r;
}

bool IsPadFusable(OpType t) {
  return t == OpType::kConv2D || t == OpType::kDepthwiseConv2D || t == OpType::kAveragePool2D ||
         t == OpType::kMaxPool2D;
}

// Bytes per pixel (all channels) of tensor t.
int64_t PixelBytes(const Graph& g, int t) {
  const Shape4 s = AsNHWC(g.tensors[t].shape);
  return static_cast<int64_t>(s.c) * s.n * DTypeSize(g.tensors[t].type);
}

}  // namespace

struct Executor::Prepared {
  ops::PreparedOp op;
  int64_t scratch_bytes = 0;
};

// Views of one step's buffers, built once the arena exists.
struct Executor::StepViews {
  std::vector<ops::ConstView> inputs;
  std::vector<ops::MutView> outputs;
  std::vector<ops::MutView> state;
  uint8_t* scratch = nullptr;
  uint8_t* workspace = nullptr;
};

Executor::Executor(const Graph& g, const Plan& plan) : g_(g), plan_(plan) {
  const int nb = static_cast<int>(plan_.buffers.size());
  const int ns = static_cast<int>(plan_.steps.size());
  const int nt = static_cast<int>(g_.tensors.size());
  if (plan_.arena_bytes < 0 || plan_.arena_bytes > kMaxRegionBytes)
    throw Error("plan: arena_bytes " + std::to_string(plan_.arena_bytes) + " is negative or larger than " +
                std::to_string(kMaxRegionBytes));

  // Memory regions: one arena each (plan.h MemoryRegion); none: the one arena.
  const int nr = NumRegions(plan_);
  if (!plan_.regions.empty()) {
    if (plan_.region_bytes.size() != plan_.regions.size())
      throw Error("plan: " + std::to_string(plan_.regions.size()) + " memory regions but " +
                  std::to_string(plan_.region_bytes.size()) + " region sizes");
    for (int r = 0; r < nr; ++r)
      if (plan_.region_bytes[r] < 0 || plan_.region_bytes[r] > kMaxRegionBytes ||
          plan_.region_bytes[r] > plan_.regions[r].bytes)
        throw Error("plan: region '" + plan_.regions[r].name + "' uses " + std::to_string(plan_.region_bytes[r]) +
                    " bytes: negative, more than it holds (" + std::to_string(plan_.regions[r].bytes) +
                    ") or larger than " + std::to_string(kMaxRegionBytes));
  }

  // Buffers: inside their region, windows inside their tensors, sizes large enough.
  for (int b = 0; b < nb; ++b) {
    const Buffer& buf = plan_.buffers[b];
    if (buf.bytes < 0 || buf.offset < 0 || buf.bytes > kMaxRegionBytes || buf.offset > kMaxRegionBytes)
      throw Error("plan: " + BufStr(plan_, b) + " has a negative or oversized size or offset");
    if (buf.tensor != kNoTensor) {
      if (buf.tensor < 0 || buf.tensor >= nt || !g_.is_activation(buf.tensor))
        throw Error("plan: " + BufStr(plan_, b) + " names tensor " + std::to_string(buf.tensor) +
                    ", which is not an activation tensor of the graph");
      const Window full = FullWindow(g_, buf.tensor);
      if (buf.window.empty() || !full.contains(buf.window))
        throw Error("plan: " + BufStr(plan_, b) + " window " + WinStr(buf.window) + " is empty or outside tensor '" +
                    g_.tensors[buf.tensor].name + "' " + WinStr(full));
      const int64_t need = WindowBytes(g_, buf.tensor, buf.window);
      if (buf.bytes < need)
        throw Error("plan: " + BufStr(plan_, b) + " has " + std::to_string(buf.bytes) + " bytes, its window needs " +
                    std::to_string(need));
    }
    if (buf.external) {
      external_bytes_ = std::max(external_bytes_, buf.offset + buf.bytes);
    } else if (buf.region < 0 || buf.region >= nr) {
      throw Error("plan: " + BufStr(plan_, b) + " is in region " + std::to_string(buf.region) + ", but the plan has " +
                  std::to_string(nr));
    } else if (buf.offset + buf.bytes > RegionArenaBytes(plan_, buf.region)) {
      throw Error("plan: " + BufStr(plan_, b) + " [" + std::to_string(buf.offset) + ", " +
                  std::to_string(buf.offset + buf.bytes) + ") lies outside the arena of " +
                  std::to_string(RegionArenaBytes(plan_, buf.region)) + " bytes (" + RegionName(plan_, buf.region) +
                  ")");
    }
  }
  if (external_bytes_ > kMaxRegionBytes)
    throw Error("plan: the external buffers span " + std::to_string(external_bytes_) + " bytes, more than " +
                std::to_string(kMaxRegionBytes));
  // State: one slot per state tensor of the graph, inside the state region.
  if (plan_.state_bytes < 0 || plan_.state_bytes > kMaxRegionBytes)
    throw Error("plan: state_bytes " + std::to_string(plan_.state_bytes) + " is negative or larger than " +
                std::to_string(kMaxRegionBytes));
  for (int t : g_.state_tensors())
    if (!FindStateSlot(plan_, t))
      throw Error("plan: state tensor " + std::to_string(t) + " ('" + g_.tensors[t].name + "') has no state slot");
  for (const StateSlot& sl : plan_.state) {
    if (!g_.is_state(sl.tensor))
      throw Error("plan: state slot of tensor " + std::to_string(sl.tensor) + ", which is not a state tensor");
    if (sl.bytes != g_.tensors[sl.tensor].num_bytes() || sl.offset < 0 || sl.offset > plan_.state_bytes - sl.bytes)
      throw Error("plan: state slot of tensor " + std::to_string(sl.tensor) + " [" + std::to_string(sl.offset) + ", " +
                  std::to_string(sl.offset + sl.bytes) + ") does not fit the tensor or the state region of " +
                  std::to_string(plan_.state_bytes) + " bytes");
  }
  auto check_buf = [&](int b, int s, const char* what) {
    if (b < 0 || b >= nb)
      throw Error("plan: " + StepStr(g_, plan_, s) + ": " + what + " buffer index " + std::to_string(b) + " out of range");
    const Buffer& buf = plan_.buffers[b];
    if (s < buf.first || s > buf.last)
      throw Error("plan: " + StepStr(g_, plan_, s) + " uses " + BufStr(plan_, b) + " outside its live interval [" +
                  std::to_string(buf.first) + ", " + std::to_string(buf.last) + "]");
  };

  // Graph inputs and outputs.
  if (plan_.input_buffers.size() != g_.inputs.size())
    throw Error("plan: " + std::to_string(plan_.input_buffers.size()) + " input buffers for a graph with " +
                std::to_string(g_.inputs.size()) + " inputs");
  if (plan_.output_buffers.size() != g_.outputs.size())
    throw Error("plan: " + std::to_string(plan_.output_buffers.size()) + " output buffers for a graph with " +
                std::to_string(g_.outputs.size()) + " outputs");
  for (size_t i = 0; i < g_.inputs.size(); ++i) {
    const int b = plan_.input_buffers[i];
    if (b < 0 || b >= nb || plan_.buffers[b].tensor != g_.inputs[i])
      throw Error("plan: input buffer " + std::to_string(b) + " does not hold graph input " + std::to_string(i));
    if (plan_.buffers[b].first != 0)
      throw Error("plan: input " + BufStr(plan_, b) + " must be live from step 0");
  }
  for (size_t i = 0; i < g_.outputs.size(); ++i) {
    const int b = plan_.output_buffers[i];
    if (b < 0 || b >= nb || plan_.buffers[b].tensor != g_.outputs[i])
      throw Error("plan: output buffer " + std::to_string(b) + " does not hold graph output " + std::to_string(i));
    if (plan_.buffers[b].window != FullWindow(g_, g_.outputs[i]))
      throw Error("plan: output " + BufStr(plan_, b) + " does not hold the whole output tensor");
    if (ns > 0 && plan_.buffers[b].last != ns - 1)
      throw Error("plan: output " + BufStr(plan_, b) + " must be live until the last step");
  }

  // Steps.
  step_prepared_.assign(ns, -1);
  int64_t max_copy = 0;
  for (int s = 0; s < ns; ++s) {
    const Step& st = plan_.steps[s];
    // The kernel workspace: word-aligned arena bytes (the checker proves no live buffer shares
    // them); only operator steps with a kernel that has one take it.
    const Step::Workspace& ws = st.workspace;
    if (ws.bytes < 0 || ws.offset < 0 || ws.bytes > kMaxRegionBytes || ws.offset > kMaxRegionBytes)
      throw Error("plan: " + StepStr(g_, plan_, s) + ": workspace has a negative or oversized size or offset");
    if (ws.bytes > 0 && (ws.region < 0 || ws.region >= nr))
      throw Error("plan: " + StepStr(g_, plan_, s) + ": workspace in region " + std::to_string(ws.region) +
                  ", but the plan has " + std::to_string(nr));
    if (ws.bytes > 0 && (ws.offset % 4 != 0 || ws.offset + ws.bytes > RegionArenaBytes(plan_, ws.region)))
      throw Error("plan: " + StepStr(g_, plan_, s) + ": workspace [" + std::to_string(ws.offset) + ", " +
                  std::to_string(ws.offset + ws.bytes) + ") is not word-aligned inside the arena of " +
                  std::to_string(RegionArenaBytes(plan_, ws.region)) + " bytes (" + RegionName(plan_, ws.region) + ")");
    if (st.kind == StepKind::kCopy) {
      if (ws.bytes > 0) throw Error("plan: " + StepStr(g_, plan_, s) + ": a copy step takes no workspace");
      if (st.inputs.size() != 1 || st.outputs.size() != 1)
        throw Error("plan: " + StepStr(g_, plan_, s) + " must have one source and one destination buffer");
      check_buf(st.inputs[0], s, "source");
      check_buf(st.outputs[0], s, "destination");
      const Buffer& src = plan_.buffers[st.inputs[0]];
      const Buffer& dst = plan_.buffers[st.outputs[0]];
      if (src.tensor == kNoTensor || src.tensor != dst.tensor)
        throw Error("plan: " + StepStr(g_, plan_, s) + " copies between buffers of different tensors");
      if (st.window.empty() || !src.window.contains(st.window) || !dst.window.contains(st.window))
        throw Error("plan: " + StepStr(g_, plan_, s) + " window " + WinStr(st.window) +
                    " is empty or not held by both buffers");
      max_copy = std::max(max_copy, WindowBytes(g_, src.tensor, st.window));
      continue;
    }
    if (st.op < 0 || st.op >= static_cast<int>(g_.ops.size()))
      throw Error("plan: step " + std::to_string(s) + " runs operator " + std::to_string(st.op) + ", out of range");
    const Operator& op = g_.ops[st.op];
    const std::string where = "plan: " + StepStr(g_, plan_, s);
    if (st.outputs.size() != op.outputs.size())
      throw Error(where + " has " + std::to_string(st.outputs.size()) + " output buffers, the operator has " +
                  std::to_string(op.outputs.size()) + " outputs");
    if (op.outputs.empty()) throw Error(where + ": the operator has no output");
    const Window out_full = FullWindow(g_, op.outputs[0]);
    if (st.window.empty() || !out_full.contains(st.window))
      throw Error(where + " window " + WinStr(st.window) + " is empty or outside its output " + WinStr(out_full));
    for (size_t k = 0; k < op.outputs.size(); ++k) {
      check_buf(st.outputs[k], s, "output");
      const Buffer& ob = plan_.buffers[st.outputs[k]];
      if (ob.tensor != op.outputs[k])
        throw Error(where + ": output " + BufStr(plan_, st.outputs[k]) + " does not hold tensor '" +
                    g_.tensors[op.outputs[k]].name + "'");
      if (!ob.window.contains(st.window))
        throw Error(where + ": output " + BufStr(plan_, st.outputs[k]) + " window " + WinStr(ob.window) +
                    " does not contain the step window " + WinStr(st.window));
    }
    // Fused PAD.
    if (st.fused_pad >= 0) {
      if (st.fused_pad >= static_cast<int>(g_.ops.size()) || g_.ops[st.fused_pad].type != OpType::kPad ||
          !IsPadFusable(op.type) || op.inputs.empty() || g_.ops[st.fused_pad].outputs.empty() ||
          g_.ops[st.fused_pad].outputs[0] != op.inputs[0])
        throw Error(where + ": fused_pad " + std::to_string(st.fused_pad) +
                    " is not a PAD operator producing this convolution/pool's input");
    }
    for (int b : st.inputs) check_buf(b, s, "input");
    if (st.scratch >= 0) {
      check_buf(st.scratch, s, "scratch");
      if (plan_.buffers[st.scratch].tensor != kNoTensor)
        throw Error(where + ": scratch " + BufStr(plan_, st.scratch) + " holds a tensor");
    } else if (st.scratch != -1) {
      throw Error(where + ": scratch buffer index " + std::to_string(st.scratch) + " out of range");
    }
    if (ops::Unit(op.type).View()) {  // run by the executor itself: a byte copy
      const std::string what = OpTypeName(op.type);
      if (st.fused_pad >= 0 || st.scratch >= 0 || ws.bytes > 0)
        throw Error(where + ": a " + what + " step takes no fused PAD, scratch or workspace");
      if (op.inputs.empty() || !g_.is_activation(op.inputs[0]) ||
          g_.tensors[op.inputs[0]].num_bytes() != g_.tensors[op.outputs[0]].num_bytes())
        throw Error(where + ": " + what + " input and output sizes differ");
      continue;
    }
    // Prepare each (operator, fused pad) once.
    int found = -1;
    for (int p = 0; p < s && found < 0; ++p)
      if (step_prepared_[p] >= 0 && plan_.steps[p].op == st.op && plan_.steps[p].fused_pad == st.fused_pad)
        found = step_prepared_[p];
    if (found < 0) {
      auto pr = std::make_unique<Prepared>();
      pr->op = ops::PrepareOp(g_, st.op, st.fused_pad);
      pr->scratch_bytes = ops::ScratchBytes(pr->op);
      found = static_cast<int>(prepared_.size());
      prepared_.push_back(std::move(pr));
    }
    step_prepared_[s] = found;
    const ops::PreparedOp& p = prepared_[found]->op;
    if (p.kind == ops::Kind::kWhole && st.window != out_full)
      throw Error(where + " computes a partial window " + WinStr(st.window) + " of an operator that only runs whole");
    // Inputs: one buffer per activation the operator reads (a fused PAD's input first).
    if (st.inputs.size() != p.inputs.size())
      throw Error(where + " has " + std::to_string(st.inputs.size()) + " input buffers, the operator reads " +
                  std::to_string(p.inputs.size()) + " activation tensors");
    for (size_t k = 0; k < p.inputs.size(); ++k) {
      const int b = st.inputs[k];
      const int t = p.inputs[k];
      const Buffer& ib = plan_.buffers[b];
      if (ib.tensor != t)
        throw Error(where + ": input " + BufStr(plan_, b) + " does not hold tensor '" + g_.tensors[t].name + "'");
      const Window need = ops::RequiredInputWindow(p, static_cast<int>(k), st.window);
      if (!need.empty() && !ib.window.contains(need))
        throw Error(where + ": input " + BufStr(plan_, b) + " holds " + WinStr(ib.window) + " but the step needs " +
                    WinStr(need) + " of '" + g_.tensors[t].name + "'");
    }
    // A scratch buffer is optional (the kernel's scratch path); when given it must be large
    // enough, and it is only handed over when the kernel has such a path.
    if (st.scratch >= 0 && plan_.buffers[st.scratch].bytes < prepared_[found]->scratch_bytes)
      throw Error(where + " needs " + std::to_string(prepared_[found]->scratch_bytes) +
                  " bytes of scratch, the plan gives " + std::to_string(plan_.buffers[st.scratch].bytes));
    // A workspace is optional too (without one the kernel uses its stack); when given it must
    // hold what the kernel needs over this window.
    const int64_t ws_need = ops::WorkspaceBytes(p, st.window);
    if (ws.bytes > 0 && ws.bytes < ws_need)
      throw Error(where + " needs " + std::to_string(ws_need) + " bytes of workspace, the plan gives " +
                  std::to_string(ws.bytes));
  }

  arenas_.resize(static_cast<size_t>(nr));
  for (int r = 0; r < nr; ++r) {
    std::vector<uint8_t>& a = arenas_[r];
    a.assign(static_cast<size_t>(RegionArenaBytes(plan_, r) + 2 * kGuardBytes), 0);
    if (kGuardBytes > 0) {
      std::fill(a.begin(), a.begin() + kGuardBytes, kGuardByte);
      std::fill(a.end() - kGuardBytes, a.end(), kGuardByte);
    }
  }
  external_.assign(static_cast<size_t>(external_bytes_ + 2 * kGuardBytes), 0);
  if (kGuardBytes > 0) {
    std::fill(external_.begin(), external_.begin() + kGuardBytes, kGuardByte);
    std::fill(external_.end() - kGuardBytes, external_.end(), kGuardByte);
  }
  state_.assign(static_cast<size_t>(plan_.state_bytes + 2 * kGuardBytes), 0);
  if (kGuardBytes > 0) {
    std::fill(state_.begin(), state_.begin() + kGuardBytes, kGuardByte);
    std::fill(state_.end() - kGuardBytes, state_.end(), kGuardByte);
  }
  ResetState();
  copy_tmp_.assign(static_cast<size_t>(max_copy), 0);
  input_set_.assign(g_.inputs.size(), false);

  // The views every operator step hands to the kernels, built once.
  views_.resize(ns);
  for (int s = 0; s < ns; ++s) {
    const Step& st = plan_.steps[s];
    if (step_prepared_[s] < 0) continue;
    StepViews& v = views_[s];
    for (int b : st.inputs) v.inputs.push_back(ops::ConstView{Data(b), plan_.buffers[b].window});
    for (int b : st.outputs) v.outputs.push_back(ops::MutView{Data(b), plan_.buffers[b].window});
    if (st.scratch >= 0 && prepared_[step_prepared_[s]]->scratch_bytes > 0) v.scratch = Data(st.scratch);
    for (int t : prepared_[step_prepared_[s]]->op.state)
      v.state.push_back(ops::MutView{state_.data() + kGuardBytes + FindStateSlot(plan_, t)->offset, FullWindow(g_, t)});
    if (st.workspace.bytes > 0 && ops::WorkspaceBytes(prepared_[step_prepared_[s]]->op, st.window) > 0)
      v.workspace = arenas_[st.workspace.region].data() + kGuardBytes + st.workspace.offset;
  }
}

void Executor::ResetState() {
  for (const StateSlot& sl : plan_.state) {
    const std::vector<uint8_t>& init = g_.tensors[sl.tensor].data;
    std::memcpy(state_.data() + kGuardBytes + sl.offset, init.data(), static_cast<size_t>(sl.bytes));
  }
}

std::vector<uint8_t> Executor::State(int tensor) const {
  const StateSlot* sl = FindStateSlot(plan_, tensor);
  if (!sl) throw Error("State: tensor " + std::to_string(tensor) + " is not a state tensor of the plan");
  const uint8_t* p = state_.data() + kGuardBytes + sl->offset;
  return std::vector<uint8_t>(p, p + sl->bytes);
}

Executor::~Executor() = default;

uint8_t* Executor::Data(int b) {
  const Buffer& buf = plan_.buffers[b];
  return (buf.external ? external_.data() : arenas_[buf.region].data()) + kGuardBytes + buf.offset;
}

const uint8_t* Executor::BufferData(int b) const {
  if (b < 0 || b >= static_cast<int>(plan_.buffers.size()))
    throw Error("BufferData: buffer index " + std::to_string(b) + " out of range");
  return const_cast<Executor*>(this)->Data(b);
}

std::vector<uint8_t> Executor::ReadWindow(int b, const Window& w) const {
  const uint8_t* base = BufferData(b);
  const Buffer& buf = plan_.buffers[b];
  if (buf.tensor == kNoTensor || w.empty() || !buf.window.contains(w))
    throw Error("ReadWindow: " + BufStr(plan_, b) + " does not hold window " + WinStr(w));
  const int64_t px = PixelBytes(g_, buf.tensor);
  std::vector<uint8_t> r(static_cast<size_t>(static_cast<int64_t>(w.h()) * w.w() * px));
  const int64_t row = w.w() * px;
  for (int32_t y = w.y0; y < w.y1; ++y)
    std::memcpy(r.data() + (y - w.y0) * row,
                base + ((static_cast<int64_t>(y - buf.window.y0) * buf.window.w()) + (w.x0 - buf.window.x0)) * px,
                static_cast<size_t>(row));
  return r;
}

void Executor::SetInput(int i, const uint8_t* data, size_t n) {
  if (i < 0 || i >= num_inputs())
    throw Error("SetInput: input " + std::to_string(i) + " out of range (model has " + std::to_string(num_inputs()) +
                " inputs)");
  const int t = g_.inputs[i];
  const Tensor& tensor = g_.tensors[t];
  if (static_cast<int64_t>(n) != tensor.num_bytes())
    throw Error("input " + std::to_string(i) + " ('" + tensor.name + "'): got " + std::to_string(n) +
                " bytes, expected " + std::to_string(tensor.num_bytes()) + " (" + DTypeName(tensor.type) + ")");
  const int b = plan_.input_buffers[i];
  const Buffer& buf = plan_.buffers[b];
  const Window full = FullWindow(g_, t);
  uint8_t* dst = Data(b);
  if (buf.window == full) {
    std::memcpy(dst, data, n);
  } else {  // the buffer holds part of the input: copy that window
    const int64_t px = PixelBytes(g_, t);
    const int64_t row = buf.window.w() * px;
    for (int32_t y = buf.window.y0; y < buf.window.y1; ++y)
      std::memcpy(dst + (y - buf.window.y0) * row,
                  data + (static_cast<int64_t>(y) * full.w() + buf.window.x0) * px, static_cast<size_t>(row));
  }
  input_set_[i] = true;
}

std::vector<uint8_t> Executor::Output(int i) const {
  if (i < 0 || i >= num_outputs())
    throw Error("Output: output " + std::to_string(i) + " out of range (model has " + std::to_string(num_outputs()) +
                " outputs)");
  const int b = plan_.output_buffers[i];
  const uint8_t* p = BufferData(b);
  return std::vector<uint8_t>(p, p + g_.tensors[g_.outputs[i]].num_bytes());
}

void Executor::CheckGuards(int s) const {
  if (kGuardBytes == 0) return;
  auto ok = [](const std::vector<uint8_t>& v) {
    for (int64_t k = 0; k < kGuardBytes; ++k)
      if (v[k] != kGuardByte || v[v.size() - 1 - k] != kGuardByte) return false;
    return true;
  };
  for (int r = 0; r < static_cast<int>(arenas_.size()); ++r)
    if (!ok(arenas_[r]))
      throw Error(StepStr(g_, plan_, s) + " wrote outside the arena" +
                  (plan_.regions.empty() ? std::string() : " of region '" + RegionName(plan_, r) + "'") +
                  " (guard bytes changed)");
  if (!ok(external_)) throw Error(StepStr(g_, plan_, s) + " wrote outside the external region (guard bytes changed)");
  if (!ok(state_)) throw Error(StepStr(g_, plan_, s) + " wrote outside the state region (guard bytes changed)");
}

void Executor::RunStep(int s) {
  const Step& st = plan_.steps[s];
  if (st.kind == StepKind::kCopy) {
    const int sb = st.inputs[0], db = st.outputs[0];
    const Buffer& src = plan_.buffers[sb];
    const Buffer& dst = plan_.buffers[db];
    const uint8_t* sp = Data(sb);
    uint8_t* dp = Data(db);
    if (sp == dp && src.window == dst.window) return;  // same bytes already
    const int64_t px = PixelBytes(g_, src.tensor);
    const Window& w = st.window;
    const int64_t row = w.w() * px;
    auto src_at = [&](int32_t y) {
      return sp + (static_cast<int64_t>(y - src.window.y0) * src.window.w() + (w.x0 - src.window.x0)) * px;
    };
    auto dst_at = [&](int32_t y) {
      return dp + (static_cast<int64_t>(y - dst.window.y0) * dst.window.w() + (w.x0 - dst.window.x0)) * px;
    };
    const bool same_region = SameMemory(src, dst);
    const bool overlap = same_region && src.offset < dst.offset + dst.bytes && dst.offset < src.offset + src.bytes;
    if (!overlap) {
      for (int32_t y = w.y0; y < w.y1; ++y) std::memcpy(dst_at(y), src_at(y), static_cast<size_t>(row));
    } else {  // memmove semantics: stage the whole window
      for (int32_t y = w.y0; y < w.y1; ++y) std::memcpy(copy_tmp_.data() + (y - w.y0) * row, src_at(y), static_cast<size_t>(row));
      for (int32_t y = w.y0; y < w.y1; ++y) std::memcpy(dst_at(y), copy_tmp_.data() + (y - w.y0) * row, static_cast<size_t>(row));
    }
    return;
  }
  const Operator& op = g_.ops[st.op];
  if (ops::Unit(op.type).View()) {  // an element copy of the whole tensor
    const uint8_t* in = Data(st.inputs[0]);
    uint8_t* out = Data(st.outputs[0]);
    if (in != out) std::memmove(out, in, static_cast<size_t>(g_.tensors[op.outputs[0]].num_bytes()));
    return;
  }
  const StepViews& v = views_[s];
  ops::RunOp(prepared_[step_prepared_[s]]->op, v.inputs, v.outputs, st.window, v.scratch, v.workspace, v.state);
}

void Executor::Invoke() {
  for (size_t i = 0; i < input_set_.size(); ++i)
    if (!input_set_[i])
      throw Error("Invoke: input " + std::to_string(i) + " was not set since the last invocation");
  for (int s = 0; s < static_cast<int>(plan_.steps.size()); ++s) {
    RunStep(s);
    CheckGuards(s);
    if (hook_) hook_(s, *this);
  }
  std::fill(input_set_.begin(), input_set_.end(), false);
}

std::vector<std::vector<uint8_t>> RunPlan(const Graph& g, const Plan& plan,
                                          const std::vector<std::vector<uint8_t>>& inputs, int invokes) {
  if (invokes < 1) throw Error("RunPlan: invokes must be at least 1, not " + std::to_string(invokes));
  Executor ex(g, plan);
  if (static_cast<int>(inputs.size()) != ex.num_inputs())
    throw Error("RunPlan: " + std::to_string(inputs.size()) + " inputs given, the model has " +
                std::to_string(ex.num_inputs()));
  for (int k = 0; k < invokes; ++k) {
    for (int i = 0; i < ex.num_inputs(); ++i) ex.SetInput(i, inputs[i]);
    ex.Invoke();
  }
  std::vector<std::vector<uint8_t>> out;
  for (int i = 0; i < ex.num_outputs(); ++i) out.push_back(ex.Output(i));
  return out;
}

}  // namespace tessera
