// The throughput panel's state: the live ladder (a LadderWorker running the bench where a
// CUDA device is usable) and a saved bench report opened from a file. The panel only reads it
// and sets requests (Run/Stop, the shape, the file to open); the frame loop starts and stops
// the worker and copies its results (UpdateLadder), and files are opened by OpenBenchReport.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "bench.h"
#include "ladder_worker.h"

namespace fs {

struct AppState;
struct Beat;
struct Problem;

// What the panel's live controls edit: the shape and numerics of the ladder's passes.
struct LadderSettings {
  LadderShape shape;
  bool fp32 = true, bf16 = true, fp16 = false;  // storage formats to run
  std::string precision;                         // a preset name; "" for each format's own
  Softmax softmax = Softmax::kStandard;
  bool sweep = true;                             // fa2_mma's Br x Bc sweep too
};

struct LadderState {
  // The live ladder: a runner where a CUDA device is usable (RunBench); none without one.
  BenchRunner runner;
  std::chrono::milliseconds period{1000};   // from the start of one pass to the next
  std::unique_ptr<LadderWorker> worker;     // made on first use
  bool live_wanted = true;                  // the panel's Run/Stop toggle
  bool live_retry = false;                  // Run pressed (or a beat asked): a failed ladder starts again
  LadderSettings settings;
  bool settings_set = false;                // by the panel or a beat: no longer the problem's
  LadderSnapshot live;                      // the worker's state, copied by UpdateLadder

  // A saved report.
  std::string path_input;                   // the panel's path field
  std::shared_ptr<const BenchReport> file;  // the last report opened
  std::string file_path;
  std::string file_error;                   // why the last file asked for was not opened
  bool show_file = false;                   // the panel shows the file rather than the live ladder

  LadderShape shown_shape;                  // which of the report's shapes the views show
  int view = 0;                             // kThroughputViews: all, or one of them
};

// The problem's N, d and causal, with 16k tokens per batch (B = 16384 / N) and a hidden size of
// 2048 (H = 2048 / d), as in the FlashAttention papers' benchmarks; H smaller where B * H would
// pass kMaxBenchHeads.
LadderSettings DefaultLadderSettings(const Problem& p);
// One pass of the live ladder: few warm-up runs and repeats, so that a pass takes about a second;
// beta and eps from the problem.
BenchRequest LadderRequest(const LadderSettings& settings, const Problem& p);
// Why settings cannot run ("" when they can): no format chosen, or BenchRequestProblems.
std::string LadderSettingsProblems(const LadderSettings& settings, const Problem& p);

// Opens a saved report in the panel (and shows the panel). A file that cannot be read or is
// not a report leaves the panel's report as it was; the panel and the status line say why.
bool OpenBenchReport(AppState& s, const std::string& path);
// The report the panel shows: the file, the live ladder's, or null when there is none.
const BenchReport* ShownReport(const AppState& s);
// A beat's "throughput": its report opened, the live ladder chosen where it can run, its shape.
void ApplyThroughputBeat(AppState& s, const Beat& beat);
// Starts the worker while the panel is shown and the live ladder is wanted, stops it otherwise,
// and copies what it has. A ladder that failed stays stopped (the toggle back on Run) until
// Run is pressed again. `finish`: no worker thread; one pass runs to its end now where none
// has (for the headless capture).
void UpdateLadder(AppState& s, bool finish);

}  // namespace fs
