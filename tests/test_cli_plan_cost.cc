// `tessera plan --cost cycles`: the search bounded in estimated modelled Cortex-M4 cycles
// (analysis/latency.h EstimateCycles) prints the chosen plan's estimate, which the written plan
// reproduces through the library (at 0 and at 5 flash wait states); bad --cost and
// --wait-states values are refused with messages naming them; --cost instructions prints no
// cycle line.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>

#include "analysis/latency.h"
#include "plan/plan_json.h"
#include "support/cli.h"
#include "zoo/zoo.h"

using tessera::test::RunCli;

namespace tessera {
namespace {

const char* kModel = "mobilenetv1-0.25-vww-r96";

// The number after `key` in `text`, or -1.
double After(const std::string& text, const std::string& key) {
  const size_t at = text.find(key);
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + key.size()));
}

std::string TempPath(const std::string& stem) {
  return (std::filesystem::temp_directory_path() / (stem + "_" + std::to_string(::getpid()) + ".json")).string();
}

TEST(CliPlanCost, CyclesSearchPrintsTheWrittenPlansEstimate) {
  const Graph g = BuildZooModel(kModel);
  for (int w : {0, 5}) {
    SCOPED_TRACE("wait states " + std::to_string(w));
    const std::string out = TempPath("tessera_cli_cost_cycles");
    const auto r = RunCli(std::string("plan zoo:") + kModel + " --max-overhead 10 --cost cycles --max-grid 3 --beam 0 -q" +
                          (w ? " --wait-states " + std::to_string(w) : std::string()) + " -o " + out);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("est. cycles"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("est. instr"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("cycles at W=" + std::to_string(w) + " "), std::string::npos) << r.output;
    const double printed = After(r.output, "\ncycles           ");
    const size_t line = r.output.find("\ncycles           ");
    ASSERT_NE(line, std::string::npos) << r.output;
    const double graph = After(r.output.substr(line), "(layer-by-layer ");
    ASSERT_GT(printed, 0) << r.output;
    ASSERT_GT(graph, 0) << r.output;
    const Plan p = ReadPlanJson(out, g);
    std::filesystem::remove(out);
    const double est = EstimateCycles(g, p, w).cycles;
    EXPECT_NEAR(printed, est, 0.5 + 1e-9 * est);
    EXPECT_LE(printed, graph * 1.10 + 0.5) << "the chosen plan is above the +10% cycle bound";
  }
}

TEST(CliPlanCost, BadCostAndWaitStatesRefused) {
  const std::string m = std::string("plan zoo:") + kModel + " --max-overhead 10 -q";
  auto r = RunCli(m + " --cost cycle");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("'macs', 'instructions' or 'cycles', got 'cycle'"), std::string::npos) << r.output;
  r = RunCli(m + " --cost instructions --wait-states 5");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("--wait-states applies to --cost cycles"), std::string::npos) << r.output;
  r = RunCli(m + " --cost cycles --wait-states 101");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("--wait-states must be in [0, 100], got 101"), std::string::npos) << r.output;
}

TEST(CliPlanCost, InstructionSearchPrintsNoCycles) {
  const auto r = RunCli(std::string("plan zoo:") + kModel + " --max-overhead 10 --cost instructions --max-grid 3 --beam 0 -q");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("\ninstructions     "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("est. instr"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("\ncycles           "), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("est. cycles"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace tessera
