// The flashscope command line: the window (default), and the headless commands
// `shot`, `trace` and `bench` built on the same kernels/ (and, for shot, viz/) code.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "backend.h"
#include "gl_choice.h"
#include "problem.h"

namespace fs {

enum class Command { kWindow, kShot, kTrace, kBench, kDrift, kExport, kLimits };

// How a capture is drawn: shot's and export's flags, File > Capture in the window.
enum class CaptionMode { kAuto, kOn, kOff };  // kAuto: on for one panel, off for the whole window
constexpr int kCaptureScales[] = {1, 2, 4};
struct CaptureOptions {
  int pixel_scale = 1;       // 1, 2 or 4: the framebuffer and the fonts' pixels multiplied
  bool transparent = false;  // alpha 0 where only the clear colour and window backgrounds are
  CaptionMode caption = CaptionMode::kAuto;
  std::string panel;         // a name of the panel table: the image is that panel's region
  bool Caption() const { return caption == CaptionMode::kOn || (caption == CaptionMode::kAuto && !panel.empty()); }
};

// An inclusive range of steps or beats, "A..B" (or one number); last = -1 with all: every one.
struct IndexRange {
  std::string text;  // as given; empty: none asked for
  int first = 0, last = 0;
  bool all = false;
};

// Problem options given on the command line, applied on top of the lesson's problem.
struct ProblemFlags {
  std::vector<std::function<void(Problem&)>> edits;
  Problem ApplyTo(Problem base) const {
    for (const auto& edit : edits) edit(base);
    return base;
  }
};

struct Options {
  Command command = Command::kWindow;
  ProblemFlags flags;
  std::string lesson_path;          // --lesson; empty means the default lesson
  std::string open_path;            // --open: a trace file
  std::string bench_json;           // --bench-json: a saved bench report for the throughput panel
  std::string backend = "auto";     // auto, cpu, cuda
  int step = -1;                    // --step
  int q_block = -1;                 // trace --q-block: record only that Q block's steps
  int row = -1;                     // --row
  int beat = -1;                    // --beat
  std::string out_path;             // shot/trace/bench --out
  std::string layout_report;        // shot --layout-report
  std::string save_o, save_l;       // trace --save-o / --save-l: O and L as .npy
  std::string summary_path;         // trace --summary: the precision summary (JSON; "-" = stdout)
  int drift_runs = 8;               // drift --runs
  std::string csv_path;             // drift --csv
  // limits: context lengths, temperatures and selected-token counts to compute, and the setup
  std::vector<int> limits_l = {16, 64, 256, 1024, 4096, 16384, 65536};
  std::vector<double> limits_t = {0.01, 0.03, 0.1, 0.3, 1.0, 3.0};
  std::vector<int> limits_n = {1, 4, 16, 64, 256, 1024};
  int limits_d = 64;
  double limits_bound = 4.0;
  uint64_t limits_seed = 1;
  std::string size_text;           // --size WxH as given
  int width = 1920, height = 1080;  // parsed --size
  float ui_scale = 0.0f;            // --scale; 0: the monitor's (the window), 1 (shot, export)
  bool light = false;               // --light
  bool numbers = false;             // --numbers
  bool animate = false;             // --animate (the window only: a picture never animates)
  std::vector<std::string> panels;  // --panels: names of panel_list.h (empty: as is)
  CaptureOptions capture;           // shot/export: --panel, --capture-scale, --transparent, --caption
  IndexRange steps, beats;          // shot --steps A..B, --beats all|A..B: a numbered PNG sequence
  std::string video_path;           // shot --video out.mp4|out.gif, made from the sequence by ffmpeg
  double fps = 2.0;                 // shot --fps: frames per second of the video
  std::string lessons_path;         // export --lessons DIR (or one lesson file)
  int measure_frames = 0;           // window: run this many frames, print the frame time, exit
  GlRequest gl = GlRequest::kAuto;  // --gl: how the window and shot reach OpenGL
  // bench
  std::vector<std::string> shapes;  // BxHxNxD[c]
  int warmup = 5, repeats = 30;
  std::string json_path;
  std::vector<std::string> kernels;  // --kernels (names of ladder.h)
  std::vector<std::string> dtypes;   // --dtype
  bool sweep = false;                // --sweep
  bool no_ceilings = false;          // --no-ceilings
  bool precision_given = false;      // bench: --precision or a stage flag was given
};

// Window and image sizes (--size), and the UI scale (--scale).
constexpr int kMinWidth = 320, kMaxWidth = 7680, kMinHeight = 240, kMaxHeight = 4320;
constexpr double kMinUiScale = 0.5, kMaxUiScale = 4.0;

// Strict number parsing for flags: decimal digits only, with a leading '-' for signed values;
// false for anything else, for hex, octal and exponents, and for values that do not fit.
bool ParseDecimalU64(const std::string& text, uint64_t* out);
bool ParseDecimal(const std::string& text, int64_t lo, int64_t hi, int64_t* out);
// A finite number as strtod reads it, the whole text; false for NaN, inf and overflow.
bool ParseFiniteDouble(const std::string& text, double* out);

// "A..B" (0 <= A <= B) or "A" into *out; false otherwise.
bool ParseIndexRange(const std::string& text, IndexRange* out);

// Parses argv. Returns kGoOn and fills *opt to go on; otherwise the exit code to return now
// (help printed: 0; bad flags: 2 with the message on stderr).
constexpr int kGoOn = -1;
int ParseCommandLine(int argc, char** argv, Options* opt);

}  // namespace fs
