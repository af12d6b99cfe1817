// Element-by-element comparison of two traces of the same problem (GPU against CPU
// emulation, or a recorded file against a fresh run), in units in the last place.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "trace.h"

namespace fs {

// Distance between two floats in ulps: 0 for identical bits (the NaN poison included) and
// for +0 / -0; UINT32_MAX when exactly one is NaN.
uint32_t UlpDistance(float a, float b);

struct TraceDiff {
  uint64_t values = 0;       // floats compared (every step record held, O and L)
  uint64_t differing = 0;    // of which not identical
  uint32_t max_ulp = 0;
  double max_abs = 0.0;      // largest |a - b| over finite pairs
  int first_step = -1;       // first step record with a difference, -1 if none there
  std::string first_field;   // a TraceFieldInfo name ("S", "P", "m_old", ...), or "O", "L"
  bool Identical() const { return differing == 0; }
};

// Throws std::invalid_argument when the traces are of different problems or layouts, or hold
// different steps (Trace::window).
TraceDiff CompareTraces(const Trace& a, const Trace& b);

// Per-element ulp distances of one field of one step (named as in kTraceFields); empty when
// either trace does not hold that step.
std::vector<float> StepUlpMap(const Trace& a, const Trace& b, int step, const std::string& field);

}  // namespace fs
