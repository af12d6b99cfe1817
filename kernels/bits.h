// A float seen as the bits of its storage format: what the bit view shows. For a value held in
// FP32, FP16 or BF16: sign, exponent and mantissa fields, its two neighbours in that format,
// and, for a wider value about to be rounded into the format, the guard, round and sticky
// bits that decide the rounding.
#pragma once

#include <cstdint>
#include <string>

#include "precision.h"

namespace fs {

struct FormatInfo {
  int exponent_bits = 8;
  int mantissa_bits = 23;  // stored bits, without the implicit leading one
  int bias = 127;
};
FormatInfo InfoOf(Format f);

struct FloatBits {
  Format format = Format::kFp32;
  uint32_t bits = 0;          // the stored bits, right-aligned (16 of them for FP16 and BF16)
  int sign = 0;               // 0 or 1
  uint32_t exponent = 0;      // biased exponent field
  uint32_t mantissa = 0;      // stored mantissa field
  double value = 0.0;         // exact value
  double below = 0.0;         // the next value toward -inf in this format
  double above = 0.0;         // the next value toward +inf in this format
  double ulp = 0.0;           // above - value for finite positive values, value - below else
  bool subnormal = false, infinite = false, nan = false;
  std::string BitString() const;  // "0 10000001 0011010" (sign, exponent, mantissa)
};

// x must already be a value of format f (e.g. Round(x, f)); its fields in that format.
FloatBits DecomposeFloat(float x, Format f);

// What happens when an FP32 value is rounded into a narrower format f: the kept value, the
// first dropped bit (guard), the second (round) and whether any lower bit is set (sticky),
// the direction taken and the rounding error (result - x, exact).
struct Rounding {
  float input = 0.0f;
  float result = 0.0f;
  bool guard = false, round = false, sticky = false;
  bool tie = false;           // guard set and nothing below it: round-to-nearest-even decides
  bool away_from_zero = false;
  double error = 0.0;         // result - input
  int dropped_bits = 0;       // how many mantissa bits of FP32 do not fit in f
};
Rounding ExplainRounding(float x, Format f);

}  // namespace fs
