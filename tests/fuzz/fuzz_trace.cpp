// libFuzzer harness for the trace reader. Each input is tried as it is and with its checksum
// made right, so that mutations of the header and the arrays get past the checksum to the
// checks behind it. Anything but a Trace or a TraceFileError is a crash.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "test_files.h"
#include "trace_file.h"

namespace {

void Parse(const std::string& bytes) {
  try {
    const fs::Trace t = fs::ParseTrace(bytes, "fuzz.fstrace");
    // An accepted trace is consistent with its own problem.
    if (t.o.size() != static_cast<size_t>(t.problem.n) * t.problem.d || t.lse.size() != static_cast<size_t>(t.problem.n) ||
        t.data.size() != t.steps.size() * t.layout.step_floats)
      std::abort();
  } catch (const fs::TraceFileError&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  Parse(bytes);
  fs_test::FixTraceChecksum(&bytes);
  Parse(bytes);
  return 0;
}
