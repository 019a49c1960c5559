// `tessera check` and `tessera report` end to end: exit 0 for a safe plan, 1 for a plan the
// checker rejects (with its message), 2 for a malformed plan file; the report's table, JSON and
// SVG files.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/wait.h>

#include <nlohmann/json.hpp>

#include "memory/greedy.h"
#include "plan/plan_json.h"
#include "support/paths.h"
#include "zoo/zoo.h"

namespace tessera {
namespace {

using ::testing::HasSubstr;

struct CliRun {
  int rc = -1;
  std::string out;
};

CliRun Cli(const std::string& args) {
  CliRun r;
  const std::string cmd = test::CliPath() + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int st = pclose(p);
  r.rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

std::string ReadAll(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

class CliCheckReport : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/cli_check_report";
    std::filesystem::create_directories(dir_);
    g_ = BuildZooModel("resnet8-cifar10");
    plan_ = PlanLayerByLayer(g_);
    good_ = dir_ + "/good.json";
    WritePlanJson(plan_, good_, &g_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_, good_;
  Graph g_;
  Plan plan_;
};

TEST_F(CliCheckReport, CheckExitCodes) {
  const CliRun ok = Cli("check zoo:resnet8-cifar10 " + good_);
  EXPECT_EQ(ok.rc, 0) << ok.out;
  EXPECT_THAT(ok.out, HasSubstr("OK: resnet8-cifar10, strategy greedy"));

  // The largest buffer moved onto a buffer live at the same time.
  Plan bad = plan_;
  int big = 0;
  for (size_t i = 0; i < bad.buffers.size(); ++i)
    if (bad.buffers[i].bytes > bad.buffers[big].bytes) big = static_cast<int>(i);
  int other = -1;
  for (size_t i = 0; i < bad.buffers.size(); ++i) {
    const Buffer &a = bad.buffers[big], &b = bad.buffers[i];
    if (static_cast<int>(i) != big && b.tensor != kNoTensor && b.offset != a.offset &&
        std::min(a.last, b.last) - std::max(a.first, b.first) >= 1)
      other = static_cast<int>(i);
  }
  ASSERT_GE(other, 0);
  bad.buffers[big].offset = bad.buffers[other].offset;
  // Without kernel workspaces (those placed for the original layout would be caught first, as
  // liveness failures): this case is about a value failure.
  for (Step& st : bad.steps) st.workspace = {};
  bad.arena_bytes = std::max(bad.arena_bytes, bad.buffers[big].offset + bad.buffers[big].bytes);
  const std::string bad_path = dir_ + "/bad.json";
  WritePlanJson(bad, bad_path, &g_);
  const CliRun rej = Cli("check zoo:resnet8-cifar10 " + bad_path);
  EXPECT_EQ(rej.rc, 1) << rej.out;
  EXPECT_THAT(rej.out, HasSubstr("REJECTED (value): step "));

  const std::string broken = dir_ + "/broken.json";
  std::ofstream(broken) << "{\"format\": \"tessera-plan\", \"version\": 1, \"arena_bytes\": -3}";
  const CliRun err = Cli("check zoo:resnet8-cifar10 " + broken);
  EXPECT_EQ(err.rc, 2) << err.out;
  EXPECT_THAT(err.out, HasSubstr("tessera: error: " + broken + ": arena_bytes: -3 is out of range"));

  const CliRun other_model = Cli("check zoo:mobilenetv1-0.25-vww-r96 " + good_);
  EXPECT_EQ(other_model.rc, 2) << other_model.out;
  EXPECT_THAT(other_model.out, HasSubstr("model: the plan is for model 'resnet8-cifar10'"));
}

TEST_F(CliCheckReport, ReportWritesTableJsonAndSvg) {
  const std::string svg = dir_ + "/t.svg", js = dir_ + "/t.json";
  const CliRun r = Cli("report zoo:resnet8-cifar10 " + good_ + " --svg " + svg + " --json " + js);
  EXPECT_EQ(r.rc, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("model resnet8-cifar10 | strategy greedy"));
  EXPECT_THAT(r.out, HasSubstr("<- peak"));
  EXPECT_THAT(r.out, HasSubstr("checker      OK"));
  const std::string s = ReadAll(svg);
  EXPECT_EQ(s.rfind("<svg", 0), 0u);
  const nlohmann::json j = nlohmann::json::parse(ReadAll(js));
  EXPECT_EQ(j["arena_bytes"], plan_.arena_bytes);
  EXPECT_EQ(j["checker"]["ok"], true);
  EXPECT_EQ(j["steps"].size(), plan_.steps.size());

  // No plan: the layer-by-layer one; JSON on stdout.
  const CliRun d = Cli("report zoo:resnet8-cifar10 --json -");
  EXPECT_EQ(d.rc, 0) << d.out;
  EXPECT_EQ(nlohmann::json::parse(d.out)["strategy"], "greedy");

  const CliRun missing = Cli("report zoo:resnet8-cifar10 " + dir_ + "/nothing.json");
  EXPECT_EQ(missing.rc, 2);
  EXPECT_THAT(missing.out, HasSubstr("cannot open the plan file"));
}

}  // namespace
}  // namespace tessera
