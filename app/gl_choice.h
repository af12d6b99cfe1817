// How the window and `shot` reach OpenGL: through GLFW's window system (GLX, which needs a
// display), or through EGL with no window and no display (a headless server). The choice is
// a pure function of --gl and the environment, so it can be checked anywhere.
#pragma once

#include <string>

namespace fs {

enum class GlRequest { kAuto, kGlx, kEgl };  // --gl
enum class GlPath { kGlx, kEgl };

// "auto", "glx" or "egl"; false for anything else.
bool ParseGlRequest(const std::string& text, GlRequest* out);
constexpr const char* kGlRequestChoices = "auto, glx, egl";
const char* GlPathName(GlPath path);  // "GLX", "EGL"

struct GlChoice {
  GlPath path = GlPath::kGlx;
  std::string reason;  // why, for messages: "--gl egl was given", "no DISPLAY or WAYLAND_DISPLAY is set"
};

// auto: EGL when neither DISPLAY nor WAYLAND_DISPLAY is set (an empty value counts as unset),
// otherwise GLX. `display` and `wayland_display` are the variables' values, nullptr when unset.
GlChoice ChooseGl(GlRequest request, const char* display, const char* wayland_display);

// The same with this process's environment.
GlChoice ChooseGlFromEnvironment(GlRequest request);

}  // namespace fs
