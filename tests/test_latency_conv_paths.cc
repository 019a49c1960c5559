// The latency model's mirror of the DSP conv kernel's paths (src/analysis/latency.cc,
// ConvFeatures, following kernels/src/conv_dsp.c): the eight-tap kernel's layers (1x1 over 8
// channels, no padding) in their own class; in the quad classes, the MACs of every pixel
// counted once across quads, pairs and a lone pixel (pruned channels, which the kernel does
// not compute, left out), with quads in raster order (across row ends) where the column has
// room to stage their outputs.
#include <gtest/gtest.h>

#include "analysis/latency.h"
#include "memory/greedy.h"
#include "schedule/stream.h"
#include "search/search.h"
#include "support/paths.h"
#include "tflite/reader.h"

namespace tessera {
namespace {

Plan CachePlan(const Graph& g, int split, int grid) {
  StreamConfig c;
  StageSpec st;
  st.last_op = split;
  st.rows = st.cols = grid;
  st.halo = HaloMode::kCache;
  c.stages.push_back(st);
  c.fold_pads = true;
  return BuildStreamPlan(g, c, /*input_in_arena=*/true);
}

TEST(LatencyConvPaths, EightTapLayersHaveTheirClass) {
  TESSERA_REQUIRE_SHARED();
  int found = 0;
  for (const char* stem : {"person_detect", "vww_96_int8", "mcunet_vww1_80"}) {
    const Graph g = ReadTflite(test::SharedModel(stem));
    const Plan p = PlanLayerByLayer(g);
    const LatencyEstimate e = EstimateInstructions(g, p);
    for (size_t s = 0; s < p.steps.size(); ++s) {
      const Step& st = p.steps[s];
      if (st.kind != StepKind::kOp || g.ops[st.op].type != OpType::kConv2D) continue;
      const Tensor& w = g.tensors[g.ops[st.op].inputs[1]];
      const bool k8 = w.shape[1] == 1 && w.shape[2] == 1 && w.shape[3] == 8;  // all unpadded here
      EXPECT_EQ(e.steps[s].cls == LatencyClass::kConvEightTap, k8) << stem << " step " << s;
      if (!k8) continue;
      ++found;
      const double pixels = static_cast<double>(st.window.h()) * st.window.w();
      EXPECT_EQ(e.steps[s].x[1], pixels * w.shape[0]);
      EXPECT_EQ(e.steps[s].x[2], pixels);
      EXPECT_EQ(e.steps[s].x[3], st.window.h());
      EXPECT_GT(e.steps[s].instructions, 0);
    }
  }
  EXPECT_EQ(found, 3);  // person_detect op 2, vww_96_int8 op 2, mcunet_vww1_80 op 5
}

TEST(LatencyConvPaths, QuadClassesCountEveryMacOnce) {
  TESSERA_REQUIRE_SHARED();
  int steps = 0, staged = 0;
  double pruned_macs = 0;
  for (const char* stem : {"person_detect", "vww_96_int8", "resnet8_cifar10_int8", "mcunet_vww1_80"}) {
    const Graph g = ReadTflite(test::SharedModel(stem));
    const Plan p = CachePlan(g, stem[0] == 'r' ? 4 : 7, 4);
    const LatencyEstimate e = EstimateInstructions(g, p);
    for (size_t s = 0; s < p.steps.size(); ++s) {
      const Step& st = p.steps[s];
      const StepLatency& l = e.steps[s];
      if (l.cls != LatencyClass::kConvQuad && l.cls != LatencyClass::kConvQuadGather) continue;
      const Tensor& w = g.tensors[g.ops[st.op].inputs[1]];
      const double per_pixel = static_cast<double>(w.shape[0]) * w.shape[1] * w.shape[2] * w.shape[3];
      const double pixels = static_cast<double>(st.window.h()) * st.window.w();
      // vww_96_int8's pruned channels are not computed (conv_dsp.c ts_conv_live_runs)
      if (stem[0] == 'v') {
        EXPECT_LE(l.x[1] + l.x[5] + l.x[6], per_pixel * pixels) << stem << " step " << s;
        pruned_macs += per_pixel * pixels - (l.x[1] + l.x[5] + l.x[6]);
      } else {
        EXPECT_EQ(l.x[1] + l.x[5] + l.x[6], per_pixel * pixels) << stem << " step " << s;
      }
      EXPECT_LE(l.x[5], per_pixel);  // at most one lone pixel
      // raster-order quads leave at most the window's last 3 pixels
      if (st.window.w() % 4 != 0 && l.x[6] + l.x[5] <= 3 * per_pixel && st.window.h() > 1) ++staged;
      ++steps;
    }
  }
  EXPECT_GT(steps, 50);
  EXPECT_GT(staged, 0);
  EXPECT_GT(pruned_macs, 1e6);  // vww_96_int8: 55-91% of ops 14-26's channels
}

}  // namespace
}  // namespace tessera
