// `tessera plan --patch`: prints the peak under both accountings and the MACs against layer by
// layer; each figure is checked against an independent run (the --stream-input plan, the
// MAC total of `tessera inspect`).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "support/cli.h"
#include "support/paths.h"

using tessera::test::RunCli;
using tessera::test::SharedModel;

namespace {

// The integer after `key` in `text`, or -1.
long long After(const std::string& text, const std::string& key) {
  const size_t at = text.find(key);
  if (at == std::string::npos) return -1;
  return std::stoll(text.substr(at + key.size()));
}

TEST(CliPlanPatch, BothAccountingsAndMacsAgreeWithIndependentRuns) {
  TESSERA_REQUIRE_SHARED();
  const std::string m = SharedModel("mcunet_vww1_80");
  const auto counted = RunCli("plan " + m + " --patch 7:2x2 -s mcunetv2 -q");
  ASSERT_EQ(counted.exit_code, 0) << counted.output;
  const auto streamed = RunCli("plan " + m + " --patch 7:2x2 -s mcunetv2 -q --stream-input");
  ASSERT_EQ(streamed.exit_code, 0) << streamed.output;

  const long long arena_counted = After(counted.output, "\narena            ");
  const long long arena_streamed = After(streamed.output, "\narena            ");
  ASSERT_GT(arena_counted, 0) << counted.output;
  ASSERT_GT(arena_streamed, 0) << streamed.output;
  // Each run names the other accounting's figure, which the other run measures.
  EXPECT_EQ(After(counted.output, "other accounting "), arena_streamed) << counted.output;
  EXPECT_EQ(After(streamed.output, "other accounting "), arena_counted) << streamed.output;
  EXPECT_NE(counted.output.find("with the model input streamed (not counted) (checked)"), std::string::npos);

  // MACs: the layer-by-layer total is inspect's; the patch plan recomputes halos.
  const auto inspect = RunCli("inspect --json " + m);
  ASSERT_EQ(inspect.exit_code, 0) << inspect.output;
  const long long layer_macs = nlohmann::json::parse(inspect.output)["totals"]["macs"].get<long long>();
  EXPECT_EQ(After(counted.output, "(layer by layer "), layer_macs) << counted.output;
  EXPECT_GT(After(counted.output, "\nMACs             "), layer_macs) << counted.output;
}

}  // namespace
