// `tessera inspect`: the MAC totals the literature quotes for the shared models, the TFLM
// arena beside tessera's, JSON output, and clear errors with exit code 2 for bad input.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

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
