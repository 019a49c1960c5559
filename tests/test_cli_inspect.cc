// `tessera inspect`: the MAC totals the literature quotes for the shared models, the TFLM
// arena beside tessera's, JSON output, and clear errors with exit code 2 for bad input.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/cli.h"
#include "support/paths.h"

using tessera::test::RunCli;
using tessera::test::SharedModel;

namespace {

int64_t TotalMacs(const std::string& stem) {
  const auto r = RunCli("inspect --json " + SharedModel(stem));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return nlohmann::json::parse(r.output)["totals"]["macs"].get<int64_t>();
}

TEST(CliInspect, PersonDetectMacsWithinOnePercentOf7_16M) {
  TESSERA_REQUIRE_SHARED();
  const int64_t macs = TotalMacs("person_detect");
  EXPECT_NEAR(static_cast<double>(macs), 7160000.0, 71600.0) << macs;
}

TEST(CliInspect, MobileNetV2MacsWithinOnePercentOf300_77M) {
  TESSERA_REQUIRE_SHARED();
  const int64_t macs = TotalMacs("mobilenet_v2_1.0_224_nchw_int8");
  EXPECT_NEAR(static_cast<double>(macs), 300770000.0, 3007700.0) << macs;
}

TEST(CliInspect, TablePrintsTflmArenaBesideTessera) {
  TESSERA_REQUIRE_SHARED();
  const auto r = RunCli("inspect " + SharedModel("vww_96_int8"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("layer-by-layer greedy arena (tessera):       73728 bytes"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("TFLM non-persistent arena (reference):       73728 bytes"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("DEPTHWISE_CONV_2D"), std::string::npos);
}

// A Keras reshape computed at run time (SHAPE -> STRIDED_SLICE -> PACK feeding RESHAPE) is
// folded at load time: inspect lists the folded operators, and each folded PACK's value is the
// declared output shape of the RESHAPE that reads it (the file's own shapes, not tessera's).
TEST(CliInspect, FoldedShapeArithmeticIsListedAndMatchesTheReshapes) {
  TESSERA_REQUIRE_SHARED();
  const std::string model = SharedModel("coverage/st_fdmobilenet_025_128_flowers");
  if (!std::ifstream(model)) GTEST_SKIP() << model << " is absent";
  const auto r = RunCli("inspect --json " + model);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  ASSERT_EQ(j["folded"].size(), 6u) << r.output;
  std::vector<std::string> packs, reshapes;
  for (const auto& f : j["folded"]) {
    const std::string line = f.get<std::string>();
    if (line.rfind("PACK", 0) == 0) packs.push_back(line.substr(line.find(" = ") + 3));
  }
  for (const auto& o : j["operators"]) {
    EXPECT_NE(o["type"], "SHAPE");  // none is left to run
    if (o["type"] == "RESHAPE") reshapes.push_back(o["output"].get<std::string>() + " int32");
  }
  EXPECT_EQ(packs, reshapes);
  EXPECT_EQ(j["totals"]["greedy_arena_bytes"], j["totals"]["tflm_nonpersistent_arena_bytes"]);
  const auto t = RunCli("inspect " + model);
  EXPECT_NE(t.output.find("folded at load time (operator indices as in the file): 6 operators"), std::string::npos)
      << t.output;
}

TEST(CliInspect, MissingFileIsExitCode2) {
  const auto r = RunCli("inspect /nonexistent/model.tflite");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("/nonexistent/model.tflite"), std::string::npos) << r.output;
}

TEST(CliInspect, GarbageFileIsExitCode2) {
  const std::string path = ::testing::TempDir() + "/garbage.tflite";
  {
    std::ofstream f(path, std::ios::binary);
    for (int i = 0; i < 1000; ++i) f.put(static_cast<char>(i * 37));
  }
  const auto r = RunCli("inspect " + path);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("tessera: error:"), std::string::npos) << r.output;
}

}  // namespace
