// Compare backends: the shown trace against the other backend's run of the same problem,
// element by element in ulps, with maps of where the current step's values differ.
#include <algorithm>
#include <cstdio>
#include <vector>

#include "heatmap.h"
#include "panels.h"
#include "ui_common.h"

namespace fs {
namespace {

void UlpMap(const char* id, const char* title, const std::vector<float>& ulps, int rows, int cols, float width,
            float height, int row0) {
  ImGui::BeginGroup();
  const float worst = ulps.empty() ? 0.0f : *std::max_element(ulps.begin(), ulps.end());
  ImGui::Text("%s: max %.0f ulp", title, worst);
  viz::HeatmapSpec spec;
  spec.values = ulps.data();
  spec.rows = rows;
  spec.cols = cols;
  spec.vmin = 0.0f;
  spec.vmax = std::max(1.0f, worst);
  spec.auto_map = false;
  spec.map = viz::ColorMap::kCividis;
  spec.row_offset = row0;
  spec.row_label = "query";
  spec.value_label = "ulp";
  spec.number_format = "%.0f";
  spec.size = ImVec2(width, height);
  viz::Heatmap(id, spec);
  ImGui::EndGroup();
}

}  // namespace

void DrawComparePanel(AppState& s) {
  const Comparison& c = s.compare;
  if (!s.trace) {
    ImGui::TextDisabled("Nothing to compare yet.");
  } else if (c.pending) {
    ImGui::TextDisabled("Running the other backend on this problem (progress in the status bar)...");
  } else if (!c.error.empty()) {
    ImGui::TextWrapped("%s", c.error.c_str());
  } else if (c.other) {
    const Trace& a = *s.trace;
    const Trace& b = *c.other;
    ImGui::Text("Shown: %s on %s", a.backend.c_str(), a.device.c_str());
    ImGui::Text("Against: %s on %s, run now", b.backend.c_str(), b.device.c_str());
    if (c.diff.Identical()) {
      ImGui::TextColored(viz::ToneColorV(viz::Tone::kGood), "Identical: all %llu values agree bit for bit",
                         static_cast<unsigned long long>(c.diff.values));
    } else {
      ImGui::TextColored(viz::ToneColorV(viz::Tone::kWarn), "%llu of %llu values differ: max %u ulp, max |diff| %.3g",
                         static_cast<unsigned long long>(c.diff.differing),
                         static_cast<unsigned long long>(c.diff.values), c.diff.max_ulp, c.diff.max_abs);
      ImGui::Text("First difference: %s at %s", c.diff.first_field.c_str(),
                  c.diff.first_step >= 0 ? ("step " + std::to_string(c.diff.first_step + 1)).c_str() : "the output");
    }
    Explain("Maps: ulps between the two backends at this step (0 = same bits).");
    const StepInfo& st = a.steps[s.step];
    const float gap = ImGui::GetStyle().ItemSpacing.x;
    const float w = (ImGui::GetContentRegionAvail().x - 2 * gap) / 3.0f;
    const float h = std::max(60.0f, ImGui::GetContentRegionAvail().y - ImGui::GetTextLineHeightWithSpacing());
    const int br = a.problem.br, bc = a.problem.bc, d = a.problem.d;
    UlpMap("dS", "S", StepUlpMap(a, b, s.step, "S"), std::min(br, st.rows), bc, w, std::min(w, h), st.row0);
    ImGui::SameLine();
    const bool fa1 = a.problem.order == LoopOrder::kFa1;
    UlpMap("dP", fa1 ? "P-tilde" : "P-bar", StepUlpMap(a, b, s.step, "P"), std::min(br, st.rows), bc, w,
           std::min(w, h), st.row0);
    ImGui::SameLine();
    UlpMap("dO", fa1 ? "O_i" : "O~", StepUlpMap(a, b, s.step, "O~"), std::min(br, st.rows), d, w, std::min(w, h),
           st.row0);
  }
}

}  // namespace fs
