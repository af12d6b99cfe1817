// Lessons: human-editable JSON files that set up a Problem and walk through it in beats
// (a title, a paragraph, the step and row to show, the panels to open, and optionally problem
// fields changed for that beat, the value to open in the bit view, the runs of the drift
// experiment and what the throughput panel shows). A bad file gives a LessonError naming the
// file, the field and what is allowed.
// Paths of .npy files and bench reports in a lesson are relative to the lesson file.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

#include "cell_inspect.h"
#include "ladder.h"
#include "panel_list.h"
#include "problem.h"

namespace fs {

struct LessonError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Limits on a lesson file. Each title and text is drawn as one ImGui text item; Dear ImGui
// 1.86 aborts on an item of about 16,400 characters or more (16-bit vertex indices, 4
// vertices a character), so the limits leave a wide margin. 1 MiB holds far more than the
// most any allowed lesson needs, and is refused before it is parsed.
constexpr size_t kMaxLessonBytes = 1 << 20;
constexpr size_t kMaxLessonTitleChars = 200;
constexpr size_t kMaxLessonTextChars = 4000;

struct Beat {
  std::string title;
  std::string text;
  int step = -1;                     // loop step to show; -1 keeps the current one
  int row = -1;                      // query row to follow; -1 keeps the current one
  std::vector<std::string> panels;   // empty: as they are; else exactly these (kPanelNames)
  // "problem": fields set on top of the lesson's problem for this beat only.
  bool overrides_problem = false;
  Problem problem;                   // what the beat shows: the lesson's, with its overrides
  // "cell": {"field": "O-bar", "col": 0}, the value of the beat's step and row that the bit
  // view opens (col: the key within the tile for S and P, the feature otherwise).
  bool has_cell = false;
  CellField cell_field = CellField::kP;
  int cell_col = 0;
  int drift_runs = 0;                // "drift_runs": seeds for the drift panel to run (0: none)
  int numbers = -1;                  // "numbers": true or false, numbers in heatmap cells; -1 keeps them
  // "throughput": {"report": "data/x.json", "shape": "2x16x8192x128", "view": "memory",
  // "live": true}, what the throughput panel shows: a saved bench report (relative to the lesson
  // file), the live ladder where a GPU is usable (the report where none is), which shape and
  // which of its views (kThroughputViews).
  bool has_throughput = false;
  std::string bench_report;          // "" for none
  bool bench_live = false;
  bool has_bench_shape = false;
  LadderShape bench_shape;
  int bench_view = -1;               // index into kThroughputViews; -1 keeps the panel's
  // "limits": {"l": 4096, "n": 16, "t": 0.1, "b": 4, "d": 64}, the softmax-limits panel's sliders;
  // a field left out keeps the panel's value (-1 here).
  bool has_limits = false;
  int limits_l = -1, limits_n = -1, limits_d = -1;
  double limits_t = -1, limits_b = -1;
  // "parallelism": {"gpu": "H100 SXM", "heads": 1, "wave": 1}, the parallelism panel's GPU (one
  // of kGpuSpecs, or "this" for the device where there is one), batch x heads and wave (from 1).
  bool has_parallelism = false;
  std::string parallelism_gpu;       // "" keeps the panel's
  int parallelism_heads = -1, parallelism_wave = -1;
};

// The ranges a beat may set the labs' sliders to (the sliders' own).
constexpr double kBeatMinLimitsT = 0.01, kBeatMaxLimitsT = 10.0;
constexpr double kBeatMinLimitsB = 0.5, kBeatMaxLimitsB = 10.0;
constexpr int kBeatMinLimitsD = 4, kBeatMaxLimitsD = 256;

// The throughput panel's views: all of them, or one filling the panel.
constexpr const char* kThroughputViews[] = {"all", "bars", "roofline", "memory", "sweep"};

constexpr int kMaxLessonDriftRuns = 64;

struct Lesson {
  std::string path;
  std::string title;
  std::string summary;
  Problem problem;
  std::vector<Beat> beats;
};

// Both throw LessonError naming the file, the field and what is allowed. ParseLesson reads no
// other file; LoadLesson also reads the bench reports its beats name (CheckBeatFiles).
Lesson LoadLesson(const std::string& path);
Lesson ParseLesson(const std::string& json_text, const std::string& path);
std::string DefaultLessonPath();   // scenarios/lessons/intro.json of this source tree

}  // namespace fs
