// The two lab lessons played beat by beat as shot plays them ("FlashAttention-2's three
// changes" on the parallelism panel, "Limits of softmax normalization" on the softmax-limits
// panel): every number a beat quotes is in what its panels wrote, and each beat's claim is
// computed again here, from the library, over more than the one point the beat shows.
//
// Sections: fa2_three_changes.json · softmax_limits.json
#include "catch2/catch.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "emulate.h"
#include "parallelism.h"
#include "softmax_limits.h"
#include "test_player.h"
#include "test_util.h"

using Catch::Matchers::Contains;

// ---- fa2_three_changes.json --------------------------------------------------------------------

TEST_CASE("fa2_three_changes: every beat plays, with its panel and choices", "[lesson][parallelism]") {
  Player play("fa2_three_changes.json");
  REQUIRE(play.Beats() == 5);
  for (int b = 0; b < play.Beats(); ++b) {
    INFO("beat " << b);
    const std::string text = play.Beat(b);
    CHECK(Shown(play.s, fs::PanelId::kParallelism));
    CHECK(play.s.parallelism.error.empty());
    CHECK(play.s.parallelism.spec.name == "H100 SXM");
    CHECK_THAT(text, Contains("Parallelism"));
  }
}

TEST_CASE("fa2_three_changes: FA1 divides at every block, FA2 once; the trace's rescale factors", "[lesson][parallelism]") {
  Player play("fa2_three_changes.json");
  const std::string panels = play.Beat(0);
  const fs::Trace& t = *play.s.trace;
  REQUIRE(play.s.row == 5);
  // FA1: a division and two products of each of the 64 features at each of the 16 K/V blocks.
  const fs::TracedRowWork w = fs::RowWorkFromTrace(t, 5);
  CHECK(w.fa1.divisions == 16u * 64u);
  CHECK(w.fa1.rescale_mults == 2u * 16u * 64u);
  CHECK(w.fa2.divisions == 64u);
  CHECK(w.fa2.rescale_mults == 16u * 64u);
  CHECK_THAT(panels, Contains("divisions by l | 1024 | 64"));
  CHECK_THAT(panels, Contains("rescale products | 2048 | 1024"));
  CHECK_THAT(play.Current().text, Contains("1024 divisions and 2048 rescale products"));
  CHECK_THAT(play.Current().text, Contains("64 divisions and 1024 products"));
  // Counted again from the records: the steps where the row's m grew, the first included.
  int grew = 0;
  bool first_from_minus_inf = false;
  for (int k : fs::StepsOfRow(t, 5)) {
    const int r = 5 - t.steps[static_cast<size_t>(k)].row0;
    if (t.MNew(k)[r] != t.MOld(k)[r]) ++grew;
    if (k == fs::StepsOfRow(t, 5).front()) first_from_minus_inf = std::isinf(t.MOld(k)[r]) && t.Rescale(k)[r] == 0.0f;
  }
  CHECK(first_from_minus_inf);
  CHECK(grew == w.rescales_not_one);
  play.Quotes(panels, {"(16 as many divisions)", "In this trace " + std::to_string(grew) + " of the row's 16 rescale factors are not 1"});
}

TEST_CASE("fa2_three_changes: one head of N = 8192 keeps one SM busy under FA1 and nearly all under FA2",
          "[lesson][parallelism]") {
  Player play("fa2_three_changes.json");
  const std::string panels = play.Beat(1);
  const fs::ParallelismView& v = play.s.parallelism;
  REQUIRE(play.s.problem.n == 8192);
  CHECK(v.fa2.plan.blocks == 128);
  CHECK(v.fa1.plan.blocks == 1);
  CHECK(v.fa1.load.busiest_steps == 128 * 128);
  CHECK(v.fa2.load.busiest_steps == 128);
  play.Quotes(panels, {"128 Q blocks x 1 = 128 blocks", "97% of the 132 SMs busy", "1% of the 132 SMs busy",
                       "FA1's busiest SM runs 128x as many steps as FA2's"});
  CHECK_THAT(panels, Contains("the busiest SM runs 16384 of the 16384 steps"));
  // The claim over more than this point: at batch x heads = 1 FA2's advantage is the number of
  // Q blocks for every N the app runs, until the Q blocks outnumber the SMs' slots.
  const fs::GpuSpec& h100 = *fs::FindGpuSpec("H100 SXM");
  for (int n : {1024, 2048, 4096, 8192}) {
    const fs::Problem p = fs_test::ProblemOf(n, 64, 64, 64);
    INFO("N = " << n);
    const double ratio = static_cast<double>(fs::PlanSmLoad(h100.sms, fs::TeachKernel::kFa1, p, 1).busiest_steps) /
                         fs::PlanSmLoad(h100.sms, fs::TeachKernel::kFa2Teach, p, 1).busiest_steps;
    CHECK(ratio == Approx(std::min(p.QBlocks(), h100.sms)));
  }
}

TEST_CASE("fa2_three_changes: 256 heads fill the GPU under both; the last wave's 136 blocks", "[lesson][parallelism]") {
  Player play("fa2_three_changes.json");
  std::string panels = play.Beat(2);
  const fs::ParallelismView& v = play.s.parallelism;
  CHECK(v.bh == 256);
  CHECK(v.fa2.plan.waves == 11);
  CHECK(v.fa1.plan.waves == 1);
  CHECK(v.fa1.load.busiest_steps == v.fa2.load.busiest_steps);
  play.Quotes(panels, {"16 Q blocks x 256 = 4096 blocks", "FA1's busiest SM runs 1x as many steps as FA2's",
                       "the busiest SM runs 512 of the 65536 steps"});
  // FA1's advantage lost: past the SMs' count of heads the two launches balance within one head.
  const fs::GpuSpec& h100 = *fs::FindGpuSpec("H100 SXM");
  for (int bh : {132, 264, 1000}) {
    const fs::Problem p = fs_test::ProblemOf(1024, 64, 64, 64);
    const int64_t fa1 = fs::PlanSmLoad(h100.sms, fs::TeachKernel::kFa1, p, bh).busiest_steps;
    const int64_t fa2 = fs::PlanSmLoad(h100.sms, fs::TeachKernel::kFa2Teach, p, bh).busiest_steps;
    INFO("batch x heads = " << bh << ": " << fa1 << " against " << fa2);
    CHECK(fa1 - fa2 <= 256);  // one head's steps
  }
  panels = play.Beat(3);
  CHECK(v.wave == 10);
  const std::vector<int64_t> slots = fs::WaveSlots(v.fa2.plan, 132, 10);
  int held = 0, second = 0;
  for (int sm = 0; sm < 132; ++sm)
    for (int k = 0; k < 3; ++k)
      if (slots[static_cast<size_t>(sm) * 3 + k] >= 0) ++held, second += k == 1;
  CHECK(held == 4096 - 10 * 396);
  CHECK(held == 136);
  CHECK(second == 4);
  CHECK_THAT(play.Current().text, Contains("136 blocks left after ten full waves of 396"));
  play.Quotes(panels, {"wave 11 of 11", "fa1: done after 1 wave"});
}

TEST_CASE("fa2_three_changes: split-K's traffic through shared memory for the Q block shown", "[lesson][parallelism]") {
  Player play("fa2_three_changes.json");
  const std::string panels = play.Beat(4);
  REQUIRE(play.s.trace->steps[static_cast<size_t>(play.s.step)].q_block == 1);
  const fs::SplitTraffic t = fs::SplitKTraffic(play.s.problem, 1);
  // 4 warps, each a 64 x (64 + 2) float partial written and read back at each of 16 K/V blocks.
  CHECK(t.split_k_bytes == 2ull * 64 * 66 * 4 * 4 * 16);
  CHECK(t.split_q_bytes == 0u);
  play.Quotes(panels, {"Q block 1's 16 K/V blocks would move 2.1 MiB through shared memory"});
  CHECK_THAT(panels, Contains("Split-Q (FA2): 4 warps, 16 rows each"));
}

// ---- softmax_limits.json -----------------------------------------------------------------------

namespace {

fs::LimitsSetup Setup(double t) {
  fs::LimitsSetup s;
  s.d = 64;
  s.bound = 4;
  s.temperature = t;
  return s;
}

}  // namespace

TEST_CASE("softmax_limits: every beat plays with the sliders it names", "[lesson][softmax-limits]") {
  Player play("softmax_limits.json");
  REQUIRE(play.Beats() == 6);
  const int ls[] = {4096, 65536, 4096, 4096, 4096, 4096}, ns[] = {16, 16, 4, 256, 16, 16};
  const double ts[] = {1, 1, 1, 1, 0.05, 0.01};
  for (int b = 0; b < play.Beats(); ++b) {
    INFO("beat " << b);
    play.Beat(b);
    CHECK(Shown(play.s, fs::PanelId::kLimits));
    CHECK(play.s.limits.error.empty());
    CHECK(play.s.limits.l == ls[b]);
    CHECK(play.s.limits.n == ns[b]);
    CHECK(play.s.limits.setup.temperature == ts[b]);
    CHECK(play.s.limits.setup.bound == 4.0);
  }
}

TEST_CASE("softmax_limits: every weight stays within [C1/L, C2/L] and the entropy's gap to log L stays put",
          "[lesson][softmax-limits]") {
  Player play("softmax_limits.json");
  std::string panels = play.Beat(0);
  play.Quotes(panels, {"0.00116076 (4.75446 x 1/L)", "entropy 8.19667 of log L = 8.31777"});
  panels = play.Beat(1);
  play.Quotes(panels, {"8.49076e-05 (5.5645 x 1/L)", "entropy 10.9659 of log L = 11.0904"});
  // The claim over every L from 16 to 65536 and three temperatures.
  for (double t : {0.5, 1.0, 2.0}) {
    const fs::LimitsSetup s = Setup(t);
    const std::vector<double> z = fs::LimitsLogits(s, fs::kMaxLimitsL);
    double gap_min = INFINITY, gap_max = -INFINITY;
    for (int l = 16; l <= fs::kMaxLimitsL; l *= 2) {
      const fs::FlattenPoint f = fs::FlattenAt(s, z, l);
      INFO("T = " << t << ", L = " << l);
      CHECK(f.max_w * l <= f.c2);
      CHECK(f.min_w * l >= f.c1);
      CHECK(f.max_w * l <= 50.0);  // far inside C2 = exp(8 / T) for these random keys
      const double gap = std::log(static_cast<double>(l)) - f.entropy;
      if (l >= 4096) gap_min = std::min(gap_min, gap), gap_max = std::max(gap_max, gap);
    }
    // From L = 4096 to 65536 log L grows by log 16 = 2.77 nats; the gap moves by under 0.1.
    INFO("T = " << t << ": the gap lies in " << gap_min << ".." << gap_max);
    CHECK(gap_max - gap_min < 0.1);
  }
}

TEST_CASE("softmax_limits: selection fades toward chance as N / L grows", "[lesson][softmax-limits]") {
  Player play("softmax_limits.json");
  std::string panels = play.Beat(2);
  play.Quotes(panels, {"0.75 of them found", "(chance 0.000976562)", "0.00771922 of the weight",
                       "the output lies 0.465314 from their mean, 0.0669909 from the others'"});
  const fs::SelectionPoint four = fs::Select(Setup(1.0), 4096, 4);
  CHECK(four.dist_others < four.dist_selected / 5);  // nearer the others' mean than the selected tokens'
  CHECK_THAT(panels, Contains(fs::ShortNumber(four.dist_selected) + " from their mean"));
  panels = play.Beat(3);
  play.Quotes(panels, {"0.140625 of them found (chance 0.0625)", "0.0785597 of the weight"});
  // Over N = 1 .. 2048 of L = 4096: the lift over chance falls from hundreds to near 1.
  const fs::LimitsSetup s = Setup(1.0);
  const double lift_small = fs::Select(s, 4096, 4).recovered / (4.0 / 4096);
  const double lift_quoted = fs::Select(s, 4096, 256).recovered / (256.0 / 4096);
  const double lift_large = fs::Select(s, 4096, 2048).recovered / (2048.0 / 4096);
  INFO(lift_small << " " << lift_quoted << " " << lift_large);
  CHECK(lift_small > 100);
  CHECK(lift_quoted < 3);
  CHECK(lift_large < 1.5);
}

TEST_CASE("softmax_limits: the Jacobian's norm exceeds the quoted bound at low T, never min(max p, 1/2) / T",
          "[lesson][softmax-limits]") {
  Player play("softmax_limits.json");
  std::string panels = play.Beat(4);
  play.Quotes(panels, {"||J|| = 3.51988", "quoted bound 1.41421, exceeded", "largest weight 0.833899"});
  CHECK_THAT(panels, Contains("at most 10;"));
  panels = play.Beat(5);
  play.Quotes(panels, {"largest weight 0.999996", "||J|| = 0.000761109"});
  // Over the sweep of T the panel draws: never above min(max p, 1/2) / T; above the quoted
  // min{1/(4T), sqrt 2} somewhere; and peaked between the ends.
  const fs::LimitsSetup s = Setup(1.0);
  const std::vector<double> z = fs::LimitsLogits(s, 4096);
  int over_quoted = 0;
  double peak = 0, peak_t = 0;
  for (double t = 0.01; t <= 10.0 * (1 + 1e-9); t *= 1.25) {
    const fs::JacobianPoint j = fs::JacobianAt(s, z, 4096, t);
    INFO("T = " << t << ": " << j.norm);
    CHECK(j.norm <= j.bound * (1 + 1e-12));
    CHECK(j.bound == Approx(std::min(j.max_p, 0.5) / t));
    if (j.norm > j.quoted_bound) ++over_quoted;
    if (j.norm > peak) peak = j.norm, peak_t = t;
  }
  CHECK(over_quoted > 0);
  CHECK(peak_t > 0.011);
  CHECK(peak_t < 1.0);
}
