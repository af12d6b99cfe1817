// Online softmax: for the followed query row, the running max m, the running sum l and the
// rescale factor at each K/V step, and the running probabilities against the exact softmax.
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

struct RowHistory {
  std::vector<float> block, m, l, rescale;  // one entry per K/V step of the row's Q block
};

RowHistory HistoryOf(const Trace& t, int row) {
  RowHistory h;
  for (int k : StepsOfRow(t, row)) {
    const int r = row - t.steps[k].row0;
    h.block.push_back(static_cast<float>(t.steps[k].kv_block));
    h.m.push_back(t.MNew(k)[r]);
    h.l.push_back(t.L(k)[r]);
    h.rescale.push_back(t.Rescale(k)[r]);
  }
  return h;
}

// The row's history up to the current step (`computed` points), on the axis of the whole loop
// (blocks 0..last), the blocks still to come shaded.
void SmallChart(const char* id, const char* title, const RowHistory& h, const std::vector<float>& y, int computed,
                float cursor, float width, float height, ImU32 color, float title_h) {
  ImGui::BeginGroup();
  // Titles wrapped to the width, padded to the tallest so the three charts line up.
  const float y0 = ImGui::GetCursorPosY();
  Paragraph(title, width);
  ImGui::SetCursorPosY(std::max(ImGui::GetCursorPosY(), y0 + title_h));
  viz::LineSeries series;
  series.label = title;
  series.x = h.block.data();
  series.y = y.data();
  series.count = computed;
  series.color = color;
  series.markers = true;
  viz::LineChartSpec spec;
  spec.x_label = "K/V block j";
  spec.size = ImVec2(width, height);
  spec.cursor_x = cursor;
  spec.x_min = h.block.empty() ? 0.0f : h.block.front();
  spec.x_max = h.block.empty() ? 0.0f : h.block.back();
  spec.future_x = cursor + 0.5f;
  spec.legend = false;
  spec.integer_x = true;
  viz::LineChart(id, spec, &series, 1);
  ImGui::EndGroup();
}

}  // namespace

void DrawSoftmaxPanel(AppState& s) {
  if (!s.trace || s.trace->StepCount() == 0) {
    ImGui::TextDisabled("Nothing to show yet.");
    return;
  }
  const Trace& t = *s.trace;
  const StepInfo& now = t.steps[s.step];
  const int r = s.row - now.row0;
  const RowHistory h = HistoryOf(t, s.row);
  const float cursor = static_cast<float>(now.kv_block);
  // Points the loop has computed for this row by the current step.
  const int computed = static_cast<int>(std::count_if(h.block.begin(), h.block.end(),
                                                      [&](float b) { return b <= cursor; }));

  if (t.problem.order == LoopOrder::kFa1)  // m_i and l_i came from HBM; l and O go back there
    WrappedText("Query row %d, after K/V block %d of %d: from HBM: m_old = %.5g  l_old = %.6g   r_m = %.5g  "
                "l_blk = %.6g   m_new = %.5g   rescale = %.5g   scale_blk = exp(r_m - m_new) = %.5g   l = %.6g",
                s.row, now.kv_block, static_cast<int>(h.block.size()) - 1,
                t.MOld(s.step)[r], t.LOld(s.step)[r], t.RMax(s.step)[r], t.LBlk(s.step)[r], t.MNew(s.step)[r],
                t.Rescale(s.step)[r], t.ScaleBlk(s.step)[r], t.L(s.step)[r]);
  else
    WrappedText("Query row %d, after K/V block %d of %d:  m_old = %.5g   m_new = %.5g   "
                "rescale = exp(m_old - m_new) = %.5g   l = %.6g",
                s.row, now.kv_block, static_cast<int>(h.block.size()) - 1, t.MOld(s.step)[r],
                t.MNew(s.step)[r], t.Rescale(s.step)[r], t.L(s.step)[r]);

  const float avail_w = ImGui::GetContentRegionAvail().x;
  const float gap = ImGui::GetStyle().ItemSpacing.x;
  const float chart_w = (avail_w - 2 * gap) / 3.0f;
  const float chart_h = std::max(MinChartWidgetHeight(false), 0.36f * ImGui::GetContentRegionAvail().y);
  float title_h = 0.0f;  // the tallest of the three titles, wrapped to a chart's width
  for (const char* title : {"running max m", "running sum l", "rescale factor exp(m_old - m_new)"})
    title_h = std::max(title_h, ImGui::CalcTextSize(title, nullptr, false, chart_w).y);
  SmallChart("m", "running max m", h, h.m, computed, cursor, chart_w, chart_h, viz::ToneColor(viz::Tone::kSeriesM),
             title_h);
  ImGui::SameLine();
  SmallChart("l", "running sum l", h, h.l, computed, cursor, chart_w, chart_h, viz::ToneColor(viz::Tone::kSeriesL),
             title_h);
  ImGui::SameLine();
  SmallChart("rescale", "rescale factor exp(m_old - m_new)", h, h.rescale, computed, cursor, chart_w, chart_h,
             viz::ToneColor(viz::Tone::kRescale), title_h);

  // Running probabilities of every key against the exact softmax; while a step animates within
  // the row's loop, on their way from the last step's values (the seen ones shrink by the
  // rescale factor, the new block's grow in).
  std::vector<double> running = RunningProbabilities(t, s.row, s.step);
  if (s.anim.Active() && s.anim.from < t.StepCount() && t.steps[s.anim.from].q_block == now.q_block) {
    const std::vector<double> was = RunningProbabilities(t, s.row, s.anim.from);
    const double a = viz::EaseOut(static_cast<float>(s.anim.t));  // eased as the tiles slide
    for (size_t c = 0; c < running.size(); ++c) {
      const double from = std::isnan(was[c]) ? 0.0 : was[c];
      if (!std::isnan(running[c])) running[c] = from + (running[c] - from) * a;
      else if (!std::isnan(was[c])) running[c] = from * (1.0 - a);
    }
  }
  const std::vector<double>& exact = ExactRow(s);
  std::vector<float> run_f(running.begin(), running.end()), exact_f(exact.begin(), exact.end());
  double worst = 0.0, seen_mass = 0.0;
  int seen = 0;
  for (size_t c = 0; c < running.size(); ++c) {
    if (std::isnan(running[c]) || (t.problem.causal && static_cast<int>(c) > s.row)) continue;  // unseen or masked
    ++seen;
    seen_mass += exact[c];
    worst = std::max(worst, std::fabs(running[c] - exact[c]));
  }
  WrappedText("Probabilities of row %d: running exp(S - m)/l over the %d keys seen so far vs the exact softmax",
              s.row, seen);
  if (!(t.L(s.step)[r] > 0.0f))  // every exp(S - m) underflowed (e.g. a huge stabilized shift)
    ColoredParagraph(viz::ToneColorV(viz::Tone::kBad),
                     Printf("l = %g: the running probabilities are 0 / 0", t.L(s.step)[r]));
  else if (now.last_for_q_block)
    ColoredParagraph(viz::ToneColorV(viz::Tone::kGood),
                     Printf("last block: max difference %.2e (exact up to rounding)", worst));
  else
    ColoredParagraph(ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled),
                     Printf("not final: the keys seen hold %.1f%% of the exact mass", 100.0 * seen_mass));
  viz::BarSeries bars[2];
  bars[0].label = "running";
  bars[0].values = run_f.data();
  bars[0].count = static_cast<int>(run_f.size());
  bars[0].color = viz::ToneColor(viz::Tone::kRunning);
  bars[1].label = s.inputs ? "exact (FP64)" : "exact (FP64 from recorded scores)";
  bars[1].values = exact_f.data();
  bars[1].count = static_cast<int>(exact_f.size());
  bars[1].color = viz::ToneColor(viz::Tone::kExact);
  viz::BarChartSpec spec;
  spec.x_label = "key (column)";
  spec.y_label = "probability";
  spec.size = ImVec2(-1, std::max(MinChartWidgetHeight(), ImGui::GetContentRegionAvail().y));
  CellRef inspected;  // the inspected cell's key, framed
  if (InspectedCell(s, &inspected) && inspected.row == s.row) spec.marked = t.steps[inspected.step].col0 + inspected.col;
  viz::BarChart("probs", spec, bars, 2);
}

}  // namespace fs
