// The frame the window, the captures and the web page share: the style and fonts for a UI
// scale and theme, and one frame of the app (menu, controls, the panels in their areas, status
// line). Nothing here knows how the frame reaches the screen.
#include "frame.h"

#include <sys/stat.h>

#include <algorithm>

#include "colormap.h"
#include "imgui.h"
#include "imgui_impl_opengl3.h"
#include "layout_audit.h"
#include "panels.h"

namespace fs {
namespace {
constexpr float kBaseFontPx = 16.0f;
}  // namespace

// ---- style and fonts: the one place where UI scale is applied -----------------------------
void ApplyStyle(const ViewOptions& view, int pixel_scale, AppliedStyle* applied, bool renderer_ready) {
  if (applied->scale == view.ui_scale && applied->light == view.light_theme && applied->pixel_scale == pixel_scale)
    return;
  ImGuiStyle style;
  if (view.light_theme)
    ImGui::StyleColorsLight(&style);
  else
    ImGui::StyleColorsDark(&style);
  style.WindowRounding = 0.0f;
  style.FrameRounding = 3.0f;
  style.WindowBorderSize = 1.0f;
  style.ScaleAllSizes(view.ui_scale);
  ImGui::GetStyle() = style;
  viz::SetLightTheme(view.light_theme);
  if (applied->scale != view.ui_scale || applied->pixel_scale != pixel_scale) {
    ImGuiIO& io = ImGui::GetIO();
    io.Fonts->Clear();
    io.FontGlobalScale = 1.0f / static_cast<float>(pixel_scale);
    const float raster = view.ui_scale * static_cast<float>(pixel_scale);
    struct stat st;
    if (stat(FS_FONT_PATH, &st) == 0) {
      io.Fonts->AddFontFromFileTTF(FS_FONT_PATH, kBaseFontPx * raster);
    } else {
      ImFontConfig cfg;
      cfg.SizePixels = 13.0f * raster;
      io.Fonts->AddFontDefault(&cfg);
    }
    if (renderer_ready) {
      ImGui_ImplOpenGL3_DestroyFontsTexture();
      ImGui_ImplOpenGL3_CreateFontsTexture();
    }
  }
  *applied = {view.ui_scale, view.light_theme, pixel_scale};
}

// ---- the frame: menu, controls, the panels in their areas (layout.cpp), status line ------
void DrawFrame(AppState& s) {
  BeginAuditFrame();
  const ImVec2 display = ImGui::GetIO().DisplaySize;
  const float menu_h = DrawMenuBar(s);
  const float status_h = ImGui::GetFrameHeight() + 2.0f * ImGui::GetStyle().WindowPadding.y;
  const float top = menu_h, bottom = display.y - status_h;
  // The controls keep room for their widgets at the UI scale, but never more than 40% of the
  // width; what does not fit wraps or scrolls.
  const float scale = s.view.ui_scale;
  const float controls_w = std::min(std::min(std::max(0.22f * display.x, 300.0f * scale), 420.0f * scale),
                                    std::max(0.4f * display.x, 300.0f));
  const float x0 = controls_w, right_w = display.x - controls_w;

  ImGui::SetNextWindowPos(ImVec2(0, top));
  ImGui::SetNextWindowSize(ImVec2(controls_w, bottom - top));
  DrawControlsPanel(s);

  DrawPanelAreas(s, ImVec2(x0, top), ImVec2(x0 + right_w, bottom));
  DrawStatusBar(s, bottom, display.x, status_h);
}

}  // namespace fs
