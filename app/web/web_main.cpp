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

#define GLFW_INCLUDE_ES3
#include <GLFW/glfw3.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "app_state.h"
#include "frame.h"
#include "imgui.h"
#include "imgui_impl_glfw.h"
#include "imgui_impl_opengl3.h"
#include "panels.h"
#include "web_page.h"

namespace {

constexpr double kLabBudgetMs = 30.0;  // per frame, for the drift experiment's runs

struct Page {
  GLFWwindow* window = nullptr;
  fs::AppState s;
  fs::AppliedStyle style;
  std::vector<int> keys;
  double last = 0.0;
  int width = 0, height = 0;  // of the canvas, in CSS pixels
  bool first_frame_reported = false;
};
Page* g_page = nullptr;

void QueueKey(GLFWwindow* /*window*/, int key, int /*scancode*/, int action, int /*mods*/) {
  if (g_page && (action == GLFW_PRESS || action == GLFW_REPEAT)) g_page->keys.push_back(key);
}

// The canvas follows the window: its CSS size is the window's, its pixels that times the
// device pixel ratio.
void FitCanvas(Page& p) {
  const int w = EM_ASM_INT({ return window.innerWidth; }), h = EM_ASM_INT({ return window.innerHeight; });
  if (w == p.width && h == p.height) return;
  p.width = w;
  p.height = h;
  glfwSetWindowSize(p.window, w, h);
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
  fs::InitState(p.s, fs::WebOptions());
  if (!fs::UrlRefusal().empty()) p.s.status = {"The link asked for what cannot be shown: " + fs::UrlRefusal(), true};
  p.last = glfwGetTime();
  emscripten_set_main_loop(Frame, 0, true);
  return 0;
}
