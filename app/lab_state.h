// The precision lab's state: what the precision, errors, bits and drift panels show beyond the
// trace itself (the FP64 shadow, signed errors, the other softmax variant's run, the clicked
// cell, the drift experiment over several seeds). Panels only read it and set requests; the
// functions below compute it, called by the frame loop before drawing (UpdateLab) or run to
// completion by the headless capture and the tests (FinishLab).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cell_inspect.h"
#include "precision_stats.h"
#include "trace.h"

namespace fs {

struct AppState;

// The drift experiment over R seeds (RunDrift), advanced a few runs per frame.
struct DriftRuns {
  int wanted = 8;                 // R, chosen in the drift panel
  bool running = false;           // runs still to do
  Problem of;                     // the problem whose seeds these are (first seed = of.seed)
  std::vector<DriftRun> runs;     // finished runs, seed of.seed + i
  std::string error;
};

struct LabState {
  // Precision panel: both softmax variants side by side, or one at a time.
  bool side_by_side = true;
  bool show_alternate = false;    // when not side by side: the other variant's tile

  // The inputs the shown trace was computed from, as given and as the kernel read them.
  std::shared_ptr<const Trace> inputs_of;
  std::shared_ptr<const Inputs> raw, rounded;  // null when they cannot be made
  std::string inputs_error;

  // FP64 shadow of O, signed errors and delta drift of the shown trace (Summarize).
  bool large_allowed = false;     // the user asked for the shadow of a large problem
  std::shared_ptr<const Trace> summary_of;
  std::shared_ptr<const PrecisionSummary> summary;
  std::vector<float> o_error;     // (N, d) O - O_fp64
  std::string summary_error;

  // The same problem run with the other softmax variant, and its summary.
  std::shared_ptr<const Trace> alternate_of;
  std::shared_ptr<const Trace> alternate;
  std::shared_ptr<const PrecisionSummary> alternate_summary;
  std::string alternate_error;

  // At the current step: O~ against its FP64 shadow and the rounding of O-bar, (rows, d).
  std::shared_ptr<const Trace> step_of;
  int step_at = -1;
  std::vector<float> o_acc_error;
  std::vector<float> o_bar_rounding;  // R(O-bar) - O-bar; empty when O-bar is not recorded

  // The cell open in the bit view.
  bool has_cell = false;
  CellRef cell;
  std::shared_ptr<const Trace> report_of;
  CellRef report_cell;
  CellReport report;

  DriftRuns drift;
};

// Whether the FP64 views of p are computed without asking (N^2 d small enough to take well
// under a second on one core).
bool ShadowIsCheap(const Problem& p);

// Computes what the shown panels need for the current trace and step; a drift experiment
// advances for about budget_ms.
void UpdateLab(AppState& s, double budget_ms);
// Everything the shown panels need, with any drift experiment run to the end.
void FinishLab(AppState& s);

// Opens a cell in the bit view (and shows the bit view).
void SelectCell(AppState& s, const CellRef& ref);
// Starts (or continues) the drift experiment over `runs` seeds of the shown problem.
void RequestDriftRuns(AppState& s, int runs);
void CancelDriftRuns(AppState& s);

}  // namespace fs
