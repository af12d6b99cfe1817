// Bit view: the bits of a floating-point value as a row of boxes, sign, exponent and mantissa
// in their own colours, and optionally the bits a rounding dropped after the mantissa, with
// the guard, round and sticky bits marked. The widget takes plain integers (the caller
// decomposes the value), so it knows nothing of formats beyond their field widths.
#pragma once

#include <cstdint>

#include "imgui.h"

namespace viz {

struct BitViewSpec {
  uint32_t bits = 0;        // the stored bits, right-aligned: sign, exponent, mantissa
  int exponent_bits = 8;
  int mantissa_bits = 23;
  // Bits that did not fit (a wider value rounded into this format), most significant first:
  // the first is the guard bit, the second the round bit, the rest make up the sticky bit.
  uint64_t dropped = 0;     // right-aligned
  int dropped_count = 0;    // 0: nothing was dropped
  float box = 0.0f;         // box side in pixels; 0 -> fits the available width, at most 1.5 fonts
};

// Colours of the fields (also used by panels for matching text).
constexpr ImU32 kSignColor = IM_COL32(213, 94, 0, 255);
constexpr ImU32 kExponentColor = IM_COL32(0, 114, 178, 255);
constexpr ImU32 kMantissaColor = IM_COL32(0, 158, 115, 255);
constexpr ImU32 kDroppedColor = IM_COL32(110, 110, 110, 255);

struct BitViewResult {
  float box = 0.0f;                 // the box side used
  int boxes = 0;                    // boxes drawn
  ImVec2 first_box_min;             // top-left of the sign's box
  ImVec2 guard_min, sticky_max;     // the dropped part's G ... S span (when there is one)
};

// The boxes with field names above and, for dropped bits, "G", "R" and "S" below.
BitViewResult BitView(const char* id, const BitViewSpec& spec);

}  // namespace viz
