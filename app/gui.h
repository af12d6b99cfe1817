// What the window (window.cpp) and the captures (capture_render.cpp, shot.cpp) share: the
// OpenGL context with Dear ImGui on it, the style, and one frame of the app.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "app_state.h"
#include "egl_context.h"
#include "frame.h"
#include "gl_api.h"
#include "gl_choice.h"
#include "imgui.h"

struct GLFWwindow;

namespace fs {

struct Gui {
  GLFWwindow* window = nullptr;      // GLX
  bool glfw_ready = false;           // glfwInit succeeded
  std::unique_ptr<EglContext> egl;   // EGL
  bool renderer_ready = false;       // Dear ImGui's OpenGL 3 renderer started
  const char* glsl = nullptr;        // the renderer's GLSL version line
  GlApi gl;
  AppliedStyle style;
  std::vector<int> keys_pressed;  // GLFW key codes since the last frame (HandleKeys)
  std::vector<std::string> dropped;  // paths of files dropped on the window since the last frame
  // EGL: what the missing window would tell ImGui (its size, the time between frames).
  ImVec2 headless_size;
  std::chrono::steady_clock::time_point last_frame;
  bool had_frame = false;
  std::string description;  // "GLX (DISPLAY is set (\":0\")): llvmpipe ..., OpenGL 4.5 ..."
};

// The context (a window through GLX, or EGL with none, as `choice` says), OpenGL's functions,
// the ImGui context and its backends. Returns "" or a message saying what failed; on failure
// nothing is left open.
std::string OpenGui(Gui* gui, const GlChoice& choice, int width, int height, bool visible, const char* title);
void CloseGui(Gui* gui);
// A fresh ImGui context and renderer on the same OpenGL context (no window): nothing of the
// previous frames (selected tabs, sizes that settled) carries over. Returns "" or what failed.
std::string RestartImGui(Gui* gui);
// Clears (alpha 0 when transparent) and draws ImGui's frame into a framebuffer of this size.
void RenderFrame(const GlApi& gl, const AppState& s, int fb_width, int fb_height, bool transparent = false);

}  // namespace fs
