// RunBench (bench.h): the ladder's kernels timed on full problems, each validated against
// FP64 before it is timed, with the GPU's GEMM and copy ceilings measured in the same run.
//
// Sections
//   1. Inputs on the GPU: random normal values in the storage format, finiteness counts
//   2. Validation against FP64 on sampled rows
//   3. One kernel on one shape: validate, then time
//   4. Ceilings, request checks, RunBench
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <memory>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "backend.h"
#include "bench.h"
#include "cuda/device_util.h"
#include "cuda/fa1.cuh"
#include "cuda/fa2_mma.cuh"
#include "cuda/fa2_teach.cuh"
#include "cuda/fa2_teach_args.h"
#include "cuda/standard.cuh"
#include "inputs.h"
#include "ladder.h"
#include "problem.h"
#include "reference.h"

namespace fs {
namespace {

// ---- 1. Inputs on the GPU ------------------------------------------------------------------

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

// Element i of a buffer in `f` from / to float (BF16 and FP16 as their 16-bit patterns).
__device__ __forceinline__ void StoreAs(void* x, size_t i, float v, Format f) {
  if (f == Format::kBf16) static_cast<__nv_bfloat16*>(x)[i] = __float2bfloat16_rn(v);
  else if (f == Format::kFp16) static_cast<__half*>(x)[i] = __float2half_rn(v);
  else static_cast<float*>(x)[i] = v;
}
__device__ __forceinline__ float LoadAs(const void* x, size_t i, Format f) {
  if (f == Format::kBf16) return __bfloat162float(static_cast<const __nv_bfloat16*>(x)[i]);
  if (f == Format::kFp16) return __half2float(static_cast<const __half*>(x)[i]);
  return static_cast<const float*>(x)[i];
}

// x[i] ~ N(0, 1) rounded to f: Box-Muller on two uniforms hashed from (seed, i). Made on the
// GPU so large shapes need no host-side generation; the FP64 check reads the values back.
__global__ void fill_normal(void* x, size_t count, uint64_t seed, Format f) {
  const size_t stride = static_cast<size_t>(gridDim.x) * blockDim.x;
  for (size_t i = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count; i += stride) {
    const uint64_t h1 = Mix64(seed ^ (2 * i)), h2 = Mix64(seed ^ (2 * i + 1));
    const float u1 = (static_cast<float>(h1 >> 40) + 0.5f) * (1.0f / 16777216.0f);  // (0, 1)
    const float u2 = static_cast<float>(h2 >> 40) * (1.0f / 16777216.0f);           // [0, 1)
    StoreAs(x, i, sqrtf(-2.0f * logf(u1)) * cospif(2.0f * u2), f);
  }
}

// *bad += number of elements of x that are NaN or infinite.
__global__ void count_not_finite(const void* x, size_t count, Format f, unsigned long long* bad) {
  const size_t stride = static_cast<size_t>(gridDim.x) * blockDim.x;
  unsigned long long mine = 0;
  for (size_t i = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count; i += stride)
    if (!isfinite(LoadAs(x, i, f))) ++mine;
  if (mine) atomicAdd(bad, mine);
}

unsigned HelperBlocks(size_t count) {
  const size_t blocks = (count + kHelperThreads - 1) / kHelperThreads;
  return static_cast<unsigned>(std::max<size_t>(1, std::min<size_t>(blocks, kHelperMaxBlocks)));
}

// A (B*H, N, d) or (B*H, N) matrix in a storage format.
struct DeviceMatrix {
  DeviceMatrix(size_t count, Format f, const std::string& what)
      : format(f), count(count), bytes(BytesOf(f) * count), data(bytes, what) {}
  void FillNormal(uint64_t seed) {
    fill_normal<<<HelperBlocks(count), kHelperThreads>>>(data.get(), count, seed, format);
    FS_CUDA_CHECK(cudaGetLastError());
  }
  uint64_t CountNotFinite() const {
    DeviceArray<unsigned long long> bad(1, "a counter");
    FS_CUDA_CHECK(cudaMemset(bad.get(), 0, bad.bytes()));
    count_not_finite<<<HelperBlocks(count), kHelperThreads>>>(data.get(), count, format, bad.get());
    FS_CUDA_CHECK(cudaGetLastError());
    return bad.Download()[0];
  }
  // Elements [first, first + n) as floats of equal value.
  std::vector<float> Download(size_t first, size_t n) const {
    std::vector<unsigned char> raw(n * BytesOf(format));
    data.Download(raw.data(), first * BytesOf(format), raw.size());
    std::vector<float> out(n);
    for (size_t i = 0; i < n; ++i) {
      if (format == Format::kFp32) {
        std::memcpy(&out[i], &raw[4 * i], 4);
      } else {
        uint16_t h;
        std::memcpy(&h, &raw[2 * i], 2);
        out[i] = format == Format::kBf16 ? BitsToFloat(static_cast<uint32_t>(h) << 16) : HalfBitsToFloat(h);
      }
    }
    return out;
  }
  // values[i] stored in the format (rounded to nearest even), from element 0 on.
  void Upload(const std::vector<float>& values) {
    std::vector<unsigned char> raw(values.size() * BytesOf(format));
    for (size_t i = 0; i < values.size(); ++i) {
      if (format == Format::kFp32) {
        std::memcpy(&raw[4 * i], &values[i], 4);
      } else {
        const uint16_t h = format == Format::kBf16 ? static_cast<uint16_t>(FloatToBits(RoundBf16(values[i])) >> 16)
                                                   : FloatToHalfBits(values[i]);
        std::memcpy(&raw[2 * i], &h, 2);
      }
    }
    data.Upload(raw.data(), 0, raw.size());
  }
  void Poison() { data.Poison(); }
  void* get() const { return data.get(); }

  Format format;
  size_t count, bytes;
  DeviceArray<unsigned char> data;
};

// ---- 2. Validation against FP64 --------------------------------------------------------------

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
  double max_rel = 0.0, mean_signed = 0.0, rel_l2 = 0.0;
};

Problem HeadProblem(const LadderShape& s) {  // one head of the shape; scale 0 = 1/sqrt(d)
  Problem p;
  p.n = s.n;
  p.d = s.d;
  p.causal = s.causal;
  return p;
}

// O of the sampled rows of heads 0 and B*H-1 against softmax(scale Q K^T) V in FP64, computed
// from the device's own (stored, rounded) Q, K and V.
SampleErrors CheckSampleRows(const LadderShape& s, const DeviceMatrix& q, const DeviceMatrix& k,
                             const DeviceMatrix& v, const DeviceMatrix& o) {
  const Problem p = HeadProblem(s);
  const size_t nd = static_cast<size_t>(s.n) * s.d;
  std::vector<uint64_t> heads = {0, s.BatchHeads() - 1};
  if (heads[1] == heads[0]) heads.pop_back();
  std::vector<float> got;
  std::vector<double> want;
  for (uint64_t head : heads) {
    Inputs in;
    in.n = s.n;
    in.d = s.d;
    in.q = q.Download(head * nd, nd);
    in.k = k.Download(head * nd, nd);
    in.v = v.Download(head * nd, nd);
    const std::vector<float> o_head = o.Download(head * nd, nd);
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
  double diff2 = 0.0, ref2 = 0.0, signed_sum = 0.0;
  for (size_t i = 0; i < got.size(); ++i) {
    const double diff = got[i] - want[i];
    diff2 += diff * diff;
    ref2 += want[i] * want[i];
    signed_sum += diff;
  }
  e.rel_l2 = std::sqrt(diff2 / std::max(ref2, std::numeric_limits<double>::min()));
  e.mean_signed = got.empty() ? 0.0 : signed_sum / static_cast<double>(got.size());
  if (std::isnan(e.rel_l2)) e.rel_l2 = std::numeric_limits<double>::infinity();
  return e;
}

// ---- 3. One kernel on one shape ---------------------------------------------------------------

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t h = v.size() / 2;
  return v.size() % 2 ? v[h] : 0.5 * (v[h - 1] + v[h]);
}

size_t FlushBytes(const DeviceFacts& dev) {  // twice the L2: a memset of it evicts everything
  return dev.l2_bytes > 0 ? 2 * dev.l2_bytes : kMinFlushBytes;
}

// The inputs and outputs every kernel of one (shape, format) shares.
struct ShapeBuffers {
  ShapeBuffers(const LadderShape& s, Format f)
      : q(s.BatchHeads() * s.n * s.d, f, "Q"), k(q.count, f, "K"), v(q.count, f, "V"),
        o(q.count, f, "O"), lse(s.BatchHeads() * s.n, Format::kFp32, "L") {}
  DeviceMatrix q, k, v, o, lse;
};

// What one kernel needs to run on the shared buffers: its own workspace and its launch.
struct Runner {
  std::string tile;
  int registers = 0;
  std::function<void()> launch;
};

// `head` gives N, d, causal, the scale and (fa2_teach) the tile; there are bh heads.
Runner MakeRunner(const KernelInfo& k, const Problem& head, int bh, Format dtype, const NumericPolicy& np,
                  MmaTile tile, ShapeBuffers& b, std::vector<std::unique_ptr<DeviceMatrix>>* workspace) {
  LadderShape s;
  s.n = head.n;
  s.d = head.d;
  s.causal = head.causal;
  Runner r;
  switch (k.id) {
    case KernelId::kStandard: {
      workspace->push_back(std::make_unique<DeviceMatrix>(StandardWorkspaceElements(bh, s.n), dtype, "S and P"));
      StandardArgs a;
      a.q = b.q.get();
      a.k = b.k.get();
      a.v = b.v.get();
      a.o = b.o.get();
      a.lse = static_cast<float*>(b.lse.get());
      a.s = workspace->back()->get();
      a.batch_heads = bh;
      a.n = s.n;
      a.d = s.d;
      a.causal = s.causal;
      a.scale = head.EffectiveScale();
      a.dtype = dtype;
      r.launch = [a] { LaunchStandard(a, nullptr); };
      return r;
    }
    case KernelId::kFa1:
    case KernelId::kFa2Teach: {
      Problem with_policy = head;  // the bench's policy (the natural one, or --precision)
      with_policy.precision = np.precision;
      with_policy.softmax = np.softmax;
      with_policy.beta = np.beta;
      with_policy.eps = np.eps;
      const Fa2TeachArgs a = Fa2TeachArgsFor(with_policy, bh, static_cast<const float*>(b.q.get()),
                                             static_cast<const float*>(b.k.get()), static_cast<const float*>(b.v.get()),
                                             static_cast<float*>(b.o.get()), static_cast<float*>(b.lse.get()));
      r.tile = "Br=" + std::to_string(a.br) + " Bc=" + std::to_string(a.bc);
      if (k.id == KernelId::kFa2Teach) {
        r.launch = [a] { LaunchFa2Teach(a, nullptr); };
        return r;
      }
      // FA1 keeps each row's l and m in HBM between its steps.
      const size_t rows = static_cast<size_t>(bh) * s.n;
      workspace->push_back(std::make_unique<DeviceMatrix>(rows, Format::kFp32, "FA1's l"));
      workspace->push_back(std::make_unique<DeviceMatrix>(rows, Format::kFp32, "FA1's m"));
      const Fa1Workspace w{static_cast<float*>((*workspace)[0]->get()), static_cast<float*>((*workspace)[1]->get())};
      r.launch = [a, w] { LaunchFa1(a, w, nullptr); };
      return r;
    }
    case KernelId::kFa2Mma: {
      Fa2MmaArgs a;
      a.q = b.q.get();
      a.k = b.k.get();
      a.v = b.v.get();
      a.o = b.o.get();
      a.lse = static_cast<float*>(b.lse.get());
      a.batch_heads = bh;
      a.n = s.n;
      a.d = s.d;
      a.causal = s.causal;
      a.scale = head.EffectiveScale();
      a.numerics = np;
      a.tile = tile == MmaTile{} ? Fa2MmaDefaultTile(s.d, np) : tile;
      const std::string why = Fa2MmaArgsError(a);
      if (!why.empty()) throw ProblemError(why);
      r.tile = TileText(a.tile);
      r.registers = Fa2MmaRegisters(a);
      r.launch = [a] { LaunchFa2Mma(a, nullptr); };
      return r;
    }
  }
  throw ProblemError(std::string(k.name) + " has no launcher in this build");
}

BenchResult ResultHead(const KernelInfo& k, const LadderShape& s, Format dtype, const NumericPolicy& np) {
  BenchResult r;
  r.kernel = k.name;
  r.shape = s;
  r.dtype = dtype;
  NumericPolicy applied = np;
  applied.precision = KernelPrecision(k, dtype, np.precision);
  r.precision = PrecisionName(applied.precision);
  if (r.precision == "custom") r.precision = DescribePrecision(applied.precision);
  r.softmax = SoftmaxName(np.softmax);
  r.device_bytes = KernelDeviceBytes(k.id, s, dtype);
  r.tolerance = ValidationTolerance(applied);
  return r;
}

BenchResult BenchOne(const KernelInfo& k, const LadderShape& s, Format dtype, const NumericPolicy& np,
                     MmaTile tile, ShapeBuffers& b, DeviceArray<unsigned char>& flush, int warmup, int repeats,
                     const BenchCeilings& ceilings) {
  BenchResult r = ResultHead(k, s, dtype, np);
  size_t free_bytes = 0, total_bytes = 0;
  FS_CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes));
  const uint64_t extra = k.id == KernelId::kStandard
                             ? StandardWorkspaceElements(static_cast<int>(s.BatchHeads()), s.n) * BytesOf(dtype)
                             : 0;
  if (extra > free_bytes) {
    r.status = BenchStatus::kOutOfMemory;
    r.note = "out of memory at N = " + std::to_string(s.n) + ": S and P of " + std::to_string(s.BatchHeads()) +
             " heads need " + Mib(extra) + ", " + Mib(free_bytes) + " of GPU memory is free";
    return r;
  }
  std::vector<std::unique_ptr<DeviceMatrix>> workspace;
  Runner run;
  try {
    run = MakeRunner(k, HeadProblem(s), static_cast<int>(s.BatchHeads()), dtype, np, tile, b, &workspace);
  } catch (const ProblemError& e) {
    r.status = BenchStatus::kSkipped;
    r.note = e.what();
    return r;
  }
  r.tile = run.tile;
  r.registers = run.registers;

  // Validation: one run on poisoned outputs.
  b.o.Poison();
  b.lse.Poison();
  run.launch();
  FS_CUDA_CHECK(cudaDeviceSynchronize());
  if (b.o.CountNotFinite() + b.lse.CountNotFinite() > 0) {
    r.max_rel_err = r.rel_l2_err = std::numeric_limits<double>::infinity();
    r.status = BenchStatus::kFailed;
    r.note = "O or L has elements that are not finite (left unwritten, or overflowed)";
    return r;
  }
  const SampleErrors e = CheckSampleRows(s, b.q, b.k, b.v, b.o);
  r.max_rel_err = e.max_rel;
  r.mean_signed_err = e.mean_signed;
  r.rel_l2_err = e.rel_l2;
  if (!(e.max_rel <= r.tolerance)) {
    r.status = BenchStatus::kFailed;
    char buf[160];
    std::snprintf(buf, sizeof buf, "max relative error %.3g against FP64 exceeds the tolerance %.3g", e.max_rel,
                  r.tolerance);
    r.note = buf;
    return r;
  }

  for (int i = 0; i < warmup; ++i) run.launch();
  FS_CUDA_CHECK(cudaDeviceSynchronize());
  std::vector<double> ms;
  CudaEvent start, stop;
  for (int i = 0; i < repeats; ++i) {
    // Outside the timed region: overwrite the whole L2 so every run starts from HBM.
    FS_CUDA_CHECK(cudaMemsetAsync(flush.get(), i & 0xFF, flush.bytes(), nullptr));
    start.Record(nullptr);
    run.launch();
    stop.Record(nullptr);
    ms.push_back(ElapsedMs(start, stop));
  }
  r.median_ms = Median(ms);
  r.min_ms = *std::min_element(ms.begin(), ms.end());
  const double seconds = r.median_ms * 1e-3;
  r.tflops = AttentionFlops(s) / seconds / 1e12;
  r.gbps = CompulsoryBytes(s, dtype) / seconds / 1e9;
  const double ceiling = dtype == Format::kFp32 ? ceilings.gemm_fp32_tflops : ceilings.gemm_bf16_tflops;
  r.pct_of_gemm = ceiling > 0 ? 100.0 * r.tflops / ceiling : 0.0;
  return r;
}

// ---- 4. Ceilings, request checks, RunBench ------------------------------------------------------

constexpr int kCeilingGemmN = 8192;
constexpr uint64_t kCeilingCopyBytes = 1ull << 30;
constexpr int kCeilingRepeats = 10;

template <typename F>
double MedianMs(F&& launch) {
  for (int i = 0; i < 2; ++i) launch();
  FS_CUDA_CHECK(cudaDeviceSynchronize());
  std::vector<double> ms;
  CudaEvent start, stop;
  for (int i = 0; i < kCeilingRepeats; ++i) {
    start.Record(nullptr);
    launch();
    stop.Record(nullptr);
    ms.push_back(ElapsedMs(start, stop));
  }
  return Median(ms);
}

BenchCeilings MeasureCeilings() {
  BenchCeilings c;
  size_t free_bytes = 0, total_bytes = 0;
  FS_CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes));
  int n = kCeilingGemmN;
  while (n > 1024 && 3ull * n * n * 4 > free_bytes / 2) n /= 2;
  c.gemm_n = n;
  const double flops = 2.0 * n * static_cast<double>(n) * n;
  for (Format f : {Format::kBf16, Format::kFp32}) {
    DeviceMatrix a(static_cast<size_t>(n) * n, f, "the ceiling GEMM's A"), b(a.count, f, "B"), out(a.count, f, "C");
    a.FillNormal(1);
    b.FillNormal(2);
    const double ms = MedianMs([&] { LaunchCeilingGemm(a.get(), b.get(), out.get(), n, f, nullptr); });
    (f == Format::kBf16 ? c.gemm_bf16_tflops : c.gemm_fp32_tflops) = flops / (ms * 1e-3) / 1e12;
  }
  uint64_t bytes = kCeilingCopyBytes;
  while (bytes > (64ull << 20) && 2 * bytes > free_bytes / 2) bytes /= 2;
  c.copy_bytes = bytes;
  DeviceArray<unsigned char> src(bytes, "the copy ceiling's source"), dst(bytes, "its destination");
  FS_CUDA_CHECK(cudaMemset(src.get(), 1, bytes));
  const double ms = MedianMs([&] {
    FS_CUDA_CHECK(cudaMemcpyAsync(dst.get(), src.get(), bytes, cudaMemcpyDeviceToDevice, nullptr));
  });
  c.copy_gbps = 2.0 * static_cast<double>(bytes) / (ms * 1e-3) / 1e9;
  return c;
}

}  // namespace

Output RunKernelOnce(const KernelInfo& k, const Problem& p, const Inputs& in, Format dtype, MmaTile tile) {
  Validate(p);
  CheckInputsFit(p, in);
  const std::string why = CudaUnavailableReason();
  if (!why.empty()) throw BackendError(why);
  const std::string no = KernelRunsError(k, dtype, p.Numerics());
  if (!no.empty()) throw ProblemError(no);
  LadderShape s;
  s.n = p.n;
  s.d = p.d;
  s.causal = p.causal;
  ShapeBuffers b(s, dtype);
  b.q.Upload(in.q);
  b.k.Upload(in.k);
  b.v.Upload(in.v);
  b.o.Poison();
  b.lse.Poison();
  std::vector<std::unique_ptr<DeviceMatrix>> workspace;
  const Runner run = MakeRunner(k, p, 1, dtype, p.Numerics(), tile, b, &workspace);
  CudaEvent start, stop;
  start.Record(nullptr);
  run.launch();
  stop.Record(nullptr);
  Output out;
  out.ms = ElapsedMs(start, stop);
  out.o = b.o.Download(0, b.o.count);
  out.lse = b.lse.Download(0, b.lse.count);
  return out;
}

BenchReport RunBench(const BenchRequest& req, const BenchProgress& progress) {
  const std::vector<std::string> problems = BenchRequestProblems(req);
  if (!problems.empty()) throw ProblemError("bench: " + problems.front());
  const std::string why = CudaUnavailableReason();
  if (!why.empty()) throw BackendError(why);

  BenchReport report;
  const DeviceFacts dev = QueryDevice();
  report.device = dev.name;
  report.recorded_at = UtcNow();
  report.host = HostName();
  report.device_memory_bytes = dev.total_bytes;
  report.warmup = req.warmup;
  report.repeats = req.repeats;
  if (req.ceilings) report.ceilings = MeasureCeilings();

  std::vector<const KernelInfo*> kernels;
  for (const KernelInfo& k : kKernels)
    if (req.kernels.empty() || std::find(req.kernels.begin(), req.kernels.end(), k.name) != req.kernels.end())
      kernels.push_back(&k);

  std::random_device rd;
  std::mt19937_64 seeds((static_cast<uint64_t>(rd()) << 32) | rd());  // fresh inputs each run
  DeviceArray<unsigned char> flush(FlushBytes(dev), "the L2 flush buffer");
  const auto emit = [&](const BenchResult& r) {
    report.results.push_back(r);
    return !progress || progress(r);
  };
  for (const LadderShape& s : req.shapes) {
    for (Format dtype : req.dtypes) {
      NumericPolicy np = req.numerics;
      if (!req.precision_set) np.precision = NaturalPrecision(dtype);
      std::vector<const KernelInfo*> runnable;
      for (const KernelInfo* k : kernels) {
        const std::string no = KernelRunsError(*k, dtype, np);
        // A kernel asked for by name that cannot run this format says why; the default
        // ladder leaves the combinations that do not exist out.
        if (no.empty()) runnable.push_back(k);
        else if (!req.kernels.empty()) {
          BenchResult r = ResultHead(*k, s, dtype, np);
          r.status = BenchStatus::kSkipped;
          r.note = no;
          if (!emit(r)) return report;
        }
      }
      if (runnable.empty()) continue;
      std::unique_ptr<ShapeBuffers> b;
      try {
        b = std::make_unique<ShapeBuffers>(s, dtype);
      } catch (const BackendError& e) {
        for (const KernelInfo* k : runnable) {
          BenchResult r = ResultHead(*k, s, dtype, np);
          r.status = BenchStatus::kOutOfMemory;
          r.note = std::string("out of memory at N = ") + std::to_string(s.n) + ": " + e.what();
          if (!emit(r)) return report;
        }
        continue;
      }
      b->q.FillNormal(seeds());
      b->k.FillNormal(seeds());
      b->v.FillNormal(seeds());
      for (const KernelInfo* k : runnable) {
        std::vector<MmaTile> tiles = {MmaTile{}};  // the default, then the sweep
        if (k->id == KernelId::kFa2Mma && req.sweep && IsAllowed(kFa2MmaSweepD, s.d) &&
            np.softmax == Softmax::kStandard && PrecisionName(np.precision) == "fa2-bf16")
          for (MmaTile t : kFa2MmaSweepTiles)
            if (Fa2MmaSweepTileFits(s.d, t) && !(t == Fa2MmaDefaultTile(s.d, np))) tiles.push_back(t);
        for (MmaTile tile : tiles) {
          BenchResult r;
          try {
            r = BenchOne(*k, s, dtype, np, tile, *b, flush, req.warmup, req.repeats, report.ceilings);
          } catch (const BackendError& e) {
            // An allocation that failed after the free-memory check; any other CUDA error
            // leaves the context unusable and ends the run.
            if (std::string(e.what()).find("cannot allocate") == std::string::npos) throw;
            r = ResultHead(*k, s, dtype, np);
            r.status = BenchStatus::kOutOfMemory;
            r.note = std::string("out of memory at N = ") + std::to_string(s.n) + ": " + e.what();
          }
          if (!emit(r)) return report;
        }
      }
    }
  }
  return report;
}

}  // namespace fs
