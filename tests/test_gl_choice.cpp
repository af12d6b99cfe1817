// Which way the window and shot reach OpenGL: --gl and the environment decide (GLX with a
// display, EGL without one), and a --gl that is not allowed is refused with what is.
#include "catch2/catch.hpp"

#include <string>
#include <vector>

#include "gl_choice.h"
#include "test_util.h"

using Catch::Matchers::Contains;

TEST_CASE("auto (the default --gl) draws through EGL exactly when neither DISPLAY nor WAYLAND_DISPLAY is set",
          "[cli][gl]") {
  struct Case {
    const char* display;
    const char* wayland;
    fs::GlPath path;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {nullptr, nullptr, fs::GlPath::kEgl, "no DISPLAY or WAYLAND_DISPLAY is set"},
      {"", "", fs::GlPath::kEgl, "no DISPLAY or WAYLAND_DISPLAY is set"},  // set but empty: no display
      {":0", nullptr, fs::GlPath::kGlx, "DISPLAY is set (\":0\")"},
      {":1", "wayland-0", fs::GlPath::kGlx, "DISPLAY is set (\":1\")"},
      {nullptr, "wayland-0", fs::GlPath::kGlx, "WAYLAND_DISPLAY is set (\"wayland-0\")"},
      {"", "wayland-1", fs::GlPath::kGlx, "WAYLAND_DISPLAY is set (\"wayland-1\")"},
  };
  for (const Case& c : cases) {
    INFO("DISPLAY " << (c.display ? c.display : "unset") << ", WAYLAND_DISPLAY " << (c.wayland ? c.wayland : "unset"));
    const fs::GlChoice choice = fs::ChooseGl(fs::GlRequest::kAuto, c.display, c.wayland);
    CHECK(choice.path == c.path);
    CHECK(choice.reason == c.reason);
  }
}

TEST_CASE("glx and egl (--gl) are taken as given, display or not", "[cli][gl]") {
  for (const char* display : {static_cast<const char*>(nullptr), ":0"}) {
    for (const char* wayland : {static_cast<const char*>(nullptr), "wayland-0"}) {
      const fs::GlChoice glx = fs::ChooseGl(fs::GlRequest::kGlx, display, wayland);
      CHECK(glx.path == fs::GlPath::kGlx);
      CHECK(glx.reason == "--gl glx was given");
      const fs::GlChoice egl = fs::ChooseGl(fs::GlRequest::kEgl, display, wayland);
      CHECK(egl.path == fs::GlPath::kEgl);
      CHECK(egl.reason == "--gl egl was given");
    }
  }
}

TEST_CASE("a display name reaches a message only escaped", "[cli][gl]") {
  const fs::GlChoice choice = fs::ChooseGl(fs::GlRequest::kAuto, "\x1b[2J:0", nullptr);
  CHECK(choice.path == fs::GlPath::kGlx);
  CHECK(choice.reason == "DISPLAY is set (\"\\x1b[2J:0\")");
}

TEST_CASE("the --gl flag takes auto, glx or egl and refuses anything else with what is allowed", "[cli][gl]") {
  fs::GlRequest request = fs::GlRequest::kEgl;
  CHECK((fs::ParseGlRequest("auto", &request) && request == fs::GlRequest::kAuto));
  CHECK((fs::ParseGlRequest("glx", &request) && request == fs::GlRequest::kGlx));
  CHECK((fs::ParseGlRequest("egl", &request) && request == fs::GlRequest::kEgl));
  for (const char* bad : {"", "EGL", "gl", "egl ", "vulkan", "auto,egl"}) {
    INFO(bad);
    CHECK_FALSE(fs::ParseGlRequest(bad, &request));
  }
  // Refused before anything is drawn or written, by shot and by the window alike.
  fs_test::TempDir dir;
  const std::string log = dir.File("log");
  for (const std::string& args :
       {"shot --gl vulkan --out " + dir.File("x.png"), std::string("--gl Egl --measure-frames 1")}) {
    INFO(args);
    CHECK(fs_test::RunShell(std::string(FS_FLASHSCOPE_BIN) + " " + args, log) == 2);
    CHECK_THAT(fs_test::ReadBytes(log), Contains("--gl is \"") && Contains("\"; allowed: auto, glx, egl"));
  }
  CHECK(fs_test::FileNames(dir) == std::vector<std::string>{"log"});
}
