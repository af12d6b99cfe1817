// Output: what this step does to the current Q block's output. The V block on chip, the
// unnormalized accumulator O~ after the step, and, once the row's last K/V block is done,
// O = O~ / l and L = m + log l as the kernel writes them to HBM.
#include <algorithm>
#include <cmath>
#include <vector>

#include "heatmap.h"
#include "panels.h"
#include "printf.h"
#include "ui_common.h"

namespace fs {
namespace {

viz::HeatmapSpec MatrixSpec(const float* values, int rows, int cols, int row0, const char* row_label,
                            const char* value_label, float width, float height, bool numbers, int selected_row) {
  viz::HeatmapSpec spec;
  spec.values = values;
  spec.rows = rows;
  spec.cols = cols;
  spec.row_offset = row0;
  spec.row_label = row_label;
  spec.col_label = "feature";
  spec.value_label = value_label;
  spec.size = ImVec2(width, height);
  spec.show_numbers = numbers;
  spec.number_format = "%.2f";
  spec.selected_row = selected_row;
  return spec;
}

}  // namespace

void DrawOutputPanel(AppState& s) {
  if (!s.trace || s.trace->StepCount() == 0) {
    ImGui::TextDisabled("Nothing to show yet.");
    return;
  }
  const Trace& t = *s.trace;
  const Problem& p = t.problem;
  const StepInfo& now = t.steps[s.step];
  const bool fa1 = p.order == LoopOrder::kFa1;
  const int r = s.row - now.row0;
  WrappedText("Q block %d (rows %d..%d) after K/V block %d: O~ += P-bar V_j, each row first multiplied by its "
              "rescale factor%s.",
              now.q_block, now.row0, now.row0 + now.rows - 1, now.kv_block,
              fa1 ? " (FA1: O_i is read from HBM, updated and divided by l, and written back at every step)" : "");

  const float gap = ImGui::GetStyle().ItemSpacing.x;
  const float w = (ImGui::GetContentRegionAvail().x - 2 * gap) / 3.0f;
  const float h = std::max(MinChartHeight(), ImGui::GetContentRegionAvail().y - 5.0f * ImGui::GetTextLineHeightWithSpacing());
  const bool numbers = s.view.numbers_in_cells;

  // V_j: from the inputs; a trace file records what the kernel computed, not its inputs.
  ImGui::BeginGroup();
  Paragraph(Printf("V block %d (keys %d..%d)", now.kv_block, now.col0, now.col0 + now.cols - 1), w);
  if (s.inputs) {
    const float* v = s.inputs->v.data() + static_cast<size_t>(now.col0) * p.d;
    viz::HeatmapSpec spec = MatrixSpec(v, now.cols, p.d, now.col0, "key", "V", w, h, numbers, -1);
    viz::Heatmap("V", spec);
  } else {
    ImGui::Dummy(ImVec2(w, 0));
    Explain("V is not in a trace file (it holds what the kernel computed); open the problem to see it.");
  }
  ImGui::EndGroup();
  ImGui::SameLine();

  // O~ (FA2) or O_i after its update (FA1) of this step.
  ImGui::BeginGroup();
  Paragraph(fa1 ? "O_i after this step (normalized)" : "O~ after this step (not divided by l)", w);
  viz::HeatmapSpec acc = MatrixSpec(t.OAcc(s.step), now.rows, p.d, now.row0, "query", fa1 ? "O_i" : "O~", w, h,
                                    numbers, r);
  viz::Heatmap("Oacc", acc);
  ImGui::EndGroup();
  ImGui::SameLine();

  // The final O and L of the block's rows, once written.
  ImGui::BeginGroup();
  if (now.last_for_q_block) {
    Paragraph("O = O~ / l, written to HBM", w);
    viz::HeatmapSpec out = MatrixSpec(t.o.data() + static_cast<size_t>(now.row0) * p.d, now.rows, p.d, now.row0,
                                      "query", "O", w, h, numbers, r);
    viz::Heatmap("O", out);
  } else {
    ImGui::TextDisabled("O = O~ / l");
    ImGui::Dummy(ImVec2(w, 0));
    Explain("Not written yet: FlashAttention-2 divides by l once, after the last K/V block of this Q block "
            "(K/V block %d).", LastKvBlock(p, now.q_block));
  }
  ImGui::EndGroup();

  if (r >= 0 && r < now.rows) {
    const float l = t.L(s.step)[r], m = t.MNew(s.step)[r];
    if (now.last_for_q_block)
      WrappedText("Row %d: l = %.6g, m = %.5g, so L = m + log l = %.6g (saved for the backward pass).", s.row, l, m,
                  t.lse[static_cast<size_t>(s.row)]);
    else
      WrappedText("Row %d: l = %.6g and m = %.5g so far; L = m + log l is saved after the last block.", s.row, l, m);
  }
}

}  // namespace fs
