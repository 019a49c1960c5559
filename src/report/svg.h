// The memory timeline of a Plan as a standalone SVG picture.
//
// x is time (steps), y is the arena offset (0 at the bottom, ticks in KiB). Every arena
// buffer is a rectangle over its live interval [first, last+1) and its bytes
// [offset, offset+bytes) (a buffer with bands, plan.h, one rectangle per piece: each band
// over its own interval), coloured by tensor (a stable hash of the tensor's name, so the same
// tensor has the same colour in every plan of a model), labelled with the tensor's short name
// where the label fits, with a hover title giving the buffer's details. Scratch buffers are
// hatched grey. The arena size is a horizontal line, the steps' live bytes a dashed stepped
// line, the peak step a shaded column. The title gives the model, strategy, arena, lower
// bound and the accounting (whether the model input is counted); streamed (external) input
// buffers are drawn in a lane under the time axis.
#pragma once

#include <string>

#include "ir/graph.h"
#include "plan/plan.h"

namespace tessera {

struct SvgOptions {
  int width = 1200;   // pixels, whole picture
  int height = 680;
  bool labels = true;      // tensor names inside rectangles that fit them
  bool live_curve = true;  // live bytes per step
  std::string title;       // replaces the default "<model> - <strategy>" headline when set
};

// Throws Error when the plan's indices are out of range (see SummarizePlan).
std::string PlanSvg(const Graph& g, const Plan& plan, const SvgOptions& opt = {});

}  // namespace tessera
