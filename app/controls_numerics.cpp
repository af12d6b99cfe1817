// The numeric part of the problem controls: precision preset, per-stage formats, softmax
// variant, beta and eps. Edits go to the edited copy of the Problem; the caller applies it,
// and ApplyProblem's validation refuses what is not allowed (e.g. beta = 1) with a status line.
#include <cstdio>

#include "imgui.h"
#include "panels.h"
#include "ui_common.h"

namespace fs {

bool DrawNumericsControls(Problem& e) {
  bool apply = false;
  const std::string current = PrecisionName(e.precision);
  if (ImGui::BeginCombo("precision", current.c_str())) {
    for (const PrecisionPreset& preset : kPrecisionPresets) {
      if (ImGui::Selectable(preset.name, current == preset.name)) {
        e.precision = preset.precision;
        apply = true;
      }
      if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", preset.meaning);
    }
    ImGui::EndCombo();
  }
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("A preset sets every stage; the table below overrides single stages");

  // Stages two per line (name, then its format) where they fit, one per line otherwise.
  const ImGuiStyle& style = ImGui::GetStyle();
  const float combo_w = ImGui::CalcTextSize("fp32").x + ImGui::GetFrameHeight() + 2 * style.FramePadding.x;
  const float pair_w = ImGui::CalcTextSize("output").x + combo_w + 4 * style.CellPadding.x;
  const int columns = ImGui::GetContentRegionAvail().x >= 2 * pair_w + style.ItemSpacing.x ? 4 : 2;
  if (ImGui::BeginTable("stages", columns, ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_NoSavedSettings)) {
    for (const PrecisionStage& stage : kPrecisionStages) {
      ImGui::TableNextColumn();
      ImGui::AlignTextToFramePadding();
      ImGui::TextUnformatted(stage.name);
      if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", stage.meaning);
      ImGui::TableNextColumn();
      Format& f = e.precision.*stage.member;
      ImGui::PushID(stage.name);
      ImGui::SetNextItemWidth(combo_w);
      if (ImGui::BeginCombo("##format", FormatName(f), ImGuiComboFlags_NoArrowButton)) {
        for (Format option : {Format::kFp32, Format::kBf16, Format::kFp16})
          if (ImGui::Selectable(FormatName(option), option == f)) {
            f = option;
            apply = true;
          }
        ImGui::EndCombo();
      }
      ImGui::PopID();
    }
    ImGui::EndTable();
  }

  int variant = e.softmax == Softmax::kStabilized ? 1 : 0;
  bool variant_changed = ImGui::RadioButton("standard", &variant, 0);
  SameLineIfFits(CheckWidth("stabilized"));
  variant_changed |= ImGui::RadioButton("stabilized", &variant, 1);
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("Per block and row, with tied maxima (r_s > 1): m' = beta r_m for r_m > 0, 0 for r_m < 0");
  if (variant_changed) {
    e.softmax = variant == 1 ? Softmax::kStabilized : Softmax::kStandard;
    apply = true;
  }
  ImGui::SliderFloat("beta", &e.beta, kMinBeta, kMaxBeta, "%.5g", ImGuiSliderFlags_Logarithmic);
  apply |= ImGui::IsItemDeactivatedAfterEdit();
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("Stabilized softmax: m' = beta r_m; allowed 1 < beta <= 16 (Ctrl+click to type, e.g. 1.0001)");
  ImGui::InputFloat("eps", &e.eps, 0.0f, 0.0f, "%.3g");
  apply |= ImGui::IsItemDeactivatedAfterEdit();
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Stabilized softmax: scores within eps of the row max count as tied");
  return apply;
}

}  // namespace fs
