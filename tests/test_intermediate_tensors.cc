// Every intermediate tensor of case 0 equals TensorFlow Lite Micro's
// (../shared/reference/<model>/case0.tensors/), checked right after the step that produces
// it. On a mismatch the test names the FIRST operator whose output differs: later
// differences usually just propagate it.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "exec/executor.h"
#include "memory/greedy.h"
#include "support/paths.h"
#include "tflite/reader.h"

namespace tessera {
namespace {

struct RefTensor {
  std::string name;
  std::vector<uint8_t> bytes;
};

// tensors.tsv: index, name, dtype, shape, bytes, scale, zero_point, is_const.
std::map<int, RefTensor> ReadRefTensors(const std::string& dir) {
  std::map<int, RefTensor> r;
  std::ifstream f(dir + "/tensors.tsv");
  std::string line;
  std::getline(f, line);
  while (std::getline(f, line)) {
    std::istringstream ss(line);
    std::string idx, name;
    if (!std::getline(ss, idx, '\t') || !std::getline(ss, name, '\t')) continue;
    const int i = std::stoi(idx);
    r[i] = RefTensor{name, test::ReadFileBytes(dir + "/tensor_" + idx + ".bin")};
  }
  return r;
}

class IntermediateTensors : public ::testing::TestWithParam<std::string> {};

TEST_P(IntermediateTensors, EveryOperatorOutputMatchesTflm) {
  TESSERA_REQUIRE_SHARED();
  const std::string stem = GetParam();
  const std::string dir = test::ReferenceDir(stem) + "/case0.tensors";
  ASSERT_TRUE(std::filesystem::exists(dir + "/tensors.tsv")) << dir;
  const auto ref = ReadRefTensors(dir);
  const Graph g = ReadTflite(test::SharedModel(stem));
  const Plan plan = PlanLayerByLayer(g);
  Executor ex(g, plan);
  ex.SetInput(0, test::ReadFileBytes(test::ReferenceDir(stem) + "/case0.input.bin"));

  int compared = 0, differing = 0;
  std::string first_diff;
  ex.SetStepHook([&](int s, const Executor& e) {
    const Step& st = e.plan().steps[s];
    if (st.kind != StepKind::kOp) return;
    for (int b : st.outputs) {
      const int t = e.plan().buffers[b].tensor;
      auto it = ref.find(t);
      if (it == ref.end()) continue;
      ++compared;
      EXPECT_EQ(it->second.name, g.tensors[t].name) << "tensor " << t << ": the reader's tensor indices must be the model's";
      const uint8_t* p = e.BufferData(b);
      const auto& want = it->second.bytes;
      const int64_t n = g.tensors[t].num_bytes();
      size_t diffs = 0, at = 0;
      if (static_cast<int64_t>(want.size()) != n) {
        diffs = 1;
      } else {
        for (int64_t i = 0; i < n; ++i)
          if (p[i] != want[i] && diffs++ == 0) at = static_cast<size_t>(i);
      }
      if (diffs == 0) continue;
      ++differing;
      if (first_diff.empty()) {
        char msg[512];
        std::snprintf(msg, sizeof msg,
                      "operator %d (%s) output tensor %d '%s': %zu of %lld bytes differ, first at byte %zu (got %d, TFLM %d)",
                      st.op, OpTypeName(g.ops[st.op].type), t, g.tensors[t].name.c_str(), diffs, static_cast<long long>(n), at,
                      want.size() == static_cast<size_t>(n) ? int(int8_t(p[at])) : 0,
                      want.size() == static_cast<size_t>(n) ? int(int8_t(want[at])) : 0);
        first_diff = msg;
      }
    }
  });
  ex.Invoke();
  EXPECT_GT(compared, 0) << "no operator output was found among the reference tensors";
  EXPECT_EQ(differing, 0) << stem << ": " << differing << " of " << compared
                          << " operator outputs differ; the first: " << first_diff;
}

INSTANTIATE_TEST_SUITE_P(Models, IntermediateTensors,
                         ::testing::Values("person_detect", "resnet8_cifar10_int8", "mcunet_vww1_80"));

}  // namespace
}  // namespace tessera
