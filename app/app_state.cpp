#include "app_state.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "bench.h"
#include "reference.h"
#include "capture.h"
#include "commands.h"
#include "trace_file.h"

namespace fs {

void SetStatus(AppState& s, const std::string& text, bool error) {
  s.status.text = text;
  s.status.error = error;
}

namespace {

std::unique_ptr<Backend> ChooseBackend(BackendKind kind, std::string* note) {
  if (kind == BackendKind::kCuda) {
    try {
      return MakeCudaBackend();
    } catch (const BackendError& e) {
      *note = std::string("CUDA is not available (") + e.what() + "); showing the CPU emulation instead. ";
    }
  }
  return MakeCpuBackend();
}

// A run of the problem to show, finished (or refused: `error`), not yet shown.
struct ProblemRun {
  Problem problem;
  int step = -1, row = -1;  // where to go once shown (a windowed trace's re-run for another Q block)
  std::shared_ptr<const Inputs> inputs;
  std::shared_ptr<const Trace> trace;
  std::string note;   // the backend asked for was not available
  std::string error;  // why the problem was refused or failed
};

// Whether b's loop has a's steps, so that the step shown stays where it is.
bool SameShape(const Problem& a, const Problem& b) {
  return a.n == b.n && a.br == b.br && a.bc == b.bc && a.causal == b.causal;
}

// "The trace file F holds Q block 3's 64 steps of 4096; <what> is in Q block Q, which it did
// not record."
std::string NotInFileNote(const AppState& s, const std::string& what, int q_block) {
  return "The trace file " + s.trace_file + " holds " + WindowNote(*s.trace) + "; " + what + " is in Q block " +
         std::to_string(q_block) + ", which it did not record.";
}

// An earlier run of the same problem, whose inputs, O and L a windowed re-run takes.
struct EarlierRun {
  std::shared_ptr<const Trace> trace;
  std::shared_ptr<const Inputs> inputs;
};

// Runs p on the backend of `kind`, on the calling thread; RunCancelled passes through. With
// `earlier` (a run of p on the same backend), a windowed run takes its inputs, and its O and L
// for the Q blocks outside the window (RunOptions::outputs_from).
ProblemRun RunProblem(const Problem& p, BackendKind kind, RunOptions run, const EarlierRun& earlier = {}) {
  ProblemRun r;
  r.problem = p;
  r.error = ErrorOf([&] {
    Validate(p);
    CheckTraceBudget(p, run.window);
    auto backend = ChooseBackend(kind, &r.note);
    const bool reuse = earlier.trace && earlier.inputs && earlier.trace->problem == p &&
                       earlier.trace->backend == backend->Name() && run.window >= 0;
    auto inputs = reuse ? earlier.inputs : std::make_shared<const Inputs>(MakeInputs(p));
    if (reuse) run.outputs_from = earlier.trace.get();
    r.trace = std::make_shared<Trace>(backend->RunTraced(p, *inputs, run));
    r.inputs = std::move(inputs);
  });
  return r;
}

// Shows a finished run, or says why there is none and keeps what was shown. Returns success.
bool ShowProblemRun(AppState& s, const ProblemRun& r) {
  const Problem& p = r.problem;
  if (!r.error.empty()) {
    SetStatus(s, r.note + "Not applied: " + r.error, true);
    s.edit = s.problem;
    return false;
  }
  const bool same_shape = s.trace && SameShape(s.trace->problem, p);
  s.problem = p;
  s.edit = p;
  s.inputs = r.inputs;
  s.trace = r.trace;
  s.trace_file.clear();
  s.exact_row_of = -1;
  if (!same_shape) s.step = 0;
  if (r.step >= 0) s.step = r.step;
  const Trace& t = *s.trace;
  if (!t.Holds(s.step) && t.HeldStepCount() > 0) s.step = t.HeldSteps().front();
  s.anim = StepAnimation{};  // a new run is shown as it is, not slid into
  SetStep(s, s.step);
  SetRow(s, r.row >= 0 ? r.row : s.row);
  // A result whose values left their formats is shown, and said (not an error: it is what
  // the precision lab is for).
  const std::string numeric = NonFiniteOutputNote(p, t.o, t.lse);
  std::string held;
  if (t.Windowed()) {
    held = " Recorded " + WindowNote(t) + ": every step would take " + std::to_string(TraceBytes(p) >> 20) +
           " MiB, over the " + std::to_string(kTraceBudgetBytes >> 20) +
           " MiB trace budget; stepping into another Q block runs it again.";
  }
  SetStatus(s, r.note + "Ran " + Describe(p) + ": " + std::to_string(t.StepCount()) + " steps." + held +
                   (numeric.empty() ? "" : " " + numeric + "."),
            !r.note.empty());
  return true;
}

// The comparison of `shown` with the other backend's run of its problem, on the calling thread.
Comparison CompareRun(const std::shared_ptr<const Trace>& shown, std::shared_ptr<const Inputs> inputs,
                      const std::string& cuda_unavailable, const RunOptions& run) {
  Comparison c;
  c.of = shown;
  c.error = ErrorOf([&] {
    const bool shown_is_gpu = shown->backend == "CUDA";
    std::unique_ptr<Backend> other;
    if (shown_is_gpu) {
      other = MakeCpuBackend();
    } else {
      if (!cuda_unavailable.empty())
        throw BackendError("comparing with the GPU needs a CUDA device: " + cuda_unavailable +
                           ". A trace recorded on a GPU (flashscope trace --backend cuda) can be opened here and "
                           "compared with this CPU emulation.");
      other = MakeCudaBackend();
    }
    if (!inputs) inputs = std::make_shared<const Inputs>(MakeInputs(shown->problem));
    RunOptions same_steps = run;  // the steps the shown trace holds
    same_steps.window = shown->window;
    auto trace = std::make_shared<Trace>(other->RunTraced(shown->problem, *inputs, same_steps));
    c.diff = CompareTraces(*shown, *trace);
    c.other = std::move(trace);
  });
  return c;
}

// The softmax-limits sliders and the parallelism panel's choices a beat names.
void ApplyLabBeat(AppState& s, const Beat& beat) {
  if (beat.has_limits) {
    LimitsLab& lab = s.limits;
    if (beat.limits_l > 0) lab.l = beat.limits_l;
    if (beat.limits_n > 0) lab.n = beat.limits_n;
    if (beat.limits_d > 0) lab.setup.d = beat.limits_d;
    if (beat.limits_t > 0) lab.setup.temperature = beat.limits_t;
    if (beat.limits_b > 0) lab.setup.bound = beat.limits_b;
    lab.changed = true;
  }
  if (beat.has_parallelism) {
    ParallelismView& v = s.parallelism;
    if (beat.parallelism_gpu == "this")
      v.gpu = -1;  // the device where there is one; the list's first otherwise
    else if (!beat.parallelism_gpu.empty())
      for (int i = 0; i < static_cast<int>(std::size(kGpuSpecs)); ++i)
        if (kGpuSpecs[i].name == beat.parallelism_gpu) v.gpu = i;
    if (!beat.parallelism_gpu.empty()) v.device_tried = true;  // the beat's choice stands, device or not
    if (beat.parallelism_heads > 0) v.bh = beat.parallelism_heads;
    if (beat.parallelism_wave > 0) v.wave = beat.parallelism_wave - 1;
    v.computed = false;
  }
}

// What a beat shows once its problem is on screen: step, row, panels, cell, drift, throughput.
void ShowBeat(AppState& s, const Beat& beat) {
  if (beat.step >= 0) SetStep(s, beat.step);
  if (beat.row >= 0) SetRow(s, beat.row);
  if (!beat.panels.empty()) ShowOnlyPanels(s.view, beat.panels);
  if (beat.numbers >= 0) s.view.numbers_in_cells = beat.numbers == 1;
  if (beat.has_cell) SelectCell(s, CellRef{beat.cell_field, s.step, s.row, beat.cell_col});
  if (beat.drift_runs > 0) RequestDriftRuns(s, beat.drift_runs);
  ApplyThroughputBeat(s, beat);
  ApplyLabBeat(s, beat);
}

// Softmax of a row from the recorded FP32 scores, in FP64: used when no inputs are at hand.
std::vector<double> SoftmaxOfRecordedScores(const Trace& t, int row) {
  std::vector<double> s(t.problem.n, -INFINITY);
  for (int k : StepsOfRow(t, row)) {
    const StepInfo& st = t.steps[k];
    const float* srow = t.S(k) + static_cast<size_t>(row - st.row0) * t.problem.bc;
    for (int c = 0; c < st.cols; ++c) s[st.col0 + c] = srow[c];
  }
  const double m = *std::max_element(s.begin(), s.end());
  double l = 0.0;
  for (double& x : s) l += (x = std::exp(x - m));
  for (double& x : s) x /= l;
  return s;
}

}  // namespace

namespace {

// The window a run of p records: -1 when every step fits the budget, otherwise the Q block, in
// p's loop, of the step ShowProblemRun will show (the same step when the shape is the same,
// otherwise the first).
int WindowToShow(const AppState& s, const Problem& p) {
  if (TraceBytes(p) <= kTraceBudgetBytes) return -1;
  const std::vector<StepInfo> plan = PlanSteps(p);
  const int step = s.trace && SameShape(s.trace->problem, p) ? s.step : 0;
  return plan[std::min<size_t>(static_cast<size_t>(step), plan.size() - 1)].q_block;
}

// Runs p (recording `window`) and shows it at `step` and `row` (-1: as ShowProblemRun
// chooses), on the worker when the state has one; `then` runs once it is shown.
void RequestRun(AppState& s, const Problem& p, int window, int step, int row, const RunApply& then,
                const EarlierRun& earlier = {}) {
  const BackendKind kind = s.backend_kind;
  const auto job = [p, kind, window, step, row, then, earlier](const RunOptions& run) -> RunApply {
    RunOptions windowed = run;
    windowed.window = window;
    auto r = std::make_shared<ProblemRun>(RunProblem(p, kind, windowed, earlier));
    r->step = step;
    r->row = row;
    return [r, then](AppState& s) {
      if (ShowProblemRun(s, *r) && then) then(s);
    };
  };
  if (s.runs) {
    const std::string what = Describe(p) + (window >= 0 ? ", Q block " + std::to_string(window) : "");
    s.runs->Submit(RunLane::kShow, what, job);
  } else {
    job(RunOptions{})(s);
  }
}

// A windowed trace does not hold `step`: run the problem again for its Q block, then show
// `step` (and `row`, when >= 0). A trace from a file cannot be run again: the nearest step it
// holds is shown instead, and the status line says why. Returns whether the step is shown now.
bool ShowStepOutsideWindow(AppState& s, int step, int row) {
  const Trace& t = *s.trace;
  if (!s.trace_file.empty()) {
    const std::vector<int> held = t.HeldSteps();
    int nearest = held.front();
    for (int k : held)
      if (std::abs(k - step) < std::abs(nearest - step)) nearest = k;
    s.step = nearest;
    SetStatus(s,
              NotInFileNote(s, "step " + std::to_string(step), t.steps[step].q_block) + " Showing step " +
                  std::to_string(nearest) + ".",
              false);
    return true;
  }
  RequestRun(s, s.problem, t.steps[step].q_block, step, row, nullptr, EarlierRun{s.trace, s.inputs});
  return false;
}

}  // namespace

bool ApplyProblem(AppState& s, const Problem& p) {
  RunOptions run;
  run.window = WindowToShow(s, p);
  return ShowProblemRun(s, RunProblem(p, s.backend_kind, run));
}

void RequestProblem(AppState& s, const Problem& p, const RunApply& then) {
  RequestRun(s, p, WindowToShow(s, p), -1, -1, then);  // on the caller's thread without a worker
}

bool CancelRuns(AppState& s) {
  if (!s.runs) return false;
  const bool show = s.runs->Cancel(RunLane::kShow);
  const bool compare = s.runs->Cancel(RunLane::kCompare);
  const bool lab = s.runs->Cancel(RunLane::kLab);
  // What was cancelled says so where it would have been shown, until the trace changes.
  constexpr const char* kCancelled = "cancelled (it runs again when the problem changes)";
  if (compare && s.compare.pending) {
    s.compare.pending = false;
    s.compare.error = std::string("The comparison was ") + kCancelled + ".";
  }
  if (lab && !s.lab.alternate && s.lab.alternate_error.empty()) s.lab.alternate_error = kCancelled;
  if (show) {
    s.edit = s.problem;
    SetStatus(s, "Run cancelled; showing " + Describe(s.problem) + " as before.", false);
  }
  return show || compare || lab;
}

bool InitState(AppState& s, const Options& opt) {
  s.view.ui_scale = opt.ui_scale > 0.0f ? opt.ui_scale : 1.0f;
  s.view.light_theme = opt.light;
  s.view.numbers_in_cells = opt.numbers;
  s.view.animate = opt.animate;
  s.backend_kind = ResolveBackend(opt.backend);
  s.cuda_unavailable = CudaUnavailableReason();
  if (s.cuda_unavailable.empty()) s.ladder.runner = RunBench;
  Status refusal;
  const auto keep_refusal = [&](bool ok) {
    if (!ok && !refusal.error) refusal = s.status;
    return ok;
  };
  if (!opt.open_path.empty()) {
    keep_refusal(OpenTraceFile(s, opt.open_path));
  } else {
    const std::string lesson = opt.lesson_path.empty() ? DefaultLessonPath() : opt.lesson_path;
    const bool opened = keep_refusal(OpenLesson(s, lesson));
    if (!opt.flags.edits.empty()) {
      const Problem p = opt.flags.ApplyTo(opened ? s.problem : Problem{});
      if (!keep_refusal(ApplyProblem(s, p)) && !opened) ApplyProblem(s, Problem{});
    } else if (!opened) {
      ApplyProblem(s, Problem{});  // something to step through, with the lesson's refusal shown
    }
  }
  const int beats = s.lesson ? static_cast<int>(s.lesson->beats.size()) : 0;
  if (opt.beat >= 0 && keep_refusal(CheckShownIndex(s, "--beat", opt.beat, beats, "beats"))) {
    GoToBeat(s, opt.beat);
    // A beat with its own problem replaced the one the flags changed: change it again.
    const Problem flagged = opt.flags.ApplyTo(s.problem);
    if (flagged != s.problem) keep_refusal(ApplyProblem(s, flagged));
  }
  if (opt.row >= 0 && keep_refusal(CheckShownIndex(s, "--row", opt.row, s.problem.n, "query rows"))) SetRow(s, opt.row);
  const int steps = s.trace ? s.trace->StepCount() : 0;
  if (opt.step >= 0 && keep_refusal(CheckShownIndex(s, "--step", opt.step, steps, "steps"))) SetStep(s, opt.step);
  if (!opt.panels.empty()) ShowOnlyPanels(s.view, opt.panels);
  if (!opt.bench_json.empty()) {
    const ViewOptions asked = s.view;
    keep_refusal(OpenBenchReport(s, opt.bench_json));
    if (!opt.panels.empty()) s.view = asked;  // --panels says what is shown
  }
  if (refusal.error) s.status = refusal;
  return !refusal.error;
}

bool OpenLesson(AppState& s, const std::string& path) {
  try {
    auto lesson = std::make_shared<const Lesson>(LoadLesson(path));
    const RunApply show = [lesson, path](AppState& s) {
      s.lesson = *lesson;
      s.beat = 0;
      s.view.s_range_whole = true;  // a lesson compares scores across blocks
      GoToBeat(s, 0);
      SetStatus(s, "Lesson: " + s.lesson->title + " (" + path + ")", false);
    };
    if (s.runs) {
      RequestProblem(s, lesson->beats.front().problem, show);
      return true;
    }
    if (!ApplyProblem(s, lesson->beats.front().problem)) return false;
    show(s);
    return true;
  } catch (const std::exception& e) {
    SetStatus(s, std::string("Lesson not opened: ") + e.what(), true);
    return false;
  }
}

bool OpenTraceFile(AppState& s, const std::string& path) {
  try {
    auto trace = std::make_shared<Trace>(LoadTrace(path));
    s.problem = trace->problem;
    s.edit = trace->problem;
    s.trace = std::move(trace);
    s.anim = StepAnimation{};
    s.inputs.reset();
    s.trace_file = path;
    s.exact_row_of = -1;
    s.lesson.reset();
    SetStep(s, s.trace->HeldStepCount() > 0 ? s.trace->HeldSteps().front() : 0);
    SetRow(s, s.row);
    SetStatus(s, "Opened " + path + (s.trace->Windowed() ? " (it holds " + WindowNote(*s.trace) + ")" : ""), false);
    return true;
  } catch (const std::exception& e) {
    SetStatus(s, std::string("Trace file not opened: ") + e.what(), true);
    return false;
  }
}

void GoToBeat(AppState& s, int b) {
  if (!s.lesson || s.lesson->beats.empty()) return;
  const int last = static_cast<int>(s.lesson->beats.size()) - 1;
  const Beat& from = s.lesson->beats[std::clamp(s.beat, 0, last)];
  s.beat = std::clamp(b, 0, last);
  const Beat& beat = s.lesson->beats[s.beat];
  // A beat re-runs only when its problem is not the one the previous beat showed, so that
  // problem options given by hand stay while the beats agree. The rest of the beat follows its
  // run; with a worker the lesson may have moved on by then, so the beat it is at is shown, if
  // the problem just shown is that beat's.
  if (beat.problem != from.problem && beat.problem != s.problem) {
    const std::string lesson_path = s.lesson->path;
    RequestProblem(s, beat.problem, [lesson_path](AppState& s) {
      if (!s.lesson || s.lesson->path != lesson_path) return;
      const Beat& now = s.lesson->beats[s.beat];
      if (now.problem == s.problem) ShowBeat(s, now);
    });
    return;
  }
  ShowBeat(s, beat);
}

void ShowOnlyPanels(ViewOptions& view, const std::vector<std::string>& names) {
  view.shown.fill(false);
  view.front_requested.fill(false);
  for (const std::string& name : names) {
    PanelId id = PanelId::kTiles;
    if (!ParsePanelName(name, &id)) continue;
    view.shown[static_cast<int>(id)] = true;
    const int area = static_cast<int>(AreaOf(id));
    if (!view.front_requested[area]) {
      view.front[area] = static_cast<int>(id);
      view.front_requested[area] = true;
    }
  }
}

// The whole-problem range of S, computed once per trace.
void UpdateScoreRange(AppState& s) {
  if (!s.trace || s.s_range_of == s.trace) return;
  const Trace& t = *s.trace;
  float m = 0.0f;
  for (int k : t.HeldSteps()) {  // of a windowed trace, its Q block's steps (the heading says so)
    const float* tile = t.S(k);
    for (int i = 0; i < t.problem.br * t.problem.bc; ++i)
      if (std::isfinite(tile[i])) m = std::max(m, std::fabs(tile[i]));
  }
  s.s_abs_max = m;
  s.s_range_of = s.trace;
}

void PrepareFrame(AppState& s, double budget_ms) {
  if (s.runs)
    for (const RunApply& apply : s.runs->TakeFinished()) apply(s);
  if (s.view.s_range_whole) UpdateScoreRange(s);
  if (s.view.shown[static_cast<int>(PanelId::kCompare)]) UpdateComparison(s);
  UpdateLab(s, budget_ms);
  UpdateLadder(s, !std::isfinite(budget_ms));
  if (s.view.shown[static_cast<int>(PanelId::kLimits)]) UpdateLimits(s);
  if (s.view.shown[static_cast<int>(PanelId::kParallelism)]) UpdateParallelism(s);
}

void SetStep(AppState& s, int step) {
  const int last = s.trace ? s.trace->StepCount() - 1 : 0;
  const int before = s.step;
  step = std::clamp(step, 0, std::max(0, last));
  if (s.trace && s.trace->StepCount() > 0 && !s.trace->Holds(step)) {
    if (!ShowStepOutsideWindow(s, step, -1)) return;  // its run shows it (or said why not)
    step = s.step;                                     // a trace file's nearest held step
  }
  s.step = step;
  if (s.view.animate && s.step != before && before <= last) s.anim = StepAnimation{before, 0.0};
  // Keep the followed row inside the Q block of this step, so every panel shows one story.
  if (s.trace && s.trace->StepCount() > 0) {
    const StepInfo& st = s.trace->steps[s.step];
    if (s.row < st.row0 || s.row >= st.row0 + st.rows) s.row = st.row0 + std::min(s.row % s.problem.br, st.rows - 1);
  }
}

void SetRow(AppState& s, int row) {
  s.row = std::clamp(row, 0, std::max(0, s.problem.n - 1));
  // Move the step to the same K/V block position in the row's Q block.
  if (!s.trace || s.trace->StepCount() == 0) return;
  const StepInfo& st = s.trace->steps[s.step];
  if (s.row >= st.row0 && s.row < st.row0 + st.rows) return;
  const auto steps = StepsOfRow(*s.trace, s.row);
  if (steps.empty()) return;
  const int step = steps[std::min<size_t>(st.kv_block, steps.size() - 1)];
  if (s.trace->Holds(step)) {
    s.step = step;
    return;
  }
  const int wanted = s.row;
  s.row = st.row0 + std::min(s.row % s.problem.br, st.rows - 1);  // stays in the shown Q block until then
  if (s.trace_file.empty()) {
    ShowStepOutsideWindow(s, step, wanted);
  } else {
    SetStatus(s, NotInFileNote(s, "row " + std::to_string(wanted), s.trace->steps[step].q_block), false);
  }
}

bool StepToNextMJump(AppState& s) {
  if (!s.trace) return false;
  const Trace& t = *s.trace;
  for (int k : StepsOfRow(t, s.row)) {
    if (k <= s.step) continue;
    const int r = s.row - t.steps[k].row0;
    if (t.MNew(k)[r] > t.MOld(k)[r] && t.steps[k].kv_block > 0) {
      SetStep(s, k);
      return true;
    }
  }
  SetStatus(s, "Row " + std::to_string(s.row) + "'s running max m does not jump after this step.", false);
  return false;
}

bool StepToNextQBlock(AppState& s) {
  if (!s.trace) return false;
  const Trace& t = *s.trace;
  const int next = t.steps[s.step].q_block + 1;
  for (int k = s.step + 1; k < t.StepCount(); ++k) {
    if (t.steps[k].q_block == next) {
      SetStep(s, k);  // the followed row moves into the new Q block
      return true;
    }
  }
  SetStatus(s, "This is the last Q block.", false);
  return false;
}

void Tick(AppState& s, double dt_s) {
  if (s.anim.Active()) s.anim.t = std::min(1.0, s.anim.t + 1000.0 * dt_s / std::max(1.0f, s.view.animate_ms));
  if (!s.play.playing || !s.trace) return;
  if (s.runs && s.runs->Progress(RunLane::kShow).busy) return;  // e.g. the next Q block's run
  s.play.carry_s += dt_s;
  const double period = 1.0 / std::max(0.1f, s.play.steps_per_second);
  while (s.play.carry_s >= period) {
    s.play.carry_s -= period;
    if (s.step + 1 >= s.trace->StepCount()) {
      s.play.playing = false;
      s.play.carry_s = 0.0;
      break;
    }
    SetStep(s, s.step + 1);
  }
}

void UpdateComparison(AppState& s) {
  if (!s.trace || s.compare.of == s.trace) return;
  if (!s.runs) {
    s.compare = CompareRun(s.trace, s.inputs, s.cuda_unavailable, {});
    return;
  }
  s.compare = Comparison{};
  s.compare.of = s.trace;
  s.compare.pending = true;
  const std::shared_ptr<const Trace> shown = s.trace;
  const std::shared_ptr<const Inputs> inputs = s.inputs;
  const std::string cuda_unavailable = s.cuda_unavailable;
  s.runs->Submit(RunLane::kCompare, "the comparison with the other backend",
                 [shown, inputs, cuda_unavailable](const RunOptions& run) -> RunApply {
                   auto c = std::make_shared<Comparison>(CompareRun(shown, inputs, cuda_unavailable, run));
                   return [c](AppState& s) {
                     if (s.compare.of == c->of) s.compare = std::move(*c);  // else it is of a trace gone
                   };
                 });
}

const std::vector<double>& ExactRow(AppState& s) {
  if (s.exact_row_of != s.row && s.trace) {
    s.exact_row = s.inputs ? ReferenceSoftmaxRow(s.problem, *s.inputs, s.row)
                           : SoftmaxOfRecordedScores(*s.trace, s.row);
    s.exact_row_of = s.row;
  }
  return s.exact_row;
}

void SaveOutputs(AppState& s) {
  if (!s.trace) return;
  std::string stem = CaptureName(s);
  stem = stem.substr(0, stem.rfind("_step"));
  const std::string o_path = UniquePath(s.capture_dir, stem + "_O.npy");
  const std::string l_path = UniquePath(s.capture_dir, stem + "_L.npy");
  try {
    SaveOutputsNpy(*s.trace, o_path, l_path);
    SetStatus(s, "Saved O to " + o_path + " and L to " + l_path, false);
    if (s.file_written) {
      s.file_written(o_path);
      s.file_written(l_path);
    }
  } catch (const std::exception& e) {
    SetStatus(s, std::string("O and L not saved: ") + e.what(), true);
  }
}

std::string SourceLine(const AppState& s) {
  if (!s.trace) return "nothing run yet";
  const Trace& t = *s.trace;
  char ms[64];
  std::snprintf(ms, sizeof ms, "%.3f ms", t.kernel_ms);
  std::string line = "on " + t.device + (s.view.run_time_shown ? std::string(", run took ") + ms : "");
  if (!s.trace_file.empty()) line = "Trace file " + s.trace_file + ": " + TraceProvenance(t);
  return line;
}

bool CheckShownIndex(AppState& s, const std::string& flag, int value, int count, const std::string& what) {
  if (value < count) return true;
  const std::string shown = what == "beats" ? (s.lesson ? "the lesson " + s.lesson->path : "no lesson is open: it")
                                            : Describe(s.problem);
  SetStatus(s,
            flag + " " + std::to_string(value) + " is out of range: " + shown + " has " + std::to_string(count) + " " +
                what + (count > 0 ? "; allowed: 0.." + std::to_string(count - 1) : ""),
            true);
  return false;
}

std::string CaptureName(const AppState& s) {
  std::string base = "flashscope_";
  if (s.lesson) {
    std::string stem = s.lesson->path.substr(s.lesson->path.find_last_of('/') + 1);
    stem = stem.substr(0, stem.find('.'));
    base += stem + "_beat" + std::to_string(s.beat + 1);
  } else {
    base += "n" + std::to_string(s.problem.n) + "_d" + std::to_string(s.problem.d) + "_br" +
            std::to_string(s.problem.br) + "_bc" + std::to_string(s.problem.bc);
  }
  return base + "_step" + std::to_string(s.step) + ".png";
}

}  // namespace fs
