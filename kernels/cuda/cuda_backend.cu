// The CUDA backend (backend.h), running fa2_teach or, for FA1's loop order, fa1; and the
// bench harness (bench.h), running fa2_teach.
//
// Sections
//   1. Device memory, events and facts about the GPU
//   2. CudaUnavailableReason: why CUDA cannot run here, in words
//   3. CudaBackend: Run and RunTraced on one head (B = H = 1)
//   4. Bench: shape checks, random inputs on the GPU, timing, the FP64 check
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
#include "bench.h"
#include "cuda/fa1.cuh"
#include "cuda/fa2_teach.cuh"
#include "reference.h"
#include "trace.h"

namespace fs {
namespace {

// ---- 1. Device memory, events and facts about the GPU ------------------------------------

constexpr int kPoisonByte = 0xFF;  // cudaMemset with it makes every float kPoisonBits (a NaN)

std::string Mib(uint64_t bytes) {
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
double ElapsedMs(CudaEvent& start, CudaEvent& stop) {
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
DeviceFacts QueryDevice() {
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

// ---- 2. CudaUnavailableReason --------------------------------------------------------------

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

// ---- 3. CudaBackend ------------------------------------------------------------------------

namespace {

// fa2_teach's arguments: `batch_heads` heads of shape `head`, laid out (B*H, N, d) in the
// buffers.
Fa2TeachArgs ArgsFor(const Problem& head, int batch_heads, const DeviceArray<float>& q,
                     const DeviceArray<float>& k, const DeviceArray<float>& v,
                     const DeviceArray<float>& o, const DeviceArray<float>& lse) {
  Fa2TeachArgs a;
  a.q = q.get();
  a.k = k.get();
  a.v = v.get();
  a.o = o.get();
  a.lse = lse.get();
  a.batch_heads = batch_heads;
  a.n = head.n;
  a.d = head.d;
  a.br = head.br;
  a.bc = head.bc;
  a.causal = head.causal;
  a.scale = head.EffectiveScale();
  a.numerics = head.Numerics();
  return a;
}

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

  Fa2TeachArgs Args(const Problem& p) const { return ArgsFor(p, 1, q, k, v, o, lse); }
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

  Trace RunTraced(const Problem& p, const Inputs& in) override {
    CheckInputsFit(p, in);
    Trace t = Trace::Allocate(p);  // TraceBudgetError here, before any GPU memory is taken
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

  Output Run(const Problem& p, const Inputs& in) override {
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

// ---- 4. Bench ------------------------------------------------------------------------------

namespace {

constexpr int kHelperThreads = 256;           // block size of the small helper kernels
constexpr unsigned kHelperMaxBlocks = 4096;   // grid-stride loops cover the rest
constexpr size_t kMinFlushBytes = 64u << 20;  // when the GPU reports no L2 size

// splitmix64's output function: a well-mixed 64-bit hash of a counter.
__device__ __forceinline__ uint64_t Mix64(uint64_t z) {
  z += 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// x[i] ~ N(0, 1): Box-Muller on two uniforms hashed from (seed, i). Made on the GPU so large
// shapes need no host-side generation; the FP64 check reads the values back.
__global__ void fill_normal(float* x, size_t count, uint64_t seed) {
  const size_t stride = static_cast<size_t>(gridDim.x) * blockDim.x;
  for (size_t i = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count;
       i += stride) {
    const uint64_t h1 = Mix64(seed ^ (2 * i)), h2 = Mix64(seed ^ (2 * i + 1));
    const float u1 = (static_cast<float>(h1 >> 40) + 0.5f) * (1.0f / 16777216.0f);  // (0, 1)
    const float u2 = static_cast<float>(h2 >> 40) * (1.0f / 16777216.0f);           // [0, 1)
    x[i] = sqrtf(-2.0f * logf(u1)) * cospif(2.0f * u2);
  }
}

// *bad += number of elements of x that are NaN or infinite.
__global__ void count_not_finite(const float* x, size_t count, unsigned long long* bad) {
  const size_t stride = static_cast<size_t>(gridDim.x) * blockDim.x;
  unsigned long long mine = 0;
  for (size_t i = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count;
       i += stride)
    if (!isfinite(x[i])) ++mine;
  if (mine) atomicAdd(bad, mine);
}

unsigned HelperBlocks(size_t count) {
  const size_t blocks = (count + kHelperThreads - 1) / kHelperThreads;
  return static_cast<unsigned>(std::max<size_t>(1, std::min<size_t>(blocks, kHelperMaxBlocks)));
}

void FillNormal(DeviceArray<float>& x, uint64_t seed) {
  fill_normal<<<HelperBlocks(x.count()), kHelperThreads>>>(x.get(), x.count(), seed);
  FS_CUDA_CHECK(cudaGetLastError());
}

uint64_t CountNotFinite(const DeviceArray<float>& x) {
  DeviceArray<unsigned long long> bad(1, "a counter");
  FS_CUDA_CHECK(cudaMemset(bad.get(), 0, bad.bytes()));
  count_not_finite<<<HelperBlocks(x.count()), kHelperThreads>>>(x.get(), x.count(), bad.get());
  FS_CUDA_CHECK(cudaGetLastError());
  return bad.Download()[0];
}

size_t FlushBytes(const DeviceFacts& dev) {  // twice the L2: a memset of it evicts everything
  return dev.l2_bytes > 0 ? 2 * dev.l2_bytes : kMinFlushBytes;
}

uint64_t BatchHeads(const BenchShape& s) {
  return static_cast<uint64_t>(s.batch) * static_cast<uint64_t>(s.heads);
}

// Device bytes one bench run holds: Q, K, V, O (B*H, N, d), L (B*H, N), the flush buffer.
uint64_t BenchDeviceBytes(const BenchShape& s, const DeviceFacts& dev) {
  const uint64_t rows = BatchHeads(s) * static_cast<uint64_t>(s.n);
  return sizeof(float) * (4 * rows * s.d + rows) + FlushBytes(dev);
}

Problem HeadProblem(const BenchShape& s) {  // one head of the shape; scale 0 = 1/sqrt(d)
  Problem p;
  p.n = s.n;
  p.d = s.d;
  p.br = s.br;
  p.bc = s.bc;
  p.causal = s.causal;
  return p;
}

// The shape checks that need no GPU.
std::vector<std::string> StaticShapeErrors(const BenchShape& s) {
  std::vector<std::string> errors;
  if (s.n < 1 || s.n > kMaxBenchN)
    errors.push_back("N (sequence length) is " + std::to_string(s.n) + "; allowed: 1.." +
                     std::to_string(kMaxBenchN));
  if (!IsAllowed(kAllowedD, s.d))
    errors.push_back("d (head dimension) is " + std::to_string(s.d) + "; allowed: " +
                     AllowedList(kAllowedD));
  if (!IsAllowed(kAllowedBlock, s.br))
    errors.push_back("Br (Q block rows) is " + std::to_string(s.br) + "; allowed: " +
                     AllowedList(kAllowedBlock));
  if (!IsAllowed(kAllowedBlock, s.bc))
    errors.push_back("Bc (K/V block rows) is " + std::to_string(s.bc) + "; allowed: " +
                     AllowedList(kAllowedBlock));
  if (s.batch < 1 || s.heads < 1)
    errors.push_back("batch and heads are " + std::to_string(s.batch) + " and " +
                     std::to_string(s.heads) + "; allowed: 1 or more each");
  else if (BatchHeads(s) > static_cast<uint64_t>(kMaxGridY))
    errors.push_back("B*H is " + std::to_string(BatchHeads(s)) + "; allowed: 1.." +
                     std::to_string(kMaxGridY) + " (one row of thread blocks per head)");
  return errors;
}

// The checks against this GPU: shared memory per block and free device memory.
std::vector<std::string> DeviceShapeErrors(const BenchShape& s, const DeviceFacts& dev) {
  std::vector<std::string> errors;
  const size_t smem_bytes = Fa2TeachSmemBytes(s.br, s.bc, s.d);
  if (smem_bytes > dev.smem_optin_bytes)
    errors.push_back("Br=" + std::to_string(s.br) + ", Bc=" + std::to_string(s.bc) + ", d=" +
                     std::to_string(s.d) + " needs " + std::to_string(smem_bytes) +
                     " bytes of shared memory per block; " + dev.name + " allows " +
                     std::to_string(dev.smem_optin_bytes));
  const uint64_t need = BenchDeviceBytes(s, dev);
  if (need > dev.free_bytes)
    errors.push_back("B*H = " + std::to_string(BatchHeads(s)) + " heads of N=" +
                     std::to_string(s.n) + ", d=" + std::to_string(s.d) + " need " + Mib(need) +
                     " of GPU memory (Q, K, V, O, L and the L2 flush buffer); " + dev.name +
                     " has " + Mib(dev.free_bytes) + " free of " + Mib(dev.total_bytes));
  return errors;
}

std::string JoinLines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) out += (out.empty() ? "" : "\n") + line;
  return out;
}

// Rows checked in each head: kBenchSampleRows spread evenly from 0 to N-1.
std::vector<int> SampleRows(int n) {
  std::vector<int> rows;
  for (int i = 0; i < kBenchSampleRows; ++i) {
    const int row = static_cast<int>(static_cast<int64_t>(i) * (n - 1) / (kBenchSampleRows - 1));
    if (rows.empty() || rows.back() != row) rows.push_back(row);
  }
  return rows;
}

struct SampleErrors {
  double max_rel = 0.0, rel_l2 = 0.0;
};

// O of the sampled rows of heads 0 and B*H-1 against softmax(scale Q K^T) V in FP64, from
// the device's own Q, K and V.
SampleErrors CheckSampleRows(const BenchShape& s, const DeviceArray<float>& q,
                             const DeviceArray<float>& k, const DeviceArray<float>& v,
                             const DeviceArray<float>& o) {
  const Problem p = HeadProblem(s);
  const size_t nd = static_cast<size_t>(s.n) * s.d;
  std::vector<uint64_t> heads = {0, BatchHeads(s) - 1};
  if (heads[1] == heads[0]) heads.pop_back();
  std::vector<float> got;
  std::vector<double> want;
  for (uint64_t head : heads) {
    Inputs in;
    in.n = s.n;
    in.d = s.d;
    in.q.resize(nd);
    in.k.resize(nd);
    in.v.resize(nd);
    std::vector<float> o_head(nd);
    q.Download(in.q.data(), head * nd, nd);
    k.Download(in.k.data(), head * nd, nd);
    v.Download(in.v.data(), head * nd, nd);
    o.Download(o_head.data(), head * nd, nd);
    for (int row : SampleRows(s.n)) {
      const std::vector<double> probs = ReferenceSoftmaxRow(p, in, row);  // (N)
      std::vector<double> ref(s.d, 0.0);                                  // (d)
      for (int c = 0; c < s.n; ++c) {
        if (probs[c] == 0.0) continue;
        const float* v_row = &in.v[static_cast<size_t>(c) * s.d];
        for (int t = 0; t < s.d; ++t) ref[t] += probs[c] * v_row[t];
      }
      for (int t = 0; t < s.d; ++t) {
        got.push_back(o_head[static_cast<size_t>(row) * s.d + t]);
        want.push_back(ref[t]);
      }
    }
  }
  SampleErrors e;
  e.max_rel = MaxRelativeError(got, want, s.d);
  double diff2 = 0.0, ref2 = 0.0;
  for (size_t i = 0; i < got.size(); ++i) {
    diff2 += (got[i] - want[i]) * (got[i] - want[i]);
    ref2 += want[i] * want[i];
  }
  e.rel_l2 = std::sqrt(diff2 / std::max(ref2, std::numeric_limits<double>::min()));
  if (std::isnan(e.rel_l2)) e.rel_l2 = std::numeric_limits<double>::infinity();
  return e;
}

ProblemError ShapeError(const BenchShape& s, const std::vector<std::string>& errors) {
  return ProblemError("bench shape " + Describe(s) + ":\n" + JoinLines(errors));
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t h = v.size() / 2;
  return v.size() % 2 ? v[h] : 0.5 * (v[h - 1] + v[h]);
}

BenchResult BenchOne(const BenchShape& s, int warmup, int repeats, const DeviceFacts& dev,
                     std::mt19937_64& seeds) {
  const size_t rows = static_cast<size_t>(BatchHeads(s)) * s.n;
  const size_t elems = rows * s.d;
  DeviceArray<float> q(elems, "Q"), k(elems, "K"), v(elems, "V");  // (B*H, N, d)
  DeviceArray<float> o(elems, "O");                                // (B*H, N, d)
  DeviceArray<float> lse(rows, "L");                               // (B*H, N)
  DeviceArray<unsigned char> flush(FlushBytes(dev), "the L2 flush buffer");
  FillNormal(q, seeds());
  FillNormal(k, seeds());
  FillNormal(v, seeds());
  o.Poison();
  lse.Poison();

  const Fa2TeachArgs a = ArgsFor(HeadProblem(s), static_cast<int>(BatchHeads(s)), q, k, v, o, lse);

  for (int i = 0; i < warmup; ++i) LaunchFa2Teach(a, nullptr);
  FS_CUDA_CHECK(cudaDeviceSynchronize());

  std::vector<double> ms;
  CudaEvent start, stop;
  for (int i = 0; i < repeats; ++i) {
    // Outside the timed region: overwrite the whole L2 so every run starts from HBM.
    FS_CUDA_CHECK(cudaMemsetAsync(flush.get(), i & 0xFF, flush.bytes(), nullptr));
    start.Record(nullptr);
    LaunchFa2Teach(a, nullptr);
    stop.Record(nullptr);
    ms.push_back(ElapsedMs(start, stop));
  }

  BenchResult r;
  r.shape = s;
  r.device = dev.name;
  r.warmup = warmup;
  r.repeats = repeats;
  r.median_ms = Median(ms);
  r.min_ms = *std::min_element(ms.begin(), ms.end());
  const double heads = static_cast<double>(BatchHeads(s));
  const double flops = 4.0 * heads * s.n * static_cast<double>(s.n) * s.d * (s.causal ? 0.5 : 1.0);
  const double bytes = heads * static_cast<double>(FlashTraffic(HeadProblem(s)).Total());
  const double seconds = r.median_ms * 1e-3;
  r.tflops = flops / seconds / 1e12;
  r.gbps = bytes / seconds / 1e9;

  if (CountNotFinite(o) + CountNotFinite(lse) > 0) {
    r.max_rel_err = r.rel_l2_err = std::numeric_limits<double>::infinity();
  } else {
    const SampleErrors e = CheckSampleRows(s, q, k, v, o);
    r.max_rel_err = e.max_rel;
    r.rel_l2_err = e.rel_l2;
  }
  return r;
}

}  // namespace

std::string BenchShapeErrors(const BenchShape& s) {
  std::vector<std::string> errors = StaticShapeErrors(s);
  if (!errors.empty()) return JoinLines(errors);
  const std::string why = CudaUnavailableReason();
  if (!why.empty()) return why;
  return JoinLines(DeviceShapeErrors(s, QueryDevice()));
}

std::vector<BenchResult> BenchFa2Teach(const std::vector<BenchShape>& shapes, int warmup,
                                       int repeats) {
  if (warmup < 0 || repeats < 1)
    throw ProblemError("bench: warm-up runs " + std::to_string(warmup) + " and repeats " +
                       std::to_string(repeats) + "; allowed: warm-up >= 0, repeats >= 1");
  for (const BenchShape& s : shapes) {
    const std::vector<std::string> errors = StaticShapeErrors(s);
    if (!errors.empty()) throw ShapeError(s, errors);
  }
  const std::string why = CudaUnavailableReason();
  if (!why.empty()) throw BackendError(why);

  std::random_device rd;
  std::mt19937_64 seeds((static_cast<uint64_t>(rd()) << 32) | rd());  // fresh inputs each run
  std::vector<BenchResult> results;
  for (const BenchShape& s : shapes) {
    const DeviceFacts dev = QueryDevice();  // free memory changes as shapes come and go
    const std::vector<std::string> errors = DeviceShapeErrors(s, dev);
    if (!errors.empty()) throw ShapeError(s, errors);
    results.push_back(BenchOne(s, warmup, repeats, dev, seeds));
  }
  return results;
}

}  // namespace fs
