// GPU tests: the fa2_teach and fa1 CUDA kernels against their CPU twins (bit for bit), against
// the FP64 reference, and the bench harness. They are tagged [.gpu], hidden from runs that do not ask
// for them; where no CUDA device is usable `flashscope_tests "[gpu]"` exits 77 (skipped)
// before running any (tests/main.cpp), and a GPU test that runs anyway fails.
#include "catch2/catch.hpp"
#include "test_gpu_util.h"

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "backend.h"
#include "bench.h"
#include "emulate.h"
#include "parallelism.h"
#include "reference.h"
#include "test_oracle.h"
#include "test_util.h"
#include "trace.h"
#include "trace_diff.h"
#if defined(FS_HAVE_CUDA)
#include "cuda/fa1.cuh"
#include "cuda/fa2_teach.cuh"
#endif

using Catch::Matchers::Contains;

namespace {

constexpr int kDims[] = {16, 32, 64, 96, 128};
constexpr int kBlocks[] = {16, 32, 64, 128};
constexpr fs::Pattern kPatterns[] = {fs::Pattern::kRandom, fs::Pattern::kSink,
                                     fs::Pattern::kTiedMaxima, fs::Pattern::kLowRank};

constexpr fs::LoopOrder kOrders[] = {fs::LoopOrder::kFa2, fs::LoopOrder::kFa1};

// Explicit softmax scales drawn now and then instead of the default 1/sqrt(d).
constexpr float kScales[] = {0.0f, 0.0f, 0.05f, 0.3f, 1.0f};

using fs_test::RequireCuda;

// A problem with the given shape, a random length in [1, max_n] (so mostly not a multiple of
// Br or Bc), a random input pattern, sometimes an explicit scale, and a drawn input seed.
fs::Problem RandomProblem(fs::NormalRng& rng, int d, int br, int bc, bool causal, int max_n) {
  fs::Problem p;
  p.n = 1 + static_cast<int>(rng.NextU64() % max_n);
  p.d = d;
  p.br = br;
  p.bc = bc;
  p.causal = causal;
  p.pattern = kPatterns[rng.NextU64() % 4];
  p.rank = 1 + static_cast<int>(rng.NextU64() % std::min(d, 8));
  p.scale = kScales[rng.NextU64() % 5];
  p.seed = rng.NextU64();
  return p;
}

fs::Problem RandomShape(fs::NormalRng& rng, int max_n) {
  return RandomProblem(rng, kDims[rng.NextU64() % 5], kBlocks[rng.NextU64() % 4],
                       kBlocks[rng.NextU64() % 4], rng.NextU64() % 2 == 1, max_n);
}

bool SameBits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

std::string Bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  char buf[48];
  std::snprintf(buf, sizeof buf, "0x%08" PRIx32 " (%.9g)", u, static_cast<double>(f));
  return buf;
}

// The first float of the step records whose bits differ, named by step, field and index,
// e.g. "step 3 (Q block 0, K/V block 3) P[5][17]: 0x3f800000 (1) vs 0x3f7fffff (...)".
std::string FirstDifference(const fs::Trace& a, const fs::Trace& b) {
  const size_t count = std::min(a.data.size(), b.data.size());
  for (size_t i = 0; i < count; ++i) {
    if (std::memcmp(&a.data[i], &b.data[i], sizeof(float)) == 0) continue;
    const size_t step = i / a.layout.step_floats;
    const std::string where = fs::FieldAt(a.layout, i % a.layout.step_floats);
    const fs::StepInfo& s = a.steps[step];
    return "step " + std::to_string(step) + " (Q block " + std::to_string(s.q_block) +
           ", K/V block " + std::to_string(s.kv_block) + ") " + where + ": GPU " +
           Bits(a.data[i]) + " vs CPU " + Bits(b.data[i]);
  }
  return "none";
}

bool KernelFits(const fs::Problem& p);

// Traces the problem on the GPU and on the CPU and checks that every float is the same,
// the NaN poison of rows past N included. A shape whose tiles do not fit this GPU's shared
// memory (fa1 with d = 128 and 128 x 128 tiles) must be refused, saying so.
void CheckTraceMatchesEmulation(fs::Backend& gpu, const fs::Problem& p) {
  INFO(fs::Describe(p));
  const fs::Inputs in = fs::MakeInputs(p);
  if (!KernelFits(p)) {
    CHECK_THROWS_WITH(gpu.RunTraced(p, in), Contains("shared memory"));
    return;
  }
  const fs::Trace cpu_trace = fs::EmulateTraced(p, in);
  const fs::Trace gpu_trace = gpu.RunTraced(p, in);
  REQUIRE(gpu_trace.data.size() == cpu_trace.data.size());
  REQUIRE(gpu_trace.StepCount() == cpu_trace.StepCount());
  const fs::TraceDiff diff = fs::CompareTraces(gpu_trace, cpu_trace);
  INFO(diff.differing << " of " << diff.values << " floats differ, up to " << diff.max_ulp
                      << " ulp; first in step " << diff.first_step << " " << diff.first_field);
  INFO("first differing step value: " << FirstDifference(gpu_trace, cpu_trace));
  CHECK(SameBits(gpu_trace.data, cpu_trace.data));
  CHECK(SameBits(gpu_trace.o, cpu_trace.o));
  CHECK(SameBits(gpu_trace.lse, cpu_trace.lse));
  CHECK(gpu_trace.backend == "CUDA");
  CHECK(!gpu_trace.device.empty());
}

// Whether the fa1 kernel's tiles of p fit this GPU's shared memory: K_j and V_j stay resident
// for a whole outer step, so d = 128 with 128 x 128 tiles does not fit Hopper's 227 KiB.
bool Fa1Fits(const fs::Problem& p) {
#if defined(FS_HAVE_CUDA)
  int device = 0, limit_bytes = 0;
  REQUIRE(cudaGetDevice(&device) == cudaSuccess);
  REQUIRE(cudaDeviceGetAttribute(&limit_bytes, cudaDevAttrMaxSharedMemoryPerBlockOptin, device) == cudaSuccess);
  return fs::Fa1SmemBytes(p.br, p.bc, p.d) <= static_cast<size_t>(limit_bytes);
#else
  (void)p;
  return false;
#endif
}

// Whether the kernel of p's loop order can run p here (fa2_teach runs every shape on Hopper).
bool KernelFits(const fs::Problem& p) { return p.order != fs::LoopOrder::kFa1 || Fa1Fits(p); }

fs::Problem WithOrder(fs::Problem p, fs::LoopOrder order) {
  p.order = order;
  return p;
}

// A random shape (RandomShape) in the loop order `order` that its kernel can run here.
fs::Problem RunnableShape(fs::NormalRng& rng, int max_n, fs::LoopOrder order) {
  for (;;) {
    const fs::Problem p = WithOrder(RandomShape(rng, max_n), order);
    if (KernelFits(p)) return p;
  }
}

}  // namespace

TEST_CASE("GPU trace equals the CPU emulation bit for bit at every d and block size and mask, in both loop orders",
          "[.gpu]") {
  RequireCuda();
  auto gpu = fs::MakeCudaBackend();
  const uint64_t seed = fs_test::TestSeed();
  fs::NormalRng rng(seed);
  INFO("seed " << seed << " (--rng-seed)");
  for (fs::LoopOrder order : kOrders)
    for (int d : kDims)
      for (int br : kBlocks)
        for (int bc : kBlocks)
          for (bool causal : {false, true})
            CheckTraceMatchesEmulation(*gpu, WithOrder(RandomProblem(rng, d, br, bc, causal, 300), order));
}

TEST_CASE("GPU trace equals the CPU emulation bit for bit on longer and edge-length problems, in both loop orders",
          "[.gpu]") {
  RequireCuda();
  auto gpu = fs::MakeCudaBackend();
  const uint64_t seed = fs_test::TestSeed();
  fs::NormalRng rng(seed);
  INFO("seed " << seed << " (--rng-seed)");
  for (fs::LoopOrder order : kOrders) {
    for (int trial = 0; trial < 8; ++trial) CheckTraceMatchesEmulation(*gpu, WithOrder(RandomShape(rng, 1100), order));
    // One row; one short of, exactly, and one past a block of 16 and of 128.
    for (int n : {1, 15, 16, 17, 127, 128, 129}) {
      fs::Problem p = WithOrder(RandomShape(rng, 1), order);
      p.n = n;
      CheckTraceMatchesEmulation(*gpu, p);
    }
  }
}

// One Q block's steps recorded on the GPU (Trace::window): the same bits as the CPU twin's
// windowed trace, every other step left out of the buffer, O and L whole.
void CheckWindowMatchesEmulation(fs::Backend& gpu, const fs::Problem& p, int window) {
  INFO(fs::Describe(p) << ", window: Q block " << window);
  if (!KernelFits(p)) return;
  const fs::Inputs in = fs::MakeInputs(p);
  fs::RunOptions run;
  run.window = window;
  const fs::Trace cpu_trace = fs::EmulateTraced(p, in, run);
  const fs::Trace gpu_trace = gpu.RunTraced(p, in, run);
  REQUIRE(gpu_trace.window == window);
  REQUIRE(gpu_trace.data.size() == cpu_trace.data.size());
  CHECK(gpu_trace.HeldStepCount() == fs::LastKvBlock(p, window) + 1);
  const fs::TraceDiff diff = fs::CompareTraces(gpu_trace, cpu_trace);
  INFO(diff.differing << " of " << diff.values << " floats differ, up to " << diff.max_ulp
                      << " ulp; first in step " << diff.first_step << " " << diff.first_field);
  CHECK(SameBits(gpu_trace.data, cpu_trace.data));
  CHECK(SameBits(gpu_trace.o, cpu_trace.o));
  CHECK(SameBits(gpu_trace.lse, cpu_trace.lse));
}

TEST_CASE("GPU windowed trace equals the CPU emulation bit for bit, N = 8192 included, in both loop orders", "[.gpu]") {
  RequireCuda();
  auto gpu = fs::MakeCudaBackend();
  // The longest N: every step would exceed the budget; the first, a middle and the last Q block.
  for (fs::LoopOrder order : kOrders)
    for (bool causal : {false, true}) {
      fs::Problem p = fs_test::ProblemOf(fs::kMaxStepN, 16, 128, 128, causal);
      p.order = order;
      p.seed = fs_test::TestSeed();
      REQUIRE(fs::TraceBytes(p) > fs::kTraceBudgetBytes);
      CHECK_THROWS_AS(gpu->RunTraced(p, fs::MakeInputs(p)), fs::TraceBudgetError);  // no window: refused
      for (int window : {0, 37, p.QBlocks() - 1}) CheckWindowMatchesEmulation(*gpu, WithOrder(p, order), window);
    }
  // Random shapes, lengths and windows.
  const uint64_t seed = fs_test::TestSeed();
  fs::NormalRng rng(seed);
  INFO("seed " << seed << " (--rng-seed)");
  for (int i = 0; i < 24; ++i) {
    fs::Problem p = WithOrder(RandomShape(rng, 700), kOrders[i % 2]);
    CheckWindowMatchesEmulation(*gpu, p, static_cast<int>(rng.NextU64() % p.QBlocks()));
  }
}

TEST_CASE("untraced GPU run computes the same O and L bits as the traced run and the CPU, in both loop orders",
          "[.gpu]") {
  RequireCuda();
  auto gpu = fs::MakeCudaBackend();
  const uint64_t seed = fs_test::TestSeed();
  fs::NormalRng rng(seed);
  INFO("seed " << seed << " (--rng-seed)");
  for (fs::LoopOrder order : kOrders) {
    for (int trial = 0; trial < 12; ++trial) {
      const fs::Problem p = RunnableShape(rng, 600, order);
      INFO(fs::Describe(p));
      const fs::Inputs in = fs::MakeInputs(p);
      const fs::Output out = gpu->Run(p, in);
      const fs::Trace traced = gpu->RunTraced(p, in);
      CHECK(SameBits(out.o, traced.o));
      CHECK(SameBits(out.lse, traced.lse));
      CHECK(out.ms > 0.0);
    }
    // A longer one, too long to trace at small blocks: against the untraced CPU emulation.
    fs::Problem p = WithOrder(RandomProblem(rng, 64, kBlocks[rng.NextU64() % 4], kBlocks[rng.NextU64() % 4],
                                            rng.NextU64() % 2 == 1, 1), order);
    p.n = 2048;
    INFO(fs::Describe(p));
    const fs::Inputs in = fs::MakeInputs(p);
    const fs::Output gpu_out = gpu->Run(p, in);
    const fs::Output cpu_out = fs::Emulate(p, in);
    CHECK(SameBits(gpu_out.o, cpu_out.o));
    CHECK(SameBits(gpu_out.lse, cpu_out.lse));
  }
}

TEST_CASE("GPU O and L match the FP64 reference on random inputs, in both loop orders", "[.gpu]") {
  RequireCuda();
  auto gpu = fs::MakeCudaBackend();
  const uint64_t seed = fs_test::TestSeed();
  fs::NormalRng rng(seed);
  INFO("seed " << seed << " (--rng-seed)");
  for (fs::LoopOrder order : kOrders)
    for (int trial = 0; trial < 10; ++trial) {
      const fs::Problem p = RunnableShape(rng, 800, order);
      INFO(fs::Describe(p));
      const fs::Inputs in = fs::MakeInputs(p);
      const fs::Output out = gpu->Run(p, in);  // the backend poisons O and L (and FA1's l, m) before the launch
      const fs::ReferenceOutput ref = fs::ReferenceForward(p, in);
      CHECK(fs::MaxRelativeError(out.o, ref.o, p.d) < 1e-5);
      CHECK(fs::MaxAbsoluteError(out.lse, ref.lse) < 1e-4);
    }
}

TEST_CASE("too big a trace or too much shared memory is a clear error and no crash", "[.gpu]") {
  RequireCuda();
  auto gpu = fs::MakeCudaBackend();

  fs::Problem big;  // 512 x 512 steps of a 16 x 16 tile with d = 128: over the trace budget
  big.n = fs::kMaxStepN;
  big.d = 128;
  big.br = 16;
  big.bc = 16;
  const fs::Inputs big_in = fs::MakeInputs(big);
  CHECK_THROWS_AS(gpu->RunTraced(big, big_in), fs::TraceBudgetError);
  CHECK_THROWS_WITH(gpu->RunTraced(big, big_in), Contains("trace budget"));

  fs::Problem p;
  p.n = 100;
  const fs::Inputs in = fs::MakeInputs(p);
  fs::Problem bad = p;
  bad.d = 48;
  CHECK_THROWS_AS(gpu->Run(bad, in), fs::ProblemError);
  bad = p;
  bad.n = 99;  // inputs of another length
  CHECK_THROWS_AS(gpu->RunTraced(bad, in), fs::ProblemError);

#if defined(FS_HAVE_CUDA)
  // 128 x 128 tiles with d = 128 need 197120 bytes per block: Hopper has room, an A100 not.
  CHECK(fs::Fa2TeachSmemBytes(128, 128, 128) == 197120);
  CHECK_THROWS_WITH(fs::CheckFa2TeachSmem(128, 128, 128, 100 * 1024),
                    Contains("197120") && Contains("102400") && Contains("shared memory"));
  CHECK_NOTHROW(fs::CheckFa2TeachSmem(16, 16, 16, 48 * 1024));
  int device = 0, limit_bytes = 0;
  REQUIRE(cudaGetDevice(&device) == cudaSuccess);
  REQUIRE(cudaDeviceGetAttribute(&limit_bytes, cudaDevAttrMaxSharedMemoryPerBlockOptin, device) ==
          cudaSuccess);
  fs::Problem wide = p;
  wide.d = 128;
  wide.br = 128;
  wide.bc = 128;
  const fs::Inputs wide_in = fs::MakeInputs(wide);
  if (fs::Fa2TeachSmemBytes(128, 128, 128) <= static_cast<size_t>(limit_bytes))
    CHECK_NOTHROW(gpu->RunTraced(wide, wide_in));
  else
    CHECK_THROWS_WITH(gpu->RunTraced(wide, wide_in), Contains("shared memory"));
#endif
}

// ---- FA1's loop order: the fa1 kernel ------------------------------------------------------------

TEST_CASE("FA1: tiles that do not fit shared memory, and other numerics, are refused with the reason", "[.gpu]") {
  RequireCuda();
#if defined(FS_HAVE_CUDA)
  // K_j and V_j (Bc, d + 1) each, the Q tile (Br, d), the S/P tile (Br, Bc), 4 bytes a float:
  // 128 x 128 x 128 needs (2 x 128 x 129 + 128 x 128 + 128 x 128) x 4 = 263168 bytes.
  CHECK(fs::Fa1SmemBytes(128, 128, 128) == 263168);
  CHECK(fs::Fa1SmemBytes(16, 32, 16) == (2 * 32 * 17 + 16 * 16 + 16 * 32) * 4);
  CHECK_THROWS_WITH(fs::CheckFa1Smem(128, 128, 128, 232448),
                    Contains("263168") && Contains("232448") && Contains("shared memory"));
  CHECK_NOTHROW(fs::CheckFa1Smem(64, 64, 128, 232448));
  fs::Fa2TeachArgs a;  // bf16 is refused by the launcher itself, before any pointer is used
  a.q = a.k = a.v = reinterpret_cast<const float*>(16);
  a.o = a.lse = reinterpret_cast<float*>(16);
  a.n = 64;
  a.d = 64;
  REQUIRE(fs::ParsePrecisionPreset("fa2-bf16", &a.numerics.precision));
  fs::Fa1Workspace w;
  w.l = w.m = reinterpret_cast<float*>(16);
  CHECK_THROWS_WITH(fs::LaunchFa1(a, w, nullptr), Contains("fa1") && Contains("allowed: precision fp32"));
  a.numerics.precision = fs::Precision{};
  w.m = nullptr;
  CHECK_THROWS_WITH(fs::LaunchFa1(a, w, nullptr), Contains("l and m"));
#endif
}

TEST_CASE("the occupancy API agrees with the parallelism model at every d and block size, registers as listed",
          "[.gpu][parallelism]") {
  fs_test::RequireCuda();
  const fs::DeviceOccupancy first = fs::QueryTeachOccupancy(fs::TeachKernel::kFa2Teach, fs_test::ProblemOf(256, 64, 64, 64));
  const fs::GpuSpec& gpu = first.gpu;
  INFO(gpu.name << ": " << gpu.sms << " SMs, " << gpu.regs_per_sm << " registers, " << gpu.smem_per_sm
                << " B shared memory per SM, " << gpu.smem_per_block << " per block, " << gpu.smem_reserved_per_block
                << " reserved, " << gpu.max_threads_per_sm << " threads, " << gpu.max_blocks_per_sm << " blocks");
  // An H100 or H200 is the data sheet's entry, field by field.
  if (gpu.name.find("H100") != std::string::npos || gpu.name.find("H200") != std::string::npos) {
    const fs::GpuSpec& sheet = *fs::FindGpuSpec("H100 SXM");
    CHECK(gpu.sms == sheet.sms);
    CHECK(gpu.regs_per_sm == sheet.regs_per_sm);
    CHECK(gpu.smem_per_sm == sheet.smem_per_sm);
    CHECK(gpu.smem_per_block == sheet.smem_per_block);
    CHECK(gpu.smem_reserved_per_block == sheet.smem_reserved_per_block);
    CHECK(gpu.max_threads_per_sm == sheet.max_threads_per_sm);
    CHECK(gpu.max_blocks_per_sm == sheet.max_blocks_per_sm);
  }
  int checked = 0;
  for (fs::TeachKernel k : {fs::TeachKernel::kFa2Teach, fs::TeachKernel::kFa1})
    for (int d : fs::kAllowedD)
      for (int br : fs::kAllowedBlock)
        for (int bc : fs::kAllowedBlock) {
          const fs::Problem p = fs_test::ProblemOf(256, d, br, bc);
          const fs::DeviceOccupancy o = fs::QueryTeachOccupancy(k, p);
          INFO((k == fs::TeachKernel::kFa1 ? "fa1" : "fa2_teach") << " d=" << d << " Br=" << br << " Bc=" << bc);
          // The registers ptxas gave this build are the ones the panel lists for a machine without a GPU.
          if (gpu.name.find("H100") != std::string::npos || gpu.name.find("H200") != std::string::npos)
            CHECK(o.use.regs_per_thread == fs::TeachRegisters(k, d));
          const fs::GridPlan plan = fs::PlanGrid(o.gpu, o.use, 1);
          CHECK(plan.blocks_per_sm == o.blocks_per_sm);
          ++checked;
        }
  CHECK(checked == 2 * 5 * 4 * 4);
}
