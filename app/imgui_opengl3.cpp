// Dear ImGui's OpenGL 3 renderer (Debian ships it as source, FS_IMGUI_OPENGL3_SOURCE), built
// so that it does not choose how to reach OpenGL itself. Left alone, its Init runs the gl3w
// loader it comes with, which opens libGL.so.1 and resolves names through GLX: that library
// is missing on a headless server, and GLX is the wrong lookup for an EGL context. Here the
// loader's function table is kept and filled by LoadImGuiGl through the context's own lookup.
#define IMGUI_IMPL_OPENGL_LOADER_CUSTOM
#define IMGL3W_IMPL
#include "imgui_impl_opengl3_loader.h"

#include FS_IMGUI_OPENGL3_SOURCE

#include <string>

#include "imgui_opengl3.h"

namespace fs {

std::string LoadImGuiGl(GlLookup lookup) {
  switch (imgl3wInit2(lookup)) {
    case GL3W_OK:
      return "";
    case GL3W_ERROR_OPENGL_VERSION:
      return "the OpenGL context is older than 3.0";
    default:
      return "this OpenGL has no glGetIntegerv";
  }
}

}  // namespace fs
