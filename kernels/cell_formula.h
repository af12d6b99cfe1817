// The arithmetic behind one cell of a step, with the real numbers filled in: for a score or
// probability cell, S = scale * q.k with the dot product's terms, the row's running max before
// and after the step, exp(S - m_new), its share of l, and the probability the key ends with;
// for O~, the rescale and the block's product. What the cell inspector (hover and click) shows.
#pragma once

#include <string>
#include <vector>

#include "cell_inspect.h"
#include "inputs.h"
#include "trace.h"

namespace fs {

struct CellFormula {
  std::string error;               // why there is no formula (a bad reference); empty otherwise
  std::string title;               // e.g. "query 5, key 37 at step 2 (Q block 0, K/V block 1)"
  std::vector<std::string> lines;  // one equation or fact per line
  int key = -1;                    // the key (sequence column) of an S or P cell, -1 otherwise
};

// Formats a value with enough digits to tell an exact 1 (or any whole number) from a value
// near it: whole numbers bare ("1", "-3"), others with `digits` significant digits, more where
// fewer would print a whole number ("0.99998", not "1").
std::string CellNumber(double v, int digits = 5);

// `rounded` are the inputs as the kernel read them (RoundedInputs), or null (then the dot
// product's terms are left out and the formula says why).
CellFormula ExplainCell(const Trace& t, const Inputs* rounded, const CellRef& ref);

}  // namespace fs
