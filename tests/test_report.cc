// Reports: per-step figures computed by hand on a small plan, the table and JSON agreeing
// with them, and the SVG timeline's content (one rectangle per buffer, or per piece of a
// banded buffer, with a hover title,
// the arena line, KiB ticks, the accounting, escaping). Set TESSERA_REPORT_SVG_DIR to keep
// the SVGs of the shared models' layer-by-layer plans for a look.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "analysis/macs.h"
#include "memory/greedy.h"
#include "report/report.h"
#include "report/svg.h"
#include "support/checker_graphs.h"
#include "support/paths.h"
#include "tflite/reader.h"

namespace tessera {
namespace {

using ::testing::HasSubstr;

size_t Count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + what.size())) ++n;
  return n;
}

bool Has(const std::string& text, const std::string& what) { return text.find(what) != std::string::npos; }

// ResidualNet laid out by hand (no reuse): the live bytes of each step are sums we can write.
Plan NoReusePlan(const Graph& g) {
  Plan p = test::HandLayerByLayer(g);
  int64_t off = 0;
  for (Buffer& b : p.buffers) {
    b.offset = off;
    off += b.bytes;
  }
  p.arena_bytes = off;
  return p;
}

TEST(Report, FiguresByHand) {
  const Graph g = test::ResidualNet();
  const Plan p = NoReusePlan(g);
  const PlanReport r = SummarizePlan(g, p);
  // Buffers: input 432 [0,0], conv0 288 [0,3], dw1 288 [1,2], conv2 288 [2,3], add3 288 [3,4],
  // pool4 8 [4,5], reshape5 8 [5,6], fc6 5 [6,7], softmax7 5 [7,7].
  const std::vector<int64_t> live = {432 + 288, 288 + 288, 288 * 3, 288 * 3, 288 + 8, 8 + 8, 8 + 5, 5 + 5};
  ASSERT_EQ(r.steps.size(), live.size());
  for (size_t s = 0; s < live.size(); ++s) EXPECT_EQ(r.steps[s].live_bytes, live[s]) << "step " << s;
  EXPECT_EQ(r.steps[0].live_buffers, 2);
  EXPECT_EQ(r.steps[2].live_buffers, 3);
  EXPECT_EQ(r.lower_bound_bytes, 864);
  EXPECT_EQ(r.peak_step, 2);
  EXPECT_EQ(r.arena_bytes, 432 + 4 * 288 + 8 + 8 + 5 + 5);
  // MACs: conv 3x3 s2 12x12x3 -> 6x6x8: 36*8*27; depthwise 3x3 on 6x6x8: 36*8*9;
  // 1x1 conv 8 -> 8: 36*8*8; FC 8 -> 5: 40.
  EXPECT_EQ(r.steps[0].macs, 36 * 8 * 27);
  EXPECT_EQ(r.steps[1].macs, 36 * 8 * 9);
  EXPECT_EQ(r.steps[2].macs, 36 * 8 * 8);
  EXPECT_EQ(r.steps[6].macs, 40);
  EXPECT_EQ(r.macs, 36 * 8 * 27 + 36 * 8 * 9 + 36 * 8 * 8 + 40);
  EXPECT_EQ(r.macs, r.layer_macs);
  EXPECT_EQ(r.steps[3].kind, "ADD");
  EXPECT_EQ(r.steps[3].output, "add3");
}

TEST(Report, TableAndJson) {
  const Graph g = test::ResidualNet();
  const Plan p = NoReusePlan(g);
  const std::string t = StepTable(g, p);
  EXPECT_THAT(t, HasSubstr("model residual | strategy test_lbl | 8 steps | 9 buffers"));
  EXPECT_THAT(t, HasSubstr("model input counted in the arena"));
  EXPECT_EQ(Count(t, "<- peak"), 1u);
  // The peak row, with runs of blanks collapsed: step 2, CONV_2D conv2, its window, 3 live
  // buffers, 864 live bytes, 2,304 MACs, marked.
  std::string squeezed;
  for (char c : t)
    if (c != ' ' || squeezed.empty() || squeezed.back() != ' ') squeezed += c;
  EXPECT_THAT(squeezed, HasSubstr("\n 2 CONV_2D conv2 [0,6)x[0,6) 3 864 2,304 <- peak")) << t;
  EXPECT_THAT(t, HasSubstr("lower bound             864 B"));
  EXPECT_THAT(t, HasSubstr("(layer by layer 12,712, +0.0%)"));

  const nlohmann::json j = PlanReportJson(g, p);
  EXPECT_EQ(j["lower_bound_bytes"], 864);
  EXPECT_EQ(j["peak_step"], 2);
  EXPECT_EQ(j["arena_bytes"], p.arena_bytes);
  EXPECT_EQ(j["accounting"]["input_in_arena"], true);
  EXPECT_EQ(j["steps"].size(), 8u);
  EXPECT_EQ(j["steps"][1]["live_bytes"], 576);
  EXPECT_EQ(j["steps"][1]["kind"], "DEPTHWISE_CONV_2D");
  EXPECT_EQ(j["buffers"].size(), 9u);
  EXPECT_EQ(j["buffers"][1]["live"], nlohmann::json::array({0, 3}));

  Plan s = p;
  s.accounting.input_in_arena = false;
  s.buffers[0].external = true;
  EXPECT_THAT(StepTable(g, s), HasSubstr("streamed, not counted (432 B outside the arena)"));
  EXPECT_EQ(SummarizePlan(g, s).steps[0].live_bytes, 288);

  Plan bad = p;
  bad.steps[3].op = 77;
  EXPECT_THROW(StepTable(g, bad), Error);
  bad = p;
  bad.buffers[2].last = 99;
  EXPECT_THROW(SummarizePlan(g, bad), Error);
}

TEST(Report, SvgTimeline) {
  const Graph g = test::ResidualNet();
  Plan p = NoReusePlan(g);
  p.buffers[3].name = "a<b & \"c\"";
  const std::string svg = PlanSvg(g, p, {});
  EXPECT_EQ(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u);
  EXPECT_PRED2(Has, svg, ("</svg>"));
  // One rectangle with a hover title per buffer, one hover area per step.
  EXPECT_EQ(Count(svg, "<title>buffer "), p.buffers.size());
  EXPECT_EQ(Count(svg, "<title>step "), p.steps.size());
  EXPECT_PRED2(Has, svg, ("residual \u2014 test_lbl"));
  EXPECT_PRED2(Has, svg, ("arena 1.6 KiB</tspan> (1610 B)"));
  EXPECT_PRED2(Has, svg, ("largest live total 0.8 KiB"));
  EXPECT_PRED2(Has, svg, ("model input counted in the arena"));
  EXPECT_PRED2(Has, svg, ("peak: step 2"));
  EXPECT_PRED2(Has, svg, ("arena offset (KiB)"));
  EXPECT_PRED2(Has, svg, ("a&lt;b &amp; &quot;c&quot;"));
  EXPECT_EQ(svg.find("a<b"), std::string::npos);
  // Colours are stable per tensor: two plans of the model, same colour for conv0.
  const std::string conv0 = "tensor 3 &apos;conv0&apos;";
  EXPECT_PRED2(Has, svg, (conv0));
  Plan q = test::HandLayerByLayer(g);
  const std::string svg2 = PlanSvg(g, q, {});
  auto colour_of = [&](const std::string& s) {
    const size_t at = s.find(conv0);
    const size_t rect = s.rfind("<rect", at);
    const size_t f = s.find("fill=\"", rect);
    return s.substr(f, s.find('"', f + 6) - f);
  };
  EXPECT_EQ(colour_of(svg), colour_of(svg2));
  // Streamed input: a lane of its own, the accounting says so.
  Plan s = p;
  s.accounting.input_in_arena = false;
  s.buffers[0].external = true;
  const std::string svg3 = PlanSvg(g, s, {});
  EXPECT_PRED2(Has, svg3, ("model input streamed, not counted (0.4 KiB outside)"));
  EXPECT_PRED2(Has, svg3, ("(outside the arena)"));
}

// A buffer with bands (plan.h): its bytes count only while their piece lives; the timeline
// draws one rectangle per piece; JSON lists the bands; malformed bands are an error.
TEST(Report, BandedBuffers) {
  const Graph g = test::ResidualNet();
  Plan p = NoReusePlan(g);
  ASSERT_EQ(p.buffers[1].name, "conv0");
  ASSERT_EQ(p.buffers[1].bytes, 288);
  p.buffers[1].bands = {BufferBand{0, 144, 0, 1}};  // conv0 [0, 3]: half of it dies after step 1
  const PlanReport r = SummarizePlan(g, p);
  const std::vector<int64_t> live = {432 + 288, 288 + 288, 144 + 288 * 2, 144 + 288 * 2, 288 + 8, 8 + 8, 8 + 5, 5 + 5};
  ASSERT_EQ(r.steps.size(), live.size());
  for (size_t s = 0; s < live.size(); ++s) {
    EXPECT_EQ(r.steps[s].live_bytes, live[s]) << "step " << s;
    int64_t owned = 0;
    for (const Buffer& b : p.buffers) owned += BufferBytesAt(b, static_cast<int>(s));
    EXPECT_EQ(r.steps[s].live_bytes, owned) << "step " << s;
  }
  EXPECT_EQ(r.steps[2].live_buffers, 3);
  EXPECT_EQ(r.lower_bound_bytes, 720);
  EXPECT_EQ(r.peak_step, 0);
  const nlohmann::json j = PlanReportJson(g, p);
  EXPECT_EQ(j["buffers"][1]["bands"], nlohmann::json::parse("[[0, 144, 0, 1]]"));
  EXPECT_FALSE(j["buffers"][2].contains("bands"));
  const std::string svg = PlanSvg(g, p, {});
  EXPECT_EQ(Count(svg, "<title>buffer "), p.buffers.size() + 1);
  EXPECT_PRED2(Has, svg, ("piece 1 of 2: bytes 432 .. 576 (144 B), live steps 0..1"));
  EXPECT_PRED2(Has, svg, ("piece 2 of 2: bytes 576 .. 720 (144 B), live steps 0..3"));
  Plan bad = p;
  bad.buffers[1].bands = {BufferBand{0, 400, 0, 1}};
  EXPECT_THROW(SummarizePlan(g, bad), Error);
  EXPECT_THROW(PlanSvg(g, bad, {}), Error);
}

TEST(Report, SharedModelsRender) {
  TESSERA_REQUIRE_SHARED();
  const char* keep = std::getenv("TESSERA_REPORT_SVG_DIR");
  for (const std::string& stem : test::SharedModelStems()) {
    SCOPED_TRACE(stem);
    const Graph g = ReadTflite(test::SharedModel(stem));
    const Plan p = PlanLayerByLayer(g);
    const PlanReport r = SummarizePlan(g, p);
    EXPECT_LE(r.lower_bound_bytes, p.arena_bytes);  // greedy never overlaps live buffers
    EXPECT_EQ(r.macs, GraphMacs(g));  // a single STRIDED_SLICE has none
    const std::string svg = PlanSvg(g, p, {});
    EXPECT_EQ(Count(svg, "<title>buffer "), p.buffers.size());
    EXPECT_FALSE(StepTable(g, p).empty());
    if (keep) {
      std::ofstream(std::string(keep) + "/" + test::ModelName(stem) + ".svg") << svg;
      std::ofstream(std::string(keep) + "/" + test::ModelName(stem) + ".txt") << StepTable(g, p);
    }
  }
}

}  // namespace
}  // namespace tessera
