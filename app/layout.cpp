// The layout: the panel table's areas (upper left, upper right, bottom) as windows with tab
// bars. An area with no shown panel gives its room to the others; within an area the tab in
// front is the one the user clicked, or the one a lesson beat or --panels brought forward.
#include <cstdio>

#include "imgui_internal.h"  // ImGui::FindWindowByName: where an area's window was laid out
#include "layout_audit.h"
#include "panel_table.h"
#include "ui_common.h"

namespace fs {
namespace {

constexpr float kTopShare = 0.5f;  // of the height, for the upper areas when the bottom is used
constexpr float kMinAreaFonts = 28.0f;  // the narrowest an upper area may be beside the other

struct Rect {
  ImVec2 min, max;
};

struct AreaName {
  char text[32];
  explicit AreaName(int area) { std::snprintf(text, sizeof text, "##area%d", area); }
};

// The window of an area as drawn in the current frame (or, before it is drawn, the last one),
// or null when it was not drawn.
const ImGuiWindow* AreaWindow(int area) {
  const ImGuiWindow* w = ImGui::FindWindowByName(AreaName(area).text);
  return w != nullptr && (w->Active || w->WasActive) ? w : nullptr;
}

void DrawArea(AppState& s, int area, Rect r) {
  ImGui::SetNextWindowPos(r.min);
  ImGui::SetNextWindowSize(ImVec2(r.max.x - r.min.x, r.max.y - r.min.y));
  const AreaName id(area);
  if (!ImGui::Begin(id.text, nullptr, kPanelFlags | ImGuiWindowFlags_NoTitleBar)) {
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
      // Each panel in a child region of its own: content taller than the area scrolls, and
      // its width is the panel's.
      if (ImGui::BeginChild(panel.name, ImVec2(0, 0), false)) {
        AuditScope(panel.name);
        panel.draw(s);
        AuditWindow(panel.name);
      }
      ImGui::EndChild();
      ImGui::EndTabItem();
    }
    ImGui::EndTabBar();
  }
  AuditWindow(id.text + 2);  // "area0": its tab bar
  ImGui::End();
}

}  // namespace

bool PanelRegion(const AppState& s, PanelId id, ImVec2* min, ImVec2* max) {
  const int area = static_cast<int>(AreaOf(id));
  const ImGuiWindow* w = AreaWindow(area);
  if (w == nullptr || !s.view.shown[static_cast<int>(id)] || s.view.front[area] != static_cast<int>(id)) return false;
  *min = w->Pos;
  *max = ImVec2(w->Pos.x + w->Size.x, w->Pos.y + w->Size.y);
  return true;
}

bool PanelAt(const AppState& s, ImVec2 pos, PanelId* id) {
  for (int area = 0; area < kPanelAreaCount; ++area) {
    const ImGuiWindow* w = AreaWindow(area);
    const int front = s.view.front[area];
    if (w == nullptr || front < 0 || !s.view.shown[front]) continue;
    if (pos.x >= w->Pos.x && pos.y >= w->Pos.y && pos.x < w->Pos.x + w->Size.x && pos.y < w->Pos.y + w->Size.y) {
      *id = static_cast<PanelId>(front);
      return true;
    }
  }
  return false;
}

void DrawPanelAreas(AppState& s, ImVec2 min, ImVec2 max) {
  bool used[kPanelAreaCount] = {};
  for (const PanelInfo& panel : kPanels)
    if (s.view.shown[static_cast<int>(panel.id)]) used[static_cast<int>(panel.area)] = true;
  const int top_left = static_cast<int>(PanelArea::kTopLeft), top_right = static_cast<int>(PanelArea::kTopRight);
  const int bottom = static_cast<int>(PanelArea::kBottom);
  const bool top = used[top_left] || used[top_right];
  Rect rects[kPanelAreaCount];
  // The upper areas side by side where each gets kMinAreaFonts font sizes of width; otherwise
  // every area used takes the full width, one above the other, in equal shares.
  if (used[top_left] && used[top_right] && max.x - min.x < 2.0f * kMinAreaFonts * ImGui::GetFontSize()) {
    int count = 0;
    for (int area : {top_left, top_right, bottom}) count += used[area];
    float y = min.y;
    for (int area : {top_left, top_right, bottom}) {
      if (!used[area]) continue;
      const float h = (max.y - min.y) / count;
      rects[area] = {ImVec2(min.x, y), ImVec2(max.x, y + h)};
      y += h;
    }
  } else {
    const float split = used[bottom] ? (top ? min.y + kTopShare * (max.y - min.y) : min.y) : max.y;
    const float mid = used[top_left] && used[top_right] ? 0.5f * (min.x + max.x) : (used[top_left] ? max.x : min.x);
    rects[top_left] = {min, ImVec2(mid, split)};
    rects[top_right] = {ImVec2(mid, min.y), ImVec2(max.x, split)};
    rects[bottom] = {ImVec2(min.x, split), max};
  }
  for (int area = 0; area < kPanelAreaCount; ++area)
    if (used[area]) DrawArea(s, area, rects[area]);
}

}  // namespace fs
