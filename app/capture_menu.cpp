// The capture requests of the menu and the keys (panels.h): what to capture and how, kept in
// the app's state for the frame loop that draws captures (the window's, capture_render.cpp, or
// the web page's), and the file name a capture gets.
#include "panel_table.h"
#include "panels.h"

namespace fs {

std::string CaptureFileName(const AppState& s, const CaptureOptions& o) {
  std::string name = CaptureName(s);
  const size_t dot = name.rfind('.');
  std::string extra = o.panel.empty() ? "" : "_" + o.panel;
  if (o.pixel_scale != 1) extra += "_" + std::to_string(o.pixel_scale) + "x";
  return name.insert(dot, extra);
}

void RequestCapture(AppState& s, bool panel_under_mouse) {
  s.capture.panel.clear();
  if (panel_under_mouse) {
    PanelId id;
    if (!PanelAt(s, ImGui::GetIO().MousePos, &id)) {
      s.status = {"Shift+F12 captures the panel under the mouse pointer, which is over no panel now (F12 captures "
                  "the whole window)",
                  true};
      return;
    }
    s.capture.panel = PanelName(id);
  }
  s.capture_requested = true;
}

void DrawCaptureMenu(AppState& s) {
  if (ImGui::MenuItem("Whole window", "F12")) RequestCapture(s, false);
  ImGui::TextDisabled("One panel (Shift+F12: the one under the mouse)");
  for (const PanelInfo& panel : kPanels) {
    if (!s.view.shown[static_cast<int>(panel.id)]) continue;
    if (ImGui::MenuItem(panel.title)) {
      s.capture.panel = panel.name;
      s.capture_requested = true;
    }
  }
  ImGui::Separator();
  for (int scale : kCaptureScales) {
    const std::string label = "Scale " + std::to_string(scale) + "x";
    if (ImGui::MenuItem(label.c_str(), nullptr, s.capture.pixel_scale == scale)) s.capture.pixel_scale = scale;
  }
  ImGui::MenuItem("Transparent background", nullptr, &s.capture.transparent);
  const std::pair<CaptionMode, const char*> captions[] = {
      {CaptionMode::kAuto, "Caption on panels only"}, {CaptionMode::kOn, "Caption always"},
      {CaptionMode::kOff, "No caption"}};
  for (const auto& [mode, label] : captions)
    if (ImGui::MenuItem(label, nullptr, s.capture.caption == mode)) s.capture.caption = mode;
}

}  // namespace fs
