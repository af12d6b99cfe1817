// The CUDA entry points of backend.h and bench.h for builds without a CUDA compiler: each
// says so (BackendError, or the reason as text), so that the app can show why and go on with
// the CPU emulation.
#include "backend.h"
#include "bench.h"
#include "gpu_checks.h"

namespace fs {
namespace {
const char kNoCuda[] =
    "this build of FlashScope has no CUDA support (no CUDA compiler was found when it was built)";
}

std::unique_ptr<Backend> MakeCudaBackend() { throw BackendError(kNoCuda); }

std::string CudaUnavailableReason() { return kNoCuda; }

// A reason, not an exception, like a CUDA build on a machine without a GPU: callers that
// validate shapes before benchmarking print it and stop.
std::string BenchShapeErrors(const BenchShape&) { return kNoCuda; }

std::vector<BenchResult> BenchFa2Teach(const std::vector<BenchShape>&, int, int) {
  throw BackendError(kNoCuda);
}

RoundingCheck CheckRoundingOnGpu(Format) { throw BackendError(kNoCuda); }

}  // namespace fs
