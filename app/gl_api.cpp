#include "gl_api.h"

namespace fs {
namespace {

// One entry of GlApi: its GL name and where it goes.
template <typename F>
bool Resolve(GlLookup lookup, const char* name, F* slot, std::string* missing) {
  *slot = reinterpret_cast<F>(lookup(name));
  if (*slot == nullptr && missing->empty()) *missing = name;
  return *slot != nullptr;
}

}  // namespace

std::string LoadGl(GlLookup lookup, GlApi* api) {
  GlApi a;
  std::string missing;
  Resolve(lookup, "glGetString", &a.GetString, &missing);
  Resolve(lookup, "glGetError", &a.GetError, &missing);
  Resolve(lookup, "glFinish", &a.Finish, &missing);
  Resolve(lookup, "glViewport", &a.Viewport, &missing);
  Resolve(lookup, "glClearColor", &a.ClearColor, &missing);
  Resolve(lookup, "glClear", &a.Clear, &missing);
  Resolve(lookup, "glReadBuffer", &a.ReadBuffer, &missing);
  Resolve(lookup, "glPixelStorei", &a.PixelStorei, &missing);
  Resolve(lookup, "glReadPixels", &a.ReadPixels, &missing);
  Resolve(lookup, "glGenFramebuffers", &a.GenFramebuffers, &missing);
  Resolve(lookup, "glBindFramebuffer", &a.BindFramebuffer, &missing);
  Resolve(lookup, "glDeleteFramebuffers", &a.DeleteFramebuffers, &missing);
  Resolve(lookup, "glGenRenderbuffers", &a.GenRenderbuffers, &missing);
  Resolve(lookup, "glBindRenderbuffer", &a.BindRenderbuffer, &missing);
  Resolve(lookup, "glDeleteRenderbuffers", &a.DeleteRenderbuffers, &missing);
  Resolve(lookup, "glRenderbufferStorage", &a.RenderbufferStorage, &missing);
  Resolve(lookup, "glFramebufferRenderbuffer", &a.FramebufferRenderbuffer, &missing);
  Resolve(lookup, "glCheckFramebufferStatus", &a.CheckFramebufferStatus, &missing);
  if (!missing.empty()) return "this OpenGL has no " + missing;
  if (std::string err = LoadImGuiGl(lookup); !err.empty()) return err;
  *api = a;
  return "";
}

std::string GlDescription(const GlApi& gl) {
  const auto text = [&](GLenum name) {
    const auto* s = reinterpret_cast<const char*>(gl.GetString(name));
    return s ? std::string(s) : std::string("?");
  };
  return text(GL_RENDERER) + ", OpenGL " + text(GL_VERSION);
}

std::string MakeOffscreen(const GlApi& gl, int width, int height, OffscreenImage* image) {
  image->width = width;
  image->height = height;
  gl.GenFramebuffers(1, &image->framebuffer);
  gl.BindFramebuffer(GL_FRAMEBUFFER, image->framebuffer);
  gl.GenRenderbuffers(1, &image->colour);
  gl.BindRenderbuffer(GL_RENDERBUFFER, image->colour);
  gl.RenderbufferStorage(GL_RENDERBUFFER, GL_RGBA8, width, height);
  gl.FramebufferRenderbuffer(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_RENDERBUFFER, image->colour);
  if (gl.CheckFramebufferStatus(GL_FRAMEBUFFER) != GL_FRAMEBUFFER_COMPLETE)
    return "cannot make a " + std::to_string(width) + "x" + std::to_string(height) + " offscreen image on this OpenGL";
  gl.ReadBuffer(GL_COLOR_ATTACHMENT0);
  return "";
}

void ReleaseOffscreen(const GlApi& gl, OffscreenImage* image) {
  gl.DeleteRenderbuffers(1, &image->colour);
  gl.DeleteFramebuffers(1, &image->framebuffer);
  gl.BindFramebuffer(GL_FRAMEBUFFER, 0);
  *image = OffscreenImage{};
}

}  // namespace fs
