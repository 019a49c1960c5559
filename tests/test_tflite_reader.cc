#include <gtest/gtest.h>

#include <cstdio>
#include <map>

#include "ir/graph.h"
#include "support/paths.h"
#include "tflite/reader.h"

namespace tessera {
namespace {

TEST(TfliteReader, LoadsEverySharedModel) {
  TESSERA_REQUIRE_SHARED();
  const auto stems = test::SharedModelStems();
  ASSERT_FALSE(stems.empty());
  for (const auto& stem : stems) {
    SCOPED_TRACE(stem);
    Graph g = ReadTflite(test::SharedModel(stem));
    EXPECT_EQ(g.name, stem);
    std::map<std::string, int> counts;
    for (const auto& op : g.ops) counts[OpTypeName(op.type)]++;
    std::string line;
    for (const auto& [n, c] : counts) line += " " + n + "=" + std::to_string(c);
    std::printf("%-40s %3zu ops, %4zu tensors:%s\n", stem.c_str(), g.ops.size(), g.tensors.size(),
                line.c_str());
  }
}

}  // namespace
}  // namespace tessera
