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
  if (fa1)
    Explain("S = scale * Q K^T for this tile; P-tilde = exp(S - r_m), against the tile's own row max r_m (FA1). "
            "Hatched: masked (-inf).");
  else
    Explain("S = scale * Q K^T for this tile; P-bar = exp(S - m_new), not yet divided by l. Hatched: masked (-inf).");

  const float gap = ImGui::GetStyle().ItemSpacing.x;
  const float w = (ImGui::GetContentRegionAvail().x - gap) * 0.5f;
  const float title_h = ImGui::GetTextLineHeightWithSpacing();
  const float h = ImGui::GetContentRegionAvail().y - title_h;
  const float side = std::max(80.0f, std::min(w, h));

  std::vector<unsigned char> mask(static_cast<size_t>(now.rows) * p.bc, 0);
  const int r = s.row - now.row0;
  if (r >= 0 && r < now.rows)
    for (int c = 0; c < p.bc; ++c) mask[static_cast<size_t>(r) * p.bc + c] = 1;

  viz::HeatmapSpec spec;
  spec.rows = now.rows;
  spec.cols = p.bc;
  spec.stride = p.bc;
  spec.show_numbers = s.view.numbers_in_cells;
  spec.highlight = mask.data();
  spec.row_offset = now.row0;
  spec.col_offset = now.col0;
  spec.row_label = "query";
  spec.col_label = "key";
  spec.size = ImVec2(w, side);
  spec.selected_row = r;

  ImGui::BeginGroup();
  ImGui::TextUnformatted("S (scaled scores)");
  spec.values = t.S(s.step);
  spec.value_label = "S";
  spec.number_format = "%.1f";
  viz::HeatmapResult hs = viz::Heatmap("S", spec);
  ImGui::EndGroup();
  ImGui::SameLine();
  ImGui::BeginGroup();
  ImGui::TextUnformatted(fa1 ? "P-tilde = exp(S - r_m)" : "P-bar = exp(S - m_new)");
  spec.values = t.P(s.step);
  spec.value_label = fa1 ? "P-tilde" : "P-bar";
  spec.number_format = "%.2f";
  spec.vmin = 0.0f;
  spec.vmax = 1.0f;
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
