// tessera plan MODEL.tflite [--strategy S] [--stream-input] [--json FILE] [--svg FILE] [-o PLAN.json]
// Builds a plan with the chosen memory techniques, proves it with the checker (a plan the
// checker rejects is never printed or written: exit 1), and prints the per-step table and the
// totals: arena, lower bound, greedy baseline, saving, accounting.
// MODEL may also be `zoo:NAME` for a built-in model (see `tessera zoo`).
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/macs.h"
#include "checker/checker.h"
#include "codegen/kernel_stack.h"
#include "cli/command.h"
#include "cli/options.h"
#include "memory/regions.h"
#include "plan/plan_json.h"
#include "plan/strategy.h"
#include "report/report.h"
#include "report/svg.h"
#include "schedule/patch_plan.h"
#include "search/search.h"
#include "tflite/reader.h"
#include "zoo/zoo.h"

namespace tessera::cli {
namespace {

struct PlanArgs {
  std::string model, strategy = "best", json, svg, out;
  std::string patch;  // SPLIT:ROWSxCOLS: patch-based plan (schedule/patch_plan.h)
  // Automatic search (search/search.h): --sram, --max-overhead, --halo, --frontier-svg;
  // --stream SPEC builds one streamed schedule (schedule/stream.h) without searching.
  std::string sram, halo, frontier_svg, stream;
  std::string memory;  // --memory NAME:SIZE[:fast],...: search under memory regions (memory/regions.h)
  std::string cost = "macs";  // --cost: what --max-overhead bounds (search/search.h SearchCost)
  double max_overhead = -1;
  int wait_states = 0;  // --wait-states: flash wait states of --cost cycles' estimates
  int max_grid = 8;
  int beam = 2;
  bool stream_input = false, quiet = false;
  int64_t alignment = 16;
};

Graph LoadModel(const std::string& spec) {
  if (spec.rfind("zoo:", 0) == 0) return BuildZooModel(spec.substr(4));
  return ReadTflite(spec);
}

// The report's JSON (report/report.h) plus what the planner knows: its lower bound (which
// counts overlapping pairs as their union), the greedy baseline and the techniques used.
nlohmann::json SummaryJson(const Graph& g, const Plan& p, const PlanSummary& s, const CheckResult& c) {
  nlohmann::json j = PlanReportJson(g, p);
  j["planner"] = {{"strategy", s.strategy},
                  {"arena_bytes", p.arena_bytes},
                  {"state_bytes", p.state_bytes},
                  {"lower_bound_bytes", s.lower_bound},
                  {"greedy_bytes", s.greedy_bytes},
                  {"saving_bytes", s.greedy_bytes - p.arena_bytes},
                  {"input_in_arena", p.accounting.input_in_arena},
                  {"fused_pads", s.fused_pads},
                  {"view_aliases", s.view_aliases},
                  {"overlap_pairs", s.overlap_pairs},
                  {"placement",
                   {{"method", s.placement_method},
                    {"items", s.placement_items},
                    {"proved_optimal", s.proved_optimal},
                    {"search_nodes", s.search_nodes},
                    {"fell_back_to_greedy", s.fell_back_to_greedy}}}};
  j["checker"] = {{"ok", c.ok}, {"bytes_checked", c.bytes_checked}};
  return j;
}

// --patch: the patch schedule placed as --strategy says (mcunetv2, greedy, inplace, best).
Plan PatchPlanForCli(const Graph& g, const PlanArgs& a, PlanSummary* sum) {
  PatchPlanOptions po;
  po.patch = ParsePatchSpec(a.patch);
  ParsePatchStrategy(a.strategy, &po);
  po.input_in_arena = !a.stream_input;
  const Plan p = PlanPatches(g, po);
  PlanOptions greedy;
  greedy.input_in_arena = po.input_in_arena;
  sum->strategy = p.strategy + " " + a.patch;
  sum->greedy_bytes = MakePlan(g, greedy).arena_bytes;
  sum->lower_bound =
      PatchPlanLowerBound(g, p, po.placement == PatchPlacement::kInPlace, &sum->overlap_pairs);
  for (const Step& st : p.steps) sum->fused_pads += st.fused_pad >= 0;
  const PatchCost cost = EstimatePatchCost(g, po.patch);
  char text[160];
  std::snprintf(text, sizeof text, "%s; patch stage ends after operator %d, %dx%d patches, patch input %dx%d, MACs +%.1f%%",
                p.strategy.c_str(), po.patch.split_op, po.patch.rows, po.patch.cols, cost.max_input_patch_h,
                cost.max_input_patch_w, 100 * cost.overall_overhead());
  sum->placement_method = text;
  return p;
}

std::vector<HaloMode> HaloModes(const std::string& h) {
  if (h.empty() || h == "all") return {HaloMode::kRecompute, HaloMode::kCacheRows, HaloMode::kCache};
  return {ParseHaloMode(h)};
}

void PrintAccounting(bool input_in_arena) {
  std::printf("accounting       model input %s; kernel scratch and workspaces counted\n",
              input_in_arena ? "in the arena (counted)" : "streamed (not counted)");
}

// The kernel workspaces (plan.h Step::workspace): how many, the largest, and how many arena
// bytes lie above every buffer for them (0: all in bytes free at their step).
void PrintWorkspaces(const Plan& p) {
  int n = 0;
  int64_t largest = 0, buffers_end = 0;
  for (const Step& st : p.steps)
    if (st.workspace.bytes > 0) {
      ++n;
      largest = std::max(largest, st.workspace.bytes);
    }
  for (const Buffer& b : p.buffers)
    if (!b.external) buffers_end = std::max(buffers_end, b.offset + b.bytes);
  if (n == 0) {
    std::printf("workspaces       none (kernels keep their buffers on the stack: none needed, or they would grow "
                "the arena by more than the stack they save; memory/workspace.h)\n");
    return;
  }
  if (!p.regions.empty()) {
    std::printf("workspaces       %d steps, the largest %lld bytes (kernel buffers in the memory regions, not on the stack)\n",
                n, (long long)largest);
    return;
  }
  const int64_t above = std::max<int64_t>(0, p.arena_bytes - buffers_end);
  std::printf("workspaces       %d steps, the largest %lld bytes (kernel buffers in the arena, not on the stack); %s\n",
              n, (long long)largest,
              above == 0 ? "all in bytes free at their step"
                         : ("the arena extends " + std::to_string(above) + " bytes above its buffers for them").c_str());
}

// Each memory region's peak against its size, and where the accessed bytes went.
void PrintRegions(const Graph& g, const Plan& p) {
  if (p.regions.empty()) return;
  const std::vector<int64_t> acc = BufferAccessBytes(g, p);
  std::vector<int64_t> per(p.regions.size(), 0);
  int64_t total = 0;
  for (size_t b = 0; b < p.buffers.size(); ++b)
    if (!p.buffers[b].external) {
      per[p.buffers[b].region] += acc[b];
      total += acc[b];
    }
  for (size_t r = 0; r < p.regions.size(); ++r) {
    const MemoryRegion& m = p.regions[r];
    std::printf("region %-9s %lld of %lld bytes (%.1f of %.1f KiB, %s), %.1f%% of the accessed bytes\n", m.name.c_str(),
                (long long)p.region_bytes[r], (long long)m.bytes, p.region_bytes[r] / 1024.0, m.bytes / 1024.0,
                m.fast ? "fast" : "slow", total ? 100.0 * per[r] / total : 0.0);
  }
}

// The stack the plan's kernels need (codegen/kernel_stack.h) and the SRAM it all adds up to.
void PrintSram(const Graph& g, const Plan& p) {
  const KernelStack ks = PlanKernelStack(g, p);
  if (!ks.unknown.empty()) {
    std::string names;
    for (const std::string& u : ks.unknown) names += (names.empty() ? "" : ", ") + u;
    std::printf("kernel stack     unknown (no bound for %s: firmware/stack_usage.sh --inc)\n", names.c_str());
    return;
  }
  std::printf("kernel stack     %lld bytes at most (deepest: %s; Cortex-M4 build, GCC's call graph: firmware/stack_usage.sh)\n",
              static_cast<long long>(ks.bytes), ks.deepest.c_str());
  std::printf("SRAM             %lld bytes = arena %lld + state %lld + kernel stack %lld (model_invoke's caller's stack and data on top)\n",
              static_cast<long long>(p.arena_bytes + p.state_bytes + ks.bytes), static_cast<long long>(p.arena_bytes),
              static_cast<long long>(p.state_bytes), static_cast<long long>(ks.bytes));
}

// tessera plan MODEL --sram BYTES / --max-overhead PCT / --halo MODE / --stream SPEC.
int RunSearchCommand(const PlanArgs& a, const Graph& g) {
  if (a.max_overhead > 1000) throw Error("--max-overhead must be at most 1000 (percent)");
  LifetimeOptions lo;
  lo.alignment = a.alignment;
  Plan p;
  SearchResult r;
  std::string label;
  if (!a.memory.empty()) {
    if (!a.sram.empty()) throw Error("--memory cannot be combined with --sram");
    SearchOptions o;
    o.max_overhead = a.max_overhead < 0 ? -1 : a.max_overhead / 100.0;
    o.input_in_arena = !a.stream_input;
    o.modes = HaloModes(a.halo);
    o.max_grid = a.max_grid;
    o.beam_width = a.beam;
    o.placement = lo;
    o.progress = [](const std::string& s) { std::fprintf(stderr, "tessera: search %s\n", s.c_str()); };
    const std::vector<MemoryRegion> regions = ParseMemoryRegions(a.memory, "--memory");
    RegionPlacement rp;
    if (!a.stream.empty()) {
      // One streamed schedule, distributed over the regions (no search).
      const StreamConfig c = ParseStreamSpec(a.stream);
      Plan sp = BuildStreamPlan(g, c, !a.stream_input, lo);
      rp = PlaceInRegions(g, sp, regions, lo);
      r.graph_macs = GraphMacs(g);
      if (rp.fits) {
        r.feasible = true;
        r.chosen = SearchPoint{c, PlanMacs(g, sp), sp.arena_bytes, rp.lower_bound};
        r.plan = std::move(sp);
      } else {
        r.explanation = "stream " + StreamSpecString(c) + ": " + rp.why;
      }
    } else {
      r = SearchPlansInRegions(g, o, regions, &rp);
    }
    if (r.frontier.size() > 1 || !r.feasible) std::fputs(FrontierTable(r).c_str(), stdout);
    if (!r.feasible) {
      std::printf("impossible       %s\n", r.explanation.c_str());
      PrintAccounting(o.input_in_arena);
      return 1;
    }
    p = r.plan;
    label = (r.chosen.config.stages.empty() ? std::string("layer by layer") : "search: " + StreamSpecString(r.chosen.config)) +
            ", " + std::to_string(regions.size()) + " memory regions (items " + rp.order + ")";
  } else if (!a.stream.empty()) {
    const StreamConfig c = ParseStreamSpec(a.stream);
    LifetimeSummary ls;
    p = BuildStreamPlan(g, c, !a.stream_input, lo, &ls);
    r.graph_macs = GraphMacs(g);
    SearchPoint pt{c, PlanMacs(g, p), p.arena_bytes, ls.lower_bound};
    r.frontier.push_back(pt);
    r.chosen = pt;
    r.feasible = true;
    label = "stream " + StreamSpecString(c);
  } else {
    SearchOptions o;
    o.sram_budget = a.sram.empty() ? -1 : ParseByteCount(a.sram, "--sram");
    o.max_overhead = a.max_overhead < 0 ? -1 : a.max_overhead / 100.0;
    o.cost = ParseSearchCost(a.cost);
    o.wait_states = a.wait_states;
    o.input_in_arena = !a.stream_input;
    o.modes = HaloModes(a.halo);
    o.max_grid = a.max_grid;
    o.beam_width = a.beam;
    o.placement = lo;
    o.progress = [](const std::string& s) { std::fprintf(stderr, "tessera: search %s\n", s.c_str()); };
    r = SearchPlans(g, o);
    std::printf("Pareto frontier (SRAM vs MACs; * = chosen), %lld candidates, %lld placed, %lld pruned by MACs, "
                "%lld by the layer-by-layer tail, %lld by a stage's own bound (%lld single-stage plans), %lld by their lower "
                "bound, %lld by their earlier stages' peak, %.2f s (stage bounds %.2f s, plans %.2f s, placing %.2f s)\n",
                (long long)r.stats.candidates, (long long)r.stats.placed, (long long)r.stats.pruned_macs,
                (long long)r.stats.pruned_tail, (long long)r.stats.pruned_stage, (long long)r.stats.stage_plans,
                (long long)r.stats.pruned_bound, (long long)r.stats.pruned_prefix, r.stats.seconds, r.stats.seconds_stage_bounds, r.stats.seconds_plans,
                r.stats.seconds_placing);
    std::fputs(FrontierTable(r).c_str(), stdout);
    if (!a.frontier_svg.empty()) {
      std::ofstream f(a.frontier_svg);
      if (!f) throw Error("--frontier-svg: cannot write '" + a.frontier_svg + "'");
      f << FrontierSvg(r, g.name + (o.input_in_arena ? " (input in the arena)" : " (input streamed)"));
      if (!f) throw Error("--frontier-svg: error writing '" + a.frontier_svg + "'");
      std::printf("wrote frontier   %s\n", a.frontier_svg.c_str());
    }
    if (!r.feasible) {
      std::printf("impossible       %s\n", r.explanation.c_str());
      PrintAccounting(o.input_in_arena);
      return 1;
    }
    p = r.plan;
    label = "search: " + StreamSpecString(r.chosen.config);
  }
  const CheckResult c = CheckPlan(g, p);
  if (!c.ok) {
    std::fprintf(stderr, "tessera: plan '%s' for '%s' rejected by the checker (%s): %s\n", label.c_str(),
                 g.name.c_str(), CheckFailureName(c.failure), c.message.c_str());
    return 1;
  }
  if (!a.quiet) std::fputs(StepTable(g, p).c_str(), stdout);
  PlanOptions greedy;
  greedy.input_in_arena = !a.stream_input;
  const int64_t greedy_bytes = MakePlan(g, greedy).arena_bytes;
  const int64_t macs = PlanMacs(g, p);
  std::printf("model            %s (%zu operators, %zu steps)\n", g.name.c_str(), g.ops.size(), p.steps.size());
  std::printf("schedule         %s\n", label.c_str());
  std::printf("arena            %lld bytes (%.1f KiB)%s\n", (long long)p.arena_bytes, p.arena_bytes / 1024.0,
              p.regions.empty() ? "" : ", all regions together");
  PrintRegions(g, p);
  if (p.state_bytes > 0)
    std::printf("state            %lld bytes (own region, kept across invokes); arena + state %lld bytes\n",
                (long long)p.state_bytes, (long long)(p.arena_bytes + p.state_bytes));
  std::printf("lower bound      %lld bytes (this plan's buffers, overlapping pairs as their union)\n",
              (long long)r.chosen.lower_bound);
  std::printf("MACs             %lld (layer-by-layer %lld, %+.2f%%)\n", (long long)macs, (long long)r.graph_macs,
              r.graph_macs ? 100.0 * macs / r.graph_macs - 100.0 : 0.0);
  if (r.graph_instructions > 0 && r.chosen.instructions >= 0)
    std::printf("instructions     %.0f estimated on the Cortex-M4 (layer-by-layer %.0f, %+.2f%%; analysis/latency.h)\n",
                r.chosen.instructions, r.graph_instructions, 100.0 * (r.chosen.instructions / r.graph_instructions - 1.0));
  if (r.graph_cycles > 0 && r.chosen.cycles >= 0)
    std::printf("cycles           %.0f estimated MODELLED Cortex-M4 cycles at W=%d (layer-by-layer %.0f, %+.2f%%; "
                "analysis/latency.h, firmware/cycles/m4_model.h)\n",
                r.chosen.cycles, r.wait_states, r.graph_cycles, 100.0 * (r.chosen.cycles / r.graph_cycles - 1.0));
  std::printf("greedy baseline  %lld bytes (TFLM greedy, layer by layer, with kernel workspaces where they pay)\n", (long long)greedy_bytes);
  PrintAccounting(p.accounting.input_in_arena);
  PrintWorkspaces(p);
  PrintSram(g, p);
  std::printf("checker          ok (%lld bytes compared)\n", (long long)c.bytes_checked);
  if (!a.out.empty()) {
    WritePlanJson(p, a.out, &g);
    std::printf("wrote plan       %s\n", a.out.c_str());
  }
  if (!a.svg.empty()) {
    SvgOptions so;
    so.title = g.name + " - " + label + " - arena " + FormatKiB(p.arena_bytes) +
               (p.accounting.input_in_arena ? " (input in the arena)" : " (input streamed)");
    std::ofstream f(a.svg);
    if (!f) throw Error("--svg: cannot write '" + a.svg + "'");
    f << PlanSvg(g, p, so);
    std::printf("wrote timeline   %s\n", a.svg.c_str());
  }
  if (!a.json.empty()) {
    std::ofstream f(a.json);
    if (!f) throw Error("--json: cannot write '" + a.json + "'");
    nlohmann::json j = PlanReportJson(g, p);
    nlohmann::json fr = nlohmann::json::array();
    for (const SearchPoint& pt : r.frontier) {
      fr.push_back({{"arena_bytes", pt.arena_bytes}, {"macs", pt.macs}, {"schedule", StreamSpecString(pt.config)}});
      if (pt.instructions >= 0) fr.back()["estimated_instructions"] = pt.instructions;
      if (pt.cycles >= 0) fr.back()["estimated_cycles"] = pt.cycles;
    }
    j["search"] = {{"schedule", StreamSpecString(r.chosen.config)}, {"macs", macs}, {"graph_macs", r.graph_macs},
                   {"frontier", fr}, {"input_in_arena", p.accounting.input_in_arena}};
    f << j.dump(2) << "\n";
    std::printf("wrote report     %s\n", a.json.c_str());
  }
  return 0;
}

int RunPlanCommand(const PlanArgs& a) {
  if (a.alignment < 1 || a.alignment > 4096) throw Error("--alignment must be in [1, 4096], got " + std::to_string(a.alignment));
  const Graph g = LoadModel(a.model);
  if (a.cost != "macs" && a.sram.empty() && a.max_overhead < 0)
    throw Error("--cost applies to the search: give --sram and/or --max-overhead");
  if (a.wait_states != 0 && a.cost != "cycles") throw Error("--wait-states applies to --cost cycles");
  if (a.wait_states < 0 || a.wait_states > 100)
    throw Error("--wait-states must be in [0, 100], got " + std::to_string(a.wait_states));
  if (!a.sram.empty() || a.max_overhead >= 0 || !a.halo.empty() || !a.frontier_svg.empty() || !a.stream.empty() ||
      !a.memory.empty()) {
    if (!a.patch.empty()) throw Error("--patch cannot be combined with --sram/--max-overhead/--halo/--stream/--memory");
    return RunSearchCommand(a, g);
  }
  PlanOptions o = a.patch.empty() ? PlanOptions::FromStrategy(a.strategy) : PlanOptions{};
  o.input_in_arena = !a.stream_input;
  o.alignment = a.alignment;
  PlanSummary sum;
  const Plan p = a.patch.empty() ? MakePlan(g, o, &sum) : PatchPlanForCli(g, a, &sum);
  const CheckResult c = CheckPlan(g, p);
  if (!c.ok) {
    std::fprintf(stderr, "tessera: plan '%s' for '%s' rejected by the checker (%s): %s\n", sum.strategy.c_str(),
                 g.name.c_str(), CheckFailureName(c.failure), c.message.c_str());
    return 1;
  }
  if (!a.quiet) std::fputs(StepTable(g, p).c_str(), stdout);
  const double saving = sum.greedy_bytes > 0 ? 100.0 * (sum.greedy_bytes - p.arena_bytes) / sum.greedy_bytes : 0.0;
  std::printf("model            %s (%zu operators, %zu steps)\n", g.name.c_str(), g.ops.size(), p.steps.size());
  std::printf("strategy         %s\n", sum.strategy.c_str());
  std::printf("arena            %lld bytes\n", static_cast<long long>(p.arena_bytes));
  if (p.state_bytes > 0)
    std::printf("state            %lld bytes (own region, kept across invokes); arena + state %lld bytes\n",
                static_cast<long long>(p.state_bytes), static_cast<long long>(p.arena_bytes + p.state_bytes));
  std::printf("lower bound      %lld bytes (this plan's buffers, overlapping pairs as their union; gap %lld)%s\n", static_cast<long long>(sum.lower_bound),
              static_cast<long long>(p.arena_bytes - sum.lower_bound), sum.proved_optimal ? ", placement optimal" : "");
  std::printf("greedy baseline  %lld bytes (TFLM greedy, layer by layer, with kernel workspaces where they pay)\n", static_cast<long long>(sum.greedy_bytes));
  std::printf("saving           %lld bytes (%.1f%%)\n", static_cast<long long>(sum.greedy_bytes - p.arena_bytes), saving);
  std::printf("accounting       model input %s\n", p.accounting.input_in_arena ? "in the arena" : "streamed (not counted)");
  PrintWorkspaces(p);
  PrintSram(g, p);
  if (!a.patch.empty()) {
    // The same patch plan under the other accounting (MCUNetV2's figures leave the input out),
    // and the MACs it spends against layer by layer.
    PlanArgs other = a;
    other.stream_input = !a.stream_input;
    PlanSummary other_sum;
    const Plan q = PatchPlanForCli(g, other, &other_sum);
    CheckPlanOrThrow(g, q);
    std::printf("other accounting %lld bytes with the model input %s (checked)\n", static_cast<long long>(q.arena_bytes),
                q.accounting.input_in_arena ? "in the arena" : "streamed (not counted)");
    const int64_t plan_macs = PlanMacs(g, p), graph_macs = GraphMacs(g);
    const PatchCost cost = EstimatePatchCost(g, ParsePatchSpec(a.patch));
    std::printf("MACs             %lld (layer by layer %lld: %+.1f%% overall, %+.1f%% in the patch stage)\n",
                static_cast<long long>(plan_macs), static_cast<long long>(graph_macs),
                graph_macs ? 100.0 * (static_cast<double>(plan_macs) / graph_macs - 1.0) : 0.0,
                100.0 * cost.stage_overhead());
  }
  std::printf("techniques       %d PADs folded, %d views aliased, %d overlapping input/output pairs; placement: %s\n",
              sum.fused_pads, sum.view_aliases, sum.overlap_pairs, sum.placement_method.c_str());
  std::printf("checker          ok (%lld bytes compared)\n", static_cast<long long>(c.bytes_checked));
  if (!a.out.empty()) {
    WritePlanJson(p, a.out, &g);
    std::printf("wrote plan       %s\n", a.out.c_str());
  }
  if (!a.json.empty()) {
    std::ofstream f(a.json);
    if (!f) throw Error("--json: cannot write '" + a.json + "'");
    f << SummaryJson(g, p, sum, c).dump(2) << "\n";
    if (!f) throw Error("--json: error writing '" + a.json + "'");
    std::printf("wrote report     %s\n", a.json.c_str());
  }
  if (!a.svg.empty()) {
    SvgOptions so;
    so.title = g.name + " - " + sum.strategy + " - arena " + FormatKiB(p.arena_bytes) + ", lower bound " +
               FormatKiB(sum.lower_bound) + ", greedy " + FormatKiB(sum.greedy_bytes) +
               (p.accounting.input_in_arena ? " (input in the arena)" : " (input streamed)");
    std::ofstream f(a.svg);
    if (!f) throw Error("--svg: cannot write '" + a.svg + "'");
    f << PlanSvg(g, p, so);
    if (!f) throw Error("--svg: error writing '" + a.svg + "'");
    std::printf("wrote timeline   %s\n", a.svg.c_str());
  }
  return 0;
}

TESSERA_COMMAND(kPlanCommand, "plan", "plan a model's memory (fusion, in-place, overlap, placement search) and check it",
                [](CLI::App& sub) -> std::function<int()> {
                  auto a = std::make_shared<PlanArgs>();
                  sub.add_option("model", a->model, "model .tflite file, or zoo:NAME")->required();
                  sub.add_option("-s,--strategy", a->strategy,
                                 "greedy, fuse, inplace, overlap, placement, best, or a comma-separated combination")
                      ->default_val("best");
                  sub.add_flag("--stream-input", a->stream_input, "leave the model input out of the arena");
                  sub.add_option("--patch", a->patch,
                                 "patch-based plan: SPLIT:ROWSxCOLS (stage ends after operator SPLIT); "
                                 "--strategy then is mcunetv2, greedy, inplace or best");
                  sub.add_option("--sram", a->sram,
                                 "search patch schedules for the fewest MACs within this arena (e.g. 131072, 128KiB, 60KB)");
                  sub.add_option("--memory", a->memory,
                                 "memory regions NAME:SIZE[:fast],... (e.g. DTCM:64KiB:fast,SRAM1:240KiB,SRAM2:16KiB): "
                                 "every buffer in one region, the most accessed bytes in the fast ones; searches patch "
                                 "schedules when the layer-by-layer plan does not fit");
                  sub.add_option("--max-overhead", a->max_overhead,
                                 "search: overhead bound in percent over layer-by-layer, in MACs or (--cost instructions, "
                                 "cycles) estimated instructions or cycles (alone: smallest arena within it)");
                  sub.add_option("--cost", a->cost,
                                 "search: what --max-overhead bounds and --sram's search minimises: macs, "
                                 "instructions (estimated Cortex-M4 DSP instructions, analysis/latency.h), or cycles "
                                 "(estimated MODELLED Cortex-M4 cycles, fitted to firmware/cycles/m4_model.h; "
                                 "--wait-states); with either estimate the MAC frontier up to twice the overhead is "
                                 "placed and estimated")
                      ->default_val("macs");
                  sub.add_option("--wait-states", a->wait_states,
                                 "search with --cost cycles: flash wait states of the cycle estimate (cycles at 0 "
                                 "plus W per estimated wait unit)")
                      ->default_val(0);
                  sub.add_option("--halo", a->halo, "search: halo handling: recompute, mixed (cache rows), cache, or all");
                  sub.add_option("--frontier-svg", a->frontier_svg, "search: write the SRAM/MAC Pareto frontier as SVG");
                  sub.add_option("--max-grid", a->max_grid, "search: largest patch rows/columns per stage")->default_val(8);
                  sub.add_option("--beam", a->beam,
                                 "search: per split, how many multi-stage prefixes off the frontier still get a further stage")
                      ->default_val(2);
                  sub.add_option("--stream", a->stream,
                                 "build one streamed schedule SPLIT:ROWSxCOLS[:recompute|mixed|cache][,...] (no search)");
                  sub.add_option("--alignment", a->alignment, "buffer alignment in bytes")->default_val(16);
                  sub.add_option("--json", a->json, "write the summary and per-step figures as JSON");
                  sub.add_option("--svg", a->svg, "write a memory timeline as SVG");
                  sub.add_option("-o,--output", a->out, "write the plan (JSON)");
                  sub.add_flag("-q,--quiet", a->quiet, "totals only, no per-step table");
                  return [a] { return RunPlanCommand(*a); };
                });

}  // namespace
}  // namespace tessera::cli
