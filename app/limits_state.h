// The softmax-limits lab's state (the "limits" panel): the setup and the point the sliders
// chose, and the curves computed for them (kernels/softmax_limits.h). The panel edits the
// setup and marks it changed; UpdateLimits, called before drawing while the panel is shown,
// computes the curves (a few tenths of a second at most, on a slider's release).
#pragma once

#include <string>
#include <vector>

#include "softmax_limits.h"

namespace fs {

struct AppState;

struct LimitsLab {
  LimitsSetup setup;        // d, B, T (the chosen temperature) and seed
  int l = 4096;             // the chosen context length (selection, pattern, Jacobian)
  int n = 16;               // the chosen number of selected tokens
  bool changed = true;      // the curves are not those of the setup yet

  // Over L = 16, 32, .., 65536 (flattening), over N = 1, 2, 4, .. < L at the chosen L
  // (selection) and over T from 0.01 to 10 at the chosen L (Jacobian).
  std::vector<FlattenPoint> flatten;
  std::vector<SelectionPoint> selection;
  std::vector<JacobianPoint> jacobian;
  FlattenPoint at_l;                  // at the chosen L and T
  SelectionPoint at_n;                // at the chosen L and N
  JacobianPoint at_t;                 // at the chosen L and T
  std::vector<double> sorted_weights; // the attention pattern at the chosen L and T, largest first
  std::string error;
};

// Recomputes the curves when the setup changed; the error says why it could not.
void UpdateLimits(AppState& s);

}  // namespace fs
