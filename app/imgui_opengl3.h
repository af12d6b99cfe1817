// Dear ImGui's OpenGL 3 renderer reaching OpenGL through a lookup that FlashScope chooses
// (app/imgui_opengl3.cpp). Kept apart from gl_api.h: the renderer's loader header and
// <GL/glcorearb.h> cannot be included together.
#pragma once

#include <string>

namespace fs {

using GlProc = void (*)();
using GlLookup = GlProc (*)(const char* name);

// Fills the renderer's function table through `lookup` for the current context, before
// ImGui_ImplOpenGL3_Init. Returns "" or what is missing.
std::string LoadImGuiGl(GlLookup lookup);

}  // namespace fs
