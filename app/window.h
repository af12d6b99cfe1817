// The window (GLFW + OpenGL 3 + Dear ImGui) and its headless twin `shot`, which draws the
// same frame into an offscreen framebuffer and writes it as a PNG.
#pragma once

#include "cli.h"

namespace fs {

int RunWindow(const Options& opt);
int RunShot(const Options& opt);

}  // namespace fs
