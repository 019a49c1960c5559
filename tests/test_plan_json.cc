// Plan JSON: exact round trips (hand-made plans using every field, layer-by-layer plans of the
// shared models through files), the text layout, and validation errors naming the field.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>

#include "checker/checker.h"
#include "memory/greedy.h"
#include "plan/plan_json.h"
#include "support/checker_graphs.h"
#include "support/paths.h"
#include "support/svdf_graph.h"
#include "tflite/reader.h"

namespace tessera {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;

void ExpectSamePlan(const Plan& a, const Plan& b) {
  EXPECT_EQ(a.strategy, b.strategy);
  EXPECT_EQ(a.arena_bytes, b.arena_bytes);
  EXPECT_EQ(a.accounting.input_in_arena, b.accounting.input_in_arena);
  EXPECT_EQ(a.input_buffers, b.input_buffers);
  EXPECT_EQ(a.output_buffers, b.output_buffers);
  EXPECT_EQ(a.state, b.state);
  EXPECT_EQ(a.state_bytes, b.state_bytes);
  ASSERT_EQ(a.buffers.size(), b.buffers.size());
  for (size_t i = 0; i < a.buffers.size(); ++i) {
    SCOPED_TRACE("buffer " + std::to_string(i));
    const Buffer &x = a.buffers[i], &y = b.buffers[i];
    EXPECT_EQ(x.name, y.name);
    EXPECT_EQ(x.tensor, y.tensor);
    EXPECT_EQ(x.window, y.window);
    EXPECT_EQ(x.bytes, y.bytes);
    EXPECT_EQ(x.offset, y.offset);
    EXPECT_EQ(x.first, y.first);
    EXPECT_EQ(x.last, y.last);
    EXPECT_EQ(x.external, y.external);
    EXPECT_EQ(x.bands, y.bands);
  }
  ASSERT_EQ(a.steps.size(), b.steps.size());
  for (size_t i = 0; i < a.steps.size(); ++i) {
    SCOPED_TRACE("step " + std::to_string(i));
    const Step &x = a.steps[i], &y = b.steps[i];
    EXPECT_EQ(x.kind, y.kind);
    EXPECT_EQ(x.op, y.op);
    EXPECT_EQ(x.window, y.window);
    EXPECT_EQ(x.inputs, y.inputs);
    EXPECT_EQ(x.outputs, y.outputs);
    EXPECT_EQ(x.scratch, y.scratch);
    EXPECT_EQ(x.fused_pad, y.fused_pad);
    EXPECT_EQ(x.workspace, y.workspace);
  }
}

// A plan using every field: external input, scratch, copy step, fused PAD, odd names.
struct Fixture {
  Graph g;
  Plan p;
  Fixture() {
    test::TinyGraph b("every \"field\" \xc3\xa9");
    const int x = b.Input("x", {1, 6, 6, 2});
    const int pd = b.Pad(x, 1, 1, 1, 1);
    const int y = b.Conv(pd, 2, 3, 1, Padding::kValid);
    g = b.Finish({y});
    p.strategy = "hand \"made\"";
    p.accounting.input_in_arena = false;
    Buffer bx{"x", x, {0, 6, 0, 6}, 72, 0, 0, 1, true, {}};
    Buffer bp{"x.patch", x, {0, 4, 0, 6}, 48, 0, 0, 1, false, {}};
    Buffer by{"y", y, {0, 6, 0, 6}, 72, 48, 1, 2, false, {}};
    Buffer bs{"scratch", kNoTensor, {}, 16, 120, 1, 1, false, {}};
    p.buffers = {bx, bp, by, bs};
    Step c{StepKind::kCopy, -1, {0, 4, 0, 6}, {0}, {1}, -1, -1};
    Step s1{StepKind::kOp, 1, {0, 3, 0, 6}, {1}, {2}, 3, 0};
    Step s2{StepKind::kOp, 1, {3, 6, 0, 6}, {0}, {2}, -1, 0};
    p.steps = {c, s1, s2};
    p.buffers[0].last = 2;
    p.buffers[2].last = 2;
    p.arena_bytes = 136;
    p.input_buffers = {0};
    p.output_buffers = {2};
  }
};

TEST(PlanJson, RoundTripEveryField) {
  Fixture f;
  ASSERT_TRUE(CheckPlan(f.g, f.p).ok) << CheckPlan(f.g, f.p).message;
  const json j = PlanToJson(f.p, &f.g);
  EXPECT_EQ(j["format"], "tessera-plan");
  EXPECT_EQ(j["version"], kPlanJsonVersion);
  EXPECT_EQ(j["model"]["name"], f.g.name);
  EXPECT_EQ(j["accounting"]["input_in_arena"], false);
  EXPECT_EQ(j["steps"][1]["type"], "CONV_2D");
  ExpectSamePlan(PlanFromJson(j, &f.g), f.p);
  ExpectSamePlan(PlanFromJson(PlanToJson(f.p), nullptr), f.p);  // without a graph
  // Through the text form.
  const std::string text = PlanJsonText(f.p, &f.g);
  ExpectSamePlan(PlanFromJson(json::parse(text), &f.g), f.p);
  // One buffer / step per line.
  EXPECT_THAT(text, HasSubstr("\n    {\"kind\":\"copy\""));
  EXPECT_EQ(text.back(), '\n');
  EXPECT_EQ(PlanJsonText(PlanFromJson(json::parse(text), &f.g), &f.g), text);
}

TEST(PlanJson, RoundTripWorkspace) {
  Fixture f;
  f.p.steps[1].workspace = {136, 2304};  // above every buffer
  f.p.arena_bytes = 136 + 2304;
  ASSERT_TRUE(CheckPlan(f.g, f.p).ok) << CheckPlan(f.g, f.p).message;
  const json j = PlanToJson(f.p, &f.g);
  EXPECT_EQ(j["steps"][1]["workspace"], json::array({136, 2304}));
  EXPECT_FALSE(j["steps"][2].contains("workspace"));
  ExpectSamePlan(PlanFromJson(j, &f.g), f.p);
  ExpectSamePlan(PlanFromJson(json::parse(PlanJsonText(f.p, &f.g)), &f.g), f.p);
}

TEST(PlanJson, SharedModelsThroughFiles) {
  TESSERA_REQUIRE_SHARED();
  const std::string dir = ::testing::TempDir();
  for (const std::string& stem : test::SharedModelStems()) {
    SCOPED_TRACE(stem);
    const Graph g = ReadTflite(test::SharedModel(stem));
    const Plan p = PlanLayerByLayer(g);
    const std::string path = dir + "/plan_json_" + test::ModelName(stem) + ".json";
    WritePlanJson(p, path, &g);
    const Plan q = ReadPlanJson(path, g);
    ExpectSamePlan(q, p);
    EXPECT_TRUE(CheckPlan(g, q).ok);
    std::filesystem::remove(path);
  }
}

// Each edit of a valid plan's JSON and the error it must give.
struct BadCase {
  const char* what;
  std::function<void(json&)> edit;
  const char* error;
};

TEST(PlanJson, ValidationNamesTheField) {
  Fixture f;
  const json good = PlanToJson(f.p, &f.g);
  const std::vector<BadCase> cases = {
      {"no format", [](json& j) { j.erase("format"); }, "format: missing"},
      {"other format", [](json& j) { j["format"] = "x"; }, "format: \"x\" is not \"tessera-plan\""},
      {"future version", [](json& j) { j["version"] = 2; }, "version: version 2 is not supported"},
      {"other model", [](json& j) { j["model"]["operators"] = 9; }, "model: the plan is for model"},
      {"arena type", [](json& j) { j["arena_bytes"] = "big"; }, "arena_bytes: expected an integer, found string"},
      {"arena negative", [](json& j) { j["arena_bytes"] = -1; }, "arena_bytes: -1 is out of range"},
      {"arena huge", [](json& j) { j["arena_bytes"] = 18446744073709551615ull; }, "arena_bytes: 18446744073709551615 is out of range"},
      {"accounting", [](json& j) { j["accounting"]["input_in_arena"] = 1; }, "accounting.input_in_arena: expected true or false"},
      {"buffers type", [](json& j) { j["buffers"] = json::object(); }, "buffers: expected an array, found object"},
      {"buffer tensor", [](json& j) { j["buffers"][2]["tensor"] = 99; }, "buffers[2].tensor: 99 is out of range [0, 5]"},
      {"const tensor", [](json& j) { j["buffers"][2]["tensor"] = 1; }, "buffers[2].tensor: tensor 1 ('paddings0') is a constant"},
      {"window size", [](json& j) { j["buffers"][1]["window"] = {0, 1, 2}; }, "buffers[1].window: expected [y0, y1, x0, x1], found 3"},
      {"window order", [](json& j) { j["buffers"][1]["window"] = {3, 1, 0, 6}; }, "buffers[1].window: window [3,1)x[0,6) has an end before its start"},
      {"window outside", [](json& j) { j["buffers"][1]["window"] = {0, 7, 0, 6}; }, "buffers[1].window: [0,7)x[0,6) is not inside tensor 0 ('x') [0,6)x[0,6)"},
      {"bytes", [](json& j) { j["buffers"][1]["bytes"] = 47; }, "buffers[1].bytes: 47 bytes, but window [0,4)x[0,6) of tensor 0 ('x') is 48 bytes"},
      {"offset", [](json& j) { j["buffers"][3]["offset"] = -4; }, "buffers[3].offset: -4 is out of range"},
      {"live order", [](json& j) { j["buffers"][2]["live"] = {2, 1}; }, "buffers[2].live[1]: 1 is out of range [2, 2]"},
      {"live past end", [](json& j) { j["buffers"][2]["live"] = {1, 3}; }, "buffers[2].live[1]: 3 is out of range [1, 2]"},
      {"live missing", [](json& j) { j["buffers"][0].erase("live"); }, "buffers[0].live: missing"},
      {"step kind", [](json& j) { j["steps"][0]["kind"] = "move"; }, "steps[0].kind: \"move\" is neither \"op\" nor \"copy\""},
      {"step op", [](json& j) { j["steps"][1]["op"] = 2; }, "steps[1].op: 2 is out of range [0, 1]"},
      {"step type", [](json& j) { j["steps"][1]["type"] = "ADD"; }, "steps[1].type: \"ADD\", but operator 1 of the model is CONV_2D"},
      {"step input", [](json& j) { j["steps"][2]["inputs"] = {0, 17}; }, "steps[2].inputs[1]: buffer 17 out of range (4 buffers)"},
      {"step output type", [](json& j) { j["steps"][2]["outputs"] = {"y"}; }, "steps[2].outputs[0]: expected an integer, found string"},
      {"step scratch", [](json& j) { j["steps"][1]["scratch"] = 4; }, "steps[1].scratch: 4 is out of range [-1, 3]"},
      {"step fused", [](json& j) { j["steps"][1]["fused_pad"] = 5; }, "steps[1].fused_pad: 5 is out of range [-1, 1]"},
      {"step workspace", [](json& j) { j["steps"][1]["workspace"] = {128, 16}; }, "steps[1].workspace: [128, 144) is outside the arena of 136 bytes"},
      {"workspace form", [](json& j) { j["steps"][1]["workspace"] = {4}; }, "steps[1].workspace: expected [offset, bytes], found 1 numbers"},
      {"workspace empty", [](json& j) { j["steps"][1]["workspace"] = {4, 0}; }, "steps[1].workspace[1]: 0 is out of range"},
      {"inputs count", [](json& j) { j["input_buffers"] = {0, 1}; }, "input_buffers: 2 buffers for the model's 1 inputs"},
      {"outputs range", [](json& j) { j["output_buffers"] = {-1}; }, "output_buffers[0]: buffer -1 out of range"},
      {"not an object", [](json& j) { j = json::array(); }, "plan: expected an object, found array"},
  };
  for (const BadCase& c : cases) {
    SCOPED_TRACE(c.what);
    json j = good;
    c.edit(j);
    try {
      PlanFromJson(j, &f.g);
      ADD_FAILURE() << "accepted";
    } catch (const Error& e) {
      EXPECT_THAT(e.what(), HasSubstr(c.error));
    }
  }
}

// Buffer bands (per-byte-range lifetimes) round trip; a buffer without bands writes no key.
TEST(PlanJson, RoundTripBands) {
  Fixture f;
  // y's rows 3..5 (bytes [36, 72)) are first written by step 2.
  f.p.buffers[2].bands = {BufferBand{36, 72, 2, 2}};
  ASSERT_EQ(BandsError(f.p.buffers[2]), "");
  ASSERT_TRUE(CheckPlan(f.g, f.p).ok) << CheckPlan(f.g, f.p).message;
  const json j = PlanToJson(f.p, &f.g);
  EXPECT_EQ(j["buffers"][2]["bands"], json::parse("[[36, 72, 2, 2]]"));
  for (int b : {0, 1, 3}) EXPECT_FALSE(j["buffers"][b].contains("bands")) << b;
  ExpectSamePlan(PlanFromJson(j, &f.g), f.p);
  const std::string text = PlanJsonText(f.p, &f.g);
  EXPECT_THAT(text, HasSubstr("\"bands\":[[36,72,2,2]]"));
  ExpectSamePlan(PlanFromJson(json::parse(text), &f.g), f.p);
  // Two bands, one with the buffer's own interval.
  f.p.buffers[2].bands = {BufferBand{0, 12, 1, 2}, BufferBand{36, 72, 2, 2}};
  ExpectSamePlan(PlanFromJson(PlanToJson(f.p), nullptr), f.p);
}

TEST(PlanJson, MalformedBandsNameTheBuffer) {
  Fixture f;
  const json good = PlanToJson(f.p, &f.g);
  const std::vector<BadCase> cases = {
      {"bands type", [](json& j) { j["buffers"][2]["bands"] = 3; }, "buffers[2].bands: expected an array, found number"},
      {"band size", [](json& j) { j["buffers"][2]["bands"] = {{0, 12, 1}}; }, "buffers[2].bands[0]: expected [begin, end, first, last], found 3"},
      {"band value", [](json& j) { j["buffers"][2]["bands"] = {{0, "12", 1, 2}}; }, "buffers[2].bands[0][1]: expected an integer"},
      {"band step", [](json& j) { j["buffers"][2]["bands"] = {{0, 12, 1, 7}}; }, "buffers[2].bands[0][3]: 7 is out of range [0, 2]"},
      {"band beyond", [](json& j) { j["buffers"][2]["bands"] = {{60, 80, 1, 2}}; }, "buffers[2].bands: buffer 'y' (72 bytes, live [1, 2]): band 0 [60, 80) live [1, 2] is empty, out of order"},
      {"band empty", [](json& j) { j["buffers"][2]["bands"] = {{12, 12, 1, 2}}; }, "buffers[2].bands: buffer 'y'"},
      {"band overlap", [](json& j) { j["buffers"][2]["bands"] = {{0, 36, 1, 1}, {30, 72, 2, 2}}; }, "band 1 [30, 72) live [2, 2] is empty, out of order, overlaps"},
      {"band live", [](json& j) { j["buffers"][2]["bands"] = {{0, 36, 0, 1}}; }, "buffers[2].bands: buffer 'y' (72 bytes, live [1, 2]): band 0 [0, 36) live [0, 1] is not inside the buffer's live interval [1, 2]"},
  };
  for (const BadCase& c : cases) {
    SCOPED_TRACE(c.what);
    json j = good;
    c.edit(j);
    try {
      PlanFromJson(j, &f.g);
      ADD_FAILURE() << "accepted";
    } catch (const Error& e) {
      EXPECT_THAT(e.what(), HasSubstr(c.error));
    }
  }
}

TEST(PlanJson, FileErrorsNameThePath) {
  Fixture f;
  const std::string dir = ::testing::TempDir();
  const std::string bad = dir + "/plan_json_bad.json";
  {
    std::ofstream o(bad);
    o << "{\"format\": \"tessera-plan\", ";
  }
  try {
    ReadPlanJson(bad, f.g);
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr(bad + ": not valid JSON"));
  }
  {
    std::ofstream o(bad);
    o << "{\"format\": \"tessera-plan\", \"version\": 1}";
  }
  try {
    ReadPlanJson(bad, f.g);
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr(bad + ": arena_bytes: missing"));
  }
  std::filesystem::remove(bad);
  EXPECT_THROW(ReadPlanJson(dir + "/no_such_plan.json", f.g), Error);
  EXPECT_THROW(WritePlanJson(f.p, dir + "/no_such_dir/x.json"), Error);
}

// The state region (SVDF's variable tensors) through JSON: written as state_bytes and
// [tensor, offset, bytes] per slot, read back equal; a slot naming a tensor that is not state
// is an error naming the field.
TEST(PlanJson, RoundTripState) {
  test::SvdfSpec s;
  s.layers = 2;
  const Graph g = test::SvdfGraph(s, 5);
  const Plan p = PlanLayerByLayer(g);
  ASSERT_EQ(p.state.size(), 2u);
  const json j = PlanToJson(p, &g);
  EXPECT_EQ(j["state_bytes"], p.state_bytes);
  ASSERT_EQ(j["state"].size(), 2u);
  EXPECT_EQ(j["state"][1][0], p.state[1].tensor);
  ExpectSamePlan(PlanFromJson(j, &g), p);
  ExpectSamePlan(PlanFromJson(json::parse(PlanJsonText(p, &g)), &g), p);
  json bad = j;
  bad["state"][0][0] = g.inputs[0];
  try {
    PlanFromJson(bad, &g);
    ADD_FAILURE() << "a state slot of an activation was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("state[0][0]"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("is not state"), std::string::npos) << e.what();
  }
  // A model without state writes neither field.
  Fixture f;
  EXPECT_FALSE(PlanToJson(f.p, &f.g).contains("state"));
}

}  // namespace
}  // namespace tessera
