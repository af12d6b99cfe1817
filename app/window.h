// The window (GLFW + OpenGL 3 + Dear ImGui) and its headless twin `shot`, which draws the
// same frame into an offscreen framebuffer and writes it as a PNG.
#pragma once

#include "cli.h"

namespace fs {

int RunWindow(const Options& opt);
// shot.cpp: one PNG, a numbered sequence of steps or beats (and a video made from it), and
// `export`, every beat of every lesson with a Markdown index.
int RunShot(const Options& opt);
int RunExport(const Options& opt);

}  // namespace fs
