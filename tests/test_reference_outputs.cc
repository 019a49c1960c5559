// End-to-end exactness: for every shared model and each of its three fixed inputs, the
// layer-by-layer greedy plan run by the host executor produces exactly the bytes TensorFlow
// Lite Micro's reference kernels produced (../shared/reference/<model>/case<K>.output<N>.bin).
#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>
#include <string>
#include <tuple>

#include "exec/executor.h"
#include "memory/greedy.h"
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
  ASSERT_EQ(g.inputs.size(), 1u) << "reference inputs are stored for single-input models";
  const auto input = test::ReadFileBytes(prefix + ".input.bin");
  const auto outputs = RunPlan(g, PlanLayerByLayer(g), {input});
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

}  // namespace
}  // namespace tessera
