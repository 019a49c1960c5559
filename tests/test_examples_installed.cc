// The firmware examples built against an installed tessera with its CMake package
// (find_package(tessera), tessera_add_model, the arm-none-eabi toolchain file) for both
// emulated boards and run under QEMU by their own ctest: the output bytes they print equal
// the host executor's (`tessera run`) for the same input. The generated sources are rebuilt
// when the model file or an option changes and only then. The README's "Use it in your
// firmware" commands run as written (the output folders aside).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include "codegen/device.h"
#include "support/cli.h"
#include "support/paths.h"

namespace fs = std::filesystem;

namespace tessera {
namespace {

#define TESSERA_REQUIRE_FIRMWARE_TOOLS() \
  do {                                   \
    if (!HaveFirmwareTools()) GTEST_SKIP() << "arm-none-eabi-gcc or qemu-system-arm missing"; \
  } while (0)

std::string ReadText(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string Hex(const std::vector<uint8_t>& b) {
  std::string r;
  char buf[3];
  for (uint8_t v : b) {
    std::snprintf(buf, sizeof buf, "%02x", v);
    r += buf;
  }
  return r;
}

struct Board {
  const char* cpu;    // TESSERA_ARM_CPU
  const char* board;  // the QEMU board the example's ctest runs
};
constexpr Board kBoards[] = {{"cortex-m4", "an386"}, {"cortex-m7", "an500"}};

class InstalledExamples : public ::testing::Test {
 protected:
  void SetUp() override {
    TESSERA_REQUIRE_SHARED();
    TESSERA_REQUIRE_FIRMWARE_TOOLS();
    tmp_ = test::FreshTempDir("examples_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    prefix_ = tmp_ + "/prefix";
    const auto r = RunShell("cmake --install " + ShellQuote(BuildDir()) + " --prefix " + ShellQuote(prefix_));
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  void TearDown() override {
    if (!tmp_.empty()) fs::remove_all(tmp_);
  }
  static std::string BuildDir() { return fs::path(test::CliPath()).parent_path().string(); }
  static std::string Example(const std::string& name) { return std::string(TESSERA_SOURCE_DIR) + "/examples/" + name; }

  // Configures and builds an example against the installed prefix; returns the build output.
  std::string Build(const std::string& example, const std::string& dir, const Board& b, const std::string& extra) {
    auto r = RunShell("cmake -S " + ShellQuote(Example(example)) + " -B " + ShellQuote(dir) + " -DCMAKE_PREFIX_PATH=" +
                      ShellQuote(prefix_) + " -DCMAKE_TOOLCHAIN_FILE=" +
                      ShellQuote(prefix_ + "/share/tessera/cmake/arm-none-eabi.cmake") + " -DTESSERA_ARM_CPU=" + b.cpu +
                      " " + extra);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    if (r.exit_code != 0) return r.output;
    r = RunShell("cmake --build " + ShellQuote(dir));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return r.output;
  }
  // Runs the example's ctest (QEMU); returns its verbose output.
  std::string RunCtest(const std::string& dir) {
    const auto r = RunShell("ctest --test-dir " + ShellQuote(dir) + " -V");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return r.output;
  }
  std::vector<uint8_t> HostOutput(const std::string& model, const std::string& input) {
    const std::string out = tmp_ + "/host.bin";
    const auto r = test::RunCli("run " + model + " --input " + input + " --output " + out);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return test::ReadFileBytes(out);
  }

  std::string tmp_, prefix_;
};

TEST_F(InstalledExamples, KeywordSpottingOnBothBoardsPrintsTheHostBytes) {
  const std::string model = test::SharedModel("kws_dscnn_int8");
  const std::string features = test::ReferenceDir("kws_dscnn_int8") + "/case2.input.bin";
  const std::string host = Hex(HostOutput(model, features));
  ASSERT_EQ(host.size(), 24u);
  for (const Board& b : kBoards) {
    const std::string dir = tmp_ + "/kws_" + b.board;
    Build("kws", dir, b, "-DMODEL=" + ShellQuote(model) + " -DFEATURES=" + ShellQuote(features));
    // The ctest runs the board of the toolchain's CPU.
    EXPECT_NE(ReadText(dir + "/CTestTestfile.cmake").find(std::string("run.sh\" \"") + b.board), std::string::npos)
        << ReadText(dir + "/CTestTestfile.cmake");
    const std::string out = RunCtest(dir);
    EXPECT_NE(out.find("output0=" + host + "\n"), std::string::npos) << b.board << ": host " << host << "\n" << out;
    EXPECT_TRUE(std::regex_search(out, std::regex("label=(down|go|left|no|off|on|right|stop|up|yes|silence|unknown)\n")))
        << out;
  }
}

TEST_F(InstalledExamples, PersonDetectionOnBothBoardsPrintsTheHostScores) {
  const std::string model = test::SharedModel("person_detect");
  // The example's synthetic image (main.c): 100 inside a disc of radius 30 around (48, 48), -100 outside.
  std::vector<uint8_t> image(96 * 96);
  for (int y = 0; y < 96; ++y)
    for (int x = 0; x < 96; ++x)
      image[y * 96 + x] = static_cast<uint8_t>((y - 48) * (y - 48) + (x - 48) * (x - 48) < 900 ? 100 : -100);
  std::ofstream(tmp_ + "/image.bin", std::ios::binary).write(reinterpret_cast<const char*>(image.data()), 9216);
  const auto host = HostOutput(model, tmp_ + "/image.bin");
  ASSERT_EQ(host.size(), 2u);
  for (const Board& b : kBoards) {
    const std::string dir = tmp_ + "/pd_" + b.board;
    Build("person_detect", dir, b, "-DMODEL=" + ShellQuote(model));
    const std::string out = RunCtest(dir);
    const int no_person = static_cast<int8_t>(host[0]) + 128, person = static_cast<int8_t>(host[1]) + 128;
    EXPECT_NE(out.find("no-person score: " + std::to_string(no_person) + "/255"), std::string::npos) << out;
    EXPECT_NE(out.find("person score:    " + std::to_string(person) + "/255"), std::string::npos) << out;
  }
}

TEST_F(InstalledExamples, GeneratedSourcesFollowTheModelFileAndTheOptions) {
  const std::string model = tmp_ + "/kws.tflite";
  fs::copy_file(test::SharedModel("kws_dscnn_int8"), model);
  const std::string dir = tmp_ + "/kws";
  const std::string header = dir + "/kws_model_tessera/model.h";
  std::string out = Build("kws", dir, kBoards[0], "-DMODEL=" + ShellQuote(model));
  EXPECT_NE(out.find("tessera codegen"), std::string::npos) << out;
  // The greedy plan: 16,000 bytes of buffers (TFLM's), 18,176 with its kernel workspaces.
  EXPECT_NE(ReadText(header).find("#define MODEL_ARENA_BYTES 18176\n"), std::string::npos) << ReadText(header);
  const auto generated_at = fs::last_write_time(header);

  // Nothing changed: nothing generated.
  auto r = RunShell("cmake --build " + ShellQuote(dir));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.find("tessera codegen"), std::string::npos) << r.output;
  EXPECT_EQ(fs::last_write_time(header), generated_at);

  // The model file rewritten (newer): generated again, the firmware relinked.
  fs::copy_file(test::SharedModel("kws_dscnn_int8"), model, fs::copy_options::overwrite_existing);
  fs::last_write_time(model, generated_at + std::chrono::seconds(5));
  r = RunShell("cmake --build " + ShellQuote(dir));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("tessera codegen"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Linking C executable kws.elf"), std::string::npos) << r.output;
  EXPECT_GT(fs::last_write_time(header), generated_at);

  // Another strategy: generated again with the smaller arena (10,048 bytes of buffers for kws,
  // README; 12,112 with the kernel workspaces it keeps, 2,256 bytes less stack).
  out = Build("kws", dir, kBoards[0], "-DSTRATEGY=best");
  EXPECT_NE(out.find("tessera codegen"), std::string::npos) << out;
  EXPECT_NE(ReadText(header).find("#define MODEL_ARENA_BYTES 12112\n"), std::string::npos) << ReadText(header);
  EXPECT_NE(RunCtest(dir).find("arena=12112\n"), std::string::npos);
}

// tessera_add_model's options reach `tessera codegen`: PREFIX, SRAM with STREAM_INPUT (the
// searched plan fits the budget, the input is outside the arena), PLAN with PROFILE (the plan
// file's arena, per-step counts); a newer plan file regenerates that model alone;
// contradictory options stop the configuration with a message.
TEST_F(InstalledExamples, AddModelOptionsReachCodegen) {
  const std::string model = test::SharedModel("kws_dscnn_int8");
  const std::string plan = tmp_ + "/plan.json", proj = tmp_ + "/proj", dir = tmp_ + "/proj_build";
  auto planned_run = test::RunCli("plan " + model + " -s overlap -q -o " + plan);  // 12,224 bytes
  ASSERT_EQ(planned_run.exit_code, 0) << planned_run.output;
  const std::string plan_text = ReadText(plan);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(plan_text, m, std::regex("\"arena_bytes\": ([0-9]+)")));
  const std::string planned_arena = m[1];
  ASSERT_NE(planned_arena, "18176");  // differs from the greedy plan used below
  fs::create_directories(proj);
  std::ofstream(proj + "/CMakeLists.txt")
      << "cmake_minimum_required(VERSION 3.25)\nproject(options LANGUAGES C)\nfind_package(tessera REQUIRED)\n"
      << "tessera_add_model(TARGET budget MODEL \"" << model << "\" PREFIX kws SRAM 12KiB STREAM_INPUT)\n"
      << "tessera_add_model(TARGET planned MODEL \"" << model << "\" PLAN \"" << plan << "\" PROFILE)\n"
      << "if(BROKEN)\n  tessera_add_model(TARGET broken MODEL \"" << model << "\" PLAN \"" << plan
      << "\" STRATEGY best)\nendif()\n";
  const std::string configure = "cmake -S " + ShellQuote(proj) + " -B " + ShellQuote(dir) + " -DCMAKE_PREFIX_PATH=" +
                                ShellQuote(prefix_) + " -DCMAKE_TOOLCHAIN_FILE=" +
                                ShellQuote(prefix_ + "/share/tessera/cmake/arm-none-eabi.cmake");
  auto r = RunShell(configure + " && cmake --build " + ShellQuote(dir));
  ASSERT_EQ(r.exit_code, 0) << r.output;

  const std::string budget = ReadText(dir + "/budget_tessera/kws.h");
  ASSERT_TRUE(std::regex_search(budget, m, std::regex("#define KWS_ARENA_BYTES ([0-9]+)\n"))) << budget;
  EXPECT_LE(std::stoll(m[1]), 12 * 1024);
  EXPECT_NE(budget.find("#define KWS_EXTERNAL_BYTES 490\n"), std::string::npos) << budget;
  std::string planned = ReadText(dir + "/planned_tessera/model.h");
  EXPECT_NE(planned.find("#define MODEL_ARENA_BYTES " + planned_arena + "\n"), std::string::npos) << planned;
  EXPECT_NE(planned.find("MODEL_PROFILE_STEPS"), std::string::npos);

  // A newer plan file (greedy: 16,000 bytes of buffers, 18,176 with the kernel workspaces it
  // keeps): that model alone is generated again.
  planned_run = test::RunCli("plan " + model + " -s greedy -q -o " + plan);
  ASSERT_EQ(planned_run.exit_code, 0) << planned_run.output;
  const std::string greedy_text = ReadText(plan);
  ASSERT_TRUE(std::regex_search(greedy_text, m, std::regex("\"arena_bytes\": ([0-9]+)")));
  const std::string greedy_arena = m[1];
  EXPECT_EQ(greedy_arena, "18176");
  fs::last_write_time(plan, fs::last_write_time(dir + "/planned_tessera/model.h") + std::chrono::seconds(5));
  r = RunShell("cmake --build " + ShellQuote(dir));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("-> planned"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("-> budget"), std::string::npos) << r.output;
  planned = ReadText(dir + "/planned_tessera/model.h");
  EXPECT_NE(planned.find("#define MODEL_ARENA_BYTES " + greedy_arena + "\n"), std::string::npos) << planned;

  r = RunShell(configure + " -DBROKEN=ON");
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("tessera_add_model(broken): PLAN, STRATEGY and SRAM are exclusive"), std::string::npos)
      << r.output;
}

// The sh block of README.md's "Use it in your firmware" section, run from the source tree
// with its PREFIX= and OUT= lines pointing into a temporary folder (and installing the build
// tree of this test binary).
TEST_F(InstalledExamples, ReadmeFirmwareCommandsRunAsWritten) {
  const std::string readme = ReadText(std::string(TESSERA_SOURCE_DIR) + "/README.md");
  const size_t section = readme.find("## Use it in your firmware");
  ASSERT_NE(section, std::string::npos);
  const size_t begin = readme.find("```sh\n", section);
  ASSERT_NE(begin, std::string::npos);
  const size_t end = readme.find("```\n", begin + 6);
  ASSERT_NE(end, std::string::npos);
  std::string script = readme.substr(begin + 6, end - begin - 6);
  const std::string original = script;
  script = std::regex_replace(script, std::regex("(^|\n)PREFIX=[^\n]*"), "$1PREFIX=" + ShellQuote(tmp_ + "/readme_prefix"));
  script = std::regex_replace(script, std::regex("(^|\n)OUT=[^\n]*"), "$1OUT=" + ShellQuote(tmp_ + "/readme_out"));
  ASSERT_NE(script, original) << "the block has no PREFIX= or OUT= line";
  // The block installs from build/; a test binary of another build tree installs that one.
  if (fs::weakly_canonical(BuildDir()) != fs::weakly_canonical(std::string(TESSERA_SOURCE_DIR) + "/build"))
    script = std::regex_replace(script, std::regex("cmake --install build "), "cmake --install " + ShellQuote(BuildDir()) + " ");
  std::ofstream(tmp_ + "/readme.sh") << "set -e -x\n" << script;
  const auto r = RunShell("cd " + ShellQuote(TESSERA_SOURCE_DIR) + " && sh " + ShellQuote(tmp_ + "/readme.sh"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("100% tests passed"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("validate: PASS"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace tessera
