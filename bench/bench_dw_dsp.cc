// Per-layer instruction counts of the DEPTHWISE_CONV_2D kernel on the emulated Cortex-M4
// (QEMU mps2-an386, -icount shift=0): every DEPTHWISE_CONV_2D operator of the shared models,
// with its real shapes, strides, padding, depth multiplier, multipliers, shifts, biases and
// activation range (weights and input bytes are pseudo-random; the instruction count does not
// depend on them), run once over its whole output by the public kernel (ts_depthwise_conv2d_s8:
// the DSP path on this target; the portable loops with --define TS_NO_DSP). Each layer then
// runs the portable loops (ts_depthwise_conv2d_s8_portable) on the device too and the two
// outputs are compared byte for byte ("exact"). Stride-1 layers whose output has the input's
// shape are also run with the output overlapping the input, starting pad_top * in_w + pad_left
// pixels before it, no scratch (the segment-overlap layout: the order of reads and writes
// matters there; this is the gap the contract allows with a scratch, one pixel closer than
// without one: writing output pixel i overwrites the first input pixel that pixel i itself reads,
// which the kernel's buffered groups and runs and its one-pixel path, writing each group of
// four channels after reading them, handle); that output is compared with the separate-buffer
// one.
//
//   bench_dw_dsp [--models a,b,...] [--define NAME[=VALUE]]... [--opt -O2] [--layers] [--grid N] [--keep]
//                [--cycles] [--wait-states W]
//
// --grid N: the separate-buffer calls cover the output in N x N windows (one call each, rows and
// columns split evenly), as a patch plan's steps do; overlap runs stay whole. --keep: leave the
// generated program and its ELF in the temporary directory (for firmware/profile.sh).
// Prints, per model, the instructions of all DEPTHWISE_CONV_2D calls, the stack the program used
// (painted stack: the deepest depthwise call plus the harness's main; with --layers one line per
// operator: shape, MACs, instructions, instructions per MAC and per output element).
// --cycles: the program runs once more under the Cortex-M4 cycle model (firmware/cycles/
// m4_model.h; MODELLED cycles, not measured) and each figure gains modelled cycles at 0 and W
// (--wait-states, default 5) flash wait states. The filters here are RAM buffers, so W falls on
// instruction fetches after taken branches only (a model's firmware reads them from flash).
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
  bool overlap = false;
  PreparedOp p;
  int64_t macs = 0, outputs = 0;
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

// Bytes the output starts before the input in an overlap run: writing output pixel i then
// overwrites input pixel i - (pad_top * in_w + pad_left), the first tap unit i reads itself
// (safe under the contract with a scratch; see the header).
size_t OverlapShift(const ts_conv_params& q) { return (size_t(q.pad_top) * q.in_w + q.pad_left) * q.in_c; }

// The firmware program: per layer, the public kernel under the instruction counter, then
// the portable loops (or, for an overlap run, the separate-buffer public kernel) and a
// byte comparison.
std::string FirmwareSource(const std::vector<Layer>& layers, int grid) {
  std::ostringstream c;
  size_t max_f = 1, max_i = 1, max_o = 1, max_c = 1, max_shift = 0;
  c << "#include <stdint.h>\n#include <string.h>\n#include \"tessera/kernels.h\"\n#include \"harness.h\"\n\n";
  for (size_t i = 0; i < layers.size(); ++i) {
    const PreparedOp& p = layers[i].p;
    c << "static const int32_t m" << i << "[] = {" << Ints(p.multipliers) << "};\n";
    c << "static const int32_t s" << i << "[] = {" << Ints(p.shifts) << "};\n";
    c << "static const int32_t b" << i << "[] = {" << Ints(p.bias) << "};\n";
    const ts_conv_params& q = p.conv;
    max_f = std::max<size_t>(max_f, size_t(q.out_c) * q.filter_h * q.filter_w);
    max_i = std::max<size_t>(max_i, size_t(q.in_h) * q.in_w * q.in_c);
    max_o = std::max<size_t>(max_o, size_t(q.out_h) * q.out_w * q.out_c);
    max_c = std::max<size_t>(max_c, size_t(q.out_c));
    max_shift = std::max<size_t>(max_shift, OverlapShift(q));
  }
  c << "static int8_t filt[" << max_f << "], inbuf[" << max_i << "], outbuf[" << max_o << "], refbuf[" << max_o
    << "], arena[" << max_i + max_shift << "], scratch[" << max_c << "];\n";
  c << "static uint32_t seed = 12345u;\n"
       "static void fill(int8_t* p, uint32_t n) { while (n--) { seed = seed * 1664525u + 1013904223u; "
       "*p++ = (int8_t)(seed >> 24); } }\n\n";
  c << "static int run(int i);\n";
  c << "int main(void) {\n  int i, bad = 0;\n  for (i = 0; i < " << layers.size()
    << "; ++i) bad |= run(i);\n  ts_fw_puts(\"stack=\");\n  ts_fw_put_u64((uint64_t)ts_fw_stack_used());\n"
       "  ts_fw_puts(\"\\ndone=1\\n\");\n  return bad;\n}\n\n";
  c << "static void report(int i, uint64_t n, int exact) {\n  ts_fw_puts(\"layer\");\n  ts_fw_put_u64((uint64_t)i);\n"
       "  ts_fw_puts(\"=\");\n  ts_fw_put_u64(n);\n  ts_fw_puts(\"\\nexact\");\n  ts_fw_put_u64((uint64_t)i);\n"
       "  ts_fw_puts(exact ? \"=1\\n\" : \"=0\\n\");\n}\n\n";
  c << "static int run(int i) {\n  uint64_t n = 0;\n  int exact = 0;\n  switch (i) {\n";
  for (size_t i = 0; i < layers.size(); ++i) {
    const Layer& l = layers[i];
    const PreparedOp& p = l.p;
    const ts_conv_params& q = p.conv;
    const std::string bias_s = p.bias.empty() ? std::string("0") : std::string("b").append(std::to_string(i));
    const size_t in_bytes = size_t(q.in_h) * q.in_w * q.in_c, out_bytes = size_t(q.out_h) * q.out_w * q.out_c;
    c << "    case " << i << ": {\n";
    c << "      ts_conv_params q = {" << q.in_h << "," << q.in_w << "," << q.in_c << "," << q.out_h << "," << q.out_w
      << "," << q.out_c << "," << q.filter_h << "," << q.filter_w << "," << q.filter_in_c << ","
      << q.depth_multiplier << "," << q.stride_h << "," << q.stride_w << "," << q.dilation_h << ","
      << q.dilation_w << "," << q.pad_top << "," << q.pad_left << "," << q.input_offset << "," << q.output_offset
      << "," << q.act_min << "," << q.act_max << ",m" << i << ",s" << i << "};\n";
    c << "      ts_window win = {0," << q.out_h << ",0," << q.out_w << "};\n";
    c << "      ts_cbuf in = {inbuf,0,0," << q.in_h << "," << q.in_w << "};\n";
    c << "      ts_buf ref = {refbuf,0,0," << q.out_h << "," << q.out_w << "};\n";
    c << "      fill(filt, " << size_t(q.out_c) * q.filter_h * q.filter_w << "); fill(inbuf, " << in_bytes << ");\n";
    if (!l.overlap) {
      c << "      ts_buf out = {outbuf,0,0," << q.out_h << "," << q.out_w << "};\n";
      c << "      ts_fw_counter_start();\n";
      if (grid <= 1) {
        c << "      ts_depthwise_conv2d_s8(&q, in, filt, " << bias_s << ", out, win, 0);\n";
      } else {  // one call per window of a grid x grid split, row-major (as patch plans run)
        c << "      { int gy, gx; for (gy = 0; gy < " << grid << "; ++gy) for (gx = 0; gx < " << grid << "; ++gx) {\n"
          << "        ts_window w = {gy * " << q.out_h << " / " << grid << ", (gy + 1) * " << q.out_h << " / " << grid
          << ", gx * " << q.out_w << " / " << grid << ", (gx + 1) * " << q.out_w << " / " << grid << "};\n"
          << "        if (w.y1 > w.y0 && w.x1 > w.x0) ts_depthwise_conv2d_s8(&q, in, filt, " << bias_s
          << ", out, w, 0);\n      } }\n";
      }
      c << "      n = ts_fw_counter_instructions();\n";
      c << "      ts_depthwise_conv2d_s8_portable(&q, in, filt, " << bias_s << ", ref, win, 0);\n";
      c << "      exact = memcmp(outbuf, refbuf, " << out_bytes << ") == 0;\n";
    } else {
      const size_t shift = OverlapShift(q);
      c << "      ts_buf out = {arena,0,0," << q.out_h << "," << q.out_w << "};\n";
      c << "      ts_cbuf ain = {arena + " << shift << ",0,0," << q.in_h << "," << q.in_w << "};\n";
      c << "      memcpy(arena + " << shift << ", inbuf, " << in_bytes << ");\n";
      c << "      ts_fw_counter_start();\n";
      c << "      ts_depthwise_conv2d_s8(&q, ain, filt, " << bias_s << ", out, win, 0);\n";
      c << "      n = ts_fw_counter_instructions();\n";
      c << "      ts_depthwise_conv2d_s8_portable(&q, in, filt, " << bias_s << ", ref, win, 0);\n";
      c << "      exact = memcmp(arena, refbuf, " << out_bytes << ") == 0;\n";
    }
    c << "      break;\n    }\n";
  }
  c << "    default: break;\n  }\n  report(i, n, exact);\n  return !exact;\n}\n";
  return c.str();
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> models = {"person_detect", "vww_96_int8", "kws_dscnn_int8", "mcunet_vww1_80"};
  std::vector<std::string> defines;
  std::string opt = "-O2";
  bool per_layer = false, keep = false, cycles = false;
  int grid = 1, wait_states = 5;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "bench_dw_dsp: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--models") models = bench::SplitList(next());
    else if (a == "--define") defines.push_back(next());
    else if (a == "--opt") opt = next();
    else if (a == "--layers") per_layer = true;
    else if (a == "--grid") grid = std::max(1, std::atoi(next().c_str()));
    else if (a == "--keep") keep = true;
    else if (a == "--cycles") cycles = true;
    else if (a == "--wait-states") wait_states = bench::ParseWaitStates("bench_dw_dsp", next());
    else {
      std::fprintf(stderr, "usage: bench_dw_dsp [--models a,b] [--define NAME[=VALUE]]... [--opt FLAG] [--layers] [--grid N] [--keep] [--cycles] [--wait-states W]\n");
      return 2;
    }
  }
  const std::string shared = TESSERA_SHARED_DIR;
  if (!bench::DeviceBenchReady("bench_dw_dsp", shared)) return 0;
  const std::string kernels = FirmwareDir() + "/../kernels";
  const std::string work =
      std::filesystem::temp_directory_path().string() + "/tessera_bench_dw_dsp_" + std::to_string(getpid());
  std::printf("DEPTHWISE_CONV_2D kernel on the emulated Cortex-M4F (QEMU mps2-an386, -icount shift=0), %s", opt.c_str());
  for (const std::string& d : defines) std::printf(" -D%s", d.c_str());
  const std::string calls = grid <= 1 ? std::string("one call per operator over its whole output")
                                      : "one call per window of a " + std::to_string(grid) + "x" +
                                            std::to_string(grid) + " split of each operator's output";
  std::printf(
      "\n%s; exact: bytes equal to the portable loops on the device;\n"
      "overlap: output starting pad_top*in_w+pad_left pixels before the input, no scratch (not counted in the total)\n\n",
      calls.c_str());
  const std::string wcol = "W=" + std::to_string(wait_states);
  if (cycles)
    std::printf("cyc: MODELLED Cortex-M4 cycles (millions; firmware/cycles/m4_model.h) of the dw calls at 0 and %d "
                "flash wait states (filters in RAM here: W on fetches after taken branches only), CPI at W=0\n\n",
                wait_states);
  std::printf("%-22s %9s %9s %9s %9s %6s %7s", "model", "dw M", "dw MACs M", "instr/MAC", "overlap M", "exact",
              "stack");
  if (cycles) std::printf(" | %9s %9s %5s", "cyc W=0", ("cyc " + wcol).c_str(), "CPI");
  std::printf("\n%s\n", std::string(cycles ? 110 : 78, '-').c_str());
  int status = 0;
  for (const std::string& m : models) {
    try {
      const Graph g = ReadTflite(shared + "/models/" + m + ".tflite");
      std::vector<Layer> layers;
      for (int o = 0; o < static_cast<int>(g.ops.size()); ++o) {
        if (g.ops[o].type != OpType::kDepthwiseConv2D) continue;
        Layer l;
        l.op = o;
        l.p = PrepareOp(g, o);
        const ts_conv_params& q = l.p.conv;
        l.outputs = int64_t(q.out_h) * q.out_w * q.out_c;
        l.macs = l.outputs * q.filter_h * q.filter_w;
        std::ostringstream s;
        s << q.in_h << "x" << q.in_w << "x" << q.in_c << " f" << q.filter_h << "x" << q.filter_w << " s"
          << q.stride_h << " p" << q.pad_top << q.pad_left;
        if (q.depth_multiplier != 1) s << " dm" << q.depth_multiplier;
        s << " -> " << q.out_h << "x" << q.out_w << "x" << q.out_c;
        l.text = s.str();
        layers.push_back(l);
        if (q.stride_h == 1 && q.stride_w == 1 && q.depth_multiplier == 1 && q.in_h == q.out_h &&
            q.in_w == q.out_w) {
          Layer ov = l;
          ov.overlap = true;
          ov.text += " (overlap)";
          layers.push_back(ov);
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
      for (const char* k : {"depthwise_conv.c", "depthwise_conv_dsp.c", "quant.c"})
        b.sources.push_back(kernels + "/src/" + k);
      b.include_dirs = {kernels + "/include", FirmwareDir()};
      b.defines = defines;
      b.opt = opt;
      const FirmwareBuildResult br = BuildFirmware(b, dir + "/layers.elf");
      if (!br.ok) {
        std::printf("%-22s build failed:\n%s\n", m.c_str(), br.log.c_str());
        status = 1;
        continue;
      }
      const FirmwareRun run = RunFirmware(Board::kAn386, dir + "/layers.elf", 600);
      std::vector<CycleCounts> cyc;
      if (cycles) cyc = bench::LayerCycles(dir + "/layers.elf", layers.size());
      CycleCounts dw_cyc;
      uint64_t dw = 0, overlap = 0;
      int64_t macs = 0;
      bool all_exact = true;
      std::vector<uint64_t> counts(layers.size(), 0);
      std::vector<bool> exact(layers.size(), false);
      for (size_t i = 0; i < layers.size(); ++i) {
        auto it = run.values.find("layer" + std::to_string(i));
        auto ex = run.values.find("exact" + std::to_string(i));
        if (it == run.values.end() || ex == run.values.end())
          throw Error("no count for layer " + std::to_string(i) + " (exit " + std::to_string(run.exit_code) +
                      "):\n" + run.output);
        counts[i] = std::stoull(it->second);
        exact[i] = ex->second == "1";
        all_exact = all_exact && exact[i];
        if (layers[i].overlap) {
          overlap += counts[i];
        } else {
          dw += counts[i];
          macs += layers[i].macs;
          if (cycles) {
            dw_cyc.instructions += cyc[i].instructions;
            dw_cyc.cycles += cyc[i].cycles;
            dw_cyc.wait_units += cyc[i].wait_units;
          }
        }
      }
      if (!all_exact) status = 1;
      auto st = run.values.find("stack");
      const unsigned long long stack = st == run.values.end() ? 0ull : std::stoull(st->second);
      std::printf("%-22s %9.3f %9.3f %9.2f %9.3f %6s %7llu", m.c_str(), dw / 1e6, macs / 1e6,
                  macs ? double(dw) / macs : 0.0, overlap / 1e6, all_exact ? "yes" : "NO", stack);
      if (cycles)
        std::printf(" | %9.3f %9.3f %5.2f", dw_cyc.cycles / 1e6, dw_cyc.CyclesAt(wait_states) / 1e6,
                    dw_cyc.instructions ? double(dw_cyc.cycles) / dw_cyc.instructions : 0.0);
      std::printf("\n");
      if (per_layer) {
        for (size_t i = 0; i < layers.size(); ++i) {
          std::printf("    op %3d  %-40s %9lld MACs %9llu instr %6.2f /MAC %7.2f /output", layers[i].op,
                      layers[i].text.c_str(), static_cast<long long>(layers[i].macs),
                      static_cast<unsigned long long>(counts[i]),
                      layers[i].macs ? double(counts[i]) / layers[i].macs : 0.0,
                      layers[i].outputs ? double(counts[i]) / layers[i].outputs : 0.0);
          if (cycles)
            std::printf(" %9llu cyc W=0 %9llu %s %5.2f CPI", static_cast<unsigned long long>(cyc[i].cycles),
                        static_cast<unsigned long long>(cyc[i].CyclesAt(wait_states)), wcol.c_str(),
                        cyc[i].instructions ? double(cyc[i].cycles) / cyc[i].instructions : 0.0);
          std::printf(" %s\n", exact[i] ? "" : "NOT EXACT");
        }
      }
      std::fflush(stdout);
    } catch (const std::exception& e) {
      std::printf("%-22s error: %s\n", m.c_str(), e.what());
      status = 1;
    }
  }
  if (keep)
    std::printf("kept %s (layers.c, layers.elf per model)\n", work.c_str());
  else
    std::filesystem::remove_all(work);
  return status;
}
