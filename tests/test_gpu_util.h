// Shared by the GPU test files.
#pragma once

#include <string>

#include "backend.h"
#include "catch2/catch.hpp"

namespace fs_test {

// Fails the test when no CUDA device is usable: main() skips GPU-only runs there, so
// reaching a GPU test without one means it was run by a route that would hide the gap.
inline void RequireCuda() {
  const std::string reason = fs::CudaUnavailableReason();
  INFO("no CUDA device: " << reason);
  REQUIRE(reason.empty());
}

}  // namespace fs_test
