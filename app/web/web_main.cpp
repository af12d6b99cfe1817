// FlashScope as a web page (WebAssembly + WebGL2): the same state, panels and frame as the
// desktop window (app_state.h, frame.h) on the CPU emulation, drawn into the page's canvas
// through Emscripten's GLFW and Dear ImGui's OpenGL 3 renderer with GLSL ES 3.00. As in the
// desktop window, the first problem runs before the first frame and every later run goes to the
// RunWorker's thread (a Web Worker sharing the page's memory), so that a long problem shows its
// progress and a Cancel button while the page keeps drawing.
//
// The URL chooses what opens: ?lesson=causal&beat=2 (a lesson of the page's bundle, by file
// name without .json, and a beat counted from 1 as the lesson panel shows it), and problem
// fields on top of it (?n=200&causal=true&order=fa1: url_query.h).
//
// A person's files come in through File > Open files... (the browser's picker) or a drop on the
// canvas and are opened by OpenFiles, as a drop on the desktop window is. Touch is a pointer of
// its own: a tap clicks where it lands, and a quick horizontal swipe that edits nothing steps
// (to the left: the next step), for tablets in class.
#include <emscripten.h>
#include <emscripten/html5.h>
#include <sys/stat.h>

#define GLFW_INCLUDE_ES3
#include <GLFW/glfw3.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "app_state.h"
#include "atomic_file.h"
#include "capture.h"
#include "frame.h"
#include "imgui.h"
#include "imgui_impl_glfw.h"
#include "imgui_impl_opengl3.h"
#include "panel_list.h"
#include "imgui_internal.h"
#include "ladder_state.h"
#include "throughput_model.h"
#include "open_files.h"
#include "panels.h"
#include "run_worker.h"
#include "trace_file.h"
#include "web_page.h"

// Hands a file of the page's memory to the browser as a download.
EM_JS(void, DownloadFile, (const char* path), {
  var p = UTF8ToString(path);
  var data = FS.readFile(p);
  var blob = new Blob([data], {type: p.endsWith(".png") ? "image/png" : "application/octet-stream"});
  var a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = p.split("/").pop();
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(function() { URL.revokeObjectURL(a.href); }, 10000);
});

// Files the page takes: up to 1 GiB each (a trace at the trace budget is well under it). A larger
// one is refused, named by fs_page_too_large, before it is read into the page's memory, which it
// could exhaust: in the picker, and by a drop listener that runs before the canvas's own.
EM_JS(void, GuardLargeFiles, (), {
  Module.flashscopeTooLarge = function(files) {
    var big = Array.from(files).filter(function(f) { return f.size > 1073741824; });
    if (!big.length) return false;
    Module.ccall("fs_page_too_large", null, ["string"], [big.map(function(f) {
      return f.name + " (" + (f.size / 1073741824).toFixed(1) + " GiB)";
    }).join(", ")]);
    return true;
  };
  // Before the canvas's own drop handler (GLFW's, which reads every file).
  window.addEventListener("drop", function(e) {
    if (e.dataTransfer && e.dataTransfer.files && Module.flashscopeTooLarge(e.dataTransfer.files)) {
      e.preventDefault();
      e.stopImmediatePropagation();
    }
  }, true);
});

// The browser's file picker: the chosen files go into the page's memory under /uploads and are
// handed to fs_open_files together, once all are read.
EM_JS(void, PickFiles, (), {
  var input = document.getElementById("flashscope-files");
  if (!input) {
    input = document.createElement("input");
    input.type = "file";
    input.multiple = true;
    input.id = "flashscope-files";
    input.style.display = "none";
    input.addEventListener("change", function() {
      var files = Array.from(input.files);
      input.value = "";
      if (Module.flashscopeTooLarge(files)) return;
      FS.mkdirTree("/uploads");
      Promise.all(files.map(function(f) {
        return f.arrayBuffer().then(function(data) {
          var path = "/uploads/" + f.name.split("/").join("_");
          FS.writeFile(path, new Uint8Array(data));
          return path;
        });
      })).then(function(paths) {
        if (paths.length) Module.ccall("fs_open_files", null, ["string"], [paths.join("\n")]);
      }, function(err) { console.error("flashscope: a chosen file could not be read: " + err); });
    });
    document.body.appendChild(input);
  }
  input.click();
});

// Touch goes to the page, not to the GLFW emulation (which reads no touch position and would
// click where the mouse last was): each start, move and end is handed to fs_page_touch in canvas
// pixels, and the browser makes no mouse events of its own from it.
EM_JS(void, ListenForTouch, (), {
  var canvas = Module.canvas;
  function hand(phase) {
    return function(e) {
      var t = e.changedTouches[0];
      if (!t) return;
      e.preventDefault();
      e.stopImmediatePropagation();
      var r = canvas.getBoundingClientRect();
      Module.ccall("fs_page_touch", null, ["number", "number", "number", "number", "number"],
                   [phase, (t.clientX - r.left) * canvas.width / r.width, (t.clientY - r.top) * canvas.height / r.height,
                    e.touches.length, e.timeStamp / 1000]);
    };
  }
  window.addEventListener("touchstart", hand(0), {capture: true, passive: false});
  window.addEventListener("touchmove", hand(1), {capture: true, passive: false});
  window.addEventListener("touchend", hand(2), {capture: true, passive: false});
  window.addEventListener("touchcancel", hand(2), {capture: true, passive: false});
});

namespace {

constexpr const char* kDownloadDir = "/downloads";  // in the page's memory, before the download
constexpr double kLabBudgetMs = 30.0;  // per frame, for the drift experiment's runs

// A touch event, in canvas pixels.
struct TouchEvent {
  int phase;  // 0 start, 1 move, 2 end
  float x, y;
  double time;
};

// A swipe steps when it is this long (a share of the canvas's width), mostly sideways, quick,
// one finger, and edits nothing on its way.
constexpr float kSwipeShare = 0.12f;
constexpr double kSwipeSeconds = 0.8;

struct Page {
  GLFWwindow* window = nullptr;
  fs::AppState s;
  fs::AppliedStyle style;
  std::vector<int> keys;
  double last = 0.0;
  int width = 0, height = 0;  // of the canvas, in CSS pixels
  double dpr = 1.0;           // device pixels per CSS pixel the canvas was sized for
  bool first_frame_reported = false;
  std::vector<std::string> dropped;  // files dropped or picked, opened at the next frame
  std::vector<TouchEvent> touches;   // not yet handed to ImGui
  bool touch_down = false;           // ImGui's left button, held by a finger
  ImVec2 touch_at;
  TouchEvent swipe_from{};           // where and when the finger went down
  bool swipe_spoiled = false;        // a second finger, or the gesture edited a widget or moved a window
  long frames = 0;
};
Page* g_page = nullptr;

void QueueKey(GLFWwindow* /*window*/, int key, int /*scancode*/, int action, int /*mods*/) {
  if (g_page && (action == GLFW_PRESS || action == GLFW_REPEAT)) g_page->keys.push_back(key);
}

void QueueDrop(GLFWwindow* /*window*/, int count, const char** paths) {
  for (int i = 0; g_page && i < count; ++i) g_page->dropped.emplace_back(paths[i]);
}

// After the GLFW backend's NewFrame: the finger is ImGui's mouse. A start or an end is one
// button change per frame (a tap between two frames still presses, then releases, where it
// landed); moves in between only move.
void ApplyTouch(Page& p) {
  ImGuiIO& io = ImGui::GetIO();
  size_t used = 0;
  for (; used < p.touches.size(); ++used) {
    const TouchEvent& t = p.touches[used];
    const bool down = t.phase != 2;
    if (down != p.touch_down && (t.phase == 0 || t.phase == 2)) {
      if (used > 0 && t.phase == 2 && !p.touch_down) continue;  // an end with no start
      p.touch_at = ImVec2(t.x, t.y);
      p.touch_down = down;
      ++used;
      break;
    }
    p.touch_at = ImVec2(t.x, t.y);
  }
  p.touches.erase(p.touches.begin(), p.touches.begin() + static_cast<std::ptrdiff_t>(used));
  if (used > 0 || p.touch_down) {
    io.MousePos = p.touch_at;
    io.MouseDown[0] = p.touch_down;
  }
  const ImGuiContext& g = *GImGui;
  if (p.touch_down && ((g.ActiveId != 0 && g.ActiveIdHasBeenEditedBefore) || g.MovingWindow != nullptr))
    p.swipe_spoiled = true;
}

// The canvas follows the window: its CSS size is the window's (the page's style), its pixels
// that times the device pixel ratio, and the UI scale follows the ratio (as a desktop window
// takes its monitor's scale), so text stays sharp on high-density screens. GLFW reports the
// mouse in canvas pixels, the same units as the frame.
void FitCanvas(Page& p) {
  const double dpr = std::max(1.0, EM_ASM_DOUBLE({ return window.devicePixelRatio || 1; }));
  const int w = EM_ASM_INT({ return Math.round(Module.canvas.getBoundingClientRect().width); });
  const int h = EM_ASM_INT({ return Math.round(Module.canvas.getBoundingClientRect().height); });
  if (w < 1 || h < 1 || (w == p.width && h == p.height && dpr == p.dpr)) return;
  if (dpr != p.dpr && p.s.view.ui_scale == static_cast<float>(p.dpr)) p.s.view.ui_scale = static_cast<float>(dpr);
  p.width = w;
  p.height = h;
  p.dpr = dpr;
  glfwSetWindowSize(p.window, static_cast<int>(std::lround(w * dpr)), static_cast<int>(std::lround(h * dpr)));
  std::printf("flashscope page: canvas %ldx%ld at device pixel ratio %g, UI scale %g\n", std::lround(w * dpr),
              std::lround(h * dpr), dpr, p.s.view.ui_scale);
}

// F12, Shift+F12 and File > Capture: the frame just drawn (the whole canvas, or the region of
// the panel asked for), read back from WebGL and downloaded as a PNG. The page captures what
// is on screen, at the canvas's own pixels and opaque; scale and transparency are the desktop
// capture's (it draws the frame again offscreen).
void CaptureCanvas(Page& p, int fb_w, int fb_h) {
  fs::AppState& s = p.s;
  const fs::CaptureOptions o = s.capture;
  s.capture.panel.clear();
  int x = 0, y = 0, w = fb_w, h = fb_h;
  fs::PanelId id;
  ImVec2 min, max;
  if (!o.panel.empty() && fs::ParsePanelName(o.panel, &id) && fs::PanelRegion(s, id, &min, &max)) {
    x = static_cast<int>(min.x);
    y = static_cast<int>(min.y);
    w = std::min(fb_w - x, static_cast<int>(max.x - min.x));
    h = std::min(fb_h - y, static_cast<int>(max.y - min.y));
  }
  std::vector<unsigned char> pixels(static_cast<size_t>(w) * h * 4);
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadPixels(x, fb_h - y - h, w, h, GL_RGBA, GL_UNSIGNED_BYTE, pixels.data());
  fs::RgbaImage image;
  fs::ImageFromGlRows(pixels, w, h, false, &image);
  fs::CaptureOptions as_drawn = o;  // the page's capture is at the canvas's scale, opaque
  as_drawn.pixel_scale = 1;
  const std::string path = fs::UniquePath(s.capture_dir, fs::CaptureFileName(s, as_drawn));
  try {
    fs::AtomicFile file(path);
    fs::WritePng(file, image);
    file.Commit();
    s.status = {"Downloaded " + fs::BaseName(path) + " (" + std::to_string(w) + "x" + std::to_string(h) +
                    ", as on screen)",
                false};
    if (s.file_written) s.file_written(path);
  } catch (const std::exception& e) {
    s.status = {std::string("Capture failed: ") + e.what(), true};
  }
}

void Frame() {
  Page& p = *g_page;
  ++p.frames;
  FitCanvas(p);
  glfwPollEvents();
  if (!p.dropped.empty()) {
    fs::OpenFiles(p.s, p.dropped);
    p.dropped.clear();
  }
  const double now = glfwGetTime();
  fs::Tick(p.s, now - p.last);
  p.last = now;
  fs::PrepareFrame(p.s, kLabBudgetMs);
  fs::ApplyStyle(p.s.view, 1, &p.style, true);
  ImGui_ImplOpenGL3_NewFrame();
  ImGui_ImplGlfw_NewFrame();
  ApplyTouch(p);
  ImGui::NewFrame();
  fs::HandleKeys(p.s, p.keys);
  p.keys.clear();
  fs::DrawFrame(p.s);
  ImGui::Render();
  int fb_w = 0, fb_h = 0;
  glfwGetFramebufferSize(p.window, &fb_w, &fb_h);
  glViewport(0, 0, fb_w, fb_h);
  const ImVec4 bg = ImGui::GetStyle().Colors[ImGuiCol_WindowBg];
  glClearColor(bg.x, bg.y, bg.z, 1.0f);
  glClear(GL_COLOR_BUFFER_BIT);
  ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
  if (p.s.capture_requested) {
    p.s.capture_requested = false;
    CaptureCanvas(p, fb_w, fb_h);
  }
  fs::AfterWebFrame(p.s);
  if (!p.first_frame_reported) {
    p.first_frame_reported = true;
    std::printf("flashscope page: first frame at %.0f ms after the page began loading; the run took %.1f ms\n",
                EM_ASM_DOUBLE({ return performance.now(); }), p.s.trace ? p.s.trace->kernel_ms : 0.0);
  }
}

}  // namespace

extern "C" {

// Files refused for their size (GuardLargeFiles), named with their sizes.
EMSCRIPTEN_KEEPALIVE void fs_page_too_large(const char* what) {
  fs::SetStatus(g_page->s,
                std::string("Not opened: ") + what +
                    ": a web page takes files up to 1 GiB; the desktop app opens larger ones (README)",
                true);
}

// The picker's files, by their paths in the page's memory, one per line.
EMSCRIPTEN_KEEPALIVE void fs_open_files(const char* paths) {
  std::string all = paths ? paths : "";
  for (size_t i = 0; i < all.size();) {
    const size_t nl = std::min(all.find('\n', i), all.size());
    if (nl > i) g_page->dropped.push_back(all.substr(i, nl - i));
    i = nl + 1;
  }
}

// A touch (phase 0 start, 1 move, 2 end) at x, y canvas pixels, with `fingers` still on the glass,
// at `seconds` (the event's own time, so that a busy page does not make a quick swipe slow).
EMSCRIPTEN_KEEPALIVE void fs_page_touch(int phase, double x, double y, int fingers, double seconds) {
  Page& p = *g_page;
  const TouchEvent t{phase, static_cast<float>(x), static_cast<float>(y), seconds};
  if (phase == 0 && fingers == 1) {
    p.swipe_from = t;
    p.swipe_spoiled = false;
  }
  if (fingers > 1) p.swipe_spoiled = true;
  p.touches.push_back(t);
  if (phase != 2 || p.swipe_spoiled) return;
  const float dx = t.x - p.swipe_from.x, dy = t.y - p.swipe_from.y;
  if (std::fabs(dx) >= kSwipeShare * static_cast<float>(std::max(1, p.width)) * static_cast<float>(p.dpr) &&
      std::fabs(dy) < 0.5f * std::fabs(dx) && t.time - p.swipe_from.time <= kSwipeSeconds)
    p.keys.push_back(dx < 0 ? GLFW_KEY_RIGHT : GLFW_KEY_LEFT);  // as the arrow keys step
}

// What the page shows, as JSON, for a test harness in the browser: frames drawn, the step and
// its count, the status line, the shown trace's digest (as `flashscope trace` prints it) and
// the run under way.
EMSCRIPTEN_KEEPALIVE const char* fs_page_state() {
  static std::string out;
  const fs::AppState& s = g_page->s;
  const fs::RunProgressView run = s.runs ? s.runs->Progress(fs::RunLane::kShow) : fs::RunProgressView{};
  char digest[17] = "";
  if (s.trace) std::snprintf(digest, sizeof digest, "%016llx", static_cast<unsigned long long>(fs::TraceDigest(*s.trace)));
  nlohmann::json j = {{"frames", g_page->frames},
                      {"lesson", s.lesson ? s.lesson->path : ""},
                      {"beat", s.beat + 1},
                      {"step", s.step},
                      {"steps", s.trace ? s.trace->StepCount() : 0},
                      {"problem", s.trace ? fs::Describe(s.trace->problem) : ""},
                      {"trace_file", s.trace_file},
                      {"bench_report", s.ladder.show_file && s.ladder.file
                                           ? s.ladder.file_path + ": " + fs::RecordedText(*s.ladder.file)
                                           : ""},
                      {"digest", digest},
                      {"kernel_ms", s.trace ? s.trace->kernel_ms : 0.0},
                      {"status", s.status.text},
                      {"status_error", s.status.error},
                      {"busy", run.busy || run.unapplied},
                      {"running", run.what},
                      {"fraction", run.fraction}};
  out = j.dump();
  return out.c_str();
}

}  // extern "C"

int main() {
  g_page = new Page();
  Page& p = *g_page;
  if (!glfwInit()) {
    std::fprintf(stderr, "flashscope: GLFW could not start in this browser\n");
    return 1;
  }
  glfwWindowHint(GLFW_CLIENT_API, GLFW_OPENGL_ES_API);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 0);
  p.width = EM_ASM_INT({ return window.innerWidth; });
  p.height = EM_ASM_INT({ return window.innerHeight; });
  p.window = glfwCreateWindow(p.width, p.height, "FlashScope", nullptr, nullptr);
  if (!p.window) {
    std::fprintf(stderr, "flashscope: this browser gave no WebGL2 context\n");
    return 1;
  }
  glfwMakeContextCurrent(p.window);
  glfwSetKeyCallback(p.window, QueueKey);
  glfwSetDropCallback(p.window, QueueDrop);
  ListenForTouch();
  GuardLargeFiles();
  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGui::GetIO().IniFilename = nullptr;
  ImGui_ImplGlfw_InitForOpenGL(p.window, true);
  ImGui_ImplOpenGL3_Init("#version 300 es");

  p.s.backend_kind = fs::BackendKind::kCpu;
  mkdir(kDownloadDir, 0755);
  p.s.capture_dir = kDownloadDir;
  p.s.file_written = [](const std::string& path) { DownloadFile(path.c_str()); };
  p.s.pick_files = [] { PickFiles(); };
  fs::InitState(p.s, fs::WebOptions());
  p.s.view.ui_scale = 1.0f;
  p.s.runs = std::make_shared<fs::RunWorker>();  // from here on, runs go off the page's thread
  fs::RequestUrlProblem(p.s);
  p.width = p.height = 0;  // FitCanvas sizes the canvas and the UI scale on the first frame
  p.last = glfwGetTime();
  emscripten_set_main_loop(Frame, 0, true);
  return 0;
}
