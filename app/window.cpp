// Sections: where frames are drawn (a GLFW window, or EGL without one) · the window loop. The
// frame itself is in frame.cpp; shot and export are in shot.cpp.
#include "window.h"


#include <algorithm>
#include <cfloat>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <vector>

#include "gl_api.h"  // before GLFW, which then includes no OpenGL header of its own
#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>

#include "app_state.h"
#include "capture_render.h"
#include "egl_context.h"
#include "gl_choice.h"
#include "gui.h"
#include "imgui.h"
#include "imgui_impl_glfw.h"
#include "imgui_impl_opengl3.h"
#include "open_files.h"
#include "panels.h"

namespace fs {
namespace {

// GLSL for Dear ImGui's shaders: 1.30 in the window's OpenGL 3.0 context; the EGL context is
// 3.3 at least and usually a core profile, which need not accept 1.30 (the shaders are the same).
constexpr const char* kGlslVersionGlx = "#version 130";
constexpr const char* kGlslVersionEgl = "#version 330 core";
constexpr double kLabBudgetMs = 30.0;  // per frame, for the drift experiment's runs

}  // namespace

// ---- where frames are drawn: a GLFW window (GLX), or an EGL context with no window ---------
namespace {

using Clock = std::chrono::steady_clock;

// Installed before ImGui's backend, which chains to it: every press is queued, however short.
void QueueKey(GLFWwindow* window, int key, int /*scancode*/, int action, int /*mods*/) {
  if (action == GLFW_PRESS || action == GLFW_REPEAT)
    static_cast<Gui*>(glfwGetWindowUserPointer(window))->keys_pressed.push_back(key);
}

// Files dropped on the window, opened at the next frame (OpenFiles).
void QueueDrop(GLFWwindow* window, int count, const char** paths) {
  auto& dropped = static_cast<Gui*>(glfwGetWindowUserPointer(window))->dropped;
  for (int i = 0; i < count; ++i) dropped.emplace_back(paths[i]);
}

void GlfwError(int code, const char* text) { std::fprintf(stderr, "GLFW error %d: %s\n", code, text); }

// A GLFW window (hidden for shot) with an OpenGL 3.0 context, current. Returns "" or what failed.
std::string OpenWindow(Gui* gui, int width, int height, bool visible, const char* title) {
  glfwSetErrorCallback(GlfwError);
  if (!glfwInit())
    return "cannot open a window: no display was found (set DISPLAY, or run under xvfb-run for shot, or give "
           "--gl egl to draw without one)";
  gui->glfw_ready = true;
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 0);
  glfwWindowHint(GLFW_VISIBLE, visible ? GLFW_TRUE : GLFW_FALSE);
  gui->window = glfwCreateWindow(width, height, title, nullptr, nullptr);
  if (!gui->window) return "cannot create an OpenGL 3.0 window";
  glfwMakeContextCurrent(gui->window);
  glfwSetWindowUserPointer(gui->window, gui);
  glfwSetKeyCallback(gui->window, QueueKey);
  glfwSetDropCallback(gui->window, QueueDrop);
  return "";
}

}  // namespace

void CloseGui(Gui* gui) {
  if (ImGui::GetCurrentContext() != nullptr) {
    if (gui->renderer_ready) ImGui_ImplOpenGL3_Shutdown();
    if (gui->window != nullptr) ImGui_ImplGlfw_Shutdown();
    ImGui::DestroyContext();
  }
  gui->renderer_ready = false;
  if (gui->window != nullptr) glfwDestroyWindow(gui->window);
  gui->window = nullptr;
  if (gui->glfw_ready) glfwTerminate();
  gui->glfw_ready = false;
  gui->egl.reset();
}

// The context (a window through GLX, or EGL with none, as `choice` says), OpenGL's functions,
// the ImGui context and its backends. Returns "" or a message saying what failed; on failure
// nothing is left open.
std::string OpenGui(Gui* gui, const GlChoice& choice, int width, int height, bool visible, const char* title) {
  std::string err;
  GlLookup lookup = nullptr;
  if (choice.path == GlPath::kEgl) {
    gui->egl = std::make_unique<EglContext>();
    err = gui->egl->Open();
    if (!err.empty()) err = "cannot draw through EGL (" + choice.reason + "): " + err;
    lookup = EglContext::Lookup();
  } else {
    err = OpenWindow(gui, width, height, visible, title);
    lookup = glfwGetProcAddress;
  }
  if (err.empty()) err = LoadGl(lookup, &gui->gl);
  if (!err.empty()) {
    CloseGui(gui);
    return err;
  }
  gui->description = std::string(GlPathName(choice.path)) + " (" +
                     (gui->egl ? gui->egl->Where() : choice.reason) + "): " + GlDescription(gui->gl);
  gui->glsl = choice.path == GlPath::kEgl ? kGlslVersionEgl : kGlslVersionGlx;
  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGui::GetIO().IniFilename = nullptr;  // the layout is computed, nothing to remember
  if (gui->window != nullptr) ImGui_ImplGlfw_InitForOpenGL(gui->window, true);
  gui->renderer_ready = ImGui_ImplOpenGL3_Init(gui->glsl);
  if (!gui->renderer_ready) {
    CloseGui(gui);
    return "Dear ImGui's OpenGL 3 renderer cannot start on " + gui->description;
  }
  return "";
}

std::string RestartImGui(Gui* gui) {
  if (gui->renderer_ready) ImGui_ImplOpenGL3_Shutdown();
  ImGui::DestroyContext();
  ImGui::CreateContext();
  ImGui::GetIO().IniFilename = nullptr;
  gui->style = AppliedStyle{};
  gui->renderer_ready = ImGui_ImplOpenGL3_Init(gui->glsl);
  return gui->renderer_ready ? "" : "Dear ImGui's OpenGL 3 renderer cannot start again on " + gui->description;
}

namespace {

// What ImGui's GLFW backend does at the start of a frame, for a context with no window: the
// display size, the time since the last frame (1/60 s before the first), and no pointer.
void HeadlessNewFrame(Gui* gui) {
  ImGuiIO& io = ImGui::GetIO();
  io.DisplaySize = gui->headless_size;
  io.DisplayFramebufferScale = ImVec2(1, 1);
  const Clock::time_point now = Clock::now();
  const float dt = std::chrono::duration<float>(now - gui->last_frame).count();
  io.DeltaTime = gui->had_frame ? std::max(dt, 1e-6f) : 1.0f / 60.0f;
  gui->last_frame = now;
  gui->had_frame = true;
  io.MousePos = ImVec2(-FLT_MAX, -FLT_MAX);
  for (bool& down : io.MouseDown) down = false;
}

void BeginFrame(AppState& s, Gui* gui) {
  // The first call builds the fonts before the renderer exists; it uploads them itself.
  ApplyStyle(s.view, 1, &gui->style, gui->style.scale > 0.0f);
  ImGui_ImplOpenGL3_NewFrame();
  if (gui->window != nullptr)
    ImGui_ImplGlfw_NewFrame();
  else
    HeadlessNewFrame(gui);
}

}  // namespace

void RenderFrame(const GlApi& gl, const AppState& s, int fb_width, int fb_height, bool transparent) {
  ImGui::Render();
  gl.Viewport(0, 0, fb_width, fb_height);
  const ImVec4 bg = s.view.light_theme ? ImVec4(0.94f, 0.94f, 0.94f, 1) : ImVec4(0.08f, 0.08f, 0.10f, 1);
  gl.ClearColor(bg.x, bg.y, bg.z, transparent ? 0.0f : bg.w);
  gl.Clear(GL_COLOR_BUFFER_BIT);
  ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
}

// ---- the window loop ------------------------------------------------------------------------
// With a display, the window until it is closed. Through EGL there is no window: the frames go
// into an offscreen image of --size, and only --measure-frames makes sense.
// The UI scale of the window's monitor (its content scale: 2 on a 200% display), within the
// slider's range; 1 without a window.
float MonitorScale(GLFWwindow* window) {
  float x = 1.0f, y = 1.0f;
  if (window != nullptr) glfwGetWindowContentScale(window, &x, &y);
  return std::clamp(std::max(x, y), 0.75f, 3.0f);
}

int RunWindow(const Options& opt) {
  const GlChoice choice = ChooseGlFromEnvironment(opt.gl);
  if (choice.path == GlPath::kEgl && opt.measure_frames == 0) {
    std::fprintf(stderr,
                 "flashscope: drawing through EGL (%s) shows no window: give --measure-frames N to draw and time N "
                 "frames, or use `flashscope shot` for a PNG; a window needs a display (DISPLAY) and --gl glx or "
                 "auto\n",
                 choice.reason.c_str());
    return 2;
  }
  Gui gui;
  if (const std::string err = OpenGui(&gui, choice, opt.width, opt.height, true, "FlashScope"); !err.empty()) {
    std::fprintf(stderr, "flashscope: %s\n", err.c_str());
    return 1;
  }
  OffscreenImage image;  // EGL: where the frames go
  if (gui.window != nullptr) {
    glfwSwapInterval(opt.measure_frames > 0 ? 0 : 1);
  } else if (const std::string err = MakeOffscreen(gui.gl, opt.width, opt.height, &image); !err.empty()) {
    std::fprintf(stderr, "flashscope: %s\n", err.c_str());
    ReleaseOffscreen(gui.gl, &image);
    CloseGui(&gui);
    return 1;
  }
  if (opt.measure_frames > 0) std::printf("drawing through %s\n", gui.description.c_str());
  gui.headless_size = ImVec2(static_cast<float>(opt.width), static_cast<float>(opt.height));
  AppState s;
  InitState(s, opt);
  if (opt.ui_scale <= 0.0f) s.view.ui_scale = MonitorScale(gui.window);
  s.runs = std::make_shared<RunWorker>();  // from here on, runs go off the UI thread

  auto last = Clock::now();
  const auto measure_start = last;
  int frames = 0;
  double ui_ms = 0.0;  // time spent building the frame (our code and ImGui), for --measure-frames
  while (!(gui.window != nullptr && glfwWindowShouldClose(gui.window)) && !s.quit) {
    if (gui.window != nullptr) glfwPollEvents();
    const auto now = Clock::now();
    Tick(s, std::chrono::duration<double>(now - last).count());
    last = now;

    PrepareFrame(s, kLabBudgetMs);
    const auto ui_start = Clock::now();
    BeginFrame(s, &gui);
    ImGui::NewFrame();
    HandleKeys(s, gui.keys_pressed);
    gui.keys_pressed.clear();
    if (!gui.dropped.empty()) {
      OpenFiles(s, gui.dropped);
      gui.dropped.clear();
    }
    DrawFrame(s);
    ImGui::EndFrame();
    ui_ms += std::chrono::duration<double, std::milli>(Clock::now() - ui_start).count();
    int fb_w = image.width, fb_h = image.height;
    if (gui.window != nullptr) glfwGetFramebufferSize(gui.window, &fb_w, &fb_h);
    RenderFrame(gui.gl, s, fb_w, fb_h);
    if (s.capture_requested) {
      s.capture_requested = false;
      SaveWindowCapture(&gui, s, ImGui::GetIO().DisplaySize);
      if (image.framebuffer != 0) gui.gl.BindFramebuffer(GL_FRAMEBUFFER, image.framebuffer);
    }
    if (gui.window != nullptr)
      glfwSwapBuffers(gui.window);
    else
      gui.gl.Finish();  // no swap to wait for: a frame's time includes its drawing
    if (opt.measure_frames > 0 && ++frames >= opt.measure_frames) {
      const double ms = std::chrono::duration<double, std::milli>(Clock::now() - measure_start).count();
      std::printf("%d frames at %dx%d: %.2f ms per frame (%.2f ms building the UI, the rest rendering)\n", frames,
                  fb_w, fb_h, ms / frames, ui_ms / frames);
      break;
    }
  }
  if (gui.window == nullptr) ReleaseOffscreen(gui.gl, &image);
  CloseGui(&gui);
  return 0;
}

}  // namespace fs
