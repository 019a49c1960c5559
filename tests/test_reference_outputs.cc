// End-to-end exactness: for every shared model and each of its three fixed inputs, the
// layer-by-layer greedy plan run by the host executor produces exactly the bytes TensorFlow
// Lite Micro's reference kernels produced (../shared/reference/<model>/case<K>.output<N>.bin).
#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <tuple>

#include "exec/executor.h"
#include "memory/greedy.h"
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
  const auto outputs = RunPlan(g, PlanLayerByLayer(g), inputs);
  ASSERT_EQ(outputs.size(), g.outputs.size());
  for (size_t n = 0; n < outputs.size(); ++n) {
    const auto expected = test::ReadFileBytes(prefix + ".output" + std::to_string(n) + ".bin");
    ASSERT_EQ(outputs[n].size(), expected.size()) << "output " << n;
    size_t diffs = 0, first = expected.size();
    for (size_t i = 0; i < expected.size(); ++i)
      if (outputs[n][i] != expected[i]) {
        if (diffs++ == 0) first = i;
      }
    EXPECT_EQ(diffs, 0u) << stem << " case " << k << " output " << n << ": " << diffs << " of " << expected.size()
                         << " bytes differ, first at byte " << first << " (got "
                         << (first < expected.size() ? int(int8_t(outputs[n][first])) : 0) << ", TFLM "
                         << (first < expected.size() ? int(int8_t(expected[first])) : 0) << ")";
  }
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
