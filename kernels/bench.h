// The ladder's bench: every kernel of kernels/ladder.h timed on full (B, H, N, d) problems,
// measured the same way every time, with the GPU's own ceilings measured in the same run.
//
// For each shape, storage format and kernel that runs it (KernelRunsError):
//   inputs     random normal Q, K, V made on the GPU (never zeros), fresh seeds every run,
//              stored in the format; O and L poisoned (all bits set: NaN) first
//   validation one run, then every element of O and L must be finite and sampled rows of
//              the first and last head must match an FP64 reference computed on the host
//              from the stored inputs within ValidationTolerance; a kernel that fails is
//              reported as failed and never timed
//   timing     warm-up runs, then CUDA events around each timed run with the L2 cache
//              flushed before it (outside the events); the median of the repeats
//   memory     standard attention that does not fit the free GPU memory is reported as
//              "out of memory at N = ..." and the others carry on
// Ceilings: a large BF16 GEMM and an FP32 GEMM through cuBLAS (TFLOP/s), and a large
// device-to-device copy (GB/s, bytes read plus bytes written).
// Builds without CUDA: RunBench throws BackendError.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "emulate.h"  // Output
#include "inputs.h"
#include "ladder.h"
#include "problem.h"
#include "precision.h"

namespace fs {

constexpr int kMaxBenchN = 65536;     // longest sequence the bench runs
constexpr int kMaxBenchHeads = 65535; // most B*H of one shape (one grid row per head)
constexpr int kBenchSampleRows = 16;  // rows checked against FP64 in each of two heads

struct BenchRequest {
  std::vector<std::string> kernels;  // names from kKernels; empty: all of them
  std::vector<Format> dtypes = {Format::kFp32, Format::kBf16};
  std::vector<LadderShape> shapes;
  // The precision policy for every format when set; otherwise each format's natural preset
  // (NaturalPrecision). The softmax variant, beta and eps always come from `numerics`.
  bool precision_set = false;
  NumericPolicy numerics;
  int warmup = 3, repeats = 20;
  bool ceilings = true;  // measure the GEMM and copy ceilings first
  bool sweep = false;    // also time fa2_mma at every tile of kFa2MmaSweepTiles (bf16)
};

// What is wrong with the request's values, one line each (empty when nothing is); needs no
// GPU.
std::vector<std::string> BenchRequestProblems(const BenchRequest& r);
// Empty when the request can run here: BenchRequestProblems, one per line, or else why no
// CUDA device is usable.
std::string BenchRequestErrors(const BenchRequest& r);

struct BenchCeilings {
  double gemm_bf16_tflops = 0;  // cuBLAS BF16 GEMM with FP32 accumulation
  double gemm_fp32_tflops = 0;  // cuBLAS SGEMM (CUDA cores, no TF32)
  double copy_gbps = 0;         // cudaMemcpy device to device: (read + write) bytes / time
  int gemm_n = 0;               // the GEMMs are gemm_n^3
  uint64_t copy_bytes = 0;      // bytes of the copied buffer
};

enum class BenchStatus { kOk, kFailed, kOutOfMemory, kSkipped };
const char* BenchStatusName(BenchStatus s);  // "ok", "failed", "out of memory", "skipped"

struct BenchResult {
  std::string kernel;              // kKernels name
  LadderShape shape;
  Format dtype = Format::kFp32;    // storage of Q, K, V, O
  std::string precision;           // the policy's name (PrecisionName)
  std::string softmax;             // "standard" or "stabilized"
  std::string tile;                // "Br=64 Bc=64" (the FA kernels), "" for standard
  BenchStatus status = BenchStatus::kOk;
  std::string note;                // why, for anything but kOk
  double median_ms = 0, min_ms = 0;
  double tflops = 0;               // AttentionFlops / median time
  double pct_of_gemm = 0;          // tflops against the GEMM ceiling of the same format class
  double gbps = 0;                 // CompulsoryBytes / median time
  uint64_t device_bytes = 0;       // KernelDeviceBytes
  int registers = 0;               // per thread, where the runtime reports it (0 otherwise)
  // Against FP64 on the sampled rows (+inf when any element of O or L is not finite):
  double max_rel_err = 0;          // reference.h's MaxRelativeError
  double mean_signed_err = 0;      // mean of (O - O_ref) over the sampled elements
  double rel_l2_err = 0;           // ||O - ref|| / ||ref||
  double tolerance = 0;            // ValidationTolerance of the policy
};

struct BenchReport {
  std::string device;              // GPU name
  uint64_t device_memory_bytes = 0;  // the GPU's total memory (0: not recorded, as in older reports)
  std::string recorded_at;         // UTC, ISO 8601
  std::string host;
  int warmup = 0, repeats = 0;
  BenchCeilings ceilings;
  std::vector<BenchResult> results;
};

// Called with each result as it is finished; return false to stop the run (the report then
// holds what was finished).
using BenchProgress = std::function<bool(const BenchResult&)>;

// Throws ProblemError when BenchRequestErrors finds something, BackendError when no CUDA
// device is usable or a CUDA call fails.
BenchReport RunBench(const BenchRequest& r, const BenchProgress& progress = nullptr);

// One run of kernel `k` on one head: the inputs stored in `dtype` (rounded to nearest even),
// O and L poisoned before the launch, returned as floats of equal value. p gives N, d,
// causal, the scale, the numerics and fa2_teach's Br, Bc; `tile` is fa2_mma's ({}: its
// default). Throws ProblemError when the kernel does not run that format and policy or
// tile, BackendError without a usable GPU. For tests and checks.
Output RunKernelOnce(const KernelInfo& k, const Problem& p, const Inputs& in, Format dtype, MmaTile tile = {});

// The report as JSON text (schema in docs/BENCH.md) and back. ReportFromJson throws
// ProblemError naming the key that is missing or wrong and what is allowed.
std::string ReportToJson(const BenchReport& r);
BenchReport ReportFromJson(const std::string& text, const std::string& source);

// A report file: a regular file of at most kMaxBenchReportBytes (refused before it is parsed),
// read with ReportFromJson. Throws ProblemError naming the file and what is wrong with it.
constexpr size_t kMaxBenchReportBytes = 16 << 20;
BenchReport LoadReportFile(const std::string& path);

}  // namespace fs
