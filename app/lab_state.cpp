// Sections: inputs · summaries · the other variant · the current step · the bit view ·
// the drift experiment · update
#include "lab_state.h"

#include <chrono>
#include <cmath>

#include "app_state.h"

namespace fs {
namespace {

bool Shown(const AppState& s, PanelId id) { return s.view.shown[static_cast<int>(id)]; }

// The shown trace's backend for runs the lab adds: CUDA when the trace is from CUDA (or CUDA
// is chosen) and a device is usable, else the CPU emulation, which agrees with it bit for bit.
std::unique_ptr<Backend> LabBackend(const AppState& s) {
  if (s.cuda_unavailable.empty() && (s.backend_kind == BackendKind::kCuda || (s.trace && s.trace->backend == "CUDA"))) {
    try {
      return MakeCudaBackend();
    } catch (const BackendError&) {
    }
  }
  return MakeCpuBackend();
}

// The same problem with the other softmax variant.
Problem OtherVariant(Problem p) {
  p.softmax = p.softmax == Softmax::kStandard ? Softmax::kStabilized : Softmax::kStandard;
  return p;
}

// ---- inputs ---------------------------------------------------------------------------------

// The shown trace's inputs: those it ran on, or made again from its problem for a trace file.
bool EnsureInputs(AppState& s) {
  LabState& lab = s.lab;
  if (!s.trace) return false;
  if (lab.inputs_of != s.trace) {
    lab.inputs_of = s.trace;
    lab.raw.reset();
    lab.rounded.reset();
    lab.inputs_error.clear();
    try {
      lab.raw = s.inputs ? s.inputs : std::make_shared<const Inputs>(MakeInputs(s.trace->problem));
      lab.rounded = std::make_shared<const Inputs>(RoundedInputs(s.trace->problem, *lab.raw));
    } catch (const std::exception& e) {
      lab.inputs_error = std::string("the inputs of this trace cannot be made again: ") + e.what();
    }
  }
  return lab.rounded != nullptr;
}

// ---- summaries --------------------------------------------------------------------------------

bool SummaryAllowed(const AppState& s) { return s.lab.large_allowed || ShadowIsCheap(s.problem); }

void EnsureSummary(AppState& s) {
  LabState& lab = s.lab;
  if (lab.summary_of == s.trace || !SummaryAllowed(s)) return;
  lab.summary_of = s.trace;
  lab.summary.reset();
  lab.o_error.clear();
  lab.summary_error.clear();
  if (!EnsureInputs(s)) {
    lab.summary_error = lab.inputs_error;
    return;
  }
  try {
    auto summary = std::make_shared<PrecisionSummary>(Summarize(*s.trace, *lab.raw));
    lab.o_error.resize(summary->o_shadow.size());
    for (size_t i = 0; i < lab.o_error.size(); ++i)
      lab.o_error[i] = static_cast<float>(s.trace->o[i] - summary->o_shadow[i]);
    lab.summary = std::move(summary);
  } catch (const std::exception& e) {
    lab.summary_error = e.what();
  }
}

// ---- the other variant ------------------------------------------------------------------------

void EnsureAlternate(AppState& s, bool with_summary) {
  LabState& lab = s.lab;
  if (lab.alternate_of != s.trace) {
    lab.alternate_of = s.trace;
    lab.alternate.reset();
    lab.alternate_summary.reset();
    lab.alternate_error = BothVariantsRefusal(s.trace->problem);
    if (!lab.alternate_error.empty()) return;
    if (!EnsureInputs(s)) {
      lab.alternate_error = lab.inputs_error;
      return;
    }
    const std::shared_ptr<const Trace> of = s.trace;
    const std::shared_ptr<const Inputs> raw = lab.raw;
    const std::shared_ptr<Backend> backend = LabBackend(s);
    // The run, on the worker when there is one; its result applies while the trace is shown.
    const RunJob job = [of, raw, backend](const RunOptions& run) -> RunApply {
      std::shared_ptr<const Trace> alternate;
      const std::string error = ErrorOf(
          [&] {
            RunOptions same_steps = run;  // the steps the shown trace holds
            same_steps.window = of->window;
            alternate = std::make_shared<const Trace>(backend->RunTraced(OtherVariant(of->problem), *raw, same_steps));
          });
      return [of, alternate, error](AppState& s) {
        if (s.lab.alternate_of != of) return;
        s.lab.alternate = alternate;
        s.lab.alternate_error = error;
      };
    };
    if (s.runs)
      s.runs->Submit(RunLane::kLab, "the other softmax variant", job);
    else
      job(RunOptions{})(s);
  }
  if (with_summary && lab.alternate && !lab.alternate_summary && SummaryAllowed(s)) {
    try {
      lab.alternate_summary = std::make_shared<const PrecisionSummary>(Summarize(*lab.alternate, *lab.raw));
    } catch (const std::exception& e) {
      lab.alternate_error = e.what();
    }
  }
}

// ---- the current step -------------------------------------------------------------------------

void EnsureStepErrors(AppState& s) {
  LabState& lab = s.lab;
  if ((lab.step_of == s.trace && lab.step_at == s.step) || !SummaryAllowed(s)) return;
  lab.step_of = s.trace;
  lab.step_at = s.step;
  lab.o_acc_error.clear();
  lab.o_bar_rounding.clear();
  const Trace& t = *s.trace;
  const Problem& p = t.problem;
  const StepInfo& st = t.steps[s.step];
  const size_t count = static_cast<size_t>(st.rows) * p.d;
  if (p.precision.SeparateBlockProduct()) {
    lab.o_bar_rounding.resize(count);
    const float* blk = t.OBlk(s.step);
    for (size_t i = 0; i < count; ++i) lab.o_bar_rounding[i] = Round(blk[i], p.precision.block) - blk[i];
  }
  if (!EnsureInputs(s)) return;
  const StepShadow sh = ShadowStep(t, *lab.rounded, s.step);
  lab.o_acc_error.resize(count);
  const float* o = t.OAcc(s.step);
  for (size_t i = 0; i < count; ++i) lab.o_acc_error[i] = static_cast<float>(o[i] - sh.o_acc[i]);
}

// ---- the bit view -----------------------------------------------------------------------------

void EnsureReport(AppState& s) {
  LabState& lab = s.lab;
  if (!lab.has_cell || (lab.report_of == s.trace && lab.report_cell == lab.cell)) return;
  lab.report_of = s.trace;
  lab.report_cell = lab.cell;
  EnsureInputs(s);
  lab.report = InspectCell(*s.trace, lab.rounded.get(), lab.cell);
}

// ---- the drift experiment ---------------------------------------------------------------------

// The runs belong to the problem whatever its softmax variant: each run does both.
bool SameDriftProblem(const Problem& a, Problem b) {
  b.softmax = a.softmax;
  return a == b;
}

// One more seed; false when there is nothing left to run.
bool AdvanceDrift(AppState& s) {
  DriftRuns& d = s.lab.drift;
  if (!d.running) return false;
  if (static_cast<int>(d.runs.size()) >= d.wanted) {
    d.running = false;
    return false;
  }
  try {
    Problem p = d.of;
    p.seed = d.of.seed + d.runs.size();
    const auto backend = LabBackend(s);
    auto one = RunDrift(p, 1, [&](const Problem& q, const Inputs& in) {
      RunOptions run;
      run.window = TraceWindowFor(q, 0);
      return backend->RunTraced(q, in, run);
    });
    d.runs.push_back(std::move(one.front()));
  } catch (const std::exception& e) {
    d.error = e.what();
    d.running = false;
    return false;
  }
  return true;
}

}  // namespace

bool ShadowIsCheap(const Problem& p) {
  constexpr double kCheapWork = 1 << 27;  // N^2 d multiply-adds in FP64: a few tenths of a second
  return static_cast<double>(p.n) * p.n * p.d <= kCheapWork;
}

void SelectCell(AppState& s, const CellRef& ref) {
  s.lab.has_cell = true;
  s.lab.cell = ref;
  s.view.shown[static_cast<int>(PanelId::kBits)] = true;  // its tab appears; the front stays
}

void RequestDriftRuns(AppState& s, int runs) {
  DriftRuns& d = s.lab.drift;
  if (!SameDriftProblem(d.of, s.problem)) {
    d.runs.clear();
    d.of = s.problem;
  }
  d.wanted = std::max(1, runs);
  if (static_cast<int>(d.runs.size()) > d.wanted) d.runs.resize(d.wanted);
  d.error.clear();
  d.running = static_cast<int>(d.runs.size()) < d.wanted;
}

void CancelDriftRuns(AppState& s) { s.lab.drift.running = false; }

// ---- update -----------------------------------------------------------------------------------

void UpdateLab(AppState& s, double budget_ms) {
  if (!s.trace || s.trace->StepCount() == 0) return;
  DriftRuns& d = s.lab.drift;
  if (!SameDriftProblem(d.of, s.problem) && (d.running || !d.runs.empty())) {  // runs of another problem
    d.runs.clear();
    d.running = false;
    d.error.clear();
    d.of = s.problem;
  }
  const bool precision = Shown(s, PanelId::kPrecision), errors = Shown(s, PanelId::kErrors);
  const bool bits = Shown(s, PanelId::kBits), drift = Shown(s, PanelId::kDrift);
  if (errors || drift) EnsureSummary(s);
  if (precision || drift) EnsureAlternate(s, drift);
  if (errors) EnsureStepErrors(s);
  if (bits) EnsureReport(s);
  if (Shown(s, PanelId::kScores)) EnsureInputs(s);  // the cell inspector's dot products
  const auto t0 = std::chrono::steady_clock::now();
  while (AdvanceDrift(s)) {
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (ms >= budget_ms) break;
  }
}

void FinishLab(AppState& s) { UpdateLab(s, INFINITY); }

}  // namespace fs
