// Test runner. `flashscope_tests "[gpu]"` exits 77 (reported by ctest as skipped) when no
// CUDA device is usable, after saying why; everything else is Catch2's own main.
#define CATCH_CONFIG_RUNNER
#include "catch2/catch.hpp"

#include <cstring>
#include <iostream>

#include "backend.h"

int main(int argc, char* argv[]) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "[gpu]") == 0) {
      const std::string reason = fs::CudaUnavailableReason();
      if (!reason.empty()) {
        std::cout << "GPU tests skipped: " << reason << "\n";
        return 77;
      }
    }
  }
  return Catch::Session().run(argc, argv);
}
