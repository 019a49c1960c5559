#include "report/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <string>

#include "analysis/macs.h"

namespace tessera {

std::string FormatKiB(int64_t bytes) { return fmt::format("{:.1f} KiB", static_cast<double>(bytes) / 1024.0); }

namespace {

std::string Thousands(int64_t v) {
  const std::string digits = std::to_string(v < 0 ? -v : v);
  std::string s = v < 0 ? "-" : "";
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) s += ',';
    s += digits[i];
  }
  return s;
}

std::string WinStr(const Window& w) { return fmt::format("[{},{})x[{},{})", w.y0, w.y1, w.x0, w.x1); }

// Shortens s to at most n characters, keeping its end (tensor names differ at the end).
std::string Clip(const std::string& s, size_t n) {
  if (s.size() <= n) return s;
  return "..." + s.substr(s.size() - (n - 3));
}

}  // namespace

PlanReport SummarizePlan(const Graph& g, const Plan& plan) {
  PlanReport r;
  r.model = g.name;
  r.strategy = plan.strategy;
  r.arena_bytes = plan.arena_bytes;
  r.state_bytes = plan.state_bytes;
  r.input_in_arena = plan.accounting.input_in_arena;
  r.num_buffers = static_cast<int>(plan.buffers.size());
  const int ns = static_cast<int>(plan.steps.size());
  const int nb = static_cast<int>(plan.buffers.size());
  const int nops = static_cast<int>(g.ops.size());

  // Live bytes per step by a difference array over the live intervals.
  std::vector<int64_t> dbytes(static_cast<size_t>(ns) + 1, 0);
  std::vector<int> dcount(static_cast<size_t>(ns) + 1, 0);
  for (int i = 0; i < nb; ++i) {
    const Buffer& b = plan.buffers[i];
    if (b.external) {
      r.external_bytes += b.bytes;
      continue;
    }
    if (b.first < 0 || b.last < b.first || b.last >= ns)
      throw Error(fmt::format("buffer {} ('{}'): live interval [{}, {}] outside the plan's {} steps", i, b.name,
                              b.first, b.last, ns));
    if (const std::string why = BandsError(b); !why.empty())
      throw Error(fmt::format("buffer {} ('{}'): {}", i, b.name, why));
    // Bytes owned per step (plan.h BufferBytesAt): each piece over its own interval.
    for (const BufferBand& piece : BufferPieces(b)) {
      dbytes[piece.first] += piece.end - piece.begin;
      dbytes[piece.last + 1] -= piece.end - piece.begin;
    }
    dcount[b.first] += 1;
    dcount[b.last + 1] -= 1;
  }
  int64_t live = 0;
  int count = 0;
  for (int s = 0; s < ns; ++s) {
    const Step& st = plan.steps[s];
    live += dbytes[s];
    count += dcount[s];
    StepReport sr;
    sr.step = s;
    sr.window = st.window;
    sr.live_bytes = live;
    sr.live_buffers = count;
    for (int b : st.outputs)
      if (b < 0 || b >= nb) throw Error(fmt::format("step {}: output buffer {} out of range", s, b));
    if (st.kind == StepKind::kCopy) {
      sr.kind = "COPY";
      if (!st.outputs.empty()) sr.tensor = plan.buffers[st.outputs[0]].tensor;
    } else {
      if (st.op < 0 || st.op >= nops) throw Error(fmt::format("step {}: operator {} out of range", s, st.op));
      const Operator& op = g.ops[st.op];
      sr.kind = OpTypeName(op.type);
      sr.op = st.op;
      if (!op.outputs.empty()) sr.tensor = op.outputs[0];
      sr.macs = WindowMacs(g, st.op, st.window);
    }
    if (sr.tensor >= 0 && sr.tensor < static_cast<int>(g.tensors.size())) sr.output = g.tensors[sr.tensor].name;
    r.macs += sr.macs;
    if (sr.live_bytes > r.lower_bound_bytes || r.peak_step < 0) {
      r.lower_bound_bytes = sr.live_bytes;
      r.peak_step = s;
    }
    r.steps.push_back(std::move(sr));
  }
  r.layer_macs = GraphMacs(g);
  return r;
}

std::string StepTable(const Graph& g, const Plan& plan) {
  const PlanReport r = SummarizePlan(g, plan);
  std::string o;
  o += fmt::format("model {} | strategy {} | {} steps | {} buffers\n", r.model, r.strategy, r.steps.size(),
                   r.num_buffers);
  o += fmt::format("arena {} B ({}), model input {}\n", Thousands(r.arena_bytes), FormatKiB(r.arena_bytes),
                   r.input_in_arena ? "counted in the arena"
                                    : fmt::format("streamed, not counted ({} B outside the arena)",
                                                  Thousands(r.external_bytes)));
  size_t name_w = 6;
  for (const StepReport& s : r.steps) name_w = std::max(name_w, std::min<size_t>(s.output.size(), 40));
  o += fmt::format("{:>5}  {:<23}  {:<{}}  {:<19}  {:>4}  {:>12}  {:>14}\n", "step", "operator", "output", name_w,
                   "window", "live", "live bytes", "MACs");
  for (const StepReport& s : r.steps) {
    o += fmt::format("{:>5}  {:<23}  {:<{}}  {:<19}  {:>4}  {:>12}  {:>14}{}\n", s.step, s.kind, Clip(s.output, 40),
                     name_w, WinStr(s.window), s.live_buffers, Thousands(s.live_bytes), Thousands(s.macs),
                     s.step == r.peak_step ? "  <- peak" : "");
  }
  const double over = r.layer_macs > 0 ? 100.0 * (static_cast<double>(r.macs) / static_cast<double>(r.layer_macs) - 1.0) : 0.0;
  o += fmt::format("arena        {:>14} B  ({}){}\n", Thousands(r.arena_bytes), FormatKiB(r.arena_bytes),
                   plan.regions.empty() ? "" : ", all memory regions together");
  for (size_t k = 0; k < plan.regions.size(); ++k)
    o += fmt::format("  region {:<10} {:>8} B of {:>8} B ({} of {}{})\n", plan.regions[k].name,
                     Thousands(RegionArenaBytes(plan, static_cast<int>(k))), Thousands(plan.regions[k].bytes),
                     FormatKiB(RegionArenaBytes(plan, static_cast<int>(k))), FormatKiB(plan.regions[k].bytes),
                     plan.regions[k].fast ? ", fast" : "");
  if (r.state_bytes > 0) {
    o += fmt::format("state        {:>14} B  ({}; own region, kept across invokes)\n", Thousands(r.state_bytes),
                     FormatKiB(r.state_bytes));
    o += fmt::format("arena+state  {:>14} B  ({})\n", Thousands(r.arena_bytes + r.state_bytes),
                     FormatKiB(r.arena_bytes + r.state_bytes));
  }
  o += fmt::format("lower bound  {:>14} B  ({}; most bytes live at one step, step {}: the least arena without "
                   "overlapping buffers)\n",
                   Thousands(r.lower_bound_bytes), FormatKiB(r.lower_bound_bytes), r.peak_step);
  o += fmt::format("MACs         {:>14}    (layer by layer {}, {:+.1f}%)\n", Thousands(r.macs), Thousands(r.layer_macs),
                   over);
  return o;
}

nlohmann::json PlanReportJson(const Graph& g, const Plan& plan) {
  using nlohmann::json;
  const PlanReport r = SummarizePlan(g, plan);
  json j;
  j["model"] = r.model;
  j["strategy"] = r.strategy;
  j["arena_bytes"] = r.arena_bytes;
  j["state_bytes"] = r.state_bytes;
  j["total_bytes"] = r.arena_bytes + r.state_bytes;
  j["lower_bound_bytes"] = r.lower_bound_bytes;
  j["peak_step"] = r.peak_step;
  j["accounting"] = {{"input_in_arena", r.input_in_arena}, {"external_bytes", r.external_bytes}};
  if (!plan.regions.empty()) {
    json regions = json::array();
    for (size_t k = 0; k < plan.regions.size(); ++k)
      regions.push_back({{"name", plan.regions[k].name},
                         {"bytes", plan.regions[k].bytes},
                         {"used_bytes", RegionArenaBytes(plan, static_cast<int>(k))},
                         {"fast", plan.regions[k].fast}});
    j["regions"] = std::move(regions);
  }
  j["macs"] = r.macs;
  j["layer_by_layer_macs"] = r.layer_macs;
  json steps = json::array();
  for (const StepReport& s : r.steps) {
    json e;
    e["step"] = s.step;
    e["kind"] = s.kind;
    e["op"] = s.op;
    e["output_tensor"] = s.tensor;
    e["output"] = s.output;
    e["window"] = {s.window.y0, s.window.y1, s.window.x0, s.window.x1};
    e["live_buffers"] = s.live_buffers;
    e["live_bytes"] = s.live_bytes;
    e["macs"] = s.macs;
    steps.push_back(std::move(e));
  }
  j["steps"] = std::move(steps);
  json bufs = json::array();
  for (size_t i = 0; i < plan.buffers.size(); ++i) {
    const Buffer& b = plan.buffers[i];
    json e;
    e["buffer"] = i;
    e["name"] = b.name;
    e["tensor"] = b.tensor == kNoTensor ? json(nullptr) : json(b.tensor);
    e["window"] = {b.window.y0, b.window.y1, b.window.x0, b.window.x1};
    e["offset"] = b.offset;
    if (!plan.regions.empty()) e["region"] = RegionName(plan, b.region);
    e["bytes"] = b.bytes;
    e["live"] = {b.first, b.last};
    e["external"] = b.external;
    if (!b.bands.empty()) {
      json bands = json::array();
      for (const BufferBand& band : b.bands) bands.push_back({band.begin, band.end, band.first, band.last});
      e["bands"] = std::move(bands);
    }
    bufs.push_back(std::move(e));
  }
  j["buffers"] = std::move(bufs);
  return j;
}

}  // namespace tessera
