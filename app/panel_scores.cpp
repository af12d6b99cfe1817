// Scores and probabilities: the S tile and the P-bar tile of the current step as heatmaps,
// the followed row marked. These tiles exist only in SRAM.
#include <algorithm>
#include <cstdio>
#include <vector>

#include "cell_formula.h"
#include "heatmap.h"
#include "panels.h"
#include "printf.h"
#include "ui_common.h"

namespace fs {
namespace {

constexpr int kZoomRows = 5, kZoomCols = 5;

// The values of S and P-bar around (row, col) of the step's tile, in tables whose cells fit
// the numbers at any tile size, written with enough digits to tell an exact 1.
void ZoomTables(const Trace& t, int step, int row, int col) {
  const StepInfo& st = t.steps[step];
  const int bc = t.problem.bc;
  const float w = (ImGui::GetContentRegionAvail().x - ImGui::GetStyle().ItemSpacing.x) * 0.5f;
  // As many columns as fit numbers like "-0.1234" (4 digits) beside the row labels.
  const float number_w = ImGui::CalcTextSize("-0.12345").x + 2.0f * ImGui::GetStyle().CellPadding.x;
  const int fit = static_cast<int>(w / number_w) - 1;
  const int rows = std::min(kZoomRows, st.rows), cols = std::clamp(fit, 1, std::min(kZoomCols, bc));
  const int r0 = std::clamp(row - st.row0 - rows / 2, 0, std::max(0, st.rows - rows));
  const int c0 = std::clamp(col - cols / 2, 0, std::max(0, bc - cols));
  const bool fa1 = t.problem.order == LoopOrder::kFa1;
  const float* fields[2] = {t.S(step), t.P(step)};
  const char* names[2] = {"S", fa1 ? "P-tilde" : "P-bar"};
  for (int f = 0; f < 2; ++f) {
    if (f == 1) ImGui::SameLine();
    ImGui::BeginGroup();
    Paragraph(Printf("%s around query %d, key %d", names[f], row, st.col0 + col), w);
    if (ImGui::BeginTable(names[f], cols + 1, ImGuiTableFlags_Borders | ImGuiTableFlags_SizingStretchSame,
                          ImVec2(w, 0))) {
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      for (int c = 0; c < cols; ++c) {
        ImGui::TableNextColumn();
        ImGui::TextDisabled("k%d", st.col0 + c0 + c);
      }
      for (int r = 0; r < rows; ++r) {
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::TextDisabled("q%d", st.row0 + r0 + r);
        for (int c = 0; c < cols; ++c) {
          ImGui::TableNextColumn();
          const float v = fields[f][static_cast<size_t>(r0 + r) * bc + c0 + c];
          const bool here = st.row0 + r0 + r == row && c0 + c == col;
          if (here) ImGui::TableSetBgColor(ImGuiTableBgTarget_CellBg, ImGui::GetColorU32(ImGuiCol_TextSelectedBg));
          ImGui::TextUnformatted(CellNumber(v, 4).c_str());
        }
      }
      ImGui::EndTable();
    }
    ImGui::EndGroup();
  }
}

}  // namespace

void DrawScoresPanel(AppState& s) {
  if (!s.trace || s.trace->StepCount() == 0) {
    ImGui::TextDisabled("Nothing to show yet.");
    return;
  }
  const Trace& t = *s.trace;
  const Problem& p = t.problem;
  const StepInfo& now = t.steps[s.step];
  WrappedText("Tile (Q block %d, K/V block %d): query rows %d..%d, keys %d..%d", now.q_block, now.kv_block, now.row0,
              now.row0 + now.rows - 1, now.col0, now.col0 + now.cols - 1);
  const bool fa1 = p.order == LoopOrder::kFa1;
  // Hatched cells: keys above the causal diagonal, or columns past N that pad the last block.
  const bool padding = now.cols < p.bc, causal_cut = p.causal && now.col0 + now.cols - 1 > now.row0;
  const char* hatched = padding && causal_cut ? "masked (-inf): above the diagonal or padding past N"
                        : padding             ? "padding: keys past N (-inf, not part of the sequence)"
                        : causal_cut          ? "masked (-inf): keys above the causal diagonal"
                                              : nullptr;
  if (fa1)
    Explain("S = scale * Q K^T for this tile; P-tilde = exp(S - r_m), against the tile's own row max r_m (FA1).%s%s",
            hatched ? " Hatched: " : "", hatched ? hatched : "");
  else
    Explain("S = scale * Q K^T for this tile; P-bar = exp(S - m_new), not yet divided by l.%s%s",
            hatched ? " Hatched: " : "", hatched ? hatched : "");
  ImGui::Checkbox("S colours over the whole problem", &s.view.s_range_whole);
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("On: one colour range for every tile, so a later block's larger score stands out.\n"
                      "Off: the range refits to each tile.");
  SameLineIfFits(CheckWidth(fa1 ? "log P-tilde" : "log P-bar"));
  ImGui::Checkbox(fa1 ? "log P-tilde" : "log P-bar", &s.view.p_log);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("A log colour scale over 5 decades, for rows with one dominant key.");

  const float gap = ImGui::GetStyle().ItemSpacing.x;
  const float w = (ImGui::GetContentRegionAvail().x - gap) * 0.5f;
  // The titles above the tiles, as wrapped to the tile's width.
  const float title_h = ImGui::CalcTextSize("S (scaled scores; colours: whole problem)", nullptr, false, w).y +
                        ImGui::GetStyle().ItemSpacing.y;
  // With numbers asked for, room under the tiles for a zoom whose cells always fit them.
  const bool zoom = s.view.numbers_in_cells;
  const float zoom_h = zoom ? (kZoomRows + 2) * ImGui::GetFrameHeightWithSpacing() : 0.0f;
  const float h = ImGui::GetContentRegionAvail().y - title_h - zoom_h;
  const float side = std::max(MinChartHeight(), std::min(w, h));

  const int r = s.row - now.row0;
  CellRef inspected;
  const bool has_inspected = InspectedCell(s, &inspected);
  viz::HeatmapSpec spec;
  if (has_inspected) {  // the inspected cell framed in both tiles
    spec.marked_row = inspected.row - now.row0;
    spec.marked_col = inspected.col;
  }
  spec.rows = now.rows;
  spec.cols = p.bc;
  spec.stride = p.bc;
  spec.show_numbers = s.view.numbers_in_cells;
  spec.masked_label = padding && !causal_cut ? "padding" : padding ? "masked / pad" : "masked";
  spec.row_offset = now.row0;
  spec.col_offset = now.col0;
  spec.row_label = "query";
  spec.col_label = "key";
  spec.size = ImVec2(w, side);
  spec.selected_row = r;

  ImGui::BeginGroup();
  Paragraph(!s.view.s_range_whole ? "S (scaled scores; colours: this tile)"
            : t.Windowed()          ? "S (scaled scores; colours: this Q block's steps, the ones recorded)"
                                    : "S (scaled scores; colours: whole problem)",
            w);
  spec.values = t.S(s.step);
  spec.value_label = "S";
  spec.number_format = "%.1f";
  if (s.view.s_range_whole && s.s_range_of == s.trace && s.s_abs_max > 0.0f) {
    spec.vmin = -s.s_abs_max;
    spec.vmax = s.s_abs_max;
  }
  viz::HeatmapResult hs = viz::Heatmap("S", spec);
  ImGui::EndGroup();
  ImGui::SameLine();
  ImGui::BeginGroup();
  Paragraph(fa1 ? "P-tilde = exp(S - r_m)" : "P-bar = exp(S - m_new)", w);
  spec.values = t.P(s.step);
  spec.value_label = fa1 ? "P-tilde" : "P-bar";
  spec.number_format = "%.2f";
  spec.vmin = s.view.p_log ? 1e-5f : 0.0f;
  spec.vmax = 1.0f;
  spec.log_scale = s.view.p_log;
  spec.auto_map = false;
  spec.map = viz::ColorMap::kViridis;
  viz::HeatmapResult hp = viz::Heatmap("P", spec);
  ImGui::EndGroup();
  if (zoom) {
    CellRef centre{CellField::kS, s.step, s.row, 0};
    if (has_inspected) centre = inspected;
    ZoomTables(t, s.step, centre.row, centre.col);
  }
  // Hovering a cell explains it and highlights it in the other panels.
  for (const auto& [hit, field] : {std::make_pair(hs, CellField::kS), std::make_pair(hp, CellField::kP)}) {
    if (!hit.hovered || hit.block_rows != 1 || hit.block_cols != 1) continue;
    const CellRef ref{field, s.step, now.row0 + hit.row, hit.col};
    HoverCell(s, ref);
    ImGui::BeginTooltip();
    DrawCellFormula(s, ref, 40.0f * ImGui::GetFontSize());
    ImGui::TextDisabled("Click: follow this row and open the cell in the bit view");
    ImGui::EndTooltip();
  }
  // Clicking a cell follows its query row and opens the cell in the bit view.
  if (hs.clicked) {
    SetRow(s, now.row0 + hs.row);
    SelectCell(s, CellRef{CellField::kS, s.step, now.row0 + hs.row, hs.col});
  }
  if (hp.clicked) {
    SetRow(s, now.row0 + hp.row);
    SelectCell(s, CellRef{CellField::kP, s.step, now.row0 + hp.row, hp.col});
  }
}

}  // namespace fs
