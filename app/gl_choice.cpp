#include "gl_choice.h"

#include <cstdlib>

#include "excerpt.h"

namespace fs {

bool ParseGlRequest(const std::string& text, GlRequest* out) {
  if (text == "auto")
    *out = GlRequest::kAuto;
  else if (text == "glx")
    *out = GlRequest::kGlx;
  else if (text == "egl")
    *out = GlRequest::kEgl;
  else
    return false;
  return true;
}

const char* GlPathName(GlPath path) { return path == GlPath::kEgl ? "EGL" : "GLX"; }

GlChoice ChooseGl(GlRequest request, const char* display, const char* wayland_display) {
  if (request == GlRequest::kGlx) return {GlPath::kGlx, "--gl glx was given"};
  if (request == GlRequest::kEgl) return {GlPath::kEgl, "--gl egl was given"};
  const auto set = [](const char* value) { return value != nullptr && *value != '\0'; };
  if (set(display)) return {GlPath::kGlx, "DISPLAY is set (" + Excerpt(display) + ")"};
  if (set(wayland_display)) return {GlPath::kGlx, "WAYLAND_DISPLAY is set (" + Excerpt(wayland_display) + ")"};
  return {GlPath::kEgl, "no DISPLAY or WAYLAND_DISPLAY is set"};
}

GlChoice ChooseGlFromEnvironment(GlRequest request) {
  return ChooseGl(request, std::getenv("DISPLAY"), std::getenv("WAYLAND_DISPLAY"));
}

}  // namespace fs
