// Instruction-count model of a Plan on the Cortex-M4 with the kernels' DSP paths (the
// generated C of src/codegen built for QEMU's mps2-an386, counted under -icount shift=0).
//
// Every step falls in one kernel class (LatencyClass: the code path the kernels take for it,
// decided from the operator, its geometry and, for depthwise convolutions, whether the
// placed output buffer shares bytes with the input buffer) and gets a feature vector
//   x = (1, x1, ..., x6)
// whose meaning depends on the class (LatencyClassFeatureNames): MACs split by code path,
// output elements (requantizations), im2col column taps, lone pixels, channel runs and
// their rows, bytes staged or copied, rows... The step's estimate is the dot product with the
// class's coefficients c = (per call, per x1, ..., per x6) from one table in latency.cc
// (DefaultLatencyModel), fitted by least squares to per-step instruction counts measured on
// the emulated device over six plans of each of the five shared models (layer by layer, 2x2
// recompute and halo caching, 4x4 recompute, 8x8 halo caching, 8-row streaming). The features
// follow the kernels' choice of path (conv_dsp.c, depthwise_conv_dsp.c: their thresholds are
// constants in latency.cc); when the kernels change, refit:
//   build-<you>/bench/bench_latency --fit
// prints a new table to paste in (and the estimated against measured totals).
//
// A second pair of tables estimates MODELLED Cortex-M4 cycles (firmware/cycles/m4_model.h: the
// TRM's timing rules over the emulated trace; not a measurement) with the same classes and
// features: DefaultCycleModel() the cycles at zero flash wait states, DefaultWaitUnitModel() the
// wait units (flash data reads and fetches after taken branches into flash), so cycles at W wait
// states = cycles + W * units (EstimateCycles). Fitted the same way on the per-step modelled
// cycles of profiled runs (DeviceResult::step_cycles); refit, rewriting latency.cc's cycle block:
//   build-<you>/bench/bench_latency --fit --cycles --write src/analysis/latency.cc
//
// The estimate reads the plan's placement (buffer offsets) to decide which depthwise steps
// run with overlapping buffers; an unplaced plan (all offsets 0) reads as overlapping
// everywhere, so estimate placed plans.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "plan/plan.h"

namespace tessera {

enum class LatencyClass : uint8_t {
  kConvIm2col,        // CONV_2D, taps (kh*kw*Cin rounded up to 4) <= 576, Cin % 4 == 0: pixel pairs
  kConvIm2colGather,  // the same with Cin % 4 != 0 (taps gathered per pixel first)
  kConvQuad,          // the im2col path in the quad kernel's requantization modes (5, 6)
  kConvQuadGather,    // the same with Cin % 4 != 0
  kConvEightTap,      // CONV_2D 1x1 over 8 channels, no padding, modes 5-6, 4+ pixels: the eight-tap kernel
  kConvDirect,        // CONV_2D with more taps, or grouped
  // DEPTHWISE_CONV_2D (whether or not the output buffer overlaps the input: a feature)
  kDwRun3,            // 3 taps wide, stride 1: channel runs, pairs, border pixels
  kDwRun3Stride2,     // the same, stride 2
  kDwWide,            // 5 or 7 taps wide
  kDwPair,            // other filters (interior pixel pairs, border pixels)
  kDwPortable,        // DEPTHWISE_CONV_2D with a depth multiplier the DSP path leaves portable
  kFullyConnected,
  kAdd,
  kMul,
  kAvgPool,
  kMaxPool,
  kPad,
  kMean,
  kSoftmax,
  kQuantizeF32,  // QUANTIZE float32 -> int8
  kRequantize,   // QUANTIZE int8 -> int8, RELU, RELU_N1_TO_1
  kActivation,   // RELU6 (clamp), LOGISTIC, HARD_SWISH, DEQUANTIZE
  kReshape,      // RESHAPE (a byte copy; nothing when in place)
  kWholeCopy,    // CONCATENATION, TRANSPOSE, RESIZE_NEAREST_NEIGHBOR: bytes moved
  kConv16x8,     // CONV_2D and DEPTHWISE_CONV_2D with int16 activations (portable int64 loops)
  kFullyConnected16x8,  // FULLY_CONNECTED with int16 activations
  kTransposeConv,       // TRANSPOSE_CONV (int8 and 16x8: scatter into accumulators, requantize)
  kElementwise16,       // ADD, SUB, MUL with int16 activations (every element requantized)
  kSvdf,                // SVDF (input FC into the state, time FC over it, the state shift)
  kLstm,                // UNIDIRECTIONAL_SEQUENCE_LSTM (8 gate FCs per time step, gates, cell)
  kCopy,         // copy steps (halos, assembled windows)
};
constexpr int kNumLatencyClasses = static_cast<int>(LatencyClass::kCopy) + 1;
constexpr int kLatencyFeatures = 7;  // x0 = 1 (the call), x1 .. x6

const char* LatencyClassName(LatencyClass c);
// Names of x1 .. x6 of a class ("" when unused).
std::array<const char*, kLatencyFeatures - 1> LatencyClassFeatureNames(LatencyClass c);

// Coefficients per class: instructions = sum_i coef[i] * x[i].
struct LatencyModel {
  std::array<std::array<double, kLatencyFeatures>, kNumLatencyClasses> coef{};
  // Steps the fit saw per class (0: the coefficients are a documented guess).
  std::array<int, kNumLatencyClasses> samples{};
};
// The fitted table of latency.cc.
const LatencyModel& DefaultLatencyModel();
// The command and date the table came from, for reports.
const char* LatencyModelSource();
// The cycle tables of latency.cc: modelled cycles at zero wait states, and wait units.
const LatencyModel& DefaultCycleModel();
const LatencyModel& DefaultWaitUnitModel();
// The command, date and commit the cycle tables came from.
const char* CycleModelSource();

struct StepLatency {
  LatencyClass cls = LatencyClass::kCopy;
  // x[0] = 1 (the call), 0 for steps the generated code skips (an in-place RESHAPE, a copy
  // between the same bytes)
  std::array<double, kLatencyFeatures> x{};
  double instructions = 0;                    // under the model used (EstimateInstructions)
  double cycles = 0;      // EstimateCycles: modelled cycles at its wait states (cycles0 + W * wait_units)
  double wait_units = 0;  // EstimateCycles
};

// Class and features of step `s` of a placed plan. Throws Error (naming the step and the
// operator) for a step the kernels cannot run.
StepLatency StepLatencyFeatures(const Graph& g, const Plan& plan, int s);

struct LatencyEstimate {
  double instructions = 0;          // sum over steps (EstimateInstructions)
  double cycles = 0;                // sum over steps (EstimateCycles), at wait_states
  double wait_units = 0;            // sum over steps (EstimateCycles)
  int wait_states = 0;
  std::vector<StepLatency> steps;   // index = step
};
// Estimated Cortex-M4 DSP-path instructions of one inference of a placed plan, per step.
// Deterministic; `model` null: DefaultLatencyModel(). Leaves the cycle fields 0.
LatencyEstimate EstimateInstructions(const Graph& g, const Plan& plan, const LatencyModel* model = nullptr);
// Estimated MODELLED Cortex-M4 cycles of one inference at `wait_states` flash wait states
// (0..100), per step: cycles = cycles0 + W * wait_units. Deterministic; `cycles` / `wait_units`
// null: DefaultCycleModel() / DefaultWaitUnitModel(). Leaves the instruction fields 0.
LatencyEstimate EstimateCycles(const Graph& g, const Plan& plan, int wait_states = 0,
                               const LatencyModel* cycles = nullptr, const LatencyModel* wait_units = nullptr);

// One measured step for the fit: its class and features, and the instructions counted (or
// the modelled cycles, or wait units, for the cycle tables).
struct LatencySample {
  StepLatency step;
  double measured = 0;
};
// Per class, least squares of the measured counts weighted by 1/sqrt(max(count, 1)) (between
// absolute errors, which the large steps dominate, and relative ones), coefficients kept non-negative (the feature with the most negative coefficient is
// dropped and the rest refitted; features that are zero in every sample of the class are
// left out). Classes without samples keep `fallback`'s coefficients (samples 0).
LatencyModel FitLatencyModel(const std::vector<LatencySample>& samples, const LatencyModel& fallback);
// The model as the C++ rows of latency.cc's table (to paste after a refit).
std::string LatencyTableSource(const LatencyModel& m);

}  // namespace tessera
