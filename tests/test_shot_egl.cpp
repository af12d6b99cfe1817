// shot and --measure-frames without a display: with DISPLAY unset they draw through EGL, the
// same picture that GLX draws under Xvfb; where EGL cannot start, the message names what
// failed and what to install, and nothing is written.
#include "catch2/catch.hpp"

#include <dlfcn.h>

#include <string>

#include "test_image.h"
#include "test_util.h"

using Catch::Matchers::Contains;

namespace {

using fs_test::ReadBytes;
using fs_test::RunShell;
using fs_test::TempDir;

// flashscope with no display in its environment.
std::string Headless(const std::string& args) {
  return std::string("env -u DISPLAY -u WAYLAND_DISPLAY ") + FS_FLASHSCOPE_BIN + " " + args;
}

// Why EGL cannot start on this machine, or "" when it can: asked of libEGL itself, not of the
// code under test. An EGL with no platform extensions has no vendor library behind it.
std::string EglMissing() {
  void* lib = dlopen("libEGL.so.1", RTLD_NOW | RTLD_LOCAL);  // stays loaded: drivers keep state
  if (lib == nullptr) return std::string("libEGL.so.1 cannot be loaded (") + dlerror() + "): install libegl1";
  using QueryString = const char* (*)(void*, int);
  const auto query = reinterpret_cast<QueryString>(dlsym(lib, "eglQueryString"));
  constexpr int kEglExtensions = 0x3055;  // EGL_EXTENSIONS; EGL_NO_DISPLAY is a null pointer
  const char* client = query ? query(nullptr, kEglExtensions) : nullptr;
  const std::string list = client ? std::string(" ") + client + " " : "";
  if (list.find(" EGL_EXT_platform_device ") == std::string::npos &&
      list.find(" EGL_MESA_platform_surfaceless ") == std::string::npos)
    return "libEGL.so.1 offers neither the device nor the surfaceless platform (no vendor library: install "
           "libegl-mesa0)";
  return "";
}

// The text after "drawn through PATH (WHERE): " in a shot's log: the OpenGL renderer and version.
std::string Renderer(const std::string& log) {
  const size_t line = log.find("drawn through ");
  const size_t colon = log.find("): ", line);
  if (line == std::string::npos || colon == std::string::npos) return "";
  return log.substr(colon + 3, log.find('\n', colon) - colon - 3);
}

}  // namespace

TEST_CASE("shot without a display draws through EGL the picture that GLX draws under Xvfb", "[shot][egl]") {
  if (const std::string why = EglMissing(); !why.empty()) {
    WARN("skipped: EGL cannot start on this machine: " << why);
    return;
  }
  TempDir dir;
  // A recorded trace: its status line holds no time measured while the shot runs.
  const std::string trace = dir.File("t.fstrace"), log = dir.File("log");
  REQUIRE(RunShell(std::string(FS_FLASHSCOPE_BIN) + " trace --backend cpu --n 96 --d 32 --br 32 --bc 32 --causal " +
                       "--pattern tied --out " + trace,
                   log) == 0);
  for (const char* view : {" --size 800x600 --step 4", " --size 1024x640 --step 3 --light --scale 1.5 "
                                                              "--panels precision,bits,scores,softmax"}) {
    INFO(view);
    const std::string common = " --open " + trace + view;
    const std::string egl_png = dir.File("egl.png"), egl_log = dir.File("egl.log");
    const int egl_code = RunShell(Headless("shot --out " + egl_png + common), egl_log);
    INFO("EGL: " << ReadBytes(egl_log));
    REQUIRE(egl_code == 0);
    CHECK_THAT(ReadBytes(egl_log), Contains("drawn through EGL ("));

    const std::string glx_png = dir.File("glx.png"), glx_log = dir.File("glx.log");
    const int glx_code = fs_test::RunFlashscope("shot --gl glx --out " + glx_png + common, glx_log);
    INFO("GLX: " << ReadBytes(glx_log));
    REQUIRE(glx_code == 0);
    CHECK_THAT(ReadBytes(glx_log), Contains("drawn through GLX ("));

    const fs_test::Image egl = fs_test::LoadPng(egl_png), glx = fs_test::LoadPng(glx_png);
    const size_t total = size_t(glx.width) * glx.height, differing = fs_test::DifferingPixels(egl, glx);
    INFO(differing << " of " << total << " pixels differ");
    // The same frames drawn by the same renderer (Mesa's llvmpipe behind both, as on CI) are
    // the same pixels; different renderers may round a few edges differently.
    if (Renderer(ReadBytes(egl_log)) == Renderer(ReadBytes(glx_log)))
      CHECK(differing == 0);
    else
      CHECK(differing <= total / 1000);
  }
}

TEST_CASE("frames timed without a display (--measure-frames) are drawn through EGL", "[shot][egl]") {
  if (const std::string why = EglMissing(); !why.empty()) {
    WARN("skipped: EGL cannot start on this machine: " << why);
    return;
  }
  TempDir dir;
  const std::string log = dir.File("log");
  const int code = RunShell(Headless("--measure-frames 5 --size 640x480 --n 64 --d 16"), log);
  INFO(ReadBytes(log));
  CHECK(code == 0);
  CHECK_THAT(ReadBytes(log), Contains("drawing through EGL (") && Contains("5 frames at 640x480: "));
}

TEST_CASE("without a display, the window asks for --measure-frames or shot, and --gl glx says there is none",
          "[shot][egl]") {
  TempDir dir;
  const std::string log = dir.File("log");
  CHECK(RunShell(Headless("--n 64 --d 16"), log) == 2);
  CHECK_THAT(ReadBytes(log), Contains("drawing through EGL (no DISPLAY or WAYLAND_DISPLAY is set) shows no window") &&
                                 Contains("--measure-frames N"));
  CHECK(RunShell(std::string("DISPLAY=:0 ") + FS_FLASHSCOPE_BIN + " --gl egl --n 64 --d 16", log) == 2);
  CHECK_THAT(ReadBytes(log), Contains("drawing through EGL (--gl egl was given) shows no window"));
  const std::string png = dir.File("x.png");
  CHECK(RunShell(Headless("shot --gl glx --size 320x240 --out " + png), log) == 1);
  CHECK_THAT(ReadBytes(log), Contains("no display was found") && Contains("--gl egl"));
}

TEST_CASE("shot through EGL names what failed and what to install, and keeps the PNG", "[shot][egl][outputs]") {
  TempDir dir;
  // A libEGL.so.1 that is no library, found first through LD_LIBRARY_PATH.
  fs_test::WriteBytes(dir.File("libEGL.so.1"), "");
  const std::string png = dir.File("x.png"), log = dir.File("log");
  fs_test::WriteBytes(png, "an older picture");
  const int code = RunShell("LD_LIBRARY_PATH=" + dir.Path() + " " + Headless("shot --size 320x240 --out " + png), log);
  INFO(ReadBytes(log));
  CHECK(code == 1);
  CHECK_THAT(ReadBytes(log), Contains("cannot draw through EGL (no DISPLAY or WAYLAND_DISPLAY is set): libEGL.so.1 "
                                      "cannot be loaded (" + dir.File("libEGL.so.1")) &&
                                 Contains("libegl1") && Contains("libegl-mesa0") && Contains("--gl glx"));
  CHECK(ReadBytes(png) == "an older picture");
}
