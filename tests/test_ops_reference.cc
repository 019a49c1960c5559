// Every operator of the models whose intermediate tensors TFLM dumped (case 0), run alone
// through the operator layer on TFLM's own input bytes: the output must equal TFLM's output
// bytes. This checks each kernel and its Prepare arithmetic against TFLM in isolation, and
// the same again over a 2x2 (or finer) tiling of the output for window-capable operators.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "ops/ops.h"
#include "support/paths.h"
#include "tflite/reader.h"

namespace tessera {
namespace {

std::map<int, std::vector<uint8_t>> LoadDumpedTensors(const std::string& stem) {
  std::map<int, std::vector<uint8_t>> r;
  const std::string dir = test::ReferenceDir(stem) + "/case0.tensors";
  std::ifstream tsv(dir + "/tensors.tsv");
  std::string line;
  std::getline(tsv, line);  // header
  while (std::getline(tsv, line)) {
    std::istringstream ls(line);
    int index;
    ls >> index;
    const std::string path = dir + "/tensor_" + std::to_string(index) + ".bin";
    if (std::filesystem::exists(path)) r[index] = test::ReadFileBytes(path);
  }
  return r;
}

void AddGraphInputs(const std::string& stem, const Graph& g,
                    std::map<int, std::vector<uint8_t>>& t) {
  // The model input is case0.input.bin (one input in these models).
  if (g.inputs.size() == 1 && !t.count(g.inputs[0]))
    t[g.inputs[0]] = test::ReadFileBytes(test::ReferenceDir(stem) + "/case0.input.bin");
}

struct Counts {
  int checked = 0, tiled = 0;
};

Counts CheckModel(const std::string& stem) {
  Counts n;
  const Graph g = ReadTflite(test::SharedModel(stem));
  auto tensors = LoadDumpedTensors(stem);
  AddGraphInputs(stem, g, tensors);
  for (int i = 0; i < static_cast<int>(g.ops.size()); ++i) {
    const ops::PreparedOp p = ops::PrepareOp(g, i);
    bool have = tensors.count(p.output) > 0;
    for (int t : p.inputs) have = have && tensors.count(t) > 0;
    if (!have) continue;
    const std::vector<uint8_t>& expect = tensors[p.output];
    EXPECT_EQ(static_cast<int64_t>(expect.size()), g.tensors[p.output].num_bytes()) << p.label;
    if (static_cast<int64_t>(expect.size()) != g.tensors[p.output].num_bytes()) continue;
    std::vector<ops::ConstView> in;
    for (int t : p.inputs) in.push_back({tensors[t].data(), FullWindow(g, t)});
    const Window full = FullWindow(g, p.output);
    // Whole output, without and with scratch.
    for (int use_scratch = 0; use_scratch < 2; ++use_scratch) {
      std::vector<uint8_t> out(expect.size(), 0xA5);
      std::vector<uint8_t> scratch(static_cast<size_t>(ops::ScratchBytes(p)) + 1);
      ops::RunOp(p, in, {{out.data(), full}}, full, use_scratch ? scratch.data() : nullptr);
      EXPECT_EQ(out, expect) << stem << " " << p.label << " (" << g.tensors[p.output].name
                             << ") differs from TFLM" << (use_scratch ? " with scratch" : "");
    }
    ++n.checked;
    if (p.kind == ops::Kind::kWhole || full.h() < 2 || full.w() < 2) continue;
    // A tiling into 3x3 windows (or fewer), each computed into its own buffer from a buffer
    // holding exactly the input window it needs.
    std::vector<uint8_t> out(expect.size(), 0x5A);
    const int64_t pixel = g.tensors[p.output].num_bytes() / (int64_t(full.h()) * full.w());
    const int32_t ys[4] = {0, full.h() / 3, (2 * full.h()) / 3, full.h()};
    const int32_t xs[4] = {0, full.w() / 2, full.w() - 1, full.w()};
    for (int a = 0; a < 3; ++a)
      for (int b = 0; b < 3; ++b) {
        const Window w{ys[a], ys[a + 1], xs[b], xs[b + 1]};
        if (w.empty()) continue;
        std::vector<std::vector<uint8_t>> held;
        std::vector<ops::ConstView> tin;
        for (size_t k = 0; k < p.inputs.size(); ++k) {
          const int t = p.inputs[k];
          const Window need = ops::RequiredInputWindow(p, static_cast<int>(k), w);
          const Window tf = FullWindow(g, t);
          const int64_t ipix = g.tensors[t].num_bytes() / (int64_t(tf.h()) * tf.w());
          std::vector<uint8_t> buf(static_cast<size_t>(std::max<int64_t>(1, need.h() * need.w() * ipix)));
          for (int y = need.y0; y < need.y1; ++y)
            std::memcpy(buf.data() + (int64_t(y - need.y0) * need.w()) * ipix,
                        tensors[t].data() + (int64_t(y) * tf.w() + need.x0) * ipix,
                        static_cast<size_t>(need.w() * ipix));
          held.push_back(std::move(buf));
          tin.push_back({held.back().data(), need});
        }
        std::vector<uint8_t> tile(static_cast<size_t>(w.h() * w.w() * pixel));
        ops::RunOp(p, tin, {{tile.data(), w}}, w, nullptr);
        for (int y = w.y0; y < w.y1; ++y)
          std::memcpy(out.data() + (int64_t(y) * full.w() + w.x0) * pixel,
                      tile.data() + int64_t(y - w.y0) * w.w() * pixel,
                      static_cast<size_t>(w.w() * pixel));
      }
    EXPECT_EQ(out, expect) << stem << " " << p.label << " tiled differs from TFLM";
    ++n.tiled;
  }
  return n;
}

TEST(OpsReference, PersonDetect) {
  TESSERA_REQUIRE_SHARED();
  const Counts n = CheckModel("person_detect");
  EXPECT_GE(n.checked, 25);
  EXPECT_GE(n.tiled, 20);
}

TEST(OpsReference, Resnet8) {
  TESSERA_REQUIRE_SHARED();
  const Counts n = CheckModel("resnet8_cifar10_int8");
  EXPECT_GE(n.checked, 10);
}

TEST(OpsReference, McunetVww1) {
  TESSERA_REQUIRE_SHARED();
  const Counts n = CheckModel("mcunet_vww1_80");
  EXPECT_GE(n.checked, 40);
}

}  // namespace
}  // namespace tessera
