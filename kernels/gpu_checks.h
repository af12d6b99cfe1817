// Checks that need the GPU's own arithmetic as the oracle. Plain C++ declarations; builds
// without CUDA throw BackendError.
#pragma once

#include <cstdint>

#include "precision.h"

namespace fs {

struct RoundingCheck {
  uint64_t checked = 0;      // bit patterns compared: all 2^32
  uint64_t mismatches = 0;   // where fs::Round differs from CUDA's conversion
  uint32_t first_bits = 0;   // the first differing input pattern (when mismatches > 0)
};

// fs::Round(x, f) on the GPU against CUDA's __float2bfloat16_rn / __float2half_rn (each
// converted back to float) for every float bit pattern; two NaNs count as equal.
RoundingCheck CheckRoundingOnGpu(Format f);

}  // namespace fs
