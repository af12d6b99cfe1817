// The panel table: every panel of the window, listed once. The View menu, the View
// checkboxes, `--panels`, lessons' "panels" and the layout's areas all derive from this list;
// a new panel costs one line here and its draw function.
//
// This header holds the names only (scenarios/ and the command line need them without a
// GUI); app/panel_table.h expands the same list with the draw functions.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <vector>

namespace fs {

// Where a panel lives by default. Each area shows its panels as tabs; an area with no shown
// panel gives its room to the others.
enum class PanelArea : int {
  kTopLeft,   // beside the controls, upper half
  kTopRight,  // right of it, upper half
  kBottom,    // the lower part, full width
};
constexpr int kPanelAreaCount = 3;

// X(id, name, title, area, draw, shown by default, tooltip); within an area, tabs keep this order.
// `name` is what --panels and lesson files write; `title` is the tab's label.
#define FS_PANELS(X)                                                                               \
  X(kTiles, "tiles", "Tiles: HBM and SRAM", kTopLeft, DrawTilesPanel, true,                          \
    "Q, K, V and O blocks in HBM, the tiles in SRAM, bytes moved")                                   \
  X(kSoftmax, "softmax", "Online softmax", kBottom, DrawSoftmaxPanel, true,                          \
    "m, l and the rescale factor of the followed row; running against exact probabilities")          \
  X(kScores, "scores", "Scores and probabilities", kTopRight, DrawScoresPanel, true,                 \
    "The S and P-bar tiles of this step")                                                            \
  X(kOutput, "output", "Output: V, O~, O, L", kTopRight, DrawOutputPanel, false,                    \
    "The V block on chip, the accumulator O~ of the Q block, and O and L once they are written")      \
  X(kCompare, "compare", "Compare backends", kTopRight, DrawComparePanel, false,                     \
    "GPU against CPU emulation, element by element")                                                 \
  X(kPrecision, "precision", "Precision", kTopLeft, DrawPrecisionPanel, false,                       \
    "Formats of every stage; P-bar cells of exactly 1, standard against stabilized softmax")         \
  X(kErrors, "errors", "Errors", kTopLeft, DrawErrorsPanel, false,                                   \
    "Signed errors of O and O-tilde against an FP64 shadow; histogram with mean and 99% CI")         \
  X(kBits, "bits", "Bits", kTopRight, DrawBitsPanel, false,                                          \
    "Sign, exponent and mantissa of a clicked value; guard, round and sticky of its rounding")       \
  X(kDrift, "drift", "Delta drift", kBottom, DrawDriftPanel, false,                                  \
    "Cumulative delta_lp - delta_hp over rows and over runs, standard against stabilized")            \
  X(kThroughput, "throughput", "Throughput", kTopRight, DrawThroughputPanel, false,                  \
    "The kernel ladder's TFLOP/s against the GEMM ceiling beside its error; roofline, memory, tiles")  \
  X(kLimits, "limits", "Softmax limits", kBottom, DrawLimitsPanel, false,                              \
    "Bounded logits: weights flatten toward 1/L, selection fails as N/L grows, the Jacobian over T")    \
  X(kParallelism, "parallelism", "Parallelism", kBottom, DrawParallelismPanel, false,                    \
    "Thread blocks on the SMs in waves, FA2 against FA1; split-Q against split-K; deferred rescaling")

enum class PanelId : int {
#define FS_PANEL_ID(id, name, title, area, draw, shown, tip) id,
  FS_PANELS(FS_PANEL_ID)
#undef FS_PANEL_ID
};

constexpr const char* kPanelNames[] = {
#define FS_PANEL_NAME(id, name, title, area, draw, shown, tip) name,
    FS_PANELS(FS_PANEL_NAME)
#undef FS_PANEL_NAME
};
constexpr int kPanelCount = static_cast<int>(std::size(kPanelNames));

constexpr PanelArea kPanelAreas[] = {
#define FS_PANEL_AREA(id, name, title, area, draw, shown, tip) PanelArea::area,
    FS_PANELS(FS_PANEL_AREA)
#undef FS_PANEL_AREA
};

// Which panels a window opens with.
constexpr std::array<bool, kPanelCount> kPanelsShownByDefault = {
#define FS_PANEL_SHOWN(id, name, title, area, draw, shown, tip) shown,
    FS_PANELS(FS_PANEL_SHOWN)
#undef FS_PANEL_SHOWN
};

inline const char* PanelName(PanelId id) { return kPanelNames[static_cast<int>(id)]; }
inline PanelArea AreaOf(PanelId id) { return kPanelAreas[static_cast<int>(id)]; }

inline bool ParsePanelName(const std::string& text, PanelId* out) {
  for (int i = 0; i < kPanelCount; ++i)
    if (text == kPanelNames[i]) {
      *out = static_cast<PanelId>(i);
      return true;
    }
  return false;
}

// "tiles, precision, ..." for messages and help.
inline std::string PanelNameChoices() {
  std::string out;
  for (const char* name : kPanelNames) out += (out.empty() ? "" : ", ") + std::string(name);
  return out;
}

inline std::vector<std::string> PanelNameList() { return {std::begin(kPanelNames), std::end(kPanelNames)}; }

}  // namespace fs
