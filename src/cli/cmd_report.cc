// tessera report MODEL [PLAN.json] [--json FILE] [--svg FILE] [--quiet]
// Memory report of a plan (default: the model's layer-by-layer greedy plan): the per-step
// table (live buffers, live bytes, MACs, peak) and totals on stdout, the same as JSON
// (--json, "-" for stdout) and an SVG memory timeline (--svg). The plan is checked first;
// the report is still written for a rejected plan, and the exit code is then 1.
// MODEL may also be `zoo:NAME` for a built-in model.
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

#include "checker/checker.h"
#include "cli/command.h"
#include "memory/greedy.h"
#include "plan/plan_json.h"
#include "report/report.h"
#include "report/svg.h"
#include "tflite/reader.h"
#include "zoo/zoo.h"

namespace tessera::cli {
namespace {

struct ReportArgs {
  std::string model, plan, json, svg;
  bool quiet = false;
};

void WriteText(const std::string& path, const std::string& text, const char* option) {
  std::ofstream f(path, std::ios::binary);
  if (!f) throw Error(std::string(option) + ": cannot write '" + path + "'");
  f << text;
  f.close();
  if (!f) throw Error(std::string(option) + ": error writing '" + path + "'");
}

int RunReport(const ReportArgs& a) {
  const Graph g = a.model.rfind("zoo:", 0) == 0 ? BuildZooModel(a.model.substr(4)) : ReadTflite(a.model);
  const Plan p = a.plan.empty() ? PlanLayerByLayer(g) : ReadPlanJson(a.plan, g);
  const CheckResult c = CheckPlan(g, p);
  const bool json_stdout = a.json == "-";
  if (!a.quiet && !json_stdout) std::fputs(StepTable(g, p).c_str(), stdout);
  if (!a.json.empty()) {
    nlohmann::json j = PlanReportJson(g, p);
    j["checker"] = {{"ok", c.ok}, {"message", c.message}, {"bytes_checked", c.bytes_checked}};
    const std::string text = j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    if (json_stdout)
      std::fputs(text.c_str(), stdout);
    else
      WriteText(a.json, text, "--json");
  }
  if (!a.svg.empty()) WriteText(a.svg, PlanSvg(g, p, {}), "--svg");
  if (!json_stdout) {
    if (c.ok)
      std::printf("checker      OK (%lld bytes checked)\n", static_cast<long long>(c.bytes_checked));
    else
      std::printf("checker      REJECTED (%s): %s\n", CheckFailureName(c.failure), c.message.c_str());
  } else if (!c.ok) {
    std::fprintf(stderr, "tessera: the checker rejects the plan: %s\n", c.message.c_str());
  }
  return c.ok ? 0 : 1;
}

TESSERA_COMMAND(kReportCommand, "report", "per-step memory table, JSON and SVG timeline of a plan",
                [](CLI::App& sub) -> std::function<int()> {
                  auto a = std::make_shared<ReportArgs>();
                  sub.add_option("model", a->model, "model .tflite file, or zoo:NAME")->required();
                  sub.add_option("plan", a->plan, "plan JSON file (default: the layer-by-layer greedy plan)");
                  sub.add_option("--json", a->json, "write the report as JSON to FILE ('-' for stdout)");
                  sub.add_option("--svg", a->svg, "write the memory timeline as SVG to FILE");
                  sub.add_flag("--quiet", a->quiet, "no table on stdout");
                  return [a] { return RunReport(*a); };
                });

}  // namespace
}  // namespace tessera::cli
