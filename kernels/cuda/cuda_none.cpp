// The CUDA entry points of backend.h and bench.h for builds without a CUDA compiler: each
// says so (BackendError, or the reason as text), so that the app can show why and go on with
// the CPU emulation.
#include "backend.h"
#include "bench.h"
#include "gpu_checks.h"
#include "parallelism.h"

namespace fs {
namespace {
#if defined(__EMSCRIPTEN__)
const char kNoCuda[] = "a web page reaches no CUDA device; the page runs the CPU emulation of the kernels";
#else
const char kNoCuda[] =
    "this build of FlashScope has no CUDA support (no CUDA compiler was found when it was built)";
#endif
}

std::unique_ptr<Backend> MakeCudaBackend() { throw BackendError(kNoCuda); }

std::string CudaUnavailableReason() { return kNoCuda; }

BenchReport RunBench(const BenchRequest&, const BenchProgress&) { throw BackendError(kNoCuda); }

Output RunKernelOnce(const KernelInfo&, const Problem&, const Inputs&, Format, MmaTile) { throw BackendError(kNoCuda); }

RoundingCheck CheckRoundingOnGpu(Format) { throw BackendError(kNoCuda); }

DeviceOccupancy QueryTeachOccupancy(TeachKernel, const Problem&) { throw BackendError(kNoCuda); }

}  // namespace fs
