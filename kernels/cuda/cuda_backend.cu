// The CUDA backend (backend.h), running fa2_teach or, for FA1's loop order, fa1.
//
// Sections
//   1. CudaUnavailableReason: why CUDA cannot run here, in words
//   2. CudaBackend: Run and RunTraced on one head (B = H = 1)
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "backend.h"
#include "cuda/device_util.h"
#include "cuda/fa1.cuh"
#include "cuda/fa2_teach.cuh"
#include "cuda/fa2_teach_args.h"
#include "parallelism.h"
#include "reference.h"
#include "trace.h"

namespace fs {
namespace {


std::string CudaVersionText(int version) {  // 13000 -> "13.0"
  return std::to_string(version / 1000) + "." + std::to_string(version % 1000 / 10);
}

// Why cudaGetDeviceCount failed, in words a user can act on.
std::string DescribeInitError(cudaError_t status) {
  switch (status) {
    case cudaErrorInsufficientDriver: {
      int driver = 0, runtime = 0;
      cudaDriverGetVersion(&driver);
      cudaRuntimeGetVersion(&runtime);
      if (driver == 0)
        return "no NVIDIA driver is installed (the CUDA driver library libcuda.so was not "
               "found), so the CUDA backend cannot run; the CPU emulation still works";
      return "CUDA driver too old: the installed NVIDIA driver supports CUDA " +
             CudaVersionText(driver) + ", this build of FlashScope needs CUDA " +
             CudaVersionText(runtime) + " or newer; update the driver";
    }
    case cudaErrorNoDevice:
      return "no CUDA GPU was found: the NVIDIA driver is installed but sees no device (is "
             "CUDA_VISIBLE_DEVICES set to an empty list?)";
    case cudaErrorStubLibrary:
      return "the CUDA driver library found is the toolkit's stub, not a real driver; install "
             "the NVIDIA driver";
    case cudaErrorDevicesUnavailable:
      return "every CUDA GPU is busy or unavailable (exclusive-process compute mode?)";
    case cudaErrorSystemDriverMismatch:
      return "the NVIDIA kernel module and the CUDA driver library have different versions; "
             "reboot or reinstall the driver";
    case cudaErrorCompatNotSupportedOnDevice:
      return "the CUDA forward-compatibility driver does not support this GPU";
    default:
      return std::string("CUDA cannot start here: ") + cudaGetErrorName(status) + " (" +
             cudaGetErrorString(status) + ")";
  }
}

}  // namespace

// ---- 1. CudaUnavailableReason --------------------------------------------------------------

std::string CudaUnavailableReason() {
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess) {
    cudaGetLastError();
    return DescribeInitError(status);
  }
  if (count == 0) return "no CUDA GPU was found";
  const cudaError_t probe = Fa2TeachProbe();
  if (probe != cudaSuccess) {
    int device = 0, major = 0, minor = 0;
    cudaGetDevice(&device);
    cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device);
    cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, device);
    cudaGetLastError();
    return "this build of FlashScope has no fa2_teach kernel that GPU " + std::to_string(device) +
           " (compute capability " + std::to_string(major) + "." + std::to_string(minor) +
           ") can run: " + cudaGetErrorName(probe) + " (" + cudaGetErrorString(probe) + ")";
  }
  return "";
}

// ---- 2. CudaBackend ------------------------------------------------------------------------

namespace {


// One head's inputs and outputs on the device, the outputs poisoned; for FA1's loop order also
// the l and m it keeps in HBM between its steps (poisoned too: the kernel initializes them).
struct HeadBuffers {
  HeadBuffers(const Problem& p, const Inputs& in)
      : q(in.q.size(), "Q"), k(in.k.size(), "K"), v(in.v.size(), "V"),
        o(static_cast<size_t>(p.n) * p.d, "O"), lse(p.n, "L"),
        l(p.order == LoopOrder::kFa1 ? p.n : 0, "FA1's l"), m(p.order == LoopOrder::kFa1 ? p.n : 0, "FA1's m") {
    q.Upload(in.q);
    k.Upload(in.k);
    v.Upload(in.v);
    o.Poison();
    lse.Poison();
    if (l.count()) l.Poison();
    if (m.count()) m.Poison();
  }

  Fa2TeachArgs Args(const Problem& p) const { return Fa2TeachArgsFor(p, 1, q.get(), k.get(), v.get(), o.get(), lse.get()); }
  Fa1Workspace Workspace() const { return {l.get(), m.get()}; }

  DeviceArray<float> q, k, v;  // (N, d)
  DeviceArray<float> o;        // (N, d)
  DeviceArray<float> lse;      // (N)
  DeviceArray<float> l, m;     // (N) for FA1, empty for FA2
};

class CudaBackend : public Backend {
 public:
  CudaBackend() {
    const std::string why = CudaUnavailableReason();
    if (!why.empty()) throw BackendError(why);
    device_name_ = QueryDevice().name;
  }

  BackendKind Kind() const override { return BackendKind::kCuda; }
  std::string Name() const override { return "CUDA"; }
  std::string DeviceName() const override { return device_name_; }

  // The kernel runs to its end: `run`'s threads and progress are for the CPU twin; its window
  // says which steps are recorded.
  Trace RunTraced(const Problem& p, const Inputs& in, const RunOptions& run = {}) override {
    CheckInputsFit(p, in);
    Trace t = Trace::Allocate(p, run.window);  // TraceBudgetError here, before any GPU memory is taken
    HeadBuffers buf(p, in);
    DeviceArray<float> data(t.data.size(), "the trace");
    data.Poison();  // rows past N stay so, exactly like Trace::Allocate's host buffer
    const std::vector<int> offsets = StepOffsets(p);
    if (offsets.back() != t.StepCount())
      throw BackendError("internal: StepOffsets and PlanSteps disagree on the step count");
    DeviceArray<int> d_offsets(offsets.size(), "the step offsets");
    d_offsets.Upload(offsets);

    Fa2TraceArgs trace;
    trace.data = data.get();
    trace.step_offsets = d_offsets.get();
    trace.layout = t.layout;
    trace.window = t.window;

    CudaEvent start, stop;
    start.Record(nullptr);
    if (p.order == LoopOrder::kFa1)
      LaunchFa1Traced(buf.Args(p), buf.Workspace(), trace, nullptr);
    else
      LaunchFa2TeachTraced(buf.Args(p), trace, nullptr);
    stop.Record(nullptr);
    t.kernel_ms = ElapsedMs(start, stop);

    data.Download(t.data.data(), 0, t.data.size());
    t.o = buf.o.Download();
    t.lse = buf.lse.Download();
    CheckOutputsFinite(p, in, t.o, t.lse);
    t.backend = Name();
    t.device = device_name_;
    t.host = HostName();
    t.recorded_at = UtcNow();
    return t;
  }

  Output Run(const Problem& p, const Inputs& in, const RunOptions& = {}) override {
    CheckInputsFit(p, in);
    HeadBuffers buf(p, in);
    CudaEvent start, stop;
    start.Record(nullptr);
    if (p.order == LoopOrder::kFa1)
      LaunchFa1(buf.Args(p), buf.Workspace(), nullptr);
    else
      LaunchFa2Teach(buf.Args(p), nullptr);
    stop.Record(nullptr);
    Output out;
    out.ms = ElapsedMs(start, stop);
    out.o = buf.o.Download();
    out.lse = buf.lse.Download();
    CheckOutputsFinite(p, in, out.o, out.lse);
    return out;
  }

 private:
  std::string device_name_;
};

}  // namespace

std::unique_ptr<Backend> MakeCudaBackend() { return std::make_unique<CudaBackend>(); }

DeviceOccupancy QueryTeachOccupancy(TeachKernel k, const Problem& p) {
  const std::string why = CudaUnavailableReason();
  if (!why.empty()) throw BackendError(why);
  int device = 0;
  FS_CUDA_CHECK(cudaGetDevice(&device));
  cudaDeviceProp prop;
  FS_CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
  DeviceOccupancy d;
  d.gpu.name = prop.name;
  d.gpu.sms = prop.multiProcessorCount;
  d.gpu.regs_per_sm = prop.regsPerMultiprocessor;
  d.gpu.smem_per_sm = prop.sharedMemPerMultiprocessor;
  d.gpu.smem_per_block = prop.sharedMemPerBlockOptin;
  d.gpu.smem_reserved_per_block = prop.reservedSharedMemPerBlock;
  d.gpu.max_threads_per_sm = prop.maxThreadsPerMultiProcessor;
  d.gpu.max_blocks_per_sm = prop.maxBlocksPerMultiProcessor;
  d.use = TeachKernelUse(k, p);
  const TeachOccupancy o =
      k == TeachKernel::kFa2Teach ? Fa2TeachOccupancy(p.br, p.bc, p.d) : Fa1Occupancy(p.br, p.bc, p.d);
  d.use.regs_per_thread = o.regs_per_thread;
  d.blocks_per_sm = o.blocks_per_sm;
  return d;
}

}  // namespace fs
