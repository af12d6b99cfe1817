// One value of a trace, explained: the format it is stored in, its bits and neighbours, its
// FP64 shadow, and the rounding that produced it when the trace holds that rounding's input.
// This is what the bit view shows for a clicked cell.
//
// Inputs of a rounding are rebuilt from recorded fields with the shared row operations of
// precision.h and checked against the stored value; when they do not reproduce it bit for
// bit, no rounding is claimed.
#pragma once

#include <string>

#include "bits.h"
#include "inputs.h"
#include "trace.h"

namespace fs {

// Which value: a step field (S, P, O-bar, O~) at (step, row, col), or the final output O at
// (row, col). col is the key within the tile for S and P, the feature for the others.
enum class CellField : int { kS, kP, kOBar, kOAcc, kO };

struct CellRef {
  CellField field = CellField::kP;
  int step = 0;   // ignored for kO
  int row = 0;    // query row in the sequence
  int col = 0;
};
bool operator==(const CellRef& a, const CellRef& b);
inline bool operator!=(const CellRef& a, const CellRef& b) { return !(a == b); }

const char* CellFieldName(CellField f);  // "S", "P", "O-bar", "O~", "O" (trace field names)
bool ParseCellField(const std::string& s, CellField* out);
std::string CellFieldChoices();

struct CellReport {
  std::string error;         // why nothing is shown; empty when the report holds a value
  std::string title;         // e.g. "O-bar[5, 0] at step 1"
  std::string meaning;       // what the value is
  Format format = Format::kFp32;
  float stored = 0.0f;       // as the kernel stored it (in `format`)
  FloatBits bits;            // DecomposeFloat(stored, format)
  double shadow = 0.0;       // FP64 shadow from the same rounded inputs (NaN when unknown)
  std::string shadow_meaning;  // how the shadow is computed

  // The last rounding, when rebuilt: `rounding.input` (FP32) rounded into `format`.
  bool has_rounding = false;
  std::string rounded_from;  // what the FP32 input is
  Rounding rounding;
  // The same input with every bit below the guard bit cleared (a tie): what rounding would
  // do without the round and sticky bits. Only when those bits are set.
  bool has_tie = false;
  Rounding tie;

  // O~ on the separate-block-product path: the two addends R(rescale O~_old) and R(O-bar).
  bool has_addends = false;
  float rescaled_old = 0.0f, block_rounded = 0.0f;
};

// `rounded` are the inputs as the kernel read them (RoundedInputs), or null when they are not
// at hand (then there is no shadow).
CellReport InspectCell(const Trace& t, const Inputs* rounded, const CellRef& ref);

// ExplainRounding of x with the bits below the guard bit cleared.
Rounding TieOf(float x, Format f);

}  // namespace fs
