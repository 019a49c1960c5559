// The C code generator on the host: the generated C compiles warning-free (host C compiler
// and arm-none-eabi-gcc, -std=c99 -Wall -Wextra -Werror), computes the host executor's bytes
// when compiled and run on the host, has exactly the plan's arena, and bad plans are errors.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "codegen/codegen.h"
#include "codegen/device.h"
#include "exec/executor.h"
#include "memory/greedy.h"
#include "memory/mcunetv2.h"
#include "plan/strategy.h"
#include "schedule/patch.h"
#include "schedule/stream.h"
#include "support/all_ops_graph.h"
#include "support/paths.h"
#include "support/svdf_graph.h"
#include "tflite/reader.h"
#include "zoo/zoo.h"

namespace tessera {
namespace {

namespace fs = std::filesystem;

std::string TempDir(const std::string& name) { return test::FreshTempDir("cg_" + name); }

std::string ReadText(const std::string& path) {
  std::ifstream f(path);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

std::vector<uint8_t> RandomInput(const Tensor& t, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> r(static_cast<size_t>(t.num_bytes()));
  if (t.type == DType::kFloat32) {
    for (size_t i = 0; i + 4 <= r.size(); i += 4) {
      const float v = static_cast<float>(static_cast<double>(rng()) / 4294967296.0 * 2.0 - 1.0);
      std::memcpy(&r[i], &v, 4);
    }
  } else {
    for (auto& b : r) b = static_cast<uint8_t>(rng() >> 24);
  }
  return r;
}

// A host program around the generated model: reads the inputs from argv[1] (raw, in order),
// invokes, writes all outputs to argv[2].
constexpr const char* kHostMain = R"(#include <stdio.h>
#include <stdlib.h>
#include "model.h"
int main(int argc, char** argv) {
  static unsigned char buf[1 << 24];
  FILE* f;
  size_t at = 0;
  int i;
  if (argc != 3) return 2;
  f = fopen(argv[1], "rb");
  if (!f) return 2;
  if (fread(buf, 1, sizeof buf, f) == 0) return 2;
  fclose(f);
  for (i = 0; i < MODEL_NUM_INPUTS; ++i) {
    if (model_set_input(i, buf + at) != 0) return 3;
    at += model_input_bytes(i);
  }
  if (model_invoke() != 0) return 4;
  f = fopen(argv[2], "wb");
  if (!f) return 2;
  for (i = 0; i < MODEL_NUM_OUTPUTS; ++i) fwrite(model_output(i), 1, model_output_bytes(i), f);
  fclose(f);
  return 0;
}
)";

// Generates C for (g, plan), compiles it for the host with -Werror, runs it on `inputs`
// and returns the concatenated outputs.
std::vector<uint8_t> RunGeneratedOnHost(const Graph& g, const Plan& plan,
                                        const std::vector<std::vector<uint8_t>>& inputs,
                                        const std::string& dir) {
  const auto files = GenerateC(g, plan, dir + "/gen");
  {
    std::ofstream m(dir + "/main.c");
    m << kHostMain;
  }
  std::string cmd = "cc -std=c99 -O1 -Wall -Wextra -Werror -I " + ShellQuote(dir + "/gen") + " -o " +
                    ShellQuote(dir + "/model_host") + " " + ShellQuote(dir + "/main.c");
  for (auto& s : GeneratedSources(files)) cmd.append(" ").append(ShellQuote(s));
  cmd += " -lm";
  ShellResult cr = RunShell(cmd);
  EXPECT_EQ(cr.exit_code, 0) << cr.output;
  if (cr.exit_code != 0) return {};
  {
    std::ofstream in(dir + "/input.bin", std::ios::binary);
    for (auto& v : inputs) in.write(reinterpret_cast<const char*>(v.data()), static_cast<std::streamsize>(v.size()));
  }
  ShellResult rr = RunShell(ShellQuote(dir + "/model_host") + " " + ShellQuote(dir + "/input.bin") + " " +
                            ShellQuote(dir + "/output.bin"));
  EXPECT_EQ(rr.exit_code, 0) << rr.output;
  return test::ReadFileBytes(dir + "/output.bin");
}

std::vector<uint8_t> Concat(const std::vector<std::vector<uint8_t>>& v) {
  std::vector<uint8_t> r;
  for (auto& x : v) r.insert(r.end(), x.begin(), x.end());
  return r;
}

void ExpectHostExact(const Graph& g, const Plan& plan, const std::string& tag) {
  std::vector<std::vector<uint8_t>> inputs;
  for (size_t i = 0; i < g.inputs.size(); ++i) inputs.push_back(RandomInput(g.tensors[g.inputs[i]], 7 + i));
  const auto expected = Concat(RunPlan(g, plan, inputs));
  const std::string dir = TempDir(tag);
  const auto got = RunGeneratedOnHost(g, plan, inputs, dir);
  ASSERT_EQ(got.size(), expected.size()) << tag;
  EXPECT_TRUE(got == expected) << tag << ": generated C differs from the host executor";
  fs::remove_all(dir);
}

TEST(Codegen, FilesArenaAndApi) {
  const Graph g = BuildZooModel("resnet8-cifar10");
  const Plan plan = PlanLayerByLayer(g);
  const std::string dir = TempDir("files");
  const auto files = GenerateC(g, plan, dir);
  ASSERT_GE(files.size(), 3u);
  EXPECT_EQ(files[0], dir + "/model.h");
  EXPECT_EQ(files[1], dir + "/model.c");
  EXPECT_TRUE(fs::exists(dir + "/tessera/kernels.h"));
  const std::string h = ReadText(dir + "/model.h");
  const std::string c = ReadText(dir + "/model.c");
  EXPECT_NE(h.find("#define MODEL_ARENA_BYTES " + std::to_string(plan.arena_bytes) + "\n"), std::string::npos);
  EXPECT_NE(h.find("#define MODEL_INPUT0_BYTES " + std::to_string(g.tensors[g.inputs[0]].num_bytes()) + "\n"),
            std::string::npos);
  EXPECT_NE(h.find("#define MODEL_OUTPUT0_BYTES " + std::to_string(g.tensors[g.outputs[0]].num_bytes()) + "\n"),
            std::string::npos);
  EXPECT_NE(h.find("int model_invoke(void);"), std::string::npos);
  EXPECT_NE(c.find("static int8_t model_arena[" + std::to_string(plan.arena_bytes) +
                   "] __attribute__((aligned(16), section(\".bss.tessera_arena.model\")));"),
            std::string::npos);
  // No heap, no floats in an all-int8 model.
  EXPECT_EQ(c.find("malloc"), std::string::npos);
  EXPECT_EQ(c.find("float"), std::string::npos);
  EXPECT_EQ(c.find("double"), std::string::npos);
  // Exactly one arena.
  EXPECT_EQ(c.find("static int8_t model_external"), std::string::npos);
  fs::remove_all(dir);
}

TEST(Codegen, PrefixRenamesEverything) {
  const Graph g = BuildZooModel("resnet8-cifar10");
  const Plan plan = PlanLayerByLayer(g);
  const std::string dir = TempDir("prefix");
  CodegenOptions o;
  o.prefix = "net2";
  o.copy_kernels = false;
  const auto files = GenerateC(g, plan, dir, o);
  ASSERT_EQ(files.size(), 2u);
  const std::string c = ReadText(dir + "/net2.c");
  EXPECT_NE(c.find("int net2_invoke(void)"), std::string::npos);
  EXPECT_NE(ReadText(dir + "/net2.h").find("#define NET2_ARENA_BYTES"), std::string::npos);
  EXPECT_EQ(c.find("model_"), std::string::npos);
  fs::remove_all(dir);
}

TEST(Codegen, HostCompiledZooModelMatchesExecutor) {
  for (const char* name : {"resnet8-cifar10", "nonsquare-pad-r128x160"}) {
    const Graph g = BuildZooModel(name);
    ExpectHostExact(g, PlanLayerByLayer(g), name);
  }
}

TEST(Codegen, HostCompiledSharedModelsMatchExecutor) {
  TESSERA_REQUIRE_SHARED();
  for (const char* stem : {"person_detect", "vww_96_int8", "resnet8_cifar10_int8", "kws_dscnn_int8",
                           "ad01_fc_autoencoder_int8", "mcunet_vww1_80"}) {
    const Graph g = ReadTflite(test::SharedModel(stem));
    ExpectHostExact(g, PlanLayerByLayer(g), stem);
  }
}

TEST(Codegen, HostCompiledMatchesTflmReference) {
  TESSERA_REQUIRE_SHARED();
  for (const char* stem : {"person_detect", "kws_dscnn_int8", "mcunet_vww1_80"}) {
    const Graph g = ReadTflite(test::SharedModel(stem));
    const Plan plan = PlanLayerByLayer(g);
    const std::string ref = test::ReferenceDir(stem);
    const auto input = test::ReadFileBytes(ref + "/case1.input.bin");
    std::vector<std::vector<uint8_t>> inputs{input};
    ASSERT_EQ(g.inputs.size(), 1u);
    const std::string dir = TempDir(std::string("ref_") + stem);
    const auto got = RunGeneratedOnHost(g, plan, inputs, dir);
    std::vector<uint8_t> expected;
    for (size_t i = 0; i < g.outputs.size(); ++i) {
      auto o = test::ReadFileBytes(ref + "/case1.output" + std::to_string(i) + ".bin");
      expected.insert(expected.end(), o.begin(), o.end());
    }
    EXPECT_TRUE(got == expected) << stem << ": generated C differs from TFLM's reference output";
    fs::remove_all(dir);
  }
}

TEST(Codegen, OtherStrategiesMatchExecutor) {
  TESSERA_REQUIRE_SHARED();
  const Graph g = ReadTflite(test::SharedModel("mcunet_vww1_80"));
  for (const char* s : {"fuse", "overlap", "best"}) {
    Plan plan;
    try {
      plan = MakePlan(g, PlanOptions::FromStrategy(s));
    } catch (const Error& e) {
      ADD_FAILURE() << s << ": " << e.what();
      continue;
    }
    ExpectHostExact(g, plan, std::string("mcunet_") + s);
  }
}

// A patch stage split of `g` with at least `grid` rows and columns in its assembled tensors,
// the deepest such split (the largest stage).
PatchConfig PatchSplit(const Graph& g, int grid) {
  PatchConfig cfg;
  cfg.rows = cfg.cols = grid;
  for (const SplitPoint& sp : ValidSplits(g))
    if (sp.min_cut_h >= 2 * grid && sp.min_cut_w >= 2 * grid) cfg.split_op = sp.last_op;
  return cfg;
}

TEST(Codegen, PatchPlansMatchExecutor) {
  TESSERA_REQUIRE_SHARED();
  const Graph g = ReadTflite(test::SharedModel("mcunet_vww1_80"));
  PatchConfig cfg = PatchSplit(g, 3);
  ASSERT_GE(cfg.split_op, 0);
  // MCUNetV2's layout with the input streamed outside the arena (external buffer).
  const Plan streamed = PlanMcunetV2(g, cfg, /*input_in_arena=*/false);
  bool external = false;
  for (auto& b : streamed.buffers) external |= b.external;
  EXPECT_TRUE(external);
  ExpectHostExact(g, streamed, "patch_streamed");
  // Patches with PADs folded into their convolutions, greedy placement.
  cfg.fold_pads = true;
  Plan folded = SchedulePatches(g, cfg);
  PlaceGreedy(folded);
  ExpectHostExact(g, folded, "patch_folded");
}

// A streamed plan whose first stage starts with an NCHW -> NHWC TRANSPOSE: the generated code
// runs the TRANSPOSE over each patch's window.
TEST(Codegen, WindowedTransposeMatchesExecutor) {
  const Graph g = test::SmallNchwGraph();
  for (const char* spec : {"2:2x2:mixed", "1:2x1:cache,3:2x1"}) {
    Plan plan = ScheduleStream(g, ParseStreamSpec(spec), Accounting{true});
    int windowed = 0;
    for (const Step& st : plan.steps)
      windowed += st.kind == StepKind::kOp && st.op == 0 && st.window != FullWindow(g, g.ops[0].outputs[0]);
    EXPECT_GT(windowed, 1) << spec;
    PlaceGreedy(plan);
    ExpectHostExact(g, plan, std::string("nchw_") + (spec[0] == '2' ? "one" : "two"));
  }
}

TEST(Codegen, ArmCompileIsWarningFree) {
  if (!HaveFirmwareTools()) GTEST_SKIP() << "arm-none-eabi-gcc absent";
  std::vector<Graph> graphs;
  graphs.push_back(BuildZooModel("nonsquare-pad-r128x160"));
  if (test::HaveShared()) graphs.push_back(ReadTflite(test::SharedModel("mcunet_vww1_80")));
  for (const Graph& g : graphs) {
    const std::string dir = TempDir("arm_" + g.name);
    const auto files = GenerateC(g, PlanLayerByLayer(g), dir);
    for (auto& src : GeneratedSources(files)) {
      ShellResult r = RunShell("arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16 "
                               "-std=c99 -O2 -Wall -Wextra -Werror -c -I " + ShellQuote(dir) + " " +
                               ShellQuote(src) + " -o /dev/null");
      EXPECT_EQ(r.exit_code, 0) << src << ":\n" << r.output;
    }
    fs::remove_all(dir);
  }
}

// State in the generated C: MODEL_STATE_BYTES, the state buffer carried over invokes and
// model_reset(). A host program invokes three times, resets, invokes once: its outputs equal
// the executor's after three invokes, then after one (int8 state starting at its zero point,
// emitted as the buffer's initializer, and int16 state from zeros).
TEST(Codegen, StateCarriesOverInvokesAndResets) {
  for (bool state16 : {false, true}) {
    test::SvdfSpec s;
    s.layers = 2;
    s.state16 = state16;
    s.state_zero_point = state16 ? 0 : 23;
    s.memory = 4;
    const Graph g = test::SvdfGraph(s, 77);
    const Plan plan = PlanLayerByLayer(g);
    const std::vector<std::vector<uint8_t>> inputs = {RandomInput(g.tensors[g.inputs[0]], 3)};
    const auto once = RunPlan(g, plan, inputs, 1), thrice = RunPlan(g, plan, inputs, 3);
    ASSERT_FALSE(once == thrice) << "the state made no difference";
    const std::string dir = TempDir(std::string("state") + (state16 ? "16" : "8"));
    const auto files = GenerateC(g, plan, dir + "/gen");
    const std::string header = ReadText(dir + "/gen/model.h");
    EXPECT_NE(header.find("#define MODEL_STATE_BYTES " + std::to_string(plan.state_bytes)), std::string::npos);
    EXPECT_NE(header.find("void model_reset(void);"), std::string::npos);
    {
      std::ofstream m(dir + "/main.c");
      m << R"(#include <stdio.h>
#include "model.h"
int main(int argc, char** argv) {
  static unsigned char in[MODEL_INPUT0_BYTES];
  FILE* f;
  int k;
  if (argc != 3 || !(f = fopen(argv[1], "rb")) || fread(in, 1, sizeof in, f) != sizeof in) return 2;
  fclose(f);
  if (!(f = fopen(argv[2], "wb"))) return 2;
  for (k = 0; k < 3; ++k) {
    model_set_input(0, in);
    if (model_invoke() != 0) return 4;
  }
  fwrite(model_output(0), 1, model_output_bytes(0), f);
  model_reset();
  model_set_input(0, in);
  if (model_invoke() != 0) return 4;
  fwrite(model_output(0), 1, model_output_bytes(0), f);
  fclose(f);
  return 0;
}
)";
    }
    std::string cmd = "cc -std=c99 -O1 -Wall -Wextra -Werror -I " + ShellQuote(dir + "/gen") + " -o " +
                      ShellQuote(dir + "/model_host") + " " + ShellQuote(dir + "/main.c");
    for (auto& src : GeneratedSources(files)) cmd.append(" ").append(ShellQuote(src));
    ShellResult cr = RunShell(cmd + " -lm");
    ASSERT_EQ(cr.exit_code, 0) << cr.output;
    {
      std::ofstream in(dir + "/input.bin", std::ios::binary);
      in.write(reinterpret_cast<const char*>(inputs[0].data()), static_cast<std::streamsize>(inputs[0].size()));
    }
    ShellResult rr = RunShell(ShellQuote(dir + "/model_host") + " " + ShellQuote(dir + "/input.bin") + " " +
                              ShellQuote(dir + "/output.bin"));
    ASSERT_EQ(rr.exit_code, 0) << rr.output;
    std::vector<uint8_t> want = thrice[0];
    want.insert(want.end(), once[0].begin(), once[0].end());
    EXPECT_TRUE(test::ReadFileBytes(dir + "/output.bin") == want) << (state16 ? "int16" : "int8") << " state";
    fs::remove_all(dir);
  }
}

TEST(CodegenErrors, BufferBeyondArena) {
  const Graph g = BuildZooModel("resnet8-cifar10");
  Plan plan = PlanLayerByLayer(g);
  int64_t end = 0;
  for (auto& b : plan.buffers)
    if (!b.external) end = std::max(end, b.offset + b.bytes);
  plan.arena_bytes = end - 1;  // one byte short of what the buffers occupy
  const std::string dir = TempDir("short");
  try {
    GenerateC(g, plan, dir);
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("does not fit the plan's arena of " + std::to_string(end - 1) + " bytes"),
              std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(fs::exists(dir + "/model.c"));
  fs::remove_all(dir);
}

TEST(CodegenErrors, BadPrefixAndArena) {
  const Graph g = BuildZooModel("resnet8-cifar10");
  Plan plan = PlanLayerByLayer(g);
  const std::string dir = TempDir("bad");
  CodegenOptions o;
  o.prefix = "9model";
  EXPECT_THROW(GenerateC(g, plan, dir, o), Error);
  o.prefix = "my-model";
  EXPECT_THROW(GenerateC(g, plan, dir, o), Error);
  Plan huge = plan;
  huge.arena_bytes = int64_t{1} << 40;
  EXPECT_THROW(GenerateC(g, huge, dir), Error);
  Plan bad_step = plan;
  bad_step.steps[0].op = 10000;
  EXPECT_THROW(GenerateC(g, bad_step, dir), Error);
  fs::remove_all(dir);
}

TEST(CodegenErrors, UnwritableDirectory) {
  const Graph g = BuildZooModel("resnet8-cifar10");
  const std::string dir = TempDir("file");
  { std::ofstream f(dir + "/x"); f << "x"; }
  EXPECT_THROW(GenerateC(g, PlanLayerByLayer(g), dir + "/x/sub"), Error);
  fs::remove_all(dir);
}

TEST(CodegenCli, WritesFilesAndRejectsBadModel) {
  const std::string dir = TempDir("cli");
  if (test::HaveShared()) {
    ShellResult r = RunShell(ShellQuote(test::CliPath()) + " codegen " + ShellQuote(test::SharedModel("kws_dscnn_int8")) +
                             " -o " + ShellQuote(dir + "/out"));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_TRUE(fs::exists(dir + "/out/model.c"));
    EXPECT_TRUE(fs::exists(dir + "/out/tessera/kernels.h"));
  }
  { std::ofstream f(dir + "/bad.tflite"); f << "not a model"; }
  ShellResult bad = RunShell(ShellQuote(test::CliPath()) + " codegen " + ShellQuote(dir + "/bad.tflite") + " -o " +
                             ShellQuote(dir + "/out2"));
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  EXPECT_NE(bad.output.find("tessera: error:"), std::string::npos) << bad.output;
  EXPECT_FALSE(fs::exists(dir + "/out2/model.c"));
  fs::remove_all(dir);
}


// CodegenOptions::profile on the host: the harness's clock replaced by a counter that
// advances by 7 per read, so every step's count must be exactly 7 (one read per step, marks
// in step order); output bytes equal the executor's; the report lists every step and the
// per-type counts add up to the total. Without the option nothing of it is generated.
constexpr const char* kProfileMain = R"(#include <stdio.h>
#include <stdlib.h>
#include "model.h"
static uint64_t ticks;
uint64_t ts_fw_counter_instructions(void);
uint64_t ts_fw_counter_instructions(void) { return ticks += 7; }
static void put(const char* line) { fputs(line, stdout); }
int main(int argc, char** argv) {
  static unsigned char buf[1 << 24];
  FILE* f;
  if (argc != 3) return 2;
  f = fopen(argv[1], "rb");
  if (!f || fread(buf, 1, sizeof buf, f) == 0) return 2;
  fclose(f);
  if (model_set_input(0, buf) != 0) return 3;
  if (model_invoke() != 0) return 4;
  f = fopen(argv[2], "wb");
  if (!f) return 2;
  fwrite(model_output(0), 1, model_output_bytes(0), f);
  fclose(f);
  if (model_profile_count(-1) != 0 || model_profile_count(MODEL_PROFILE_STEPS) != 0) return 5;
  if (model_profile_label(MODEL_PROFILE_STEPS) != NULL || model_profile_label(0) == NULL) return 5;
  model_profile_report(put);
  return 0;
}
)";

TEST(Codegen, ProfileCountsEveryStepAndKeepsBytes) {
  const Graph g = BuildZooModel("resnet8-cifar10");
  PatchConfig cfg = PatchSplit(g, 2);
  ASSERT_GE(cfg.split_op, 0);
  cfg.fold_pads = true;
  Plan plan = SchedulePatches(g, cfg);
  PlaceGreedy(plan);
  ASSERT_EQ(g.inputs.size(), 1u);
  const std::vector<std::vector<uint8_t>> inputs{RandomInput(g.tensors[g.inputs[0]], 11)};
  const auto expected = RunPlan(g, plan, inputs);
  const std::string dir = TempDir("profile");
  CodegenOptions o;
  o.profile = true;
  const auto files = GenerateC(g, plan, dir + "/gen", o);
  EXPECT_NE(ReadText(dir + "/gen/model.h").find("#define MODEL_PROFILE_STEPS " + std::to_string(plan.steps.size()) + "\n"),
            std::string::npos);
  { std::ofstream m(dir + "/main.c"); m << kProfileMain; }
  for (const char* type : {"", " -DMODEL_PROFILE_TYPE=uint32_t"}) {
    std::string cmd = std::string("cc -std=c99 -O1 -Wall -Wextra -Werror") + type + " -I " + ShellQuote(dir + "/gen") +
                      " -o " + ShellQuote(dir + "/prof") + " " + ShellQuote(dir + "/main.c");
    for (auto& s : GeneratedSources(files)) cmd.append(" ").append(ShellQuote(s));
    ShellResult cr = RunShell(cmd + " -lm");
    ASSERT_EQ(cr.exit_code, 0) << cr.output;
    { std::ofstream in(dir + "/in.bin", std::ios::binary); in.write(reinterpret_cast<const char*>(inputs[0].data()), static_cast<std::streamsize>(inputs[0].size())); }
    ShellResult rr = RunShell(ShellQuote(dir + "/prof") + " " + ShellQuote(dir + "/in.bin") + " " + ShellQuote(dir + "/out.bin"));
    ASSERT_EQ(rr.exit_code, 0) << rr.output;
    EXPECT_TRUE(test::ReadFileBytes(dir + "/out.bin") == expected[0]) << "profiling changed the output";
    const std::vector<uint64_t> steps = ParseProfileSteps(rr.output);
    ASSERT_EQ(steps.size(), plan.steps.size()) << rr.output;
    for (size_t s = 0; s < steps.size(); ++s) EXPECT_EQ(steps[s], 7u) << "step " << s;
    // Per-type lines sum to the total line, which is 7 per step.
    std::istringstream in(rr.output);
    std::string line;
    uint64_t type_sum = 0, total = 0;
    int type_steps = 0;
    while (std::getline(in, line)) {
      std::istringstream ls(line);
      std::string a, b, name;
      ls >> a >> b;
      if (a == "profile" && b == "type") {
        int n = 0;
        uint64_t v = 0;
        ls >> name >> n >> v;
        type_steps += n;
        type_sum += v;
      } else if (a == "profile" && b == "total") {
        ls >> total;
      }
    }
    EXPECT_EQ(type_steps, static_cast<int>(plan.steps.size()));
    EXPECT_EQ(type_sum, 7u * plan.steps.size());
    EXPECT_EQ(total, type_sum);
  }
  // Off by default: no profiling code.
  GenerateC(g, plan, dir + "/plain");
  EXPECT_EQ(ReadText(dir + "/plain/model.c").find("profile"), std::string::npos);
  EXPECT_EQ(ReadText(dir + "/plain/model.h").find("profile"), std::string::npos);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace tessera
