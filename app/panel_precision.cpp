// Precision: the preset and the format of every stage, and the P-bar tile of this step with
// the cells that are exactly 1.0 outlined and counted, for the shown softmax variant and the
// other one (run by the lab state), side by side or one at a time.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "heatmap.h"
#include "panels.h"
#include "precision_stats.h"
#include "ui_common.h"

namespace fs {
namespace {

ImVec4 FormatColor(Format f) {
  switch (f) {
    case Format::kBf16: return viz::ToneColorV(viz::Tone::kBf16);
    case Format::kFp16: return viz::ToneColorV(viz::Tone::kFp16);
    case Format::kFp32: break;
  }
  return ImGui::GetStyleColorVec4(ImGuiCol_Text);
}

// The stages as two-line tables: names above, formats below in their colours; all stages in
// one table where their columns fit, in tables of fewer otherwise.
void StageTable(const Precision& pr) {
  const int stages = static_cast<int>(std::size(kPrecisionStages));
  const float column_w = ImGui::CalcTextSize("output").x + 3.0f * ImGui::GetStyle().CellPadding.x;
  const int per_table = std::clamp(static_cast<int>(ImGui::GetContentRegionAvail().x / column_w), 1, stages);
  for (int first = 0; first < stages; first += per_table) {
    const int columns = std::min(per_table, stages - first);
    ImGui::PushID(first);
    if (ImGui::BeginTable("stages", columns, ImGuiTableFlags_Borders | ImGuiTableFlags_SizingStretchSame |
                                                 ImGuiTableFlags_NoSavedSettings)) {
      for (int i = first; i < first + columns; ++i) ImGui::TableSetupColumn(kPrecisionStages[i].name);
      ImGui::TableHeadersRow();
      ImGui::TableNextRow();
      for (int i = first; i < first + columns; ++i) {
        const PrecisionStage& stage = kPrecisionStages[i];
        ImGui::TableNextColumn();
        const Format f = pr.*stage.member;
        ImGui::TextColored(FormatColor(f), "%s", FormatName(f));
        if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s: %s", stage.name, stage.meaning);
      }
      ImGui::EndTable();
    }
    ImGui::PopID();
  }
}

// Which rule set m' for a row: what the stabilized softmax's branches decided.
const char* BranchText(const Problem& p, float r_m, float r_s) {
  if (p.softmax == Softmax::kStandard) return "standard: m' = r_m";
  if (r_s <= 1.0f) return "one maximum: m' = r_m";
  if (r_m > 0.0f) return "tied, r_m > 0: m' = beta r_m";
  if (r_m < 0.0f) return "tied, r_m < 0: m' = 0";
  return "tied at r_m = 0 exactly: neither branch, m' = r_m";
}

std::string VariantName(const Problem& p) {
  if (p.softmax == Softmax::kStandard) return "standard softmax";
  return "stabilized, beta = " + ShortNumber(p.beta);
}

// One variant's P-bar tile with its exact ones outlined, the counts, and the followed row's
// shift. Returns the clicked cell's (row, col) in the tile, or row -1.
viz::HeatmapResult VariantTile(const char* id, const Trace& t, int step, int row, float width, float height,
                               bool numbers, const CellRef* marked) {
  const Problem& p = t.problem;
  const StepInfo& st = t.steps[step];
  const int r = row - st.row0;
  ImGui::BeginGroup();
  WrappedHeading(VariantName(p), width);
  char line[160];
  std::snprintf(line, sizeof line,
                "exactly 1.0: %d in the tile, %d in row %d (per row: the column at the right), %llu in the %s",
                CountExactOnes(t, step), CountExactOnesInRow(t, step, r), row,
                static_cast<unsigned long long>(CountExactOnes(t)), t.Windowed() ? "Q block's steps" : "run");
  Paragraph(line, width);
  std::vector<unsigned char> ones(static_cast<size_t>(st.rows) * p.bc, 0);
  std::vector<float> per_row(st.rows, 0.0f);
  const float* pbar = t.P(step);
  for (size_t i = 0; i < ones.size(); ++i) ones[i] = pbar[i] == 1.0f;
  for (int i = 0; i < st.rows; ++i) per_row[i] = static_cast<float>(CountExactOnesInRow(t, step, i));
  viz::HeatmapSpec spec;
  spec.values = pbar;
  spec.rows = st.rows;
  spec.cols = p.bc;
  spec.vmin = 0.0f;
  spec.vmax = 1.0f;
  spec.auto_map = false;
  spec.map = viz::ColorMap::kViridis;
  spec.outline = ones.data();
  spec.show_numbers = numbers;
  spec.row_offset = st.row0;
  spec.col_offset = st.col0;
  spec.row_label = "query";
  spec.col_label = "key";
  spec.value_label = p.order == LoopOrder::kFa1 ? "P-tilde" : "P-bar";
  spec.number_format = "%.3g";
  spec.selected_row = r;
  const float count_w = 1.6f * ImGui::GetFontSize();
  spec.size = ImVec2(width - count_w - ImGui::GetStyle().ItemSpacing.x, height);
  spec.square_cells = true;
  if (marked && marked->field == CellField::kP && marked->step == step && marked->row - st.row0 >= 0) {
    spec.marked_row = marked->row - st.row0;
    spec.marked_col = marked->col;
  }
  const viz::HeatmapResult result = viz::Heatmap(id, spec);
  // Exact ones per row, a column beside the tile (numbers when the rows are tall enough).
  ImGui::SameLine();
  viz::HeatmapSpec counts;
  counts.values = per_row.data();
  counts.rows = st.rows;
  counts.cols = 1;
  counts.vmin = 0.0f;
  counts.vmax = std::max(2.0f, *std::max_element(per_row.begin(), per_row.end()));
  counts.auto_map = false;
  counts.map = viz::ColorMap::kCividis;
  counts.legend = false;
  counts.show_numbers = true;
  counts.number_format = "%.0f";
  counts.row_offset = st.row0;
  counts.row_label = "query";
  counts.col_label = "exact ones, column";
  counts.value_label = "exact ones";
  counts.size = ImVec2(count_w, result.grid_max.y - result.grid_min.y);
  ImGui::PushID(id);
  viz::Heatmap("ones per row", counts);
  ImGui::PopID();
  if (r >= 0 && r < st.rows) {
    const float r_m = t.RMax(step)[r], r_s = t.RCount(step)[r];
    std::snprintf(line, sizeof line, "row %d: r_m = %.6g, r_s = %.0f, m' = %.6g, m_new = %.6g", row, r_m, r_s,
                  t.MShift(step)[r], t.MNew(step)[r]);
    Paragraph(line, width);
    ColoredParagraph(ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled), BranchText(p, r_m, r_s));
  }
  ImGui::EndGroup();
  return result;
}

}  // namespace

void DrawPrecisionPanel(AppState& s) {
  if (!s.trace || s.trace->StepCount() == 0) {
    ImGui::TextDisabled("Nothing to show yet.");
    return;
  }
  const Trace& t = *s.trace;
  const Problem& p = t.problem;
  const std::string preset = PrecisionName(p.precision);
  WrappedHeading("Precision: " + preset);
  for (const PrecisionPreset& pp : kPrecisionPresets)
    if (preset == pp.name) Explain("%s", pp.meaning);
  StageTable(p.precision);
  WrappedText("Softmax: %s, eps = %s", VariantName(p).c_str(), ShortNumber(p.eps).c_str());
  ImGui::Checkbox("side by side with the other variant", &s.lab.side_by_side);
  if (!s.lab.side_by_side) {
    SameLineIfFits(CheckWidth("show the other variant"));
    ImGui::Checkbox("show the other variant", &s.lab.show_alternate);
  }
  if (p.order == LoopOrder::kFa1)
    Explain("P-tilde = exp(S - r_m) of this step (FA1's loop, FP32 and the standard softmax only). Outlined: exactly "
            "1.0. Against the block's own row max, every block row has its exp(0) = 1; tied maxima give two or more. "
            "Click a cell for its bits.");
  else
    Explain("P-bar = exp(S - m_new) of this step. Outlined: exactly 1.0. The row max always gives exp(0) = 1 "
            "where m_new = r_m; tied maxima give two or more. Click a cell for its bits.");

  const LabState& lab = s.lab;
  const Trace* other = lab.alternate_of == s.trace ? lab.alternate.get() : nullptr;
  const bool both = lab.side_by_side && other;
  const bool only_other = !lab.side_by_side && lab.show_alternate && other;
  const float gap = ImGui::GetStyle().ItemSpacing.x * 2;
  const float avail_w = ImGui::GetContentRegionAvail().x;
  // The two variants side by side where each tile gets a chart's least height in width; one
  // above the other otherwise.
  const bool beside = both && (avail_w - gap) * 0.5f >= MinChartHeight() + 8.0f * ImGui::GetFontSize();
  const float w = beside ? (avail_w - gap) * 0.5f : avail_w;
  const float text_h = ImGui::GetTextLineHeightWithSpacing();
  // Under and over each tile: its heading, the counts (up to two lines), the row's shift (two
  // lines) and the branch.
  const float h = std::max(MinChartHeight(), std::min(w, ImGui::GetContentRegionAvail().y - 6.5f * text_h));
  const StepInfo& st = t.steps[s.step];
  const CellRef* marked = lab.has_cell ? &lab.cell : nullptr;
  if (!only_other) {
    const viz::HeatmapResult hit = VariantTile("shown", t, s.step, s.row, w, h, s.view.numbers_in_cells, marked);
    if (hit.clicked) {
      SetRow(s, st.row0 + hit.row);
      SelectCell(s, CellRef{CellField::kP, s.step, st.row0 + hit.row, hit.col});
    }
  }
  if (beside) ImGui::SameLine(0.0f, gap);
  if (both || only_other) {
    const viz::HeatmapResult hit = VariantTile("other", *other, s.step, s.row, w, h, s.view.numbers_in_cells, nullptr);
    if (hit.clicked) SetRow(s, st.row0 + hit.row);
  } else if (lab.side_by_side || lab.show_alternate) {
    WrappedText("The other variant: %s", lab.alternate_error.empty() ? "being run" : lab.alternate_error.c_str());
  }
}

}  // namespace fs
