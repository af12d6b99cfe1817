// An OpenGL context with no window and no display, through EGL: how `shot` and
// --measure-frames draw on a headless server. libEGL.so.1 (glvnd's loader, or Mesa's) is
// opened at run time, so the binary starts, and draws through GLX, where it is missing.
#pragma once

#include <memory>
#include <string>

#include "imgui_opengl3.h"

namespace fs {

class EglContext {
 public:
  EglContext();
  ~EglContext();  // releases the context, if one was made
  EglContext(const EglContext&) = delete;
  EglContext& operator=(const EglContext&) = delete;

  // Makes a desktop OpenGL context (3.3 core, or the display's default when it cannot be
  // asked for a version; 3.3 at least either way) current on this thread, with no surface:
  // on the EGL device platform, the first device that gives one, otherwise on Mesa's
  // surfaceless platform. Returns "" or what failed at each place tried and what to install.
  std::string Open();

  // Where the context was made: "the EGL device platform, device 1 of 2 (/dev/dri/card1)".
  const std::string& Where() const { return where_; }

  // How OpenGL's functions are found for the context made by Open (eglGetProcAddress, then
  // the names libOpenGL.so.0 exports). A plain function, as Dear ImGui's loader needs.
  static GlLookup Lookup();

 private:
  struct State;
  std::unique_ptr<State> state_;
  std::string where_;
};

}  // namespace fs
