// Everything the window shows and edits, as plain structs with defaults. Panels read and
// edit an AppState; only the functions below run kernels or load files, and they turn every
// error into a status message: the app keeps running and keeps what it had.
//
// Runs: with a RunWorker attached (the window), RequestProblem, GoToBeat, OpenLesson and
// UpdateComparison hand their runs to the worker's thread, and PrepareFrame applies what has
// finished at the start of the next frame; without one (shot, the command line, tests) the
// same code runs on the caller's thread and is applied before it returns.
#pragma once

#include <array>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "backend.h"
#include "cli.h"
#include "inputs.h"
#include "lab_state.h"
#include "ladder_state.h"
#include "lesson.h"
#include "limits_state.h"
#include "parallelism_state.h"
#include "problem.h"
#include "run_worker.h"
#include "trace.h"
#include "trace_diff.h"

namespace fs {

struct ViewOptions {
  std::array<bool, kPanelCount> shown = kPanelsShownByDefault;  // by PanelId (panel_list.h)
  // The tab each area shows in front (-1: its first shown panel). A request makes the layout
  // bring that tab forward on the next frame; clicking a tab changes `front` itself.
  std::array<int, kPanelAreaCount> front = {-1, -1, -1};
  std::array<bool, kPanelAreaCount> front_requested = {};
  bool numbers_in_cells = false;   // values written in heatmap cells (when they fit)
  // S's colour range over the whole problem (so a later block's larger score shows) instead
  // of refitted per tile; lessons turn it on. P-bar on a log colour scale.
  bool s_range_whole = false;
  bool p_log = false;
  // Animated stepping: a step's blocks slide from HBM into SRAM and the running probabilities
  // move to their new values over animate_ms (Tick advances it; shot never animates).
  bool animate = false;
  float animate_ms = 350.0f;
  // The cell under the mouse in a tile heatmap, as of frame `hover_frame`: the cell inspector's
  // subject, highlighted in every panel where it lives (InspectedCell, panels.h).
  bool has_hover = false;
  CellRef hover;
  int hover_frame = -1;
  bool light_theme = false;
  float ui_scale = 1.0f;
  bool run_time_shown = true;      // off in shot's and export's images: same inputs, same pixels
};

// The step animated from, and how far (0..1) the animation to the current step has come.
struct StepAnimation {
  int from = -1;
  double t = 1.0;
  bool Active() const { return from >= 0 && t < 1.0; }
};

struct Playback {
  bool playing = false;
  float steps_per_second = 2.0f;
  double carry_s = 0.0;            // time accumulated toward the next step
};

// The File menu's path prompts.
// .npy inputs: a path per role (dout may stay empty).
struct NpyChoice {
  std::string q, k, v, dout;
};

struct Dialogs {
  bool open_trace = false;
  bool open_lesson = false;
  bool open_npy = false;                 // the inputs dialog
  std::string path;
  NpyChoice npy;                         // what the inputs dialog shows
  std::vector<std::string> npy_offered;  // .npy files handed over together (dropped, picked)
};

// The shown trace against the other backend's run of the same problem.
struct Comparison {
  std::shared_ptr<const Trace> of;      // the trace `other` was compared with
  std::shared_ptr<const Trace> other;
  TraceDiff diff;
  std::string error;                    // why there is no comparison
  bool pending = false;                 // the other backend's run is under way on the worker
};

struct Status {
  std::string text;
  bool error = false;
};

struct AppState {
  // The problem being shown, and the copy the controls edit before it is applied.
  Problem problem;
  Problem edit;
  BackendKind backend_kind = BackendKind::kCpu;
  std::string cuda_unavailable;    // why CUDA is not used, when it is not

  std::optional<Lesson> lesson;
  int beat = 0;

  // Results of the last successful run (or opened trace file).
  std::shared_ptr<const Trace> trace;
  std::shared_ptr<const Inputs> inputs;   // null for a trace opened from a file
  std::string trace_file;                 // path, when the trace came from a file
  std::vector<double> exact_row;          // exact softmax of `row` (FP64)
  int exact_row_of = -1;

  int step = 0;
  int row = 0;
  Playback play;
  StepAnimation anim;
  ViewOptions view;
  Status status;
  Dialogs dialogs;
  Comparison compare;
  // The largest finite |S| over every step of `trace` (the whole-problem colour range).
  std::shared_ptr<const Trace> s_range_of;
  float s_abs_max = 0.0f;
  LabState lab;                    // precision, errors, bits and drift panels
  LadderState ladder;              // the throughput panel
  LimitsLab limits;                // the softmax-limits panel
  ParallelismView parallelism;     // the parallelism panel

  // Runs off the UI thread (the window's); null: runs happen on the caller's thread.
  std::shared_ptr<RunWorker> runs;

  // Requests handled by the frame loop.
  bool capture_requested = false;
  std::string capture_dir = ".";
  // Called with each file the user asked for once it is written (O and L, captures): the web
  // page hands it to the browser as a download; the desktop leaves it where it was written.
  std::function<void(const std::string& path)> file_written;
  // The web page's file picker (File > Open files...); null on the desktop, whose File menu asks
  // for paths instead. What is picked comes back through OpenFiles (open_files.h).
  std::function<void()> pick_files;
  CaptureOptions capture;          // File > Capture: scale, background, caption; the panel asked for
  bool quit = false;
};

// The state the command line asks for: a trace file, or the lesson with problem options on
// top, then the beat, row, step and panels, and a saved bench report (--bench-json). Returns false when something named could not be
// shown; the status line then says why, and nothing run afterwards replaces that message. A
// trace file that cannot be opened leaves the state empty: showing another problem instead
// would look like the file.
bool InitState(AppState& s, const Options& opt);
// Runs `p` on the chosen backend, on the caller's thread, and shows it. On any error the status
// line says what was wrong and what is allowed, and the state keeps what it showed before.
// Returns success.
bool ApplyProblem(AppState& s, const Problem& p);
// ApplyProblem on the worker when the state has one (replacing a run asked for before and not
// yet shown), otherwise now; `then` runs once the result is shown (not after a refusal).
void RequestProblem(AppState& s, const Problem& p, const RunApply& then = nullptr);
// Stops the runs under way and drops the waiting ones; what is shown stays. Returns whether
// there was one.
bool CancelRuns(AppState& s);
bool OpenLesson(AppState& s, const std::string& path);
bool OpenTraceFile(AppState& s, const std::string& path);
// The status line under the panels: what was done, or (error) what was refused and why.
void SetStatus(AppState& s, const std::string& text, bool error);
// Shows exactly the named panels (kPanelNames); in each area the first one named comes to the
// front. Unknown names are ignored (lessons and --panels check them).
void ShowOnlyPanels(ViewOptions& view, const std::vector<std::string>& names);
// Moves to lesson beat b (clamped): its problem when it differs from the previous beat's, then
// its step, row, panels, bit-view cell, drift runs and throughput report.
void GoToBeat(AppState& s, int b);
// Applies the worker's finished runs, then computes what the shown panels need before a frame
// is drawn (comparison, precision lab, the live ladder); `budget_ms` bounds the drift
// experiment's share of the frame, and an infinite budget finishes everything (a live ladder's
// pass included) before returning.
void PrepareFrame(AppState& s, double budget_ms);
void SetStep(AppState& s, int step);     // clamped to the trace
void SetRow(AppState& s, int row);       // clamped to the problem
// Moves to the next step where the followed row's running max m jumps (m_new > m_old at one of
// its later K/V blocks), or to the first step of the next Q block. False, with the status line
// saying why, when there is none.
bool StepToNextMJump(AppState& s);
bool StepToNextQBlock(AppState& s);
// Advances playback by dt seconds.
void Tick(AppState& s, double dt_s);
// The exact softmax of the current row, computed on demand.
const std::vector<double>& ExactRow(AppState& s);
// Runs the other backend (CPU emulation for a GPU trace, CUDA for a CPU one) on the shown
// problem and compares the traces, on the worker when there is one (Comparison::pending until
// it is done); a no-op when that comparison is already up to date or under way.
void UpdateComparison(AppState& s);
// Writes the shown O and L as .npy files next to the captures; the status line says where, and
// file_written hears of both.
void SaveOutputs(AppState& s);
// One line for the status bar: backend, device, kernel time, source.
std::string SourceLine(const AppState& s);
// Whether `value`, given as `flag`, is below `count` (the beats, rows or steps of what is
// shown, named `what`); if not, the status line says what is allowed and false is returned.
bool CheckShownIndex(AppState& s, const std::string& flag, int value, int count, const std::string& what);
// A file name for a capture: flashscope_<lesson or problem>_step<k>.png
std::string CaptureName(const AppState& s);

}  // namespace fs
