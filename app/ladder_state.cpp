#include "ladder_state.h"

#include <algorithm>

#include "app_state.h"
#include "throughput_model.h"

namespace fs {
namespace {

constexpr int kLiveWarmup = 1, kLiveRepeats = 5;  // a pass of a few kernels in about a second
constexpr int kTokensPerBatch = 16384, kHiddenSize = 2048;

bool Shown(const AppState& s) { return s.view.shown[static_cast<int>(PanelId::kThroughput)]; }

// The throughput panel shown, and its tab brought to the front.
void ShowThroughputPanel(ViewOptions& view) {
  const int id = static_cast<int>(PanelId::kThroughput), area = static_cast<int>(AreaOf(PanelId::kThroughput));
  view.shown[id] = true;
  view.front[area] = id;
  view.front_requested[area] = true;
}

// The shape the views show: `want` when the report has results of it, else its first shape.
LadderShape ShapeIn(const BenchReport& r, const LadderShape& want) {
  LadderShape first = want;
  bool any = false;
  for (const BenchResult& x : r.results) {
    if (x.shape == want) return want;
    if (!any) first = x.shape, any = true;
  }
  return first;
}

bool LiveCanRun(const AppState& s) { return static_cast<bool>(s.ladder.runner); }

}  // namespace

LadderSettings DefaultLadderSettings(const Problem& p) {
  LadderSettings settings;
  settings.shape.n = p.n;
  settings.shape.d = p.d;
  settings.shape.causal = p.causal;
  settings.shape.batch = std::max(1, kTokensPerBatch / std::max(1, p.n));
  // B * H stays within what one launch runs (a short sequence at a small d would pass it).
  settings.shape.heads = std::max(1, std::min(kHiddenSize / std::max(1, p.d), kMaxBenchHeads / settings.shape.batch));
  return settings;
}

BenchRequest LadderRequest(const LadderSettings& settings, const Problem& p) {
  BenchRequest r;
  r.shapes = {settings.shape};
  r.dtypes.clear();
  if (settings.fp32) r.dtypes.push_back(Format::kFp32);
  if (settings.bf16) r.dtypes.push_back(Format::kBf16);
  if (settings.fp16) r.dtypes.push_back(Format::kFp16);
  r.numerics = p.Numerics();
  r.numerics.softmax = settings.softmax;
  r.precision_set = !settings.precision.empty() && ParsePrecisionPreset(settings.precision, &r.numerics.precision);
  r.warmup = kLiveWarmup;
  r.repeats = kLiveRepeats;
  r.sweep = settings.sweep;
  return r;
}

std::string LadderSettingsProblems(const LadderSettings& settings, const Problem& p) {
  const std::vector<std::string> problems = BenchRequestProblems(LadderRequest(settings, p));
  std::string out;
  for (const std::string& line : problems) out += (out.empty() ? "" : "\n") + line;
  return out;
}

bool OpenBenchReport(AppState& s, const std::string& path) {
  LadderState& l = s.ladder;
  try {
    auto report = std::make_shared<const BenchReport>(LoadReportFile(path));
    l.file = report;
    l.file_path = path;
    l.file_error.clear();
    l.show_file = true;
    l.shown_shape = ShapeIn(*report, l.shown_shape);
    ShowThroughputPanel(s.view);
    SetStatus(s, "Opened bench report " + path + ": " + RecordedText(*report), false);
    return true;
  } catch (const std::exception& e) {
    l.file_error = std::string("Bench report not opened: ") + e.what();
    SetStatus(s, l.file_error, true);
    return false;
  }
}

const BenchReport* ShownReport(const AppState& s) {
  const LadderState& l = s.ladder;
  if (l.show_file) return l.file.get();
  if (LiveCanRun(s) && (!l.live.report.results.empty() || l.live.passes > 0)) return &l.live.report;
  return nullptr;
}

void ApplyThroughputBeat(AppState& s, const Beat& beat) {
  if (!beat.has_throughput) return;
  LadderState& l = s.ladder;
  if (beat.bench_view >= 0) l.view = beat.bench_view;
  if (!beat.bench_report.empty() && (!l.file || l.file_path != beat.bench_report) && !OpenBenchReport(s, beat.bench_report))
    return;
  // The live ladder where the beat asks for it and it can run; the report otherwise (and a
  // choice in the panel either way).
  const bool live = beat.bench_live && LiveCanRun(s);
  l.show_file = !live && l.file != nullptr;
  if (live) {
    l.live_wanted = l.live_retry = true;
    if (beat.has_bench_shape) {
      if (!l.settings_set) l.settings = DefaultLadderSettings(s.problem);
      l.settings.shape = beat.bench_shape;
      l.settings_set = true;
    }
  } else {
    if (beat.has_bench_shape) l.shown_shape = beat.bench_shape;
    if (l.file) l.shown_shape = ShapeIn(*l.file, l.shown_shape);
  }
  ShowThroughputPanel(s.view);
}

void UpdateLadder(AppState& s, bool finish) {
  LadderState& l = s.ladder;
  if (!l.settings_set) l.settings = DefaultLadderSettings(s.problem);
  if (!LiveCanRun(s)) return;
  if (l.worker && l.worker->Phase() == LadderPhase::kFailed && !l.live_retry) l.live_wanted = false;
  l.live_retry = false;
  const bool run = Shown(s) && l.live_wanted && !l.show_file && LadderSettingsProblems(l.settings, s.problem).empty();
  if (run && !l.worker) l.worker = std::make_unique<LadderWorker>(l.runner, l.period);
  if (l.worker) {
    const BenchRequest request = LadderRequest(l.settings, s.problem);
    if (run && finish) {
      // The capture draws one finished pass, run on this thread (none was started).
      if (l.live.passes == 0 && l.live.phase != LadderPhase::kFailed) l.worker->RunPassNow(request);
    } else if (run) {
      l.worker->Run(request);
    } else {
      l.worker->Stop();
    }
    l.worker->Poll(l.live.version, &l.live);
  }
  if (!l.show_file) l.shown_shape = l.settings.shape;
}

}  // namespace fs
