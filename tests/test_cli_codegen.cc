// `tessera codegen --sram BYTES`: the searched plan fits the budget and is what model.h
// declares; an impossible budget exits 1 with the smallest reachable peak; option errors exit 2.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/cli.h"
#include "support/paths.h"

using tessera::test::RunCli;
using tessera::test::SharedModel;

namespace {

long long ArenaBytesIn(const std::string& header) {
  std::ifstream f(header);
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string text = ss.str(), key = "#define MODEL_ARENA_BYTES ";
  const size_t at = text.find(key);
  if (at == std::string::npos) return -1;
  return std::stoll(text.substr(at + key.size()));
}

TEST(CliCodegen, SramBudgetPlanFitsAndIsWhatTheHeaderDeclares) {
  TESSERA_REQUIRE_SHARED();
  const std::string dir = ::testing::TempDir() + "/codegen_sram";
  std::filesystem::remove_all(dir);
  const auto r = RunCli("codegen " + SharedModel("mcunet_vww1_80") + " --sram 64KiB --stream-input -o " + dir);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const long long arena = ArenaBytesIn(dir + "/model.h");
  ASSERT_GT(arena, 0) << r.output;
  EXPECT_LE(arena, 64 * 1024);
  EXPECT_NE(r.output.find("arena " + std::to_string(arena) + " bytes"), std::string::npos) << r.output;
}

TEST(CliCodegen, ImpossibleBudgetExitsOneWithTheSmallestPeak) {
  TESSERA_REQUIRE_SHARED();
  const std::string dir = ::testing::TempDir() + "/codegen_impossible";
  const auto r = RunCli("codegen " + SharedModel("person_detect") + " --sram 1000 -o " + dir);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("smallest peak reachable"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(dir + "/model.h"));
}

TEST(CliCodegen, BadOptionsExitTwo) {
  TESSERA_REQUIRE_SHARED();
  const std::string m = SharedModel("person_detect");
  EXPECT_EQ(RunCli("codegen " + m + " --sram lots -o /tmp/x").exit_code, 2);
  EXPECT_EQ(RunCli("codegen " + m + " --sram 64KiB --strategy best -o /tmp/x").exit_code, 2);
  EXPECT_EQ(RunCli("codegen " + m + " --stream-input -o /tmp/x").exit_code, 2);
}

}  // namespace
