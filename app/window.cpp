// Sections: style and fonts · the frame (layout of the panels) · the window loop · shot
#include "window.h"

#define GL_GLEXT_PROTOTYPES
#include <GL/gl.h>
#include <GL/glext.h>
#include <GLFW/glfw3.h>
#include <sys/stat.h>

#include <chrono>
#include <cmath>
#include <vector>
#include <cstdio>

#include "app_state.h"
#include "capture.h"
#include "commands.h"
#include "imgui.h"
#include "imgui_impl_glfw.h"
#include "imgui_impl_opengl3.h"
#include "panels.h"

namespace fs {
namespace {

constexpr float kBaseFontPx = 16.0f;
constexpr const char* kGlslVersion = "#version 130";
constexpr double kLabBudgetMs = 30.0;  // per frame, for the drift experiment's runs

// ---- style and fonts: the one place where UI scale is applied -----------------------------
struct AppliedStyle {
  float scale = -1.0f;
  bool light = false;
};

void ApplyStyle(const ViewOptions& view, AppliedStyle* applied, bool renderer_ready) {
  if (applied->scale == view.ui_scale && applied->light == view.light_theme) return;
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
  if (applied->scale != view.ui_scale) {
    ImGuiIO& io = ImGui::GetIO();
    io.Fonts->Clear();
    struct stat st;
    if (stat(FS_FONT_PATH, &st) == 0) {
      io.Fonts->AddFontFromFileTTF(FS_FONT_PATH, kBaseFontPx * view.ui_scale);
    } else {
      ImFontConfig cfg;
      cfg.SizePixels = 13.0f * view.ui_scale;
      io.Fonts->AddFontDefault(&cfg);
    }
    if (renderer_ready) {
      ImGui_ImplOpenGL3_DestroyFontsTexture();
      ImGui_ImplOpenGL3_CreateFontsTexture();
    }
  }
  *applied = {view.ui_scale, view.light_theme};
}

// ---- the frame: menu, controls, the panels in their areas (layout.cpp), status line ------
void DrawFrame(AppState& s) {
  const ImVec2 display = ImGui::GetIO().DisplaySize;
  const float menu_h = DrawMenuBar(s);
  const float status_h = ImGui::GetFrameHeight() + 2.0f * ImGui::GetStyle().WindowPadding.y;
  const float top = menu_h, bottom = display.y - status_h;
  const float controls_w = std::max(300.0f, std::min(0.22f * display.x, 420.0f * s.view.ui_scale));
  const float x0 = controls_w, right_w = display.x - controls_w;

  ImGui::SetNextWindowPos(ImVec2(0, top));
  ImGui::SetNextWindowSize(ImVec2(controls_w, bottom - top));
  DrawControlsPanel(s);

  DrawPanelAreas(s, ImVec2(x0, top), ImVec2(x0 + right_w, bottom));
  DrawStatusBar(s, bottom, display.x, status_h);
}

struct Gui {
  GLFWwindow* window = nullptr;
  AppliedStyle style;
  std::vector<int> keys_pressed;  // GLFW key codes since the last frame (HandleKeys)
};

// Installed before ImGui's backend, which chains to it: every press is queued, however short.
void QueueKey(GLFWwindow* window, int key, int /*scancode*/, int action, int /*mods*/) {
  if (action == GLFW_PRESS || action == GLFW_REPEAT)
    static_cast<Gui*>(glfwGetWindowUserPointer(window))->keys_pressed.push_back(key);
}

void GlfwError(int code, const char* text) { std::fprintf(stderr, "GLFW error %d: %s\n", code, text); }

// Window, GL context, ImGui context and backends. Returns an error message, or "".
std::string OpenGui(Gui* gui, int width, int height, bool visible, const char* title) {
  glfwSetErrorCallback(GlfwError);
  if (!glfwInit())
    return "cannot open a window: no display was found (set DISPLAY, or run under xvfb-run for shot)";
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 0);
  glfwWindowHint(GLFW_VISIBLE, visible ? GLFW_TRUE : GLFW_FALSE);
  gui->window = glfwCreateWindow(width, height, title, nullptr, nullptr);
  if (!gui->window) {
    glfwTerminate();
    return "cannot create an OpenGL 3.0 window";
  }
  glfwMakeContextCurrent(gui->window);
  glfwSetWindowUserPointer(gui->window, gui);
  glfwSetKeyCallback(gui->window, QueueKey);
  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGui::GetIO().IniFilename = nullptr;  // the layout is computed, nothing to remember
  ImGui_ImplGlfw_InitForOpenGL(gui->window, true);
  ImGui_ImplOpenGL3_Init(kGlslVersion);
  return "";
}

void CloseGui(Gui* gui) {
  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplGlfw_Shutdown();
  ImGui::DestroyContext();
  glfwDestroyWindow(gui->window);
  glfwTerminate();
}

void BeginFrame(AppState& s, Gui* gui) {
  // The first call builds the fonts before the renderer exists; it uploads them itself.
  ApplyStyle(s.view, &gui->style, gui->style.scale > 0.0f);
  ImGui_ImplOpenGL3_NewFrame();
  ImGui_ImplGlfw_NewFrame();
}

void RenderFrame(const AppState& s, int fb_width, int fb_height) {
  ImGui::Render();
  glViewport(0, 0, fb_width, fb_height);
  const ImVec4 bg = s.view.light_theme ? ImVec4(0.94f, 0.94f, 0.94f, 1) : ImVec4(0.08f, 0.08f, 0.10f, 1);
  glClearColor(bg.x, bg.y, bg.z, bg.w);
  glClear(GL_COLOR_BUFFER_BIT);
  ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
}

}  // namespace

// ---- the window loop ------------------------------------------------------------------------
int RunWindow(const Options& opt) {
  Gui gui;
  if (const std::string err = OpenGui(&gui, opt.width, opt.height, true, "FlashScope"); !err.empty()) {
    std::fprintf(stderr, "flashscope: %s\n", err.c_str());
    return 1;
  }
  glfwSwapInterval(opt.measure_frames > 0 ? 0 : 1);
  AppState s;
  InitState(s, opt);

  using Clock = std::chrono::steady_clock;
  auto last = Clock::now();
  const auto measure_start = last;
  int frames = 0;
  double ui_ms = 0.0;  // time spent building the frame (our code and ImGui), for --measure-frames
  while (!glfwWindowShouldClose(gui.window) && !s.quit) {
    glfwPollEvents();
    const auto now = Clock::now();
    Tick(s, std::chrono::duration<double>(now - last).count());
    last = now;

    PrepareFrame(s, kLabBudgetMs);
    const auto ui_start = Clock::now();
    BeginFrame(s, &gui);
    ImGui::NewFrame();
    HandleKeys(s, gui.keys_pressed);
    gui.keys_pressed.clear();
    DrawFrame(s);
    ImGui::EndFrame();
    ui_ms += std::chrono::duration<double, std::milli>(Clock::now() - ui_start).count();
    int fb_w = 0, fb_h = 0;
    glfwGetFramebufferSize(gui.window, &fb_w, &fb_h);
    RenderFrame(s, fb_w, fb_h);
    if (s.capture_requested) {
      s.capture_requested = false;
      const std::string path = UniquePath(s.capture_dir, CaptureName(s));
      glReadBuffer(GL_BACK);
      const std::string err = CapturePng(path, fb_w, fb_h);
      s.status = err.empty() ? Status{"Saved " + path, false} : Status{"Capture failed: " + err, true};
    }
    glfwSwapBuffers(gui.window);
    if (opt.measure_frames > 0 && ++frames >= opt.measure_frames) {
      const double ms = std::chrono::duration<double, std::milli>(Clock::now() - measure_start).count();
      std::printf("%d frames at %dx%d: %.2f ms per frame (%.2f ms building the UI, the rest rendering)\n", frames,
                  fb_w, fb_h, ms / frames, ui_ms / frames);
      break;
    }
  }
  CloseGui(&gui);
  return 0;
}

// ---- shot: the same frame into an offscreen framebuffer of the requested size --------------
int RunShot(const Options& opt) {
  const auto t0 = std::chrono::steady_clock::now();
  // Everything that can be refused is settled before a window exists, and a refusal writes
  // no PNG: a picture of something other than what was asked for would mislead.
  if (opt.open_path.empty()) {
    try {
      CheckTraceBudget(ResolveProblem(opt, true));
    } catch (const std::exception& e) {
      std::fprintf(stderr, "flashscope shot: %s\n", e.what());
      return 2;
    }
  }
  AppState s;
  if (!InitState(s, opt)) {
    std::fprintf(stderr, "flashscope shot: %s\n", s.status.text.c_str());
    return 1;
  }
  if (s.status.error) std::fprintf(stderr, "flashscope shot: %s\n", s.status.text.c_str());  // e.g. no CUDA
  Gui gui;
  if (const std::string err = OpenGui(&gui, 64, 64, false, "FlashScope shot"); !err.empty()) {
    std::fprintf(stderr, "flashscope shot: %s\n", err.c_str());
    return 1;
  }
  GLuint fbo = 0, color = 0;
  glGenFramebuffers(1, &fbo);
  glBindFramebuffer(GL_FRAMEBUFFER, fbo);
  glGenRenderbuffers(1, &color);
  glBindRenderbuffer(GL_RENDERBUFFER, color);
  glRenderbufferStorage(GL_RENDERBUFFER, GL_RGBA8, opt.width, opt.height);
  glFramebufferRenderbuffer(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_RENDERBUFFER, color);
  int code = 0;
  if (glCheckFramebufferStatus(GL_FRAMEBUFFER) != GL_FRAMEBUFFER_COMPLETE) {
    std::fprintf(stderr, "flashscope shot: cannot make a %dx%d offscreen image on this OpenGL\n", opt.width,
                 opt.height);
    code = 1;
  } else {
    // A few frames so that auto-sized items settle; the last one is captured.
    constexpr int kSettleFrames = 3;
    for (int frame = 0; frame < kSettleFrames; ++frame) {
      BeginFrame(s, &gui);
      ImGuiIO& io = ImGui::GetIO();
      io.DisplaySize = ImVec2(static_cast<float>(opt.width), static_cast<float>(opt.height));
      io.DisplayFramebufferScale = ImVec2(1, 1);
      io.MousePos = ImVec2(-FLT_MAX, -FLT_MAX);  // no hover effects in the picture
      PrepareFrame(s, INFINITY);                  // everything the panels show, finished
      ImGui::NewFrame();
      DrawFrame(s);
      RenderFrame(s, opt.width, opt.height);
    }
    glReadBuffer(GL_COLOR_ATTACHMENT0);
    const std::string err = CapturePng(opt.out_path, opt.width, opt.height);
    if (!err.empty()) {
      std::fprintf(stderr, "flashscope shot: %s\n", err.c_str());
      code = 1;
    } else {
      const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      std::printf("wrote %s (%dx%d, step %d, %s) in %.0f ms\n", opt.out_path.c_str(), opt.width, opt.height, s.step,
                  SourceLine(s).c_str(), ms);
    }
  }
  glDeleteRenderbuffers(1, &color);
  glDeleteFramebuffers(1, &fbo);
  glBindFramebuffer(GL_FRAMEBUFFER, 0);
  CloseGui(&gui);
  return code;
}

}  // namespace fs
