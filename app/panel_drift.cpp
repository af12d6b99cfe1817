// Delta drift: delta = rowsum(dO * O) enters dQ in the backward pass, and delta_lp - delta_hp
// is what low precision adds to it. Summed over rows (tokens) noise cancels and a bias grows:
// for the shown run, standard against stabilized, and over R runs with fresh inputs of the
// same structure (run by the lab state a few per frame).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "line_chart.h"
#include "panels.h"
#include "printf.h"
#include "ui_common.h"

namespace fs {
namespace {

const ImU32 kStandardColor = viz::ToneColor(viz::Tone::kStandard);
const ImU32 kStabilizedColor = viz::ToneColor(viz::Tone::kFlash);

std::vector<float> ToFloats(const std::vector<double>& v) { return std::vector<float>(v.begin(), v.end()); }

const char* StabilizedLabel(const Problem& p, char* buf, size_t n) {
  std::snprintf(buf, n, "stabilized (beta %s)", ShortNumber(p.beta).c_str());
  return buf;
}

// The two variants on one chart; x null means the index. Markers when points are few.
void VariantsChart(const char* id, const char* x_label, const char* y_label, const float* x,
                   const std::vector<float>& standard, const std::vector<float>& stabilized,
                   const char* stabilized_label, bool markers, float width, float height) {
  viz::LineSeries series[2];
  const std::vector<float>* values[2] = {&standard, &stabilized};
  const char* labels[2] = {"standard", stabilized_label};
  const ImU32 colors[2] = {kStandardColor, kStabilizedColor};
  for (int i = 0; i < 2; ++i) {
    series[i].label = labels[i];
    series[i].x = x;
    series[i].y = values[i]->data();
    series[i].count = static_cast<int>(values[i]->size());
    series[i].color = colors[i];
    series[i].markers = markers;
  }
  viz::LineChartSpec spec;
  spec.x_label = x_label;
  spec.y_label = y_label;
  spec.size = ImVec2(width, std::max(height, ImGui::GetContentRegionAvail().y));  // the rest of the panel
  spec.integer_x = true;
  viz::LineChart(id, spec, series, 2);
}

void OverRows(const AppState& s, float width, float height) {
  const LabState& lab = s.lab;
  const Problem& p = s.problem;
  ImGui::BeginGroup();
  WrappedHeading("Over rows, this run: cumulative delta_lp - delta_hp", width);
  if (!lab.summary || !lab.alternate_summary) {
    ImGui::TextDisabled("%s", !lab.summary_error.empty()     ? lab.summary_error.c_str()
                              : !lab.alternate_error.empty() ? lab.alternate_error.c_str()
                              : !ShadowIsCheap(p) && !lab.large_allowed
                                  ? "The FP64 shadow of a problem this large is computed on request (Errors panel)."
                                  : "Computing...");
    ImGui::EndGroup();
    return;
  }
  const bool shown_standard = p.softmax == Softmax::kStandard;
  const PrecisionSummary& standard = shown_standard ? *lab.summary : *lab.alternate_summary;
  const PrecisionSummary& stabilized = shown_standard ? *lab.alternate_summary : *lab.summary;
  char label[64];
  Paragraph(Printf("sum over %d rows: standard %.4g, %s %.4g", p.n, standard.delta_drift,
                   StabilizedLabel(p, label, sizeof label), stabilized.delta_drift),
            width);
  VariantsChart("rows", "query row (token)", "cumulative delta_lp - delta_hp", nullptr, ToFloats(standard.delta_cumsum),
                ToFloats(stabilized.delta_cumsum), label, false, width, height);
  ImGui::EndGroup();
}

void OverRuns(AppState& s, float width, float height) {
  DriftRuns& d = s.lab.drift;
  const Problem& p = s.problem;
  ImGui::BeginGroup();
  WrappedHeading("Over runs: cumulative sum of each run's drift", width);
  ImGui::SetNextItemWidth(std::min(8 * ImGui::GetFontSize(), width - ImGui::CalcTextSize("runs R").x -
                                                                 ImGui::GetStyle().ItemInnerSpacing.x));
  ImGui::SliderInt("runs R", &d.wanted, 1, kMaxLessonDriftRuns, "%d", ImGuiSliderFlags_AlwaysClamp);
  SameLineIfFits(ButtonWidth("Cancel"));
  if (d.running) {
    if (ImGui::Button("Cancel")) CancelDriftRuns(s);
    ImGui::SameLine();
    char progress[32];
    std::snprintf(progress, sizeof progress, "%d of %d", static_cast<int>(d.runs.size()), d.wanted);
    ImGui::ProgressBar(static_cast<float>(d.runs.size()) / std::max(1, d.wanted), ImVec2(-1, 0), progress);
  } else if (ImGui::Button("Run")) {
    RequestDriftRuns(s, d.wanted);  // the frame loop runs them
  }
  if (!d.error.empty()) WrappedText("Stopped: %s", d.error.c_str());
  std::vector<float> run_x, cum_std, cum_stab;
  double total_std = 0.0, total_stab = 0.0;
  for (size_t i = 0; i < d.runs.size(); ++i) {
    run_x.push_back(static_cast<float>(i + 1));
    cum_std.push_back(static_cast<float>(total_std += d.runs[i].standard.delta_drift));
    cum_stab.push_back(static_cast<float>(total_stab += d.runs[i].stabilized.delta_drift));
  }
  char label[64];
  if (d.runs.empty()) {
    Explain("Press Run: seeds %llu.. of this problem, each with both softmax variants.",
            static_cast<unsigned long long>(p.seed));
  } else {
    Paragraph(Printf("%d runs from seed %llu: standard %.4g, %s %.4g", static_cast<int>(d.runs.size()),
                     static_cast<unsigned long long>(d.of.seed), total_std,
                     StabilizedLabel(d.of, label, sizeof label), total_stab),
              width);
  }
  VariantsChart("runs", "run", "cumulative drift", run_x.data(), cum_std, cum_stab,
                StabilizedLabel(d.runs.empty() ? p : d.of, label, sizeof label), true, width, height);
  ImGui::EndGroup();
}

}  // namespace

void DrawDriftPanel(AppState& s) {
  if (!s.trace || s.trace->StepCount() == 0) {
    ImGui::TextDisabled("Nothing to show yet.");
    return;
  }
  Explain("delta = rowsum(dO * O) enters dQ in the backward pass. delta_lp uses this run's O, delta_hp the FP64 "
          "shadow's; summed over rows, rounding noise cancels and a bias grows. dO: %s.",
          s.problem.dout_path.empty() ? "made from the pattern and seed" : s.problem.dout_path.c_str());
  // The two charts side by side where each gets 24 font sizes, one above the other otherwise;
  // each at least a chart's least height, and the height the panel has left.
  const float gap = ImGui::GetStyle().ItemSpacing.x * 2;
  const float avail_w = ImGui::GetContentRegionAvail().x;
  const bool beside = (avail_w - gap) * 0.5f >= 24.0f * ImGui::GetFontSize();
  const float w = beside ? (avail_w - gap) * 0.5f : avail_w;
  const float h = MinChartWidgetHeight();
  OverRows(s, w, h);
  if (beside) ImGui::SameLine(0.0f, gap);
  OverRuns(s, w, h);
}

}  // namespace fs
