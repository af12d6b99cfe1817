#include "egl_context.h"

#include <string>
#include <vector>

#if FS_HAVE_EGL
#define EGL_NO_X11  // no window system: the native display type is a plain pointer
#define EGL_EGL_PROTOTYPES 0  // every EGL function comes from dlsym or eglGetProcAddress
#include <EGL/egl.h>
#include <EGL/eglext.h>
#include <dlfcn.h>
#include <link.h>

#include <GL/glcorearb.h>

#include <cstdlib>

#include "excerpt.h"
#endif

namespace fs {

#if FS_HAVE_EGL
namespace {

constexpr const char* kInstallAdvice =
    "EGL needs libEGL.so.1 (Debian and Ubuntu: libegl1) and a vendor library behind it: libegl-mesa0 (Mesa, "
    "which draws on the CPU with llvmpipe) or the NVIDIA driver's libEGL_nvidia.so.0 with its vendor file "
    "10_nvidia.json in /usr/share/glvnd/egl_vendor.d (__EGL_VENDOR_LIBRARY_FILENAMES names one elsewhere). "
    "Where they cannot be installed, copy them into a folder named in LD_LIBRARY_PATH "
    "(bench/carry_gui_libs.sh). With a display, --gl glx draws through the window system instead";

// The process's EGL library. Dear ImGui's loader calls a plain function to find OpenGL's
// functions (Lookup), so what it needs lives here rather than in an EglContext. The library
// stays loaded until the process ends: drivers behind it keep state that outlives a context.
struct EglLibrary {
  void* handle = nullptr;
  void* libopengl = nullptr;  // glvnd's libOpenGL.so.0, where present: core functions by name
  PFNEGLGETPROCADDRESSPROC GetProcAddress = nullptr;
  PFNEGLGETERRORPROC GetError = nullptr;
  PFNEGLQUERYSTRINGPROC QueryString = nullptr;
  PFNEGLINITIALIZEPROC Initialize = nullptr;
  PFNEGLTERMINATEPROC Terminate = nullptr;
  PFNEGLBINDAPIPROC BindAPI = nullptr;
  PFNEGLCHOOSECONFIGPROC ChooseConfig = nullptr;
  PFNEGLGETCONFIGATTRIBPROC GetConfigAttrib = nullptr;
  PFNEGLCREATECONTEXTPROC CreateContext = nullptr;
  PFNEGLDESTROYCONTEXTPROC DestroyContext = nullptr;
  PFNEGLCREATEPBUFFERSURFACEPROC CreatePbufferSurface = nullptr;
  PFNEGLDESTROYSURFACEPROC DestroySurface = nullptr;
  PFNEGLMAKECURRENTPROC MakeCurrent = nullptr;
  PFNEGLRELEASETHREADPROC ReleaseThread = nullptr;
  // Extensions (null where not offered).
  PFNEGLGETPLATFORMDISPLAYEXTPROC GetPlatformDisplayEXT = nullptr;
  PFNEGLQUERYDEVICESEXTPROC QueryDevicesEXT = nullptr;
  PFNEGLQUERYDEVICESTRINGEXTPROC QueryDeviceStringEXT = nullptr;
};
EglLibrary g_egl;

template <typename F>
void Symbol(const char* name, F* slot, std::string* missing) {
  *slot = reinterpret_cast<F>(dlsym(g_egl.handle, name));
  if (*slot == nullptr && missing->empty()) *missing = name;
}

template <typename F>
void Extension(const char* name, F* slot) {
  *slot = reinterpret_cast<F>(g_egl.GetProcAddress(name));
}

// Opens libEGL.so.1 once and finds its functions. Returns "" or what is missing.
std::string LoadLibrary() {
  if (g_egl.handle != nullptr) return "";
  dlerror();
  void* handle = dlopen("libEGL.so.1", RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    return std::string("libEGL.so.1 cannot be loaded (") + (why ? why : "not found") + ")";
  }
  g_egl.handle = handle;
  std::string missing;
  Symbol("eglGetProcAddress", &g_egl.GetProcAddress, &missing);
  Symbol("eglGetError", &g_egl.GetError, &missing);
  Symbol("eglQueryString", &g_egl.QueryString, &missing);
  Symbol("eglInitialize", &g_egl.Initialize, &missing);
  Symbol("eglTerminate", &g_egl.Terminate, &missing);
  Symbol("eglBindAPI", &g_egl.BindAPI, &missing);
  Symbol("eglChooseConfig", &g_egl.ChooseConfig, &missing);
  Symbol("eglGetConfigAttrib", &g_egl.GetConfigAttrib, &missing);
  Symbol("eglCreateContext", &g_egl.CreateContext, &missing);
  Symbol("eglDestroyContext", &g_egl.DestroyContext, &missing);
  Symbol("eglCreatePbufferSurface", &g_egl.CreatePbufferSurface, &missing);
  Symbol("eglDestroySurface", &g_egl.DestroySurface, &missing);
  Symbol("eglMakeCurrent", &g_egl.MakeCurrent, &missing);
  Symbol("eglReleaseThread", &g_egl.ReleaseThread, &missing);
  if (!missing.empty()) {
    g_egl = EglLibrary{};  // the handle stays open: unloading a half-used driver is not worth the risk
    return "libEGL.so.1 has no " + missing;
  }
  Extension("eglGetPlatformDisplayEXT", &g_egl.GetPlatformDisplayEXT);
  Extension("eglQueryDevicesEXT", &g_egl.QueryDevicesEXT);
  Extension("eglQueryDeviceStringEXT", &g_egl.QueryDeviceStringEXT);
  g_egl.libopengl = dlopen("libOpenGL.so.0", RTLD_NOW | RTLD_LOCAL);
  return "";
}

// Where libEGL.so.1 was found, for messages.
std::string LibraryPath() {
  link_map* map = nullptr;
  if (g_egl.handle != nullptr && dlinfo(g_egl.handle, RTLD_DI_LINKMAP, &map) == 0 && map != nullptr && map->l_name)
    return map->l_name;
  return "libEGL.so.1";
}

GlProc LookupGl(const char* name) {
  if (g_egl.GetProcAddress != nullptr)
    if (const auto f = reinterpret_cast<GlProc>(g_egl.GetProcAddress(name))) return f;
  return g_egl.libopengl != nullptr ? reinterpret_cast<GlProc>(dlsym(g_egl.libopengl, name)) : nullptr;
}

// Whether a space-separated extension string names `name`.
bool HasExtension(const char* list, const std::string& name) {
  if (list == nullptr) return false;
  const std::string all = std::string(" ") + list + " ";
  return all.find(" " + name + " ") != std::string::npos;
}

std::string ErrorName(EGLint code) {
  switch (code) {
    case EGL_SUCCESS: return "no error code";
    case EGL_NOT_INITIALIZED: return "EGL_NOT_INITIALIZED";
    case EGL_BAD_ACCESS: return "EGL_BAD_ACCESS";
    case EGL_BAD_ALLOC: return "EGL_BAD_ALLOC";
    case EGL_BAD_ATTRIBUTE: return "EGL_BAD_ATTRIBUTE";
    case EGL_BAD_CONFIG: return "EGL_BAD_CONFIG";
    case EGL_BAD_CONTEXT: return "EGL_BAD_CONTEXT";
    case EGL_BAD_CURRENT_SURFACE: return "EGL_BAD_CURRENT_SURFACE";
    case EGL_BAD_DISPLAY: return "EGL_BAD_DISPLAY";
    case EGL_BAD_MATCH: return "EGL_BAD_MATCH";
    case EGL_BAD_NATIVE_PIXMAP: return "EGL_BAD_NATIVE_PIXMAP";
    case EGL_BAD_NATIVE_WINDOW: return "EGL_BAD_NATIVE_WINDOW";
    case EGL_BAD_PARAMETER: return "EGL_BAD_PARAMETER";
    case EGL_BAD_SURFACE: return "EGL_BAD_SURFACE";
    case EGL_CONTEXT_LOST: return "EGL_CONTEXT_LOST";
    default: return "EGL error " + std::to_string(code);
  }
}

std::string LastError() { return ErrorName(g_egl.GetError()); }

// A device's name for messages: its DRM node, "software" for Mesa's CPU renderer, or "".
std::string DeviceName(EGLDeviceEXT device) {
  if (g_egl.QueryDeviceStringEXT == nullptr) return "";
  const char* extensions = g_egl.QueryDeviceStringEXT(device, EGL_EXTENSIONS);
  if (HasExtension(extensions, "EGL_EXT_device_drm"))
    if (const char* node = g_egl.QueryDeviceStringEXT(device, EGL_DRM_DEVICE_FILE_EXT)) return node;
  if (HasExtension(extensions, "EGL_MESA_device_software")) return "software";
  return "";
}

}  // namespace

struct EglContext::State {
  EGLDisplay display = EGL_NO_DISPLAY;
  EGLContext context = EGL_NO_CONTEXT;
  EGLSurface surface = EGL_NO_SURFACE;  // only where a context cannot be current without one

  // Releases what was made on `display`, and the display itself.
  void Release() {
    if (display == EGL_NO_DISPLAY) return;
    g_egl.MakeCurrent(display, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
    if (surface != EGL_NO_SURFACE) g_egl.DestroySurface(display, surface);
    if (context != EGL_NO_CONTEXT) g_egl.DestroyContext(display, context);
    g_egl.Terminate(display);
    *this = State{};
  }

  // Makes the context on `d` and makes it current. Returns "" or what failed.
  std::string MakeOn(EGLDisplay d) {
    if (d == EGL_NO_DISPLAY) return "no display (" + LastError() + ")";
    EGLint major = 0, minor = 0;
    if (!g_egl.Initialize(d, &major, &minor)) return "eglInitialize failed (" + LastError() + ")";
    display = d;
    std::string err = MakeContext();
    if (err.empty()) err = CheckVersion();
    if (!err.empty()) Release();
    return err;
  }

 private:
  std::string MakeContext() {
    if (!g_egl.BindAPI(EGL_OPENGL_API)) return "no desktop OpenGL here (eglBindAPI: " + LastError() + ")";
    // The image is an offscreen framebuffer, so any config that renders OpenGL will do; one
    // with pbuffers first, in case the context can only be current with a surface.
    EGLConfig config = nullptr;
    EGLint count = 0;
    for (const EGLint surface_type : {EGLint{EGL_PBUFFER_BIT}, EGLint{EGL_DONT_CARE}}) {
      const EGLint attribs[] = {EGL_RENDERABLE_TYPE, EGL_OPENGL_BIT, EGL_SURFACE_TYPE, surface_type, EGL_NONE};
      if (g_egl.ChooseConfig(display, attribs, &config, 1, &count) && count > 0) break;
    }
    if (count < 1) return "no config renders desktop OpenGL";
    // OpenGL 3.3 core (EGL 1.5, or EGL_KHR_create_context, with the same numbers); otherwise
    // the default context, whose version CheckVersion looks at.
    const EGLint core33[] = {EGL_CONTEXT_MAJOR_VERSION, 3, EGL_CONTEXT_MINOR_VERSION, 3,
                             EGL_CONTEXT_OPENGL_PROFILE_MASK, EGL_CONTEXT_OPENGL_CORE_PROFILE_BIT, EGL_NONE};
    context = g_egl.CreateContext(display, config, EGL_NO_CONTEXT, core33);
    if (context == EGL_NO_CONTEXT) context = g_egl.CreateContext(display, config, EGL_NO_CONTEXT, nullptr);
    if (context == EGL_NO_CONTEXT) return "no OpenGL context (eglCreateContext: " + LastError() + ")";
    if (g_egl.MakeCurrent(display, EGL_NO_SURFACE, EGL_NO_SURFACE, context)) return "";
    // Without EGL_KHR_surfaceless_context a context needs a surface: a small pbuffer.
    const std::string surfaceless_error = LastError();
    EGLint types = 0;
    if (g_egl.GetConfigAttrib(display, config, EGL_SURFACE_TYPE, &types) && (types & EGL_PBUFFER_BIT)) {
      const EGLint size[] = {EGL_WIDTH, 16, EGL_HEIGHT, 16, EGL_NONE};
      surface = g_egl.CreatePbufferSurface(display, config, size);
      if (surface != EGL_NO_SURFACE && g_egl.MakeCurrent(display, surface, surface, context)) return "";
    }
    return "the context cannot be made current (eglMakeCurrent without a surface: " + surfaceless_error + ")";
  }

  std::string CheckVersion() {
    const auto get_integer = reinterpret_cast<PFNGLGETINTEGERVPROC>(LookupGl("glGetIntegerv"));
    if (get_integer == nullptr) return "OpenGL has no glGetIntegerv";
    GLint major = 0, minor = 0;
    get_integer(GL_MAJOR_VERSION, &major);
    get_integer(GL_MINOR_VERSION, &minor);
    if (major * 10 + minor < 33)
      return "its OpenGL is " + std::to_string(major) + "." + std::to_string(minor) + ", older than 3.3";
    return "";
  }
};

EglContext::EglContext() : state_(std::make_unique<State>()) {}

EglContext::~EglContext() {
  state_->Release();
  if (g_egl.ReleaseThread != nullptr) g_egl.ReleaseThread();
}

GlLookup EglContext::Lookup() { return LookupGl; }

std::string EglContext::Open() {
  if (const std::string err = LoadLibrary(); !err.empty()) return err + ". " + kInstallAdvice;
  std::vector<std::string> failures;
  const char* client = g_egl.QueryString(EGL_NO_DISPLAY, EGL_EXTENSIONS);
  const bool platforms = g_egl.GetPlatformDisplayEXT != nullptr && HasExtension(client, "EGL_EXT_platform_base");
  if (!platforms) {
    // glvnd's libEGL offers the platform extensions of its vendor libraries: none, none found.
    const char* vendors = std::getenv("__EGL_VENDOR_LIBRARY_FILENAMES");
    failures.push_back(LibraryPath() + " offers no EGL platforms (no EGL_EXT_platform_base): no vendor library was " +
                       "found" + (vendors ? " (__EGL_VENDOR_LIBRARY_FILENAMES is " + Excerpt(vendors) + ")" : ""));
  } else if (!HasExtension(client, "EGL_EXT_platform_device") || g_egl.QueryDevicesEXT == nullptr) {
    failures.push_back("the EGL device platform is not offered (EGL_EXT_platform_device)");
  } else {
    constexpr EGLint kMaxDevices = 16;
    EGLDeviceEXT devices[kMaxDevices];
    EGLint count = 0;
    if (!g_egl.QueryDevicesEXT(kMaxDevices, devices, &count) || count < 1)
      failures.push_back("the EGL device platform has no device");
    for (EGLint i = 0; i < count; ++i) {
      const std::string name = DeviceName(devices[i]);
      const std::string where = "the EGL device platform, device " + std::to_string(i) + " of " +
                                std::to_string(count) + (name.empty() ? "" : " (" + name + ")");
      const std::string err =
          state_->MakeOn(g_egl.GetPlatformDisplayEXT(EGL_PLATFORM_DEVICE_EXT, devices[i], nullptr));
      if (err.empty()) {
        where_ = where;
        return "";
      }
      failures.push_back(where + ": " + err);
    }
  }
  if (platforms && HasExtension(client, "EGL_MESA_platform_surfaceless")) {
    const std::string err =
        state_->MakeOn(g_egl.GetPlatformDisplayEXT(EGL_PLATFORM_SURFACELESS_MESA, EGL_DEFAULT_DISPLAY, nullptr));
    if (err.empty()) {
      where_ = "Mesa's surfaceless EGL platform";
      return "";
    }
    failures.push_back("Mesa's surfaceless platform: " + err);
  } else if (platforms) {
    failures.push_back("Mesa's surfaceless platform is not offered (EGL_MESA_platform_surfaceless)");
  }
  std::string text;
  for (const std::string& f : failures) text += (text.empty() ? "" : "; ") + f;
  return text + ". " + kInstallAdvice;
}

#else  // built without the EGL headers

struct EglContext::State {};
EglContext::EglContext() = default;
EglContext::~EglContext() = default;
GlLookup EglContext::Lookup() { return nullptr; }
std::string EglContext::Open() {
  return "this build cannot draw through EGL: the EGL headers (Debian: libegl-dev) were not found when it was "
         "built. With a display, --gl glx draws through the window system";
}

#endif

}  // namespace fs
