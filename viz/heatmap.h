// Heatmap: a borrowed row-major matrix drawn as coloured cells, with a colour scale, hover
// read-out, optional numbers in cells and a highlight mask.
//
// Value conventions, matching the kernels' traces:
//   -inf  masked (causal or past the sequence end): neutral grey with diagonal hatching
//   NaN   no data (e.g. poisoned rows never written): dark grey
//   +inf  drawn with the colour of the top of the scale
//
// Matrices larger than the display (more than 256 cells a side, or cells under 2 pixels) are
// reduced: each display cell shows the mean of the finite values of a block of source cells,
// read in full for blocks up to 8 x 8 and sampled on a 4 x 4 grid beyond that. The tooltip
// says so. Without ImGuiBackendFlags_RendererHasVtxOffset (16-bit indices, one draw list
// limited to 64k vertices) the display is limited to 96 cells a side.
#pragma once

#include "colormap.h"
#include "imgui.h"

namespace viz {

struct HeatmapSpec {
  const float* values = nullptr;  // (rows, stride), row-major, borrowed
  int rows = 0, cols = 0, stride = 0;  // stride 0 means cols
  float vmin = 0, vmax = 0;  // equal -> auto range from finite values (symmetric for diverging)
  bool log_scale = false;    // log10 colour scale down to vmin (> 0) or 5 decades below vmax; `map` is used
  const char* masked_label = "masked";  // the legend's name for -inf cells (e.g. "padding")
  ColorMap map = ColorMap::kViridis;
  bool auto_map = true;      // choose the map with DefaultMapFor(range) instead of `map`
  bool show_numbers = false; // numbers in cells, where a cell is large enough for the text; whole
                             // numbers bare ("1"), others in number_format
  const char* number_format = "%.2f";
  const unsigned char* highlight = nullptr;  // (rows, stride) mask; the border of the nonzero
                                             // region is outlined (a block reads as one)
  ImU32 highlight_color = 0;                 // 0 -> white with a dark halo
  const unsigned char* outline = nullptr;    // (rows, stride) mask; every nonzero cell gets its
                                             // own outline, e.g. values that are exactly 1.0
  ImU32 outline_color = 0;                   // 0 -> kOutlineColor, with a dark halo
  int marked_row = -1, marked_col = -1;      // one cell framed in kMarkColor (the bit view's)
  int row_offset = 0, col_offset = 0;        // added to indices in the hover read-out
  const char* row_label = "row";
  const char* col_label = "col";
  const char* value_label = "value";
  ImVec2 size = ImVec2(0, 0);  // pixels; 0 -> fill available width with square-ish cells
  bool square_cells = false;   // with a size: the largest grid of square cells that fits it
  bool legend = true;          // colour scale with min / mid / max ticks on the right
  int selected_row = -1;       // marked with a triangle on the left edge
};

constexpr ImU32 kOutlineColor = IM_COL32(255, 64, 160, 255);  // magenta: apart from every map
constexpr ImU32 kMarkColor = kLinkColor;                       // cyan

struct HeatmapResult {
  bool hovered = false;
  int row = -1, col = -1;  // source indices without the offsets; first of the block if reduced
  float value = 0;         // value of the hovered display cell (a mean if reduced)
  bool clicked = false;    // a cell was clicked this frame
  int block_rows = 1, block_cols = 1;  // source cells per display cell (> 1 when reduced)
  float range_min = 0, range_max = 0;  // the colour scale used
  ImVec2 grid_min, grid_max;           // screen rectangle of the cells
};

HeatmapResult Heatmap(const char* id, const HeatmapSpec& spec);

struct Cell {
  int row, col;
};

// Cell of a rows x cols grid filling [rect_min, rect_max) under point, or {-1, -1} when the
// point is outside (the max edges are outside) or the grid is empty.
Cell CellAt(ImVec2 rect_min, ImVec2 rect_max, int rows, int cols, ImVec2 point);

// Fills a rectangle and draws 45-degree hatching over it. The lines follow x + y = const
// measured from `origin`, so neighbouring hatched rectangles continue one pattern.
void AddHatchedRect(ImDrawList* draw, ImVec2 min, ImVec2 max, ImU32 fill, ImU32 line,
                    float spacing, ImVec2 origin);

}  // namespace viz
