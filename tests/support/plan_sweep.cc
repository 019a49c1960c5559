#include "support/plan_sweep.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>

#include "checker/checker.h"
#include "codegen/codegen.h"
#include "codegen/device.h"
#include "exec/executor.h"
#include "memory/greedy.h"
#include "plan/strategy.h"
#include "schedule/patch.h"
#include "schedule/patch_plan.h"
#include "schedule/stream.h"
#include "support/paths.h"

namespace tessera::test {

void CheckEveryPlan(const Graph& g, const std::vector<std::vector<uint8_t>>& inputs, const std::set<OpType>& counted,
                    int* plans, std::map<OpType, int>* partial) {
  const Plan base = PlanLayerByLayer(g);
  const CheckResult bc = CheckPlan(g, base);
  ASSERT_TRUE(bc.ok) << bc.message;
  const auto want = RunPlan(g, base, inputs);
  auto check = [&](const std::function<Plan()>& make, const std::string& what) {
    SCOPED_TRACE(g.name + " " + what);
    Plan plan;
    try {
      plan = make();
    } catch (const Error& e) {
      ADD_FAILURE() << "the planner threw: " << e.what();
      return;
    }
    ++*plans;
    const CheckResult cr = CheckPlan(g, plan);
    ASSERT_TRUE(cr.ok) << CheckFailureName(cr.failure) << ": " << cr.message;
    EXPECT_EQ(RunPlan(g, plan, inputs), want);
    for (const Step& st : plan.steps) {
      if (st.kind != StepKind::kOp || !counted.count(g.ops[st.op].type)) continue;
      const Shape4 os = AsNHWC(g.tensors[g.ops[st.op].outputs[0]].shape);
      if (st.window != Window{0, os.h, 0, os.w}) ++(*partial)[g.ops[st.op].type];
    }
  };
  for (bool in_arena : {true, false}) {
    const std::string where = in_arena ? "" : " (input streamed)";
    for (const std::string& name : StrategyNames()) {
      PlanOptions o = PlanOptions::FromStrategy(name);
      o.input_in_arena = in_arena;
      check([&] { return MakePlan(g, o); }, "strategy " + name + where);
    }
    const std::vector<SplitPoint> splits = ValidSplits(g);
    ASSERT_FALSE(splits.empty());
    for (const SplitPoint& sp : splits) {
      for (int placement = 0; placement < 3; ++placement) {
        PatchPlanOptions o;
        o.patch.split_op = sp.last_op;
        o.patch.rows = std::min<int32_t>(sp.min_cut_h, 2 + placement % 2);
        o.patch.cols = std::min<int32_t>(sp.min_cut_w, 2 + placement / 2);
        o.placement = static_cast<PatchPlacement>(placement);
        o.input_in_arena = in_arena;
        check([&] { return PlanPatches(g, o); }, "patch after op " + std::to_string(sp.last_op) + " placement " +
                                                     std::to_string(placement) + where);
      }
      for (int halo = 0; halo < 3; ++halo) {
        StreamConfig c;
        StageSpec st;
        st.last_op = sp.last_op;
        st.rows = std::min<int32_t>(sp.min_cut_h, 3);
        st.cols = std::min<int32_t>(sp.min_cut_w, 2);
        st.halo = static_cast<HaloMode>(halo);
        c.stages.push_back(st);
        check(
            [&] {
              Accounting acc;
              acc.input_in_arena = in_arena;
              Plan p = ScheduleStream(g, c, acc);
              PlaceGreedy(p);
              return p;
            },
            "stream " + StreamSpecString(c) + where);
      }
    }
  }
}

namespace {

constexpr const char* kHostMain = R"(#include <stdio.h>
#include "model.h"
int main(int argc, char** argv) {
  static unsigned char buf[1 << 20];
  FILE* f;
  int i;
  if (argc != 3) return 2;
  f = fopen(argv[1], "rb");
  if (!f || fread(buf, 1, model_input_bytes(0), f) != model_input_bytes(0)) return 2;
  fclose(f);
  if (model_set_input(0, buf) != 0) return 3;
  if (model_invoke() != 0) return 4;
  f = fopen(argv[2], "wb");
  if (!f) return 2;
  for (i = 0; i < MODEL_NUM_OUTPUTS; ++i) fwrite(model_output(i), 1, model_output_bytes(i), f);
  fclose(f);
  return 0;
}
)";

}  // namespace

int RunGeneratedOnHost(const Graph& g, const Plan& plan, const std::vector<uint8_t>& input, std::vector<uint8_t>* out,
                       const std::string& tag) {
  const std::string dir = FreshTempDir("gen_" + tag);
  const auto files = GenerateC(g, plan, dir + "/gen");
  std::ofstream(dir + "/main.c") << kHostMain;
  std::string cmd = "cc -std=c99 -O1 -Wall -Wextra -Werror -I " + ShellQuote(dir + "/gen") + " -o " +
                    ShellQuote(dir + "/model_host") + " " + ShellQuote(dir + "/main.c");
  for (auto& s : GeneratedSources(files)) cmd.append(" ").append(ShellQuote(s));
  cmd += " -lm";
  const ShellResult cr = RunShell(cmd);
  EXPECT_EQ(cr.exit_code, 0) << cr.output;
  std::ofstream(dir + "/in.bin", std::ios::binary)
      .write(reinterpret_cast<const char*>(input.data()), static_cast<std::streamsize>(input.size()));
  const ShellResult rr = RunShell(ShellQuote(dir + "/model_host") + " " + ShellQuote(dir + "/in.bin") + " " +
                                  ShellQuote(dir + "/out.bin"));
  if (rr.exit_code == 0) *out = ReadFileBytes(dir + "/out.bin");
  std::filesystem::remove_all(dir);
  return rr.exit_code;
}

}  // namespace tessera::test
