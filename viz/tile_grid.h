// Tile grid: a matrix in HBM drawn as a grid of blocks, with the blocks currently in SRAM
// highlighted. The drawing keeps the matrix's aspect ratio, so Q (N x d) and a block of
// S (Br x Bc) look like the shapes they are.
#pragma once

#include "colormap.h"
#include "imgui.h"

namespace viz {

enum class TileState : unsigned char {
  kIdle,     // in HBM, not loaded yet in this pass
  kVisited,  // was loaded into SRAM earlier in this pass and has been replaced since
  kInSram,   // resident in SRAM at the current step
  kSkipped,  // never loaded: the mask makes it irrelevant (e.g. above the causal diagonal)
};

const char* TileStateName(TileState s);  // "not loaded yet", "visited", "in SRAM", "skipped"

struct TileGridSpec {
  const char* label = "";           // drawn above the matrix, e.g. "K (N x d)"
  int tile_rows = 0, tile_cols = 0; // number of blocks down and across
  const TileState* states = nullptr; // (tile_rows, tile_cols), row-major, borrowed
  float aspect = 1.0f;              // height / width of the whole matrix drawing (e.g. N / d)
  ImU32 accent = 0;                 // colour of kInSram (0 -> palette orange)
  ImVec2 size = ImVec2(0, 0);       // bounding box in pixels; 0 -> available width / height
  const char* tooltip_row_name = "block";
  // A row and a column of the matrix marked across the drawing (e.g. the query and key of the
  // inspected cell), as fractions of its height and width in [0, 1); -1: none.
  float mark_row = -1.0f, mark_col = -1.0f;
  // Animated stepping: the blocks in SRAM slide in from the tile (slide_from_row,
  // slide_from_col) where they were, slide_t of the way (0..1, eased); 1 or a negative tile:
  // drawn in place.
  int slide_from_row = -1, slide_from_col = -1;
  float slide_t = 1.0f;
};

struct TileGridResult {
  bool hovered = false;
  int tile_row = -1, tile_col = -1;
  bool clicked = false;  // a tile was clicked this frame
};

// The matrix is centred in its bounding box; the aspect is kept unless it would make the
// drawing narrower than about one and a half text heights.
TileGridResult TileGrid(const char* id, const TileGridSpec& spec);

// Swatches explaining the four states, on one line where the region is wide enough (an entry
// that does not fit starts the next line).
void TileLegend(ImU32 accent = 0);

}  // namespace viz
