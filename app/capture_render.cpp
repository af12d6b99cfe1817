#include "capture_render.h"

#include <cfloat>
#include <cmath>
#include <cstring>
#include <vector>

#include "excerpt.h"
#include "imgui_impl_opengl3.h"
#include "panel_table.h"
#include "panels.h"

namespace fs {

// Declared in capture.h; here with the other code that reads OpenGL, so capture.cpp has none.
std::string ReadRegion(const GlApi& gl, int fb_height, int x, int y, int w, int h, bool transparent, RgbaImage* out) {
  if (w <= 0 || h <= 0) return "nothing to capture (an empty region)";
  const size_t row_bytes = static_cast<size_t>(w) * 4;
  std::vector<unsigned char> pixels(row_bytes * h);
  gl.PixelStorei(GL_PACK_ALIGNMENT, 1);
  gl.ReadPixels(x, fb_height - y - h, w, h, GL_RGBA, GL_UNSIGNED_BYTE, pixels.data());
  if (const GLenum err = gl.GetError(); err != GL_NO_ERROR)
    return "OpenGL could not read the framebuffer (error " + std::to_string(err) + ")";
  ImageFromGlRows(pixels, w, h, transparent, out);
  return "";
}

namespace {

constexpr int kSettleFrames = 3;          // auto-sized items and requested tabs settle; the last is read
constexpr float kCaptionFontShare = 0.8f;  // of the UI font
constexpr const char* kDot = " \xc2\xb7 ";  // U+00B7, in the fonts' Latin-1 range

// The backgrounds that become transparent: the windows' own fills. What is drawn on them (text,
// heatmaps, charts, frames of widgets, tabs) keeps its colour and alpha, so a panel reads the
// same on a slide of any colour as on the theme's background.
constexpr ImGuiCol kBackgrounds[] = {ImGuiCol_WindowBg, ImGuiCol_ChildBg,         ImGuiCol_MenuBarBg,
                                     ImGuiCol_TitleBg,  ImGuiCol_TitleBgActive,   ImGuiCol_TitleBgCollapsed,
                                     ImGuiCol_ScrollbarBg};

// The caption in the region's bottom-right corner, wrapped to the region's width, on a box of
// the theme's window colour so that it reads over anything.
void DrawCaption(const std::string& text, ImVec2 min, ImVec2 max, const ImVec4& box) {
  ImDrawList* dl = ImGui::GetForegroundDrawList();
  ImFont* font = ImGui::GetFont();
  const float size = kCaptionFontShare * ImGui::GetFontSize();
  const ImVec2 pad(0.5f * size, 0.2f * size);
  const float margin = 0.25f * size;
  const float wrap = std::max(size, max.x - min.x - 2 * (margin + pad.x));
  const ImVec2 t = font->CalcTextSizeA(size, FLT_MAX, wrap, text.c_str());
  const ImVec2 b1(max.x - margin, max.y - margin);
  const ImVec2 b0(std::max(min.x, b1.x - t.x - 2 * pad.x), std::max(min.y, b1.y - t.y - 2 * pad.y));
  dl->PushClipRect(min, max, false);
  dl->AddRectFilled(b0, b1, ImGui::ColorConvertFloat4ToU32(ImVec4(box.x, box.y, box.z, 1.0f)), 0.25f * size);
  dl->AddRect(b0, b1, ImGui::GetColorU32(ImGuiCol_Border), 0.25f * size);
  dl->AddText(font, size, ImVec2(b0.x + pad.x, b0.y + pad.y), ImGui::GetColorU32(ImGuiCol_Text), text.c_str(),
              nullptr, wrap);
  dl->PopClipRect();
}

// One frame of the capture, with the display and fonts at the capture's scale. Returns whether
// the region asked for was drawn, and where.
bool DrawCaptureFrame(Gui* gui, AppState& s, int width, int height, const CaptureOptions& o, bool finish_work,
                      const PanelId* panel, ImVec2* min, ImVec2* max) {
  const int ps = o.pixel_scale;
  ApplyStyle(s.view, ps, &gui->style, gui->style.scale > 0.0f);
  ImGui_ImplOpenGL3_NewFrame();
  ImGuiIO& io = ImGui::GetIO();
  io.DisplaySize = ImVec2(static_cast<float>(width), static_cast<float>(height));
  io.DisplayFramebufferScale = ImVec2(static_cast<float>(ps), static_cast<float>(ps));
  io.DeltaTime = 1.0f / 60.0f;
  io.MousePos = ImVec2(-FLT_MAX, -FLT_MAX);  // no hover effects in the picture
  for (bool& down : io.MouseDown) down = false;
  if (finish_work) PrepareFrame(s, INFINITY);  // everything the panels show, finished
  ImGui::NewFrame();
  const ImVec4 box = ImGui::GetStyleColorVec4(ImGuiCol_WindowBg);
  if (o.transparent)
    for (ImGuiCol c : kBackgrounds) ImGui::PushStyleColor(c, ImVec4(0, 0, 0, 0));
  DrawFrame(s);
  if (o.transparent) ImGui::PopStyleColor(static_cast<int>(std::size(kBackgrounds)));
  *min = ImVec2(0, 0);
  *max = io.DisplaySize;
  const bool drawn = panel == nullptr || PanelRegion(s, *panel, min, max);
  if (o.Caption()) DrawCaption(CaptionText(s), *min, *max, box);
  RenderFrame(gui->gl, s, width * ps, height * ps, o.transparent);
  return drawn;
}

}  // namespace

std::string DrawCapture(Gui* gui, AppState& s, int width, int height, const CaptureOptions& o, bool finish_work,
                        Captured* out) {
  const int ps = o.pixel_scale;
  PanelId panel = PanelId::kTiles;
  const bool one_panel = !o.panel.empty();
  if (one_panel) {
    if (!ParsePanelName(o.panel, &panel))
      return "there is no panel " + Excerpt(o.panel) + "; allowed: " + PanelNameChoices();
    const int index = static_cast<int>(panel), area = static_cast<int>(AreaOf(panel));
    s.view.shown[index] = true;
    if (s.view.front[area] != index) {
      s.view.front[area] = index;
      s.view.front_requested[area] = true;
    }
  }
  const auto size = [](int w, int h) { return std::to_string(w) + "x" + std::to_string(h); };
  if (width * ps > kMaxWidth || height * ps > kMaxHeight)
    return "a capture at " + std::to_string(ps) + "x of " + size(width, height) + " would be " +
           size(width * ps, height * ps) + " pixels; allowed: at most " + size(kMaxWidth, kMaxHeight) +
           " (a smaller window or scale)";
  OffscreenImage image;
  std::string err = MakeOffscreen(gui->gl, width * ps, height * ps, &image);
  if (err.empty()) {
    ImVec2 min, max;
    bool drawn = false;
    for (int frame = 0; frame < kSettleFrames; ++frame)
      drawn = DrawCaptureFrame(gui, s, width, height, o, finish_work, one_panel ? &panel : nullptr, &min, &max);
    if (!drawn) {
      err = "the " + o.panel + " panel was not drawn (its area has no room at this size)";
    } else {
      const int fb_w = width * ps, fb_h = height * ps;
      const int x0 = std::clamp(static_cast<int>(std::lround(min.x * ps)), 0, fb_w);
      const int y0 = std::clamp(static_cast<int>(std::lround(min.y * ps)), 0, fb_h);
      const int x1 = std::clamp(static_cast<int>(std::lround(max.x * ps)), x0, fb_w);
      const int y1 = std::clamp(static_cast<int>(std::lround(max.y * ps)), y0, fb_h);
      err = ReadRegion(gui->gl, fb_h, x0, y0, x1 - x0, y1 - y0, o.transparent, &out->image);
      out->x = x0;
      out->y = y0;
      out->frame_width = fb_w;
      out->frame_height = fb_h;
    }
  }
  ReleaseOffscreen(gui->gl, &image);
  return err;
}

std::string CaptionText(const AppState& s) {
  const Problem& p = s.problem;
  std::string text = std::string("FlashScope") + kDot + "N=" + std::to_string(p.n) + " d=" + std::to_string(p.d);
  const std::string br = std::to_string(p.br), bc = std::to_string(p.bc);
  text += p.br == p.bc ? " Br=Bc=" + br : " Br=" + br + " Bc=" + bc;
  if (p.causal) text += " causal";
  if (p.order == LoopOrder::kFa1) text += " FA1 order";
  if (!p.precision.AllFp32()) text += " " + PrecisionName(p.precision);
  if (p.softmax == Softmax::kStabilized) text += " stabilized";
  if (!s.trace) return text;
  // Counted from 1, as the controls count them.
  text += kDot + std::string("step ") + std::to_string(s.step + 1) + " of " + std::to_string(s.trace->StepCount());
  return text + kDot + (s.trace->backend == "CUDA" ? "CUDA on " + s.trace->device : s.trace->backend);
}

void SaveWindowCapture(Gui* gui, AppState& s, ImVec2 size) {
  const CaptureOptions o = s.capture;
  s.capture.panel.clear();  // the next F12 is the whole window again
  Captured captured;
  std::string err =
      DrawCapture(gui, s, static_cast<int>(size.x), static_cast<int>(size.y), o, false, &captured);
  const std::string path = UniquePath(s.capture_dir, CaptureFileName(s, o));
  if (err.empty()) {
    try {
      AtomicFile file(path);
      WritePng(file, captured.image);
      file.Commit();
    } catch (const FileWriteError& e) {
      err = e.what();
    }
  }
  s.status = err.empty() ? Status{"Saved " + path + " (" + std::to_string(captured.image.width) + "x" +
                                      std::to_string(captured.image.height) + ")",
                                  false}
                         : Status{"Capture failed: " + err, true};
  if (err.empty() && s.file_written) s.file_written(path);
}

}  // namespace fs
