// The layer-by-layer greedy plan reproduces TensorFlow Lite Micro's non-persistent arena
// (activations + kernel scratch, as planned by its GreedyMemoryPlanner) for every shared
// model, byte for byte. The expected figures are TFLM's, read from
// ../shared/reference/tflm_arena.tsv.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "memory/greedy.h"
#include "support/paths.h"
#include "tflite/reader.h"

namespace tessera {
namespace {

std::map<std::string, int64_t> ReadTflmNonPersistent() {
  std::map<std::string, int64_t> r;
  std::ifstream f(test::SharedDir() + "/reference/tflm_arena.tsv");
  std::string line;
  std::getline(f, line);  // header
  while (std::getline(f, line)) {
    std::istringstream ss(line);
    std::string model, used, nonpersistent;
    if (std::getline(ss, model, '\t') && std::getline(ss, used, '\t') && std::getline(ss, nonpersistent, '\t'))
      r[model] = std::stoll(nonpersistent);
  }
  return r;
}

class TflmArena : public ::testing::TestWithParam<std::string> {};

TEST_P(TflmArena, GreedyArenaEqualsTflm) {
  TESSERA_REQUIRE_SHARED();
  const auto tflm = ReadTflmNonPersistent();
  auto it = tflm.find(GetParam());
  ASSERT_NE(it, tflm.end()) << GetParam() << " is not listed in tflm_arena.tsv";
  const Graph g = ReadTflite(test::SharedModel(GetParam()));
  const Plan p = PlanLayerByLayer(g);
  EXPECT_EQ(p.strategy, "greedy");
  EXPECT_EQ(p.arena_bytes, it->second) << GetParam();
}

// Every buffer of the plan is 16-byte aligned and no two buffers live at the same time share
// a byte (checked here independently of the placement code).
TEST_P(TflmArena, PlacementIsAlignedAndDisjoint) {
  TESSERA_REQUIRE_SHARED();
  const Graph g = ReadTflite(test::SharedModel(GetParam()));
  const Plan p = PlanLayerByLayer(g);
  for (size_t a = 0; a < p.buffers.size(); ++a) {
    const Buffer& A = p.buffers[a];
    EXPECT_EQ(A.offset % 16, 0) << A.name;
    EXPECT_LE(A.offset + A.bytes, p.arena_bytes) << A.name;
    for (size_t b = a + 1; b < p.buffers.size(); ++b) {
      const Buffer& B = p.buffers[b];
      const bool time = !(A.last < B.first || B.last < A.first);
      const bool space = A.offset < B.offset + B.bytes && B.offset < A.offset + A.bytes;
      EXPECT_FALSE(time && space) << A.name << " and " << B.name << " overlap";
    }
  }
}

std::string ParamName(const ::testing::TestParamInfo<std::string>& info) {
  std::string s = info.param;
  for (char& c : s)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return s;
}

INSTANTIATE_TEST_SUITE_P(SharedModels, TflmArena, ::testing::ValuesIn(test::SharedModelStems()), ParamName);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(TflmArena);

TEST(TflmArena, EveryTsvModelIsShared) {
  TESSERA_REQUIRE_SHARED();
  const auto stems = test::SharedModelStems();
  for (const auto& [model, bytes] : ReadTflmNonPersistent())
    EXPECT_NE(std::find(stems.begin(), stems.end(), model), stems.end()) << model;
}

}  // namespace
}  // namespace tessera
