// FlashAttention-2's work partitioning (kernels/parallelism.h): SM waves and occupancy of the
// teaching kernels' launches, split-K's shared-memory traffic, and the per-row work that
// deferred normalization saves, each worked out by hand.
#include "catch2/catch.hpp"

#include "backend.h"
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
  // One warp of 192 registers: 6144 a warp; 65536 holds 10 by count but the warps go in fours
  // (the SM's four quarters of 16384 hold two each), so 8; as the occupancy API says on an H100.
  CHECK(fs::PlanGrid(h100, {32, 192, 1024}, 10).blocks_per_sm == 8);
  CHECK(fs::PlanGrid(h100, {64, 192, 1024}, 10).blocks_per_sm == 4);
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

TEST_CASE("the 1 KiB the system keeps per block decides whether two blocks share an SM", "[parallelism]") {
  const fs::GpuSpec& h100 = *fs::FindGpuSpec("H100 SXM");
  CHECK(h100.smem_reserved_per_block == 1024u);
  // 228 KiB per SM: two blocks of 113 KiB take 2 x 114 KiB with the reserve and fit; two of
  // 113.5 KiB would fit without it (227 KiB) but take 229 KiB with it.
  CHECK(fs::PlanGrid(h100, {64, 32, 113 * 1024}, 10).blocks_per_sm == 2);
  const fs::GridPlan one = fs::PlanGrid(h100, {64, 32, 113 * 1024 + 512}, 10);
  CHECK(one.blocks_per_sm == 1);
  CHECK(one.limiter == "shared memory");
}

TEST_CASE("SM load: blocks go to the least loaded SM; FA1's head runs every step on one SM", "[parallelism]") {
  // N = 1024, Br = Bc = 64: 16 Q blocks of 16 steps; 4 SMs take 4 blocks each, 64 steps.
  const fs::Problem p = ProblemOf(1024, 64, 64, 64);
  const fs::SmLoad fa2 = fs::PlanSmLoad(4, fs::TeachKernel::kFa2Teach, p, 1);
  CHECK(fa2.total_steps == 256);
  CHECK(fa2.busiest_steps == 64);
  CHECK(fa2.sms_used == 4);
  const fs::SmLoad fa1 = fs::PlanSmLoad(4, fs::TeachKernel::kFa1, p, 1);
  CHECK(fa1.total_steps == 256);
  CHECK(fa1.busiest_steps == 256);
  CHECK(fa1.sms_used == 1);
  // Six heads on 4 SMs: FA1's two SMs with two heads each run 512 steps; FA2's 96 blocks of 16
  // steps spread to 24 per SM, 384.
  CHECK(fs::PlanSmLoad(4, fs::TeachKernel::kFa1, p, 6).busiest_steps == 512);
  CHECK(fs::PlanSmLoad(4, fs::TeachKernel::kFa2Teach, p, 6).busiest_steps == 384);
  // Causal, N = 256: Q blocks of 1, 2, 3 and 4 steps on 2 SMs: 1 -> SM 0, 2 -> SM 1, 3 -> SM 0
  // (4 steps), 4 -> SM 1 (6 steps).
  const fs::Problem c = ProblemOf(256, 64, 64, 64, true);
  const fs::SmLoad causal = fs::PlanSmLoad(2, fs::TeachKernel::kFa2Teach, c, 1);
  CHECK(causal.total_steps == 10);
  CHECK(causal.busiest_steps == 6);
  CHECK(fs::PlanSmLoad(2, fs::TeachKernel::kFa1, c, 1).busiest_steps == 10);
  CHECK_THROWS_WITH(fs::PlanSmLoad(0, fs::TeachKernel::kFa1, c, 1), Contains("SMs and heads"));
}

TEST_CASE("the trace's count of rescale factors that are not 1 is the count of steps where m grew", "[parallelism]") {
  for (fs::LoopOrder order : {fs::LoopOrder::kFa2, fs::LoopOrder::kFa1})
    for (bool causal : {false, true}) {
      fs::Problem q = ProblemOf(300, 32, 32, 16, causal);
      q.order = order;
      q.seed = 11;
      const fs::Trace t = fs::EmulateTraced(q, fs::MakeInputs(q));
      for (int row : {0, 77, 299}) {
        INFO(fs::Describe(q) << " row " << row);
        const fs::TracedRowWork w = fs::RowWorkFromTrace(t, row);
        int grew = 0;
        for (int k : fs::StepsOfRow(t, row)) {
          const int r = row - t.steps[static_cast<size_t>(k)].row0;
          if (!(t.MNew(k)[r] == t.MOld(k)[r])) ++grew;
        }
        CHECK(w.rescales_not_one == grew);
        CHECK(grew >= 1);  // the first block always moves m from -inf
        CHECK(w.fa1.divisions == fs::Fa1RowWork(q, row).divisions);
        CHECK(w.fa2.rescale_mults == fs::Fa2RowWork(q, row).rescale_mults);
      }
    }
  // A window that holds another Q block's steps cannot count them.
  const fs::Problem p = ProblemOf(256, 16, 64, 64);
  fs::Trace win = fs::Trace::Allocate(p, 1);
  win.problem = p;
  CHECK(fs::RowWorkFromTrace(win, 0).rescales_not_one == -1);
  CHECK(fs::RowWorkFromTrace(win, 0).fa2.kv_blocks == 4);
}

TEST_CASE("without a CUDA device the occupancy API is not asked, and the reason is given", "[parallelism]") {
  if (fs::CudaUnavailableReason().empty()) return;  // the [gpu] tests ask it
  CHECK_THROWS_AS(fs::QueryTeachOccupancy(fs::TeachKernel::kFa2Teach, ProblemOf(256, 64, 64, 64)), fs::BackendError);
}

TEST_CASE("a wave's blocks go one per SM before a second; the last wave holds the rest", "[parallelism]") {
  // 10 blocks, 2 per SM on 4 SMs: waves of 8; wave 0 puts blocks 0..3 in slot 0, 4..7 in slot 1.
  const fs::GridPlan g = fs::PlanGrid(*fs::FindGpuSpec("H100 SXM"), {128, 166, 16 * 1024}, 10);
  fs::GridPlan small = g;
  small.blocks_per_sm = 2;
  small.concurrent = 8;
  small.waves = 2;
  const std::vector<int64_t> w0 = fs::WaveSlots(small, 4, 0);
  CHECK(w0 == std::vector<int64_t>{0, 4, 1, 5, 2, 6, 3, 7});
  const std::vector<int64_t> w1 = fs::WaveSlots(small, 4, 1);
  CHECK(w1 == std::vector<int64_t>{8, -1, 9, -1, -1, -1, -1, -1});
  CHECK(fs::WaveSlots(small, 4, 2) == std::vector<int64_t>(8, -1));
  // The H100 plan of 10 blocks of that use: 3 per SM, one wave; blocks 0..9 in slot 0 of SMs 0..9.
  const std::vector<int64_t> h = fs::WaveSlots(g, 132, 0);
  REQUIRE(h.size() == 132u * 3u);
  for (int sm = 0; sm < 132; ++sm) {
    CHECK(h[static_cast<size_t>(sm) * 3] == (sm < 10 ? sm : -1));
    CHECK(h[static_cast<size_t>(sm) * 3 + 1] == -1);
  }
}
