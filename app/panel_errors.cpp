// Errors: signed errors against an FP64 shadow computed from the same rounded inputs, so the
// kernel's own arithmetic is the only source: O (N x d), O-tilde at this step, the rounding of
// this step's block product O-bar, and a histogram of the followed feature's errors of O with
// the mean and its 99% interval, where a bias shows as a shift away from 0.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "heatmap.h"
#include "line_chart.h"
#include "panels.h"
#include "ui_common.h"

namespace fs {
namespace {

// A signed-error map: diverging colours centred at 0 whatever the signs present.
viz::HeatmapResult ErrorMap(const char* id, const char* title, const std::vector<float>& values, int rows, int cols,
                            int row0, ImVec2 size, int marked_row, int marked_col, int selected_row) {
  float worst = 0.0f;
  for (float v : values)
    if (std::isfinite(v)) worst = std::max(worst, std::fabs(v));
  ImGui::BeginGroup();
  Paragraph(title, size.x);
  viz::HeatmapSpec spec;
  spec.values = values.data();
  spec.rows = rows;
  spec.cols = cols;
  spec.vmin = -std::max(worst, 1e-30f);
  spec.vmax = std::max(worst, 1e-30f);
  spec.auto_map = false;
  spec.map = viz::ColorMap::kDiverging;
  spec.row_offset = row0;
  spec.row_label = "query";
  spec.col_label = "feature";
  spec.value_label = "error";
  spec.number_format = "%.1e";
  spec.size = size;
  spec.marked_row = marked_row;
  spec.marked_col = marked_col;
  spec.selected_row = selected_row;
  const viz::HeatmapResult result = viz::Heatmap(id, spec);
  ImGui::EndGroup();
  return result;
}

// The marked cell of the bit view inside a map of `field` at rows [row0, row0 + rows).
void MarkedIn(const LabState& lab, CellField field, int step, int row0, int rows, int* mr, int* mc) {
  *mr = *mc = -1;
  if (!lab.has_cell || lab.cell.field != field || (field != CellField::kO && lab.cell.step != step)) return;
  if (lab.cell.row < row0 || lab.cell.row >= row0 + rows) return;
  *mr = lab.cell.row - row0;
  *mc = lab.cell.col;
}

void Verdict(const SignedError& e) {
  if (!std::isfinite(e.mean)) {
    ImGui::TextColored(viz::ToneColorV(viz::Tone::kBad), "The errors are not finite (O holds NaN or inf).");
    return;
  }
  WrappedText("mean %.3e, 99%% CI [%.3e, %.3e] over %llu values:", e.mean, e.ci99_lo, e.ci99_hi,
              static_cast<unsigned long long>(e.count));
  if (e.BiasedLow())
    ColoredParagraph(viz::ToneColorV(viz::Tone::kNote), "biased low: the whole interval is below 0");
  else if (e.BiasedHigh())
    ColoredParagraph(viz::ToneColorV(viz::Tone::kBad), "biased high: the whole interval is above 0");
  else
    ColoredParagraph(ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled), "no bias: the interval contains 0");
}

}  // namespace

void DrawErrorsPanel(AppState& s) {
  if (!s.trace || s.trace->StepCount() == 0) {
    ImGui::TextDisabled("Nothing to show yet.");
    return;
  }
  LabState& lab = s.lab;
  if (!lab.summary) {
    if (!lab.summary_error.empty()) {
      WrappedText("No FP64 shadow: %s", lab.summary_error.c_str());
    } else if (!lab.large_allowed && !ShadowIsCheap(s.problem)) {
      WrappedText("The FP64 shadow of this problem takes N^2 d = %.3g multiply-adds.",
                         double(s.problem.n) * s.problem.n * s.problem.d);
      if (ImGui::Button("Compute it")) lab.large_allowed = true;  // the frame loop computes it
    } else {
      ImGui::TextDisabled("Computing the FP64 shadow...");
    }
    return;
  }
  const Trace& t = *s.trace;
  const Problem& p = t.problem;
  const PrecisionSummary& sum = *lab.summary;
  const StepInfo& st = t.steps[s.step];
  Explain("Error = value - FP64 shadow computed from the same rounded inputs: only the kernel's arithmetic "
          "contributes. Blue: below the exact value, red: above. Click a cell for its bits.");
  WrappedText("O: max |error| %.3g; FP32 alone would give %.3g", sum.o_max_abs_err, sum.fp32_floor_abs_err);

  const float gap = ImGui::GetStyle().ItemSpacing.x * 2;
  const bool with_blk = !lab.o_bar_rounding.empty();
  // The maps side by side where each is 12 font sizes wide or more, fewer to a row otherwise.
  const float avail_w = ImGui::GetContentRegionAvail().x;
  const int maps = std::clamp(static_cast<int>((avail_w + gap) / (12.0f * ImGui::GetFontSize() + gap)), 1,
                              with_blk ? 3 : 2);
  const float w = (avail_w - (maps - 1) * gap) / maps;
  // The maps share the height with the histogram and five text lines: the maps' titles, the
  // histogram's heading, the verdict (two lines) and spacing; each at least a chart's least
  // height, the panel scrolling when that is more than it has.
  const float text_h = ImGui::GetTextLineHeightWithSpacing();
  const float avail_h = ImGui::GetContentRegionAvail().y - 5 * text_h;
  const float hist_h = std::max(MinChartWidgetHeight(), 0.45f * avail_h);
  const float h = std::max(MinChartHeight(), avail_h - hist_h);
  int mr, mc;
  MarkedIn(lab, CellField::kO, s.step, 0, p.n, &mr, &mc);
  const viz::HeatmapResult ho =
      ErrorMap("O", "O - O_fp64 (N x d)", lab.o_error, p.n, p.d, 0, ImVec2(w, h), mr, mc, s.row);
  if (ho.clicked) SelectCell(s, CellRef{CellField::kO, s.step, ho.row, ho.col});
  if (maps > 1) ImGui::SameLine(0.0f, gap);
  if (lab.step_of == s.trace && lab.step_at == s.step && !lab.o_acc_error.empty()) {
    MarkedIn(lab, CellField::kOAcc, s.step, st.row0, st.rows, &mr, &mc);
    const viz::HeatmapResult ha = ErrorMap("Oacc", "O~ - shadow, this step", lab.o_acc_error, st.rows, p.d, st.row0,
                                           ImVec2(w, h), mr, mc, s.row - st.row0);
    if (ha.clicked) {
      SetRow(s, st.row0 + ha.row);
      SelectCell(s, CellRef{CellField::kOAcc, s.step, st.row0 + ha.row, ha.col});
    }
  } else {
    ImGui::TextDisabled("O~ of this step: no shadow");
  }
  if (with_blk && lab.step_at == s.step) {
    if (maps > 2) ImGui::SameLine(0.0f, gap);
    MarkedIn(lab, CellField::kOBar, s.step, st.row0, st.rows, &mr, &mc);
    const std::string title = std::string("R(O-bar) - O-bar: rounding to ") + FormatName(p.precision.block);
    const viz::HeatmapResult hb = ErrorMap("Obar", title.c_str(), lab.o_bar_rounding, st.rows, p.d, st.row0,
                                           ImVec2(w, h), mr, mc, s.row - st.row0);
    if (hb.clicked) {
      SetRow(s, st.row0 + hb.row);
      SelectCell(s, CellRef{CellField::kOBar, s.step, st.row0 + hb.row, hb.col});
    }
  }

  // The histogram of the followed feature (all features when the pattern follows none).
  char what[96];
  if (sum.feature >= 0)
    std::snprintf(what, sizeof what, "signed errors of O[:, %d] (the feature the %s pattern makes negative)",
                  sum.feature, PatternName(p.pattern));
  else
    std::snprintf(what, sizeof what, "signed errors of all of O");
  WrappedHeading(what);
  Verdict(sum.o_err);
  viz::HistogramSpec hs;
  hs.values = sum.o_errors.data();
  hs.count = static_cast<int>(sum.o_errors.size());
  hs.mean = sum.o_err.mean;
  hs.ci_lo = sum.o_err.ci99_lo;
  hs.ci_hi = sum.o_err.ci99_hi;
  hs.label = "O - O_fp64";
  hs.x_label = "signed error";
  hs.size = ImVec2(0, std::max(MinChartWidgetHeight(), ImGui::GetContentRegionAvail().y));
  viz::Histogram("hist", hs);
}

}  // namespace fs
