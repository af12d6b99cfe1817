// OpenGL for FlashScope's own calls and for Dear ImGui's OpenGL 3 renderer, resolved at run
// time through the lookup of the context in use: GLFW's (glXGetProcAddress) for a window,
// eglGetProcAddress without one. The binary links no OpenGL library, so it starts where only
// the EGL loaders are installed, and a function that is missing is named in a message.
#pragma once

#include <GL/glcorearb.h>

#include <string>

#include "imgui_opengl3.h"

namespace fs {

// The GL functions FlashScope calls itself: clearing, the offscreen image, reading pixels.
struct GlApi {
  PFNGLGETSTRINGPROC GetString = nullptr;
  PFNGLGETERRORPROC GetError = nullptr;
  PFNGLFINISHPROC Finish = nullptr;
  PFNGLVIEWPORTPROC Viewport = nullptr;
  PFNGLCLEARCOLORPROC ClearColor = nullptr;
  PFNGLCLEARPROC Clear = nullptr;
  PFNGLREADBUFFERPROC ReadBuffer = nullptr;
  PFNGLPIXELSTOREIPROC PixelStorei = nullptr;
  PFNGLREADPIXELSPROC ReadPixels = nullptr;
  PFNGLGENFRAMEBUFFERSPROC GenFramebuffers = nullptr;
  PFNGLBINDFRAMEBUFFERPROC BindFramebuffer = nullptr;
  PFNGLDELETEFRAMEBUFFERSPROC DeleteFramebuffers = nullptr;
  PFNGLGENRENDERBUFFERSPROC GenRenderbuffers = nullptr;
  PFNGLBINDRENDERBUFFERPROC BindRenderbuffer = nullptr;
  PFNGLDELETERENDERBUFFERSPROC DeleteRenderbuffers = nullptr;
  PFNGLRENDERBUFFERSTORAGEPROC RenderbufferStorage = nullptr;
  PFNGLFRAMEBUFFERRENDERBUFFERPROC FramebufferRenderbuffer = nullptr;
  PFNGLCHECKFRAMEBUFFERSTATUSPROC CheckFramebufferStatus = nullptr;
};

// Resolves every function of `api`, and those of Dear ImGui's renderer, through `lookup` for
// the current context. Returns "" or what is missing (a function, or OpenGL 3).
std::string LoadGl(GlLookup lookup, GlApi* api);

// "RENDERER, OpenGL VERSION" of the current context, for messages.
std::string GlDescription(const GlApi& gl);

// An offscreen image of width x height: a framebuffer with one RGBA8 colour renderbuffer,
// bound for drawing and reading while it exists.
struct OffscreenImage {
  GLuint framebuffer = 0, colour = 0;
  int width = 0, height = 0;
};
// Returns "" or why the image cannot be made; *image is released either way by ReleaseOffscreen.
std::string MakeOffscreen(const GlApi& gl, int width, int height, OffscreenImage* image);
void ReleaseOffscreen(const GlApi& gl, OffscreenImage* image);

}  // namespace fs
