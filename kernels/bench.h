// Throughput of the fa2_teach kernel on full (B, H, N, d) problems, measured the same way
// every time: random normal inputs (never zeros), outputs poisoned before the first run,
// warm-up runs, then CUDA events around each timed run with the L2 cache flushed before it,
// the median of the repeats, and afterwards a check of every output element (none left as
// the poison) and of sampled rows against an FP64 reference computed on the host.
// Builds without CUDA: BenchFa2Teach throws BackendError, BenchShapeErrors returns the reason.
#pragma once

#include <string>
#include <vector>

namespace fs {

constexpr int kMaxBenchN = 16384;     // longest sequence the bench runs
constexpr int kBenchSampleRows = 16;  // rows checked against FP64 in each of two heads

struct BenchShape {
  int batch = 1, heads = 1;  // B, H: B*H independent heads of (N, d)
  int n = 1024;              // sequence length
  int d = 64;                // head dimension
  bool causal = false;
  int br = 64, bc = 64;      // Q and K/V block rows
};

// "B=2 H=8 N=4096 d=64 Br=64 Bc=64 causal"
inline std::string Describe(const BenchShape& s) {
  return "B=" + std::to_string(s.batch) + " H=" + std::to_string(s.heads) +
         " N=" + std::to_string(s.n) + " d=" + std::to_string(s.d) +
         " Br=" + std::to_string(s.br) + " Bc=" + std::to_string(s.bc) +
         (s.causal ? " causal" : "");
}

struct BenchResult {
  BenchShape shape;
  std::string kernel = "fa2_teach";
  std::string device;           // GPU name
  int warmup = 0, repeats = 0;  // untimed runs, timed runs
  double median_ms = 0, min_ms = 0;
  double tflops = 0;            // 4*B*H*N^2*d (x0.5 causal) / median time
  double gbps = 0;              // FlashTraffic bytes of every head / median time
  // Against an FP64 reference on kBenchSampleRows rows of the first and of the last head:
  double max_rel_err = 0;       // MaxRelativeError (reference.h): worst row's max|err| / max|ref|
  double rel_l2_err = 0;        // ||O - ref|| / ||ref|| over all sampled rows together
  // Both are +inf when any element of O or L is not finite (for instance left unwritten, as
  // the NaN poison) anywhere in the output.
};

// Empty when the shape can run here; otherwise one line per problem: N in 1..kMaxBenchN,
// d in kAllowedD, Br and Bc in kAllowedBlock, B*H in 1..65535, the tiles fit in the GPU's
// shared memory, and Q, K, V, O, L and the L2 flush buffer fit in its free memory. Where no
// CUDA device is usable (or the build has no CUDA), the reason.
std::string BenchShapeErrors(const BenchShape& s);

// Times every shape (ProblemError naming the shape when BenchShapeErrors finds something,
// BackendError when no CUDA device is usable). warmup >= 0, repeats >= 1.
std::vector<BenchResult> BenchFa2Teach(const std::vector<BenchShape>& shapes, int warmup,
                                       int repeats);

}  // namespace fs
