// The parallelism panel as a person reads it: the launches of the problem on screen on the
// pictured GPU, recomputed when the problem, the GPU or batch x heads change; and this device
// asked through the CUDA runtime where there is one.
#include "catch2/catch.hpp"

#include <cmath>
#include <string>

#include "test_gpu_util.h"
#include "test_player.h"
#include "test_util.h"

using Catch::Matchers::Contains;

namespace {

fs::AppState ParallelismOn(const fs::Problem& p) {
  fs::AppState s = NoGpu();
  INFO(s.status.text);
  REQUIRE(fs::ApplyProblem(s, p));
  fs::ShowOnlyPanels(s.view, {"parallelism"});
  fs::PrepareFrame(s, INFINITY);
  return s;
}

}  // namespace

TEST_CASE("parallelism panel: one head of N = 1024 on an H100, FA2's 16 blocks against FA1's one", "[app][parallelism]") {
  fs::AppState s = ParallelismOn(fs_test::ProblemOf(1024, 64, 64, 64));
  const fs::ParallelismView& v = s.parallelism;
  REQUIRE(v.error.empty());
  CHECK(v.spec.name == "H100 SXM");
  // d = 64: 168 registers x 32 = 5376 a warp, 4 warps 21504: three blocks in 65536.
  CHECK(v.fa2.plan.blocks == 16);
  CHECK(v.fa2.plan.blocks_per_sm == 3);
  CHECK(v.fa2.load.busiest_steps == 16);
  CHECK(v.fa1.plan.blocks == 1);
  CHECK(v.fa1.load.busiest_steps == 256);
  const std::string text = ShownText(s);
  const char* expected[] = {
      "fa2_teach: 16 Q blocks x 1 = 16 blocks of 128 threads, 168 registers a thread",
      "3 per SM (bound by registers)",
      "1 wave, 12% of the 132 SMs busy on average; the busiest SM runs 16 of the 256 steps",
      "fa1: 1 per head x 1 = 1 block of 128 threads, 160 registers a thread",
      "the busiest SM runs 256 of the 256 steps",
      "Sequence parallelism at N = 1024, batch x heads = 1: FA1's busiest SM runs 16x as many steps as FA2's.",
      "H100 SXM from its data sheet; registers of the FP32 kernels as ptxas -v, nvcc 13.0, sm_90a",
      // Split-K for Q block 0 (the step shown): 4 warps x 64 x 66 floats, written and read, 16 times.
      "Split-K: Q block 0's 16 K/V blocks would move 2.1 MiB through shared memory",
      "divisions by l | 1024 | 64",
      "rescale products | 2048 | 1024",
      "(16 as many divisions)",
  };
  for (const char* want : expected) CHECK_THAT(text, Contains(want));
  // The followed row's work, and the trace's count of rescale factors that are not 1.
  const fs::TracedRowWork w = fs::RowWorkFromTrace(*s.trace, s.row);
  CHECK(w.rescales_not_one >= 1);
  CHECK_THAT(text, Contains("In this trace " + std::to_string(w.rescales_not_one) + " of the row's 16 rescale factors"));
}

TEST_CASE("parallelism panel: batch x heads, the GPU and the problem each recompute the picture", "[app][parallelism]") {
  fs::AppState s = ParallelismOn(fs_test::ProblemOf(1024, 64, 64, 64));
  fs::ParallelismView& v = s.parallelism;
  // 397 heads: FA2's 6352 blocks in waves of 396, the 17th holding 16; FA1's 397 in 2.
  v.bh = 397;
  v.wave = 100;
  fs::PrepareFrame(s, INFINITY);
  CHECK(v.fa2.plan.blocks == 6352);
  CHECK(v.fa2.plan.waves == 17);
  CHECK(v.fa1.plan.waves == 2);
  CHECK(v.wave == 16);  // clamped to the last wave
  const std::string text = ShownText(s);
  CHECK_THAT(text, Contains("fa2_teach, wave 17 of 17"));
  CHECK_THAT(text, Contains("fa1: done after 2 waves"));
  // The A100 has 108 SMs and 164 KiB of shared memory per SM.
  v.gpu = 2;
  fs::PrepareFrame(s, INFINITY);
  CHECK(v.spec.name == "A100 SXM");
  CHECK(v.fa2.plan.concurrent == 3 * 108);
  // A new problem: Br = 128 has 8 warps of 168 registers, one block per SM.
  REQUIRE(fs::ApplyProblem(s, fs_test::ProblemOf(1024, 64, 128, 64)));
  fs::PrepareFrame(s, INFINITY);
  CHECK(v.fa2.plan.blocks == 8 * 397);
  CHECK(v.fa2.use.threads == 256);
  // Out of range values are clamped, not drawn.
  v.bh = 0;
  v.gpu = 99;
  fs::PrepareFrame(s, INFINITY);
  CHECK(v.bh == 1);
  CHECK(v.spec.name == "H100 SXM");
}

TEST_CASE("parallelism panel: with the CUDA backend chosen and no device, the list is pictured and why is said",
          "[app][parallelism]") {
  if (fs::CudaUnavailableReason().empty()) return;  // the [gpu] test pictures the device
  fs::AppState s = ParallelismOn(fs_test::ProblemOf(512, 32, 64, 64));
  s.backend_kind = fs::BackendKind::kCuda;  // as if chosen; there is no device to ask
  s.parallelism.computed = false;
  fs::PrepareFrame(s, INFINITY);
  CHECK(s.parallelism.gpu == 0);
  CHECK_FALSE(s.parallelism.device_error.empty());
  CHECK_THAT(ShownText(s), Contains("(this GPU: " + s.parallelism.device_error.substr(0, 30)));
}

TEST_CASE("parallelism panel: with the CUDA backend it pictures this device, asked through the occupancy API",
          "[.gpu][app][parallelism]") {
  fs_test::RequireCuda();
  fs::AppState s = ParallelismOn(fs_test::ProblemOf(4096, 64, 64, 64));
  s.backend_kind = fs::BackendKind::kCuda;
  s.parallelism.computed = false;
  fs::PrepareFrame(s, INFINITY);
  const fs::ParallelismView& v = s.parallelism;
  REQUIRE(v.device_error.empty());
  CHECK(v.gpu == -1);
  REQUIRE(v.device_fa2);
  CHECK(v.spec.name == v.device_fa2->gpu.name);
  CHECK(v.fa2.api_blocks_per_sm == v.fa2.plan.blocks_per_sm);
  CHECK(v.fa1.api_blocks_per_sm == v.fa1.plan.blocks_per_sm);
  CHECK(v.fa2.plan.blocks == 64);
  const std::string text = ShownText(s);
  CHECK_THAT(text, Contains(v.spec.name + " as the CUDA runtime describes it"));
  CHECK_THAT(text, Contains("as the occupancy API says"));
  CHECK_THAT(text, Contains("This GPU: " + v.spec.name));
}

TEST_CASE("parallelism panel: a beat's GPU stands with the CUDA backend chosen; the device is not asked",
          "[app][parallelism][lesson]") {
  Player play("fa2_three_changes.json");
  fs::GoToBeat(play.s, 1);
  play.s.backend_kind = fs::BackendKind::kCuda;  // as if chosen; the beat names the H100 SXM
  fs::PrepareFrame(play.s, INFINITY);
  CHECK(play.s.parallelism.gpu == 0);
  CHECK(play.s.parallelism.device_error.empty());
  CHECK_FALSE(play.s.parallelism.device_asked);
}
