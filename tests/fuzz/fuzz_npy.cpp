// libFuzzer harness for the .npy reader: any bytes give an array or an NpyError, nothing
// else (another exception escapes and libFuzzer reports it as a crash).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "npy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  try {
    const fs::NpyArray a = fs::ParseNpy(bytes, "fuzz.npy");
    size_t count = 1;
    for (size_t dim : a.shape) count *= dim;
    if (a.data.size() != count) std::abort();  // an accepted array holds what its shape says
  } catch (const fs::NpyError&) {
  }
  return 0;
}
