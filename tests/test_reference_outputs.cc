// End-to-end exactness: for every shared model and each of its three fixed inputs, the
// layer-by-layer greedy plan run by the host executor produces exactly the bytes TensorFlow
// Lite Micro's reference kernels produced (../shared/reference/<model>/case<K>.output<N>.bin);
// for a model with state (SVDF), also after three invokes on the same input from a fresh start
// (case<K>.invoke3.output<N>.bin). (The keyword model's outputs saturate: its three-invoke
// bytes equal its one-invoke bytes; StateMatchesTflmAfterOneInvoke compares its state.)
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <tuple>

#include "checker/checker.h"
#include "exec/executor.h"
#include "memory/greedy.h"
#include "plan/strategy.h"
#include "support/cli.h"
#include "support/paths.h"
#include "tflite/reader.h"

namespace tessera {
namespace {

using Param = std::tuple<std::string, int>;
class ReferenceOutputs : public ::testing::TestWithParam<Param> {};

TEST_P(ReferenceOutputs, MatchTflmBitExactly) {
  TESSERA_REQUIRE_SHARED();
  const auto& [stem, k] = GetParam();
  const std::string dir = test::ReferenceDir(stem);
  const std::string prefix = dir + "/case" + std::to_string(k);
  ASSERT_TRUE(std::filesystem::exists(prefix + ".input.bin")) << prefix;
  const Graph g = ReadTflite(test::SharedModel(stem));
  std::vector<size_t> sizes;  // case<K>.input.bin holds every input's bytes, in subgraph input order
  for (int t : g.inputs) sizes.push_back(static_cast<size_t>(g.tensors[t].num_bytes()));
  const auto inputs = test::SplitInputs(prefix + ".input.bin", sizes);
  for (const int invokes : {1, 3}) {
  const std::string suffix = invokes == 1 ? ".output" : ".invoke3.output";
  if (invokes == 3 && !std::filesystem::exists(prefix + suffix + "0.bin")) {
    EXPECT_TRUE(g.state_tensors().empty()) << stem << " has state but no " << prefix << suffix << "0.bin";
    continue;
  }
  const auto outputs = RunPlan(g, PlanLayerByLayer(g), inputs, invokes);
  ASSERT_EQ(outputs.size(), g.outputs.size());
  for (size_t n = 0; n < outputs.size(); ++n) {
    const auto expected = test::ReadFileBytes(prefix + suffix + std::to_string(n) + ".bin");
    ASSERT_EQ(outputs[n].size(), expected.size()) << "output " << n;
    size_t diffs = 0, first = expected.size();
    for (size_t i = 0; i < expected.size(); ++i)
      if (outputs[n][i] != expected[i]) {
        if (diffs++ == 0) first = i;
      }
    EXPECT_EQ(diffs, 0u) << stem << " case " << k << " output " << n << " after " << invokes << " invoke(s): " << diffs
                         << " of " << expected.size()
                         << " bytes differ, first at byte " << first << " (got "
                         << (first < expected.size() ? int(int8_t(outputs[n][first])) : 0) << ", TFLM "
                         << (first < expected.size() ? int(int8_t(expected[first])) : 0) << ")";
  }
  }
}

// The state itself: after one invoke of case 0, every state tensor of a model with state holds
// TFLM's bytes (case0.tensors/tensor_<index>.bin, TFLM's variable tensors after the invoke).
TEST(ReferenceState, StateMatchesTflmAfterOneInvoke) {
  TESSERA_REQUIRE_SHARED();
  int compared = 0;
  for (const std::string& stem : test::SharedModelStems()) {
    const Graph g = ReadTflite(test::SharedModel(stem));
    if (g.state_tensors().empty()) continue;
    const std::string dir = test::ReferenceDir(stem);
    if (!std::filesystem::is_directory(dir + "/case0.tensors")) continue;
    std::vector<size_t> sizes;
    for (int t : g.inputs) sizes.push_back(static_cast<size_t>(g.tensors[t].num_bytes()));
    const auto inputs = test::SplitInputs(dir + "/case0.input.bin", sizes);
    Executor ex(g, PlanLayerByLayer(g));
    for (size_t i = 0; i < inputs.size(); ++i) ex.SetInput(static_cast<int>(i), inputs[i]);
    ex.Invoke();
    for (int t : g.state_tensors()) {
      const std::string f = dir + "/case0.tensors/tensor_" + std::to_string(t) + ".bin";
      ASSERT_TRUE(std::filesystem::exists(f)) << f;
      const auto want = test::ReadFileBytes(f);
      EXPECT_TRUE(ex.State(t) == want) << stem << " state tensor " << t << " differs from TFLM's after one invoke";
      EXPECT_TRUE(std::any_of(want.begin(), want.end(), [&](uint8_t b) { return b != want[0]; }))
          << f << ": a uniform state tells nothing";
      ++compared;
    }
  }
  std::printf("  %d state tensors equal to TFLM's after one invoke\n", compared);
  EXPECT_GE(compared, 7);
}

std::vector<Param> AllCases() {
  std::vector<Param> r;
  for (const auto& s : test::SharedModelStems())
    for (int k = 0; k < 3; ++k) r.emplace_back(s, k);
  return r;
}

std::string ParamName(const ::testing::TestParamInfo<Param>& info) {
  std::string s = std::get<0>(info.param) + "_case" + std::to_string(std::get<1>(info.param));
  for (char& c : s)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return s;
}

INSTANTIATE_TEST_SUITE_P(SharedModels, ReferenceOutputs, ::testing::ValuesIn(AllCases()), ParamName);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(ReferenceOutputs);

// Models with state (those with case<K>.invoke3 references): every strategy, checked, after one
// and after three invokes.
class StatefulReference : public ::testing::TestWithParam<Param> {};

TEST_P(StatefulReference, EveryStrategyMatchesTflm) {
  TESSERA_REQUIRE_SHARED();
  const auto& [stem, k] = GetParam();
  const std::string prefix = test::ReferenceDir(stem) + "/case" + std::to_string(k);
  const Graph g = ReadTflite(test::SharedModel(stem));
  ASSERT_FALSE(g.state_tensors().empty());
  std::vector<size_t> sizes;
  for (int t : g.inputs) sizes.push_back(static_cast<size_t>(g.tensors[t].num_bytes()));
  const auto inputs = test::SplitInputs(prefix + ".input.bin", sizes);
  for (const std::string& s : StrategyNames()) {
    const Plan p = MakePlan(g, PlanOptions::FromStrategy(s));
    const CheckResult r = CheckPlan(g, p);
    EXPECT_TRUE(r.ok) << stem << " " << s << ": " << r.message;
    EXPECT_GT(p.state_bytes, 0) << s;
    for (const int invokes : {1, 3}) {
      const auto outputs = RunPlan(g, p, inputs, invokes);
      ASSERT_EQ(outputs.size(), g.outputs.size());
      for (size_t n = 0; n < outputs.size(); ++n)
        EXPECT_TRUE(outputs[n] == test::ReadFileBytes(prefix + (invokes == 1 ? ".output" : ".invoke3.output") +
                                                      std::to_string(n) + ".bin"))
            << stem << " case " << k << " strategy " << s << " output " << n << " after " << invokes << " invoke(s)";
    }
  }
}

std::vector<Param> StatefulCases() {
  std::vector<Param> r;
  for (const auto& c : AllCases())
    if (std::filesystem::exists(test::ReferenceDir(std::get<0>(c)) + "/case" + std::to_string(std::get<1>(c)) +
                                ".invoke3.output0.bin"))
      r.push_back(c);
  return r;
}
INSTANTIATE_TEST_SUITE_P(SharedModels, StatefulReference, ::testing::ValuesIn(StatefulCases()), ParamName);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(StatefulReference);

// `tessera run` end to end: raw input file in, raw output file out, equal to TFLM's bytes;
// a plan file from `tessera plan` runs (checked) to the same bytes; a wrong input size is
// exit code 2 with a message naming both sizes.
TEST(CliRun, ReferenceInputGivesTflmOutput) {
  TESSERA_REQUIRE_SHARED();
  const std::string stem = "resnet8_cifar10_int8";
  const std::string out = ::testing::TempDir() + "/cli_run_out.bin";
  const auto r = test::RunCli("run " + test::SharedModel(stem) + " --input " + test::ReferenceDir(stem) +
                              "/case2.input.bin --output " + out);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(test::ReadFileBytes(out), test::ReadFileBytes(test::ReferenceDir(stem) + "/case2.output0.bin"));
  // TFLM's greedy placement of the buffers (49,152 bytes, as TFLM) with the kernel workspaces
  // among them: 2,048 bytes more, kept for the 2,304-byte column they take off the stack.
  EXPECT_NE(r.output.find("greedy arena 51200 bytes (TFLM non-persistent arena 49152 bytes)"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("top-5 classes"), std::string::npos) << r.output;
}

TEST(CliRun, PlanFileRunsCheckedToTheSameBytes) {
  TESSERA_REQUIRE_SHARED();
  const std::string stem = "kws_dscnn_int8";
  const std::string plan = ::testing::TempDir() + "/cli_run_plan.json";
  const std::string out = ::testing::TempDir() + "/cli_run_plan_out.bin";
  const auto p = test::RunCli("plan " + test::SharedModel(stem) + " -s best -q -o " + plan);
  ASSERT_EQ(p.exit_code, 0) << p.output;
  const auto r = test::RunCli("run " + test::SharedModel(stem) + " --plan " + plan + " --input " +
                              test::ReferenceDir(stem) + "/case1.input.bin --output " + out);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("checked"), std::string::npos) << r.output;
  EXPECT_EQ(test::ReadFileBytes(out), test::ReadFileBytes(test::ReferenceDir(stem) + "/case1.output0.bin"));
}

TEST(CliRun, UnsafePlanFileIsRejectedWithExitCode1) {
  TESSERA_REQUIRE_SHARED();
  const std::string stem = "kws_dscnn_int8";
  const std::string plan = ::testing::TempDir() + "/cli_run_bad_plan.json";
  const auto p = test::RunCli("plan " + test::SharedModel(stem) + " -s greedy -q -o " + plan);
  ASSERT_EQ(p.exit_code, 0) << p.output;
  nlohmann::json j;
  {
    std::ifstream f(plan);
    f >> j;
  }
  for (auto& b : j["buffers"]) b["offset"] = 0;  // every buffer on top of every other
  {
    std::ofstream f(plan);
    f << j.dump();
  }
  const auto r = test::RunCli("run " + test::SharedModel(stem) + " --plan " + plan);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("rejected by the checker"), std::string::npos) << r.output;
}

// --invokes N: N invokes on the same input, state carried over (the keyword model's SVDF
// state): 3 gives TFLM's three-invoke bytes, which differ from one invoke's; the report gives
// the state beside the arena. A count below 1 is exit code 2.
TEST(CliRun, InvokesCarryStateToTflmsThreeInvokeOutput) {
  TESSERA_REQUIRE_SHARED();
  const std::string stem = "coverage/tflm_keyword_scrambled_8bit";
  const std::string ref = test::ReferenceDir(stem);
  const std::string out1 = ::testing::TempDir() + "/cli_run_kw1.bin", out3 = ::testing::TempDir() + "/cli_run_kw3.bin";
  const auto r1 = test::RunCli("run " + test::SharedModel(stem) + " --input " + ref + "/case1.input.bin --output " + out1);
  ASSERT_EQ(r1.exit_code, 0) << r1.output;
  const auto r3 = test::RunCli("run " + test::SharedModel(stem) + " --input " + ref + "/case1.input.bin --output " + out3 +
                               " --invokes 3");
  ASSERT_EQ(r3.exit_code, 0) << r3.output;
  EXPECT_EQ(test::ReadFileBytes(out1), test::ReadFileBytes(ref + "/case1.output0.bin"));
  EXPECT_EQ(test::ReadFileBytes(out3), test::ReadFileBytes(ref + "/case1.invoke3.output0.bin"));
  EXPECT_NE(r3.output.find("invokes: 3"), std::string::npos) << r3.output;
  EXPECT_NE(r3.output.find("+ state 5120 bytes"), std::string::npos) << r3.output;
  // `tessera plan` prints the state apart from the arena, and their sum (greedy: 288 + 5,120).
  const auto plan = test::RunCli("plan " + test::SharedModel(stem) + " -s greedy");
  ASSERT_EQ(plan.exit_code, 0) << plan.output;
  EXPECT_NE(plan.output.find("arena            288 bytes"), std::string::npos) << plan.output;
  EXPECT_NE(plan.output.find("state            5120 bytes (own region, kept across invokes); arena + state 5408 bytes"),
            std::string::npos)
      << plan.output;
  EXPECT_NE(plan.output.find("arena+state           5,408 B"), std::string::npos) << plan.output;
  const auto bad = test::RunCli("run " + test::SharedModel(stem) + " --invokes 0");
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  EXPECT_NE(bad.output.find("--invokes must be at least 1"), std::string::npos) << bad.output;
}

TEST(CliRun, WrongInputSizeIsExitCode2) {
  TESSERA_REQUIRE_SHARED();
  const auto r = test::RunCli("run " + test::SharedModel("person_detect") + " --input " +
                              test::ReferenceDir("vww_96_int8") + "/case0.input.bin");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("has 27648 bytes"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("expects 9216"), std::string::npos) << r.output;
}

TEST(CliRun, PseudoRandomInputIsDeterministic) {
  TESSERA_REQUIRE_SHARED();
  const std::string a = ::testing::TempDir() + "/cli_run_a.bin", b = ::testing::TempDir() + "/cli_run_b.bin";
  const auto ra = test::RunCli("run " + test::SharedModel("ad01_fc_autoencoder_int8") + " --seed 5 --output " + a);
  const auto rb = test::RunCli("run " + test::SharedModel("ad01_fc_autoencoder_int8") + " --seed 5 --output " + b);
  ASSERT_EQ(ra.exit_code, 0) << ra.output;
  ASSERT_EQ(rb.exit_code, 0) << rb.output;
  EXPECT_NE(ra.output.find("seed 5"), std::string::npos) << ra.output;
  EXPECT_EQ(test::ReadFileBytes(a), test::ReadFileBytes(b));
  EXPECT_EQ(test::ReadFileBytes(a).size(), 640u);
}

}  // namespace
}  // namespace tessera
