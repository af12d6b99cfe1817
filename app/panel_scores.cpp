// Scores and probabilities: the S tile and the P-bar tile of the current step as heatmaps,
// the followed row marked. These tiles exist only in SRAM.
#include <cstdio>
#include <vector>

#include "heatmap.h"
#include "panels.h"
#include "ui_common.h"

namespace fs {

void DrawScoresPanel(AppState& s) {
  if (!s.trace || s.trace->StepCount() == 0) {
    ImGui::TextDisabled("Nothing to show yet.");
    return;
  }
  const Trace& t = *s.trace;
  const Problem& p = t.problem;
  const StepInfo& now = t.steps[s.step];
  ImGui::Text("Tile (Q block %d, K/V block %d): query rows %d..%d, keys %d..%d", now.q_block, now.kv_block, now.row0,
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
  ImGui::SameLine();
  ImGui::Checkbox(fa1 ? "log P-tilde" : "log P-bar", &s.view.p_log);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("A log colour scale over 5 decades, for rows with one dominant key.");

  const float gap = ImGui::GetStyle().ItemSpacing.x;
  const float w = (ImGui::GetContentRegionAvail().x - gap) * 0.5f;
  const float title_h = ImGui::GetTextLineHeightWithSpacing();
  const float h = ImGui::GetContentRegionAvail().y - title_h;
  const float side = std::max(80.0f, std::min(w, h));

  const int r = s.row - now.row0;
  viz::HeatmapSpec spec;
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
  ImGui::TextUnformatted(s.view.s_range_whole ? "S (scaled scores; colours: whole problem)"
                                              : "S (scaled scores; colours: this tile)");
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
  ImGui::TextUnformatted(fa1 ? "P-tilde = exp(S - r_m)" : "P-bar = exp(S - m_new)");
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
