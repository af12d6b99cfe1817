// Pictures of work partitioning, drawn with ImDrawList: a GPU's SMs as a grid of cells, each
// with its slots for resident thread blocks, filled with the blocks one wave of a launch puts
// there; and a tile of S split among warps, by rows (split-Q) or by columns (split-K).
#pragma once

#include "imgui.h"

namespace viz {

struct SmGridSpec {
  int sms = 0;                 // cells
  int slots = 0;               // blocks one SM holds at once (0: none fits; every cell empty)
  // (sms, slots), row-major: the colour index (PaletteColor) of the block in that slot, or -1
  // for an empty slot. Borrowed.
  const int* owner = nullptr;
  ImVec2 size = ImVec2(0, 0);  // pixels; 0 -> the available width, 10 text heights
};

struct SmGridResult {
  int hovered_sm = -1;         // under the mouse, or -1
  int hovered_slot = -1;
};

// Cells as near square as the box allows, SM 0 at the top left, row by row; reports its
// plotting area to the chart audit as an "sm grid".
SmGridResult SmGrid(const char* id, const SmGridSpec& spec);

// A Br x Bc tile split among `warps` warps: by rows (split-Q: warp w owns rows 16 w .. 16 w +
// 15 and every column) or by columns (split-K: warp w owns a slice of the keys for every row),
// each warp in its palette colour, its number written where it fits. Reports its area as a
// "warp split". Returns the warp under the mouse, or -1.
int WarpSplit(const char* id, int br, int bc, int warps, bool by_rows, ImVec2 size);

}  // namespace viz
