// FlashScope as a web page (WebAssembly + WebGL2): the same state, panels and frame as the
// desktop window (app_state.h, frame.h) on the CPU emulation, drawn into the page's canvas
// through Emscripten's GLFW and Dear ImGui's OpenGL 3 renderer with GLSL ES 3.00. Runs happen
// on the page's thread (no RunWorker: a browser without cross-origin isolation has no threads).
//
// The URL chooses what opens: ?lesson=causal&beat=2 (a lesson of the page's bundle, by file
// name without .json, and a beat counted from 1 as the lesson panel shows it), and problem
// fields on top of it (?n=200&causal=true&order=fa1: url_query.h).
#include <emscripten.h>
#include <emscripten/html5.h>
#include <sys/stat.h>

#define GLFW_INCLUDE_ES3
#include <GLFW/glfw3.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "app_state.h"
#include "atomic_file.h"
#include "capture.h"
#include "frame.h"
#include "imgui.h"
#include "imgui_impl_glfw.h"
#include "imgui_impl_opengl3.h"
#include "panel_list.h"
#include "panels.h"
#include "web_page.h"

// Hands a file of the page's memory to the browser as a download.
EM_JS(void, DownloadFile, (const char* path), {
  var p = UTF8ToString(path);
  var data = FS.readFile(p);
  var blob = new Blob([data], {type: p.endsWith(".png") ? "image/png" : "application/octet-stream"});
  var a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = p.split("/").pop();
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(function() { URL.revokeObjectURL(a.href); }, 10000);
});

namespace {

constexpr const char* kDownloadDir = "/downloads";  // in the page's memory, before the download
constexpr double kLabBudgetMs = 30.0;  // per frame, for the drift experiment's runs

struct Page {
  GLFWwindow* window = nullptr;
  fs::AppState s;
  fs::AppliedStyle style;
  std::vector<int> keys;
  double last = 0.0;
  int width = 0, height = 0;  // of the canvas, in CSS pixels
  double dpr = 1.0;           // device pixels per CSS pixel the canvas was sized for
  bool first_frame_reported = false;
};
Page* g_page = nullptr;

void QueueKey(GLFWwindow* /*window*/, int key, int /*scancode*/, int action, int /*mods*/) {
  if (g_page && (action == GLFW_PRESS || action == GLFW_REPEAT)) g_page->keys.push_back(key);
}

// The canvas follows the window: its CSS size is the window's (the page's style), its pixels
// that times the device pixel ratio, and the UI scale follows the ratio (as a desktop window
// takes its monitor's scale), so text stays sharp on high-density screens. GLFW reports the
// mouse in canvas pixels, the same units as the frame.
void FitCanvas(Page& p) {
  const double dpr = std::max(1.0, EM_ASM_DOUBLE({ return window.devicePixelRatio || 1; }));
  const int w = EM_ASM_INT({ return Math.round(Module.canvas.getBoundingClientRect().width); });
  const int h = EM_ASM_INT({ return Math.round(Module.canvas.getBoundingClientRect().height); });
  if (w < 1 || h < 1 || (w == p.width && h == p.height && dpr == p.dpr)) return;
  if (dpr != p.dpr && p.s.view.ui_scale == static_cast<float>(p.dpr)) p.s.view.ui_scale = static_cast<float>(dpr);
  p.width = w;
  p.height = h;
  p.dpr = dpr;
  glfwSetWindowSize(p.window, static_cast<int>(std::lround(w * dpr)), static_cast<int>(std::lround(h * dpr)));
  std::printf("flashscope page: canvas %ldx%ld at device pixel ratio %g, UI scale %g\n", std::lround(w * dpr),
              std::lround(h * dpr), dpr, p.s.view.ui_scale);
}

// F12, Shift+F12 and File > Capture: the frame just drawn (the whole canvas, or the region of
// the panel asked for), read back from WebGL and downloaded as a PNG. The page captures what
// is on screen, at the canvas's own pixels and opaque; scale and transparency are the desktop
// capture's (it draws the frame again offscreen).
void CaptureCanvas(Page& p, int fb_w, int fb_h) {
  fs::AppState& s = p.s;
  const fs::CaptureOptions o = s.capture;
  s.capture.panel.clear();
  int x = 0, y = 0, w = fb_w, h = fb_h;
  fs::PanelId id;
  ImVec2 min, max;
  if (!o.panel.empty() && fs::ParsePanelName(o.panel, &id) && fs::PanelRegion(s, id, &min, &max)) {
    x = static_cast<int>(min.x);
    y = static_cast<int>(min.y);
    w = std::min(fb_w - x, static_cast<int>(max.x - min.x));
    h = std::min(fb_h - y, static_cast<int>(max.y - min.y));
  }
  std::vector<unsigned char> pixels(static_cast<size_t>(w) * h * 4);
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadPixels(x, fb_h - y - h, w, h, GL_RGBA, GL_UNSIGNED_BYTE, pixels.data());
  fs::RgbaImage image;
  fs::ImageFromGlRows(pixels, w, h, false, &image);
  fs::CaptureOptions as_drawn = o;  // the page's capture is at the canvas's scale, opaque
  as_drawn.pixel_scale = 1;
  const std::string path = fs::UniquePath(s.capture_dir, fs::CaptureFileName(s, as_drawn));
  try {
    fs::AtomicFile file(path);
    fs::WritePng(file, image);
    file.Commit();
    s.status = {"Downloaded " + path.substr(path.rfind('/') + 1) + " (" + std::to_string(w) + "x" + std::to_string(h) +
                    ", as on screen)",
                false};
    if (s.file_written) s.file_written(path);
  } catch (const std::exception& e) {
    s.status = {std::string("Capture failed: ") + e.what(), true};
  }
}

void Frame() {
  Page& p = *g_page;
  FitCanvas(p);
  glfwPollEvents();
  const double now = glfwGetTime();
  fs::Tick(p.s, now - p.last);
  p.last = now;
  fs::PrepareFrame(p.s, kLabBudgetMs);
  fs::ApplyStyle(p.s.view, 1, &p.style, true);
  ImGui_ImplOpenGL3_NewFrame();
  ImGui_ImplGlfw_NewFrame();
  ImGui::NewFrame();
  fs::HandleKeys(p.s, p.keys);
  p.keys.clear();
  fs::DrawFrame(p.s);
  ImGui::Render();
  int fb_w = 0, fb_h = 0;
  glfwGetFramebufferSize(p.window, &fb_w, &fb_h);
  glViewport(0, 0, fb_w, fb_h);
  const ImVec4 bg = ImGui::GetStyle().Colors[ImGuiCol_WindowBg];
  glClearColor(bg.x, bg.y, bg.z, 1.0f);
  glClear(GL_COLOR_BUFFER_BIT);
  ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
  if (p.s.capture_requested) {
    p.s.capture_requested = false;
    CaptureCanvas(p, fb_w, fb_h);
  }
  fs::AfterWebFrame(p.s);
  if (!p.first_frame_reported) {
    p.first_frame_reported = true;
    std::printf("flashscope page: first frame at %.0f ms after the page began loading; the run took %.1f ms\n",
                EM_ASM_DOUBLE({ return performance.now(); }), p.s.trace ? p.s.trace->kernel_ms : 0.0);
  }
}

}  // namespace

int main() {
  g_page = new Page();
  Page& p = *g_page;
  if (!glfwInit()) {
    std::fprintf(stderr, "flashscope: GLFW could not start in this browser\n");
    return 1;
  }
  glfwWindowHint(GLFW_CLIENT_API, GLFW_OPENGL_ES_API);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 0);
  p.width = EM_ASM_INT({ return window.innerWidth; });
  p.height = EM_ASM_INT({ return window.innerHeight; });
  p.window = glfwCreateWindow(p.width, p.height, "FlashScope", nullptr, nullptr);
  if (!p.window) {
    std::fprintf(stderr, "flashscope: this browser gave no WebGL2 context\n");
    return 1;
  }
  glfwMakeContextCurrent(p.window);
  glfwSetKeyCallback(p.window, QueueKey);
  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGui::GetIO().IniFilename = nullptr;
  ImGui_ImplGlfw_InitForOpenGL(p.window, true);
  ImGui_ImplOpenGL3_Init("#version 300 es");

  p.s.backend_kind = fs::BackendKind::kCpu;
  mkdir(kDownloadDir, 0755);
  p.s.capture_dir = kDownloadDir;
  p.s.file_written = [](const std::string& path) { DownloadFile(path.c_str()); };
  fs::InitState(p.s, fs::WebOptions());
  p.s.view.ui_scale = 1.0f;
  p.width = p.height = 0;  // FitCanvas sizes the canvas and the UI scale on the first frame
  if (!fs::UrlRefusal().empty()) p.s.status = {"The link asked for what cannot be shown: " + fs::UrlRefusal(), true};
  p.last = glfwGetTime();
  emscripten_set_main_loop(Frame, 0, true);
  return 0;
}
