// Per-layer instruction counts of the CONV_2D and FULLY_CONNECTED kernels on the emulated
// Cortex-M4 (QEMU mps2-an386, -icount shift=0): every CONV_2D / FULLY_CONNECTED operator of
// the shared models, with its real shapes, strides, padding, multipliers, shifts, biases and
// activation range (weights and input bytes are pseudo-random: the instruction count does not
// depend on them, except that the model's pruned channels, all-zero filters the operator
// layer gives constant parameters, keep zero filters: conv_dsp.c skips them), run once over
// its whole output by the public kernel (ts_conv2d_s8 /
// ts_fully_connected_s8, i.e. the DSP path on this target; the portable loops with
// --define TS_NO_DSP). Pointwise stride-1 convolutions whose output fits in their input are
// also run in place (output over the input, one-pixel scratch), the layout in-place and
// patch plans use.
//
//   bench_conv_dsp [--models a,b,...] [--define NAME[=VALUE]]... [--opt -O2] [--layers]
//                  [--kernels DIR] [--grid N] [--cycles] [--wait-states W] [--ops N,M,...]
//
// --ops: only these operators (indices in the model) run, e.g. one layer under
// firmware/profile.sh --cycles with TESSERA_BENCH_KEEP=1.
// --grid N: each CONV_2D runs as N x N calls, one per window of an even split of its output
// (the 2x2 patch plans' windows, halos aside), instead of one call over the whole output.
// --kernels: a copy of the kernels/ folder to measure instead of this tree's (experiments).
// Prints, per model, the instructions of all CONV_2D and of all FULLY_CONNECTED calls (and
// with --layers one line per operator: shape, MACs, instructions, instructions per MAC).
// --cycles: the program runs once more under the Cortex-M4 cycle model (firmware/cycles/
// m4_model.h; MODELLED cycles, not measured) and each figure gains modelled cycles at 0 and W
// (--wait-states, default 5) flash wait states. The filters here are RAM buffers, so W falls on
// instruction fetches after taken branches only (a model's firmware reads them from flash).
// TESSERA_BENCH_KEEP=1 in the environment keeps the work folder (layers.c, layers.elf per
// model) for firmware/profile.sh.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "bench_util.h"
#include "codegen/device.h"
#include "ir/graph.h"
#include "ops/ops.h"
#include "tflite/reader.h"

namespace {

using namespace tessera;
using ops::PreparedOp;
using ops::PrepareOp;


struct Layer {
  int op = 0;
  bool fc = false;
  bool in_place = false;
  PreparedOp p;
  int64_t macs = 0;
  std::string text;
};

std::string Ints(const std::vector<int32_t>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) s += ',';
    s += std::to_string(v[i]);
  }
  return s.empty() ? "0" : s;
}

// The model's pruned channels of a CONV_2D: all-zero filter, the operator layer's constant
// parameters (ops.h ConstantChannelBias).
std::vector<int32_t> PrunedChannels(const Layer& l) {
  std::vector<int32_t> r;
  if (l.fc) return r;
  const ts_conv_params& q = l.p.conv;
  const int64_t k = int64_t(q.filter_h) * q.filter_w * q.filter_in_c;
  for (int32_t c = 0; c < q.out_c; ++c) {
    const int8_t* f = l.p.filter + c * k;
    if (l.p.multipliers[c] == ops::kConstantMultiplier && l.p.shifts[c] == ops::kConstantShift &&
        std::all_of(f, f + k, [](int8_t v) { return v == 0; }))
      r.push_back(c);
  }
  return r;
}

// The firmware program: one call per layer under the instruction counter.
std::string FirmwareSource(const std::vector<Layer>& layers, int grid) {
  std::ostringstream c;
  size_t max_f = 1, max_i = 1, max_o = 1, max_c = 1;
  c << "#include <stdint.h>\n#include \"tessera/kernels.h\"\n#include \"harness.h\"\n\n";
  for (size_t i = 0; i < layers.size(); ++i) {
    const PreparedOp& p = layers[i].p;
    c << "static const int32_t m" << i << "[] = {" << Ints(p.multipliers) << "};\n";
    c << "static const int32_t s" << i << "[] = {" << Ints(p.shifts) << "};\n";
    c << "static const int32_t b" << i << "[] = {" << Ints(p.bias) << "};\n";
    c << "static const int32_t z" << i << "[] = {" << Ints(PrunedChannels(layers[i])) << "};\n";
  }
  c << "\nstatic void run(int i);\n";
  for (const Layer& l : layers) {
    const PreparedOp& p = l.p;
    if (l.fc) {
      max_f = std::max<size_t>(max_f, size_t(p.fc.in_depth) * p.fc.out_depth);
      max_i = std::max<size_t>(max_i, size_t(p.fc.in_depth) * p.fc.batches);
      max_o = std::max<size_t>(max_o, size_t(p.fc.out_depth) * p.fc.batches);
      max_c = std::max<size_t>(max_c, size_t(p.fc.out_depth));
    } else {
      const ts_conv_params& q = p.conv;
      max_f = std::max<size_t>(max_f, size_t(q.out_c) * q.filter_h * q.filter_w * q.filter_in_c);
      max_i = std::max<size_t>(max_i, size_t(q.in_h) * q.in_w * q.in_c);
      max_o = std::max<size_t>(max_o, size_t(q.out_h) * q.out_w * q.out_c);
      max_c = std::max<size_t>(max_c, size_t(q.out_c));
    }
  }
  c << "static int8_t filt[" << max_f << "], inbuf[" << std::max(max_i, max_o) << "], outbuf[" << max_o
    << "], scratch[" << max_c << "];\n";
  c << "static uint32_t seed = 12345u;\n"
       "static void fill(int8_t* p, uint32_t n) { while (n--) { seed = seed * 1664525u + 1013904223u; "
       "*p++ = (int8_t)(seed >> 24); } }\n\n";
  c << "int main(void) {\n  int i;\n  for (i = 0; i < " << layers.size()
    << "; ++i) run(i);\n  ts_fw_puts(\"done=1\\n\");\n  return 0;\n}\n\n";
  c << "static void report(int i, uint64_t n) {\n  ts_fw_puts(\"layer\");\n  ts_fw_put_u64((uint64_t)i);\n"
       "  ts_fw_puts(\"=\");\n  ts_fw_put_u64(n);\n  ts_fw_puts(\"\\n\");\n}\n\n";
  c << "static void run(int i) {\n  uint64_t n = 0;\n  switch (i) {\n";
  for (size_t i = 0; i < layers.size(); ++i) {
    const Layer& l = layers[i];
    const PreparedOp& p = l.p;
    const std::string bias_s = p.bias.empty() ? std::string("0") : std::string("b").append(std::to_string(i));
    c << "    case " << i << ": {\n";
    if (l.fc) {
      const ts_fc_params& f = p.fc;
      c << "      ts_fc_params q = {" << f.batches << "," << f.in_depth << "," << f.out_depth << ","
        << f.input_offset << "," << f.filter_offset << "," << f.output_offset << "," << f.act_min << ","
        << f.act_max << ",m" << i << ",s" << i << "," << f.per_channel << "};\n";
      c << "      fill(filt, " << size_t(f.in_depth) * f.out_depth << "); fill(inbuf, "
        << size_t(f.in_depth) * f.batches << ");\n";
      c << "      ts_fw_counter_start();\n";
      c << "      ts_fully_connected_s8(&q, inbuf, filt, " << bias_s << ", outbuf, 0);\n";
    } else {
      const ts_conv_params& q = p.conv;
      c << "      ts_conv_params q = {" << q.in_h << "," << q.in_w << "," << q.in_c << "," << q.out_h << ","
        << q.out_w << "," << q.out_c << "," << q.filter_h << "," << q.filter_w << "," << q.filter_in_c << ","
        << q.depth_multiplier << "," << q.stride_h << "," << q.stride_w << "," << q.dilation_h << ","
        << q.dilation_w << "," << q.pad_top << "," << q.pad_left << "," << q.input_offset << ","
        << q.output_offset << "," << q.act_min << "," << q.act_max << ",m" << i << ",s" << i << "};\n";
      c << "      int gy, gx;\n";
      c << "      ts_cbuf in = {inbuf,0,0," << q.in_h << "," << q.in_w << "};\n";
      c << "      ts_buf out = {" << (l.in_place ? "inbuf" : "outbuf") << ",0,0," << q.out_h << "," << q.out_w
        << "};\n";
      const size_t k = size_t(q.filter_h) * q.filter_w * q.filter_in_c;
      c << "      fill(filt, " << size_t(q.out_c) * k << "); fill(inbuf, " << size_t(q.in_h) * q.in_w * q.in_c
        << ");\n";
      if (!PrunedChannels(l).empty())
        c << "      { uint32_t j, t; for (j = 0; j < " << PrunedChannels(l).size() << "; ++j) for (t = 0; t < " << k
          << "; ++t) filt[(uint32_t)z" << i << "[j] * " << k << " + t] = 0; }\n";
      c << "      ts_fw_counter_start();\n";
      // Window (gy, gx) of the grid: rows [gy * out_h / grid, (gy + 1) * out_h / grid), likewise
      // columns; empty windows are skipped.
      c << "      for (gy = 0; gy < " << grid << "; ++gy)\n        for (gx = 0; gx < " << grid << "; ++gx) {\n";
      c << "          ts_window win = {gy * " << q.out_h << " / " << grid << ", (gy + 1) * " << q.out_h << " / " << grid
        << ", gx * " << q.out_w << " / " << grid << ", (gx + 1) * " << q.out_w << " / " << grid << "};\n";
      c << "          if (win.y1 > win.y0 && win.x1 > win.x0) ts_conv2d_s8(&q, in, filt, " << bias_s << ", out, win, "
        << (l.in_place ? "scratch" : "0") << ");\n        }\n";
    }
    c << "      n = ts_fw_counter_instructions();\n      break;\n    }\n";
  }
  c << "    default: break;\n  }\n  report(i, n);\n}\n";
  return c.str();
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> models = {"person_detect", "vww_96_int8", "resnet8_cifar10_int8", "kws_dscnn_int8",
                                     "mcunet_vww1_80"};
  std::vector<std::string> defines;
  std::string opt = "-O2";
  bool per_layer = false, cycles = false;
  int grid = 1, wait_states = 5;
  std::vector<int> only_ops;
  std::string kernels = FirmwareDir() + "/../kernels";
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "bench_conv_dsp: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--models") models = bench::SplitList(next());
    else if (a == "--define") defines.push_back(next());
    else if (a == "--opt") opt = next();
    else if (a == "--layers") per_layer = true;
    else if (a == "--kernels") kernels = next();
    else if (a == "--cycles") cycles = true;
    else if (a == "--ops") {
      for (const std::string& o : bench::SplitList(next())) only_ops.push_back(std::atoi(o.c_str()));
    }
    else if (a == "--wait-states") wait_states = bench::ParseWaitStates("bench_conv_dsp", next());
    else if (a == "--grid") {
      grid = std::atoi(next().c_str());
      if (grid < 1 || grid > 16) {
        std::fprintf(stderr, "bench_conv_dsp: --grid wants 1..16\n");
        return 2;
      }
    }
    else {
      std::fprintf(stderr, "usage: bench_conv_dsp [--models a,b] [--define NAME[=VALUE]]... [--opt FLAG] [--layers] "
                   "[--kernels DIR] [--grid N] [--cycles] [--wait-states W] [--ops N,M]\n");
      return 2;
    }
  }
  const std::string shared = TESSERA_SHARED_DIR;
  if (!bench::DeviceBenchReady("bench_conv_dsp", shared)) return 0;
  const std::string work = std::filesystem::temp_directory_path().string() + "/tessera_bench_conv_dsp_" +
                           std::to_string(getpid());
  std::printf("CONV_2D / FULLY_CONNECTED kernels on the emulated Cortex-M4F (QEMU mps2-an386, -icount shift=0), %s",
              opt.c_str());
  for (const std::string& d : defines) std::printf(" -D%s", d.c_str());
  if (grid == 1)
    std::printf("\none call per operator over its whole output");
  else
    std::printf("\n%d x %d calls per CONV_2D, one per window of an even split of its output", grid, grid);
  std::printf("; in-place: output over the input, one-pixel scratch\n");
  const std::string wcol = "W=" + std::to_string(wait_states);
  if (cycles)
    std::printf("cyc: MODELLED Cortex-M4 cycles (millions; firmware/cycles/m4_model.h) of the conv calls at 0 and %d "
                "flash wait states (filters in RAM here: W on fetches after taken branches only), CPI at W=0\n",
                wait_states);
  std::printf("\n%-22s %9s %9s %9s %9s %9s", "model", "conv M", "conv MACs", "instr/MAC", "FC M", "in-place M");
  if (cycles) std::printf(" | %9s %9s %5s %9s", "cyc W=0", ("cyc " + wcol).c_str(), "CPI", "FC cyc");
  std::printf("\n%s\n", std::string(cycles ? 110 : 72, '-').c_str());
  for (const std::string& m : models) {
    try {
      const Graph g = ReadTflite(shared + "/models/" + m + ".tflite");
      std::vector<Layer> layers;
      for (int o = 0; o < static_cast<int>(g.ops.size()); ++o) {
        const OpType t = g.ops[o].type;
        if (t != OpType::kConv2D && t != OpType::kFullyConnected) continue;
        if (!only_ops.empty() && std::find(only_ops.begin(), only_ops.end(), o) == only_ops.end()) continue;
        Layer l;
        l.op = o;
        l.fc = t == OpType::kFullyConnected;
        l.p = PrepareOp(g, o);
        std::ostringstream s;
        if (l.fc) {
          l.macs = int64_t(l.p.fc.batches) * l.p.fc.in_depth * l.p.fc.out_depth;
          s << "FC " << l.p.fc.in_depth << "->" << l.p.fc.out_depth;
        } else {
          const ts_conv_params& q = l.p.conv;
          l.macs = int64_t(q.out_h) * q.out_w * q.out_c * q.filter_h * q.filter_w * q.filter_in_c;
          s << q.in_h << "x" << q.in_w << "x" << q.in_c << " f" << q.filter_h << "x" << q.filter_w << " s"
            << q.stride_h << " -> " << q.out_h << "x" << q.out_w << "x" << q.out_c;
        }
        l.text = s.str();
        layers.push_back(l);
        const ts_conv_params& q = l.p.conv;
        if (!l.fc && q.filter_h == 1 && q.filter_w == 1 && q.stride_h == 1 && q.stride_w == 1 &&
            q.out_c <= q.in_c && q.in_h == q.out_h && q.in_w == q.out_w) {
          Layer ip = l;
          ip.in_place = true;
          ip.text += " (in place)";
          layers.push_back(ip);
        }
      }
      const std::string dir = work + "/" + m;
      std::filesystem::create_directories(dir);
      {
        std::ofstream f(dir + "/layers.c");
        f << FirmwareSource(layers, grid);
      }
      FirmwareBuild b;
      b.sources = {dir + "/layers.c"};
      for (const char* k : {"conv.c", "conv_dsp.c", "fully_connected.c", "fully_connected_dsp.c", "quant.c"})
        b.sources.push_back(kernels + "/src/" + k);
      b.include_dirs = {kernels + "/include", FirmwareDir()};
      b.defines = defines;
      b.opt = opt;
      const FirmwareBuildResult br = BuildFirmware(b, dir + "/layers.elf");
      if (!br.ok) {
        std::printf("%-22s build failed:\n%s\n", m.c_str(), br.log.c_str());
        continue;
      }
      const FirmwareRun run = RunFirmware(Board::kAn386, dir + "/layers.elf", 600);
      if (run.exit_code != 0) {
        std::printf("%-22s run failed (exit %d):\n%s\n", m.c_str(), run.exit_code, run.output.c_str());
        continue;
      }
      std::vector<CycleCounts> cyc;
      if (cycles) cyc = bench::LayerCycles(dir + "/layers.elf", layers.size());
      uint64_t conv = 0, fc = 0, inplace = 0;
      CycleCounts conv_cyc, fc_cyc;
      auto add = [](CycleCounts& a, const CycleCounts& b) {
        a.instructions += b.instructions;
        a.cycles += b.cycles;
        a.wait_units += b.wait_units;
      };
      int64_t conv_macs = 0;
      std::vector<uint64_t> counts(layers.size(), 0);
      for (size_t i = 0; i < layers.size(); ++i) {
        auto it = run.values.find("layer" + std::to_string(i));
        if (it == run.values.end()) throw Error("no count for layer " + std::to_string(i));
        counts[i] = std::stoull(it->second);
        if (layers[i].in_place) inplace += counts[i];
        else if (layers[i].fc) {
          fc += counts[i];
          if (cycles) add(fc_cyc, cyc[i]);
        } else {
          conv += counts[i];
          conv_macs += layers[i].macs;
          if (cycles) add(conv_cyc, cyc[i]);
        }
      }
      std::printf("%-22s %9.3f %9.3f %9.2f %9.3f %9.3f", m.c_str(), conv / 1e6, conv_macs / 1e6,
                  conv_macs ? double(conv) / conv_macs : 0.0, fc / 1e6, inplace / 1e6);
      if (cycles)
        std::printf(" | %9.3f %9.3f %5.2f %9.3f", conv_cyc.cycles / 1e6, conv_cyc.CyclesAt(wait_states) / 1e6,
                    conv_cyc.instructions ? double(conv_cyc.cycles) / conv_cyc.instructions : 0.0,
                    fc_cyc.cycles / 1e6);
      std::printf("\n");
      if (per_layer) {
        for (size_t i = 0; i < layers.size(); ++i) {
          std::printf("    op %3d  %-38s %10lld MACs %10llu instr %6.2f /MAC", layers[i].op, layers[i].text.c_str(),
                      static_cast<long long>(layers[i].macs), static_cast<unsigned long long>(counts[i]),
                      layers[i].macs ? double(counts[i]) / layers[i].macs : 0.0);
          if (cycles)
            std::printf(" %10llu cyc W=0 %10llu %s %5.2f CPI", static_cast<unsigned long long>(cyc[i].cycles),
                        static_cast<unsigned long long>(cyc[i].CyclesAt(wait_states)), wcol.c_str(),
                        cyc[i].instructions ? double(cyc[i].cycles) / cyc[i].instructions : 0.0);
          std::printf("\n");
        }
      }
      std::fflush(stdout);
    } catch (const std::exception& e) {
      std::printf("%-22s error: %s\n", m.c_str(), e.what());
    }
  }
  if (const char* keep = std::getenv("TESSERA_BENCH_KEEP"); keep && *keep)
    std::printf("kept %s (TESSERA_BENCH_KEEP)\n", work.c_str());
  else
    std::filesystem::remove_all(work);
  return 0;
}
