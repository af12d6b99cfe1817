// Backends run the FA2 forward on a Problem's inputs: the CUDA kernel on a real GPU, or its
// CPU emulation. Both fill the same Trace layout (trace.h).
#pragma once

#include <memory>
#include <stdexcept>
#include <string>

#include "emulate.h"
#include "inputs.h"
#include "problem.h"
#include "trace.h"

namespace fs {

// A backend that cannot run here (no driver, no device, not built with CUDA, out of memory).
struct BackendError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

enum class BackendKind { kCpu, kCuda };
const char* BackendKindName(BackendKind k);  // "cpu" or "cuda"

class Backend {
 public:
  virtual ~Backend() = default;
  virtual BackendKind Kind() const = 0;
  virtual std::string Name() const = 0;        // "CPU emulation" or "CUDA"
  virtual std::string DeviceName() const = 0;  // e.g. "NVIDIA H100 80GB HBM3"
  // Every step recorded (B = H = 1). `run` gives the threads and a progress callback that can
  // cancel (RunCancelled); a backend that runs on a device may ignore it.
  virtual Trace RunTraced(const Problem& p, const Inputs& in, const RunOptions& run = {}) = 0;
  // Final O and L only, with the kernel's time.
  virtual Output Run(const Problem& p, const Inputs& in, const RunOptions& run = {}) = 0;
};

std::unique_ptr<Backend> MakeCpuBackend();
// Throws BackendError with the reason when no usable CUDA device is present or this build
// has no CUDA support.
std::unique_ptr<Backend> MakeCudaBackend();
// Empty when a CUDA device is usable, otherwise the reason it is not.
std::string CudaUnavailableReason();

// Name of this machine's CPU (from /proc/cpuinfo) and host, and the current UTC time.
std::string CpuName();
std::string HostName();
std::string UtcNow();

}  // namespace fs
