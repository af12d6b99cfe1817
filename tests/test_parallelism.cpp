// FlashAttention-2's work partitioning (kernels/parallelism.h): SM waves and occupancy of the
// teaching kernels' launches, split-K's shared-memory traffic, and the per-row work that
// deferred normalization saves, each worked out by hand.
#include "catch2/catch.hpp"

#include "emulate.h"
#include "ladder.h"
#include "parallelism.h"
#include "test_util.h"
#include "trace.h"

using Catch::Matchers::Contains;
using fs_test::ProblemOf;

TEST_CASE("one head of N = 8192 fills half an H100 with FA2's Q blocks and one SM with FA1's block",
          "[parallelism]") {
  const fs::GpuSpec& h100 = *fs::FindGpuSpec("H100 SXM");
  const fs::Problem p = ProblemOf(8192, 128, 128, 128);
  // 8 warps of 192 registers (6144 per warp, a multiple of 256): 49152 per block, one per SM;
  // shared memory Q (64 KiB) + K/V (128 x 129 floats) + S/P (64 KiB) = 192.5 KiB, also one.
  const fs::KernelUse use = fs::TeachKernelUse(fs::TeachKernel::kFa2Teach, p);
  CHECK(use.threads == 256);
  CHECK(use.regs_per_thread == 192);
  CHECK(use.smem_bytes == fs::Fa2TeachSmemBytes(128, 128, 128));
  const fs::GridPlan fa2 = fs::PlanTeachGrid(h100, fs::TeachKernel::kFa2Teach, p, 1);
  CHECK(fa2.blocks == 64);
  CHECK(fa2.blocks_per_sm == 1);
  CHECK(fa2.limiter == "registers");
  CHECK(fa2.waves == 1);
  CHECK(fa2.busy_sms == Approx(64.0 / 132.0));
  const fs::GridPlan fa1 = fs::PlanTeachGrid(h100, fs::TeachKernel::kFa1, ProblemOf(8192, 64, 64, 64), 1);
  CHECK(fa1.blocks == 1);
  CHECK(fa1.busy_sms == Approx(1.0 / 132.0));
  // B = 2, H = 16: 2048 blocks in 16 waves, the last with 2048 - 15 x 132 = 68.
  const fs::GridPlan many = fs::PlanTeachGrid(h100, fs::TeachKernel::kFa2Teach, p, 32);
  CHECK(many.waves == 16);
  CHECK(many.busy_sms == Approx((15.0 + 68.0 / 132.0) / 16.0));
}

TEST_CASE("occupancy: registers per warp round up to 256, and each limit is named", "[parallelism]") {
  const fs::GpuSpec& h100 = *fs::FindGpuSpec("H100 SXM");
  // 166 registers x 32 = 5312, rounded to 5376 per warp; 4 warps: 21504; 65536 / 21504 = 3.
  const fs::GridPlan regs = fs::PlanGrid(h100, {128, 166, 16 * 1024}, 1000);
  CHECK(regs.blocks_per_sm == 3);
  CHECK(regs.limiter == "registers");
  CHECK(regs.concurrent == 3 * 132);
  CHECK(regs.waves == 3);  // 1000 / 396, rounded up
  // 170 registers: 5440 per warp, given 5632; 4 warps take 22528, and only 2 fit in 65536 (as
  // 21760 unrounded, 3 would seem to).
  CHECK(fs::PlanGrid(h100, {128, 170, 16 * 1024}, 1000).blocks_per_sm == 2);
  // 100 KiB of shared memory: two per SM of 228 KiB.
  const fs::GridPlan smem = fs::PlanGrid(h100, {64, 32, 100 * 1024}, 10);
  CHECK(smem.blocks_per_sm == 2);
  CHECK(smem.limiter == "shared memory");
  // Small blocks: 2048 threads / 64 = 32 blocks, the block limit itself.
  CHECK(fs::PlanGrid(h100, {64, 32, 1024}, 10).limiter == "blocks");
  CHECK(fs::PlanGrid(*fs::FindGpuSpec("RTX 4090"), {256, 32, 1024}, 10).limiter == "threads");
  // FA1 at d = Br = Bc = 128 needs 257 KiB: no block fits an H100 SM, and the plan says so.
  const fs::GridPlan none = fs::PlanTeachGrid(h100, fs::TeachKernel::kFa1, ProblemOf(1024, 128, 128, 128), 1);
  CHECK(none.blocks_per_sm == 0);
  CHECK(none.limiter == "shared memory");
  CHECK(none.waves == 0);
  CHECK(fs::FindGpuSpec("nope") == nullptr);
  CHECK_THROWS_WITH(fs::PlanGrid(h100, {0, 32, 0}, 1), Contains("threads, registers and blocks"));
}

TEST_CASE("split-K moves every warp's partial O, m and l through shared memory at every K/V block",
          "[parallelism]") {
  // Br = 64: 4 warps; d = 64; 16 K/V blocks. Per warp 64 x (64 + 2) floats = 16896 bytes,
  // written and read: 2 x 16896 x 4 x 16 = 2162688.
  const fs::SplitTraffic t = fs::SplitKTraffic(ProblemOf(1024, 64, 64, 64), 3);
  CHECK(t.warps == 4);
  CHECK(t.kv_blocks == 16);
  CHECK(t.split_q_bytes == 0u);
  CHECK(t.split_k_bytes == 2162688u);
  // Causal: Q block 3 visits K/V blocks 0..3 only.
  CHECK(fs::SplitKTraffic(ProblemOf(1024, 64, 64, 64, true), 3).kv_blocks == 4);
}

TEST_CASE("FA1's order divides and rescales O at every K/V block; FA2 rescales O~ and divides once",
          "[parallelism]") {
  const fs::Problem p = ProblemOf(1024, 64, 64, 64);
  const fs::RowWork fa1 = fs::Fa1RowWork(p, 100), fa2 = fs::Fa2RowWork(p, 100);
  CHECK(fa1.kv_blocks == 16);
  CHECK(fa1.divisions == 16u * 64u);
  CHECK(fa1.rescale_mults == 2u * 16u * 64u);
  CHECK(fa2.divisions == 64u);
  CHECK(fa2.rescale_mults == 16u * 64u);
  // The K/V blocks are the steps the trace records for the row, in either loop order, causal too.
  for (fs::LoopOrder order : {fs::LoopOrder::kFa2, fs::LoopOrder::kFa1})
    for (bool causal : {false, true}) {
      fs::Problem q = ProblemOf(200, 16, 32, 16, causal);
      q.order = order;
      const fs::Trace t = fs::EmulateTraced(q, fs::MakeInputs(q));
      for (int row : {0, 45, 199}) {
        INFO(fs::Describe(q) << " row " << row);
        CHECK(fs::Fa2RowWork(q, row).kv_blocks == static_cast<int>(fs::StepsOfRow(t, row).size()));
      }
    }
  CHECK_THROWS_WITH(fs::Fa2RowWork(p, 1024), Contains("row 1024 is not in 0..1023"));
}
