// Writes the fuzzers' seed corpus into a directory: random valid networks
// (tests/support/random_graphs.h), the graph with all 20 operator types
// (tests/support/all_ops_graph.h) and the small zoo models, all through tessera's own writer.
// The shared models are added by scripts/fuzz.sh at run time; nothing here is committed.
//   fuzz_seed_corpus DIR [COUNT]
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "support/all_ops_graph.h"
#include "support/random_graphs.h"
#include "tflite/writer.h"
#include "zoo/zoo.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s DIR [COUNT]\n", argv[0]);
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  const int count = argc > 2 ? std::atoi(argv[2]) : 64;
  std::filesystem::create_directories(dir);
  int n = 0;
  try {
    tessera::test::RandomGraphOptions small;
    small.max_hw = 16;
    small.max_channels = 8;
    for (int i = 0; i < count; ++i) {
      const uint64_t seed = tessera::test::CaseSeed(0xf022, i);
      tessera::WriteTflite(tessera::test::RandomGraph(seed, small),
                           (dir / ("random_" + std::to_string(i) + ".tflite")).string());
      ++n;
    }
    tessera::WriteTflite(tessera::test::AllOpsGraph(), (dir / "all_ops.tflite").string());
    ++n;
    for (const char* name : {"resnet8-cifar10", "mobilenetv1-0.25-vww-r96"}) {
      tessera::WriteTflite(tessera::BuildZooModel(name), (dir / (std::string("zoo_") + name + ".tflite")).string());
      ++n;
    }
  } catch (const tessera::Error& e) {
    std::fprintf(stderr, "fuzz_seed_corpus: %s\n", e.what());
    return 2;
  }
  std::printf("fuzz_seed_corpus: %d files in %s\n", n, dir.string().c_str());
  return 0;
}
