// The layout: the panel table's areas (upper left, upper right, bottom) as windows with tab
// bars. An area with no shown panel gives its room to the others; within an area the tab in
// front is the one the user clicked, or the one a lesson beat or --panels brought forward.
#include <cstdio>

#include "panel_table.h"
#include "ui_common.h"

namespace fs {
namespace {

constexpr float kTopShare = 0.56f;  // of the height, for the upper areas when the bottom is used

struct Rect {
  ImVec2 min, max;
};

void DrawArea(AppState& s, int area, Rect r) {
  ImGui::SetNextWindowPos(r.min);
  ImGui::SetNextWindowSize(ImVec2(r.max.x - r.min.x, r.max.y - r.min.y));
  char id[32];
  std::snprintf(id, sizeof id, "##area%d", area);
  if (!ImGui::Begin(id, nullptr, kPanelFlags | ImGuiWindowFlags_NoTitleBar)) {
    ImGui::End();
    return;
  }
  if (ImGui::BeginTabBar("##tabs", ImGuiTabBarFlags_FittingPolicyResizeDown)) {
    ViewOptions& view = s.view;
    // A requested tab is selected a frame later (ImGui applies SetSelected on the next
    // frame); until then the tab that is open does not count as the user's choice.
    const int requested = view.front_requested[area] ? view.front[area] : -1;
    for (const PanelInfo& panel : kPanels) {
      const int index = static_cast<int>(panel.id);
      if (static_cast<int>(panel.area) != area || !view.shown[index]) continue;
      const ImGuiTabItemFlags flags = index == requested ? ImGuiTabItemFlags_SetSelected : 0;
      const bool open = ImGui::BeginTabItem(panel.title, nullptr, flags);
      if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", panel.tooltip);
      if (!open) continue;
      if (requested < 0) view.front[area] = index;
      if (index == requested) view.front_requested[area] = false;
      panel.draw(s);
      ImGui::EndTabItem();
    }
    ImGui::EndTabBar();
  }
  ImGui::End();
}

}  // namespace

void DrawPanelAreas(AppState& s, ImVec2 min, ImVec2 max) {
  bool used[kPanelAreaCount] = {};
  for (const PanelInfo& panel : kPanels)
    if (s.view.shown[static_cast<int>(panel.id)]) used[static_cast<int>(panel.area)] = true;
  const int top_left = static_cast<int>(PanelArea::kTopLeft), top_right = static_cast<int>(PanelArea::kTopRight);
  const int bottom = static_cast<int>(PanelArea::kBottom);
  const bool top = used[top_left] || used[top_right];
  const float split = used[bottom] ? (top ? min.y + kTopShare * (max.y - min.y) : min.y) : max.y;
  const float mid = used[top_left] && used[top_right] ? 0.5f * (min.x + max.x) : (used[top_left] ? max.x : min.x);
  Rect rects[kPanelAreaCount];
  rects[top_left] = {min, ImVec2(mid, split)};
  rects[top_right] = {ImVec2(mid, min.y), ImVec2(max.x, split)};
  rects[bottom] = {ImVec2(min.x, split), max};
  for (int area = 0; area < kPanelAreaCount; ++area)
    if (used[area]) DrawArea(s, area, rects[area]);
}

}  // namespace fs
