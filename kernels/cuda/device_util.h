// Device memory, events and facts about the GPU: what the CUDA backend, the bench and the
// ladder's launchers share. CUDA runtime only (no kernels): plain C++ may include this file.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "backend.h"           // BackendError
#include "cuda/fa2_teach.cuh"  // FS_CUDA_CHECK

namespace fs {

constexpr int kPoisonByte = 0xFF;  // cudaMemset with it makes every float kPoisonBits (a NaN)

inline std::string Mib(uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
  return buf;
}

// An array in device memory that frees itself. `what` names it in error messages.
template <typename T>
class DeviceArray {
 public:
  DeviceArray(size_t count, const std::string& what) : count_(count), what_(what) {
    if (count == 0) return;
    const cudaError_t status = cudaMalloc(&ptr_, count * sizeof(T));
    if (status != cudaSuccess) {
      cudaGetLastError();  // an allocation failure is not sticky: clear it
      throw BackendError("cannot allocate " + Mib(count * sizeof(T)) + " of GPU memory for " +
                         what + ": " + cudaGetErrorString(status));
    }
  }
  ~DeviceArray() {
    if (ptr_) cudaFree(ptr_);  // nothing to do about an error in a destructor
  }
  DeviceArray(const DeviceArray&) = delete;
  DeviceArray& operator=(const DeviceArray&) = delete;

  T* get() const { return ptr_; }
  size_t count() const { return count_; }
  size_t bytes() const { return count_ * sizeof(T); }

  // Copies count elements starting at element `first` from / to the host.
  void Upload(const T* host, size_t first, size_t count) {
    CheckRange(first, count);
    FS_CUDA_CHECK(cudaMemcpy(ptr_ + first, host, count * sizeof(T), cudaMemcpyHostToDevice));
  }
  void Download(T* host, size_t first, size_t count) const {
    CheckRange(first, count);
    FS_CUDA_CHECK(cudaMemcpy(host, ptr_ + first, count * sizeof(T), cudaMemcpyDeviceToHost));
  }
  void Upload(const std::vector<T>& host) { Upload(host.data(), 0, host.size()); }
  std::vector<T> Download() const {
    std::vector<T> host(count_);
    Download(host.data(), 0, count_);
    return host;
  }
  // All bits set: for floats the NaN that the kernel must overwrite.
  void Poison() { FS_CUDA_CHECK(cudaMemset(ptr_, kPoisonByte, bytes())); }

 private:
  void CheckRange(size_t first, size_t count) const {
    if (first > count_ || count > count_ - first)
      throw BackendError("copy of " + std::to_string(count) + " elements at " +
                         std::to_string(first) + " runs past the end of " + what_ + " (" +
                         std::to_string(count_) + " elements)");
  }

  T* ptr_ = nullptr;
  size_t count_ = 0;
  std::string what_;
};

class CudaEvent {
 public:
  CudaEvent() { FS_CUDA_CHECK(cudaEventCreate(&event_)); }
  ~CudaEvent() { cudaEventDestroy(event_); }
  CudaEvent(const CudaEvent&) = delete;
  CudaEvent& operator=(const CudaEvent&) = delete;
  void Record(cudaStream_t stream) { FS_CUDA_CHECK(cudaEventRecord(event_, stream)); }
  void Synchronize() { FS_CUDA_CHECK(cudaEventSynchronize(event_)); }
  cudaEvent_t get() const { return event_; }

 private:
  cudaEvent_t event_ = nullptr;
};

// Milliseconds between two recorded events; waits for `stop`. A kernel fault that happened
// in between surfaces here as a BackendError.
inline double ElapsedMs(CudaEvent& start, CudaEvent& stop) {
  stop.Synchronize();
  float ms = 0.0f;
  FS_CUDA_CHECK(cudaEventElapsedTime(&ms, start.get(), stop.get()));
  return ms;
}

struct DeviceFacts {
  std::string name;
  int major = 0, minor = 0;  // compute capability
  size_t l2_bytes = 0;
  size_t smem_optin_bytes = 0;  // shared memory one block may have after opting in
  size_t free_bytes = 0, total_bytes = 0;
};

// The current device (cudaGetDevice).
inline DeviceFacts QueryDevice() {
  DeviceFacts f;
  int device = 0;
  FS_CUDA_CHECK(cudaGetDevice(&device));
  cudaDeviceProp prop;
  FS_CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
  f.name = prop.name;
  f.major = prop.major;
  f.minor = prop.minor;
  f.l2_bytes = static_cast<size_t>(prop.l2CacheSize);
  f.smem_optin_bytes = prop.sharedMemPerBlockOptin;
  FS_CUDA_CHECK(cudaMemGetInfo(&f.free_bytes, &f.total_bytes));
  return f;
}

}  // namespace fs
