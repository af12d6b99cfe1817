// Windowed traces (Trace::window): past the trace budget a trace holds one Q block's steps,
// the same bits as a whole trace holds for them, with O and L whole; a re-run of one Q block
// that reuses the other blocks' O and L gives the same trace; files keep the window.
#include "catch2/catch.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "cell_formula.h"
#include "cell_inspect.h"
#include "emulate.h"
#include "precision.h"
#include "test_util.h"
#include "trace.h"
#include "trace_diff.h"
#include "trace_file.h"

using Catch::Matchers::Contains;
using fs_test::ProblemOf;

namespace {

bool SameBits(const float* a, const float* b, size_t count) { return std::memcmp(a, b, count * sizeof(float)) == 0; }
bool SameBits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && SameBits(a.data(), b.data(), a.size());
}

fs::Trace Windowed(const fs::Problem& p, const fs::Inputs& in, int window, const fs::Trace* outputs_from = nullptr,
                   int* progress_calls = nullptr) {
  fs::RunOptions run;
  run.window = window;
  run.outputs_from = outputs_from;
  if (progress_calls)
    run.progress = [progress_calls](double) {
      ++*progress_calls;
      return true;
    };
  return fs::EmulateTraced(p, in, run);
}

// Small problems of both loop orders with partial tiles, causal masks and rounded stages.
std::vector<fs::Problem> SmallProblems() {
  std::vector<fs::Problem> out;
  for (fs::LoopOrder order : {fs::LoopOrder::kFa2, fs::LoopOrder::kFa1})
    for (bool causal : {false, true}) {
      fs::Problem p = ProblemOf(77, 32, 16, 32, causal);
      p.order = order;
      p.pattern = fs::Pattern::kTiedMaxima;
      out.push_back(p);
      fs::Problem q = ProblemOf(90, 16, 32, 16, causal);
      q.order = order;
      q.seed = 11;
      out.push_back(q);
    }
  fs::Problem bf16 = ProblemOf(64, 32, 16, 16, true);  // every stage rounded, the block product recorded
  REQUIRE(fs::ParsePrecisionPreset("paper-bf16", &bf16.precision));
  bf16.pattern = fs::Pattern::kDrift;
  for (fs::Softmax softmax : {fs::Softmax::kStandard, fs::Softmax::kStabilized}) {
    bf16.softmax = softmax;
    out.push_back(bf16);
  }
  return out;
}

}  // namespace

TEST_CASE("a windowed trace holds exactly its Q block's steps, bit for bit those of the whole trace", "[window]") {
  for (const fs::Problem& p : SmallProblems()) {
    INFO(fs::Describe(p));
    const fs::Inputs in = fs::MakeInputs(p);
    const fs::Trace whole = fs::EmulateTraced(p, in);
    CHECK(!whole.Windowed());
    CHECK(whole.HeldStepCount() == whole.StepCount());
    for (int q = 0; q < p.QBlocks(); ++q) {
      INFO("window: Q block " << q);
      const fs::Trace t = Windowed(p, in, q);
      CHECK(t.window == q);
      CHECK(t.StepCount() == whole.StepCount());
      int held = 0;
      for (int k = 0; k < t.StepCount(); ++k) {
        const bool in_window = t.steps[k].q_block == q;
        CHECK(t.Holds(k) == in_window);
        if (!in_window) {
          CHECK(t.Step(k) == nullptr);
          CHECK(t.S(k) == nullptr);
          continue;
        }
        ++held;
        CHECK(SameBits(t.Step(k), whole.Step(k), t.layout.step_floats));
      }
      CHECK(held == fs::LastKvBlock(p, q) + 1);
      CHECK(t.HeldStepCount() == held);
      CHECK(t.data.size() == static_cast<size_t>(held) * t.layout.step_floats);
      CHECK(fs::TraceBytes(p, q) == t.data.size() * sizeof(float));
      CHECK(SameBits(t.o, whole.o));
      CHECK(SameBits(t.lse, whole.lse));
      // The followed row's running softmax reads only held steps.
      const int row = q * p.br;
      const std::vector<int> steps = fs::StepsOfRow(t, row);
      REQUIRE(!steps.empty());
      const auto a = fs::RunningProbabilities(t, row, steps.back());
      const auto b = fs::RunningProbabilities(whole, row, steps.back());
      CHECK(std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
    }
  }
}

TEST_CASE("a re-run of one Q block with the others' O and L reused is the windowed trace bit for bit", "[window]") {
  for (const fs::Problem& p : SmallProblems()) {
    INFO(fs::Describe(p));
    const fs::Inputs in = fs::MakeInputs(p);
    const fs::Trace first = Windowed(p, in, 0);
    for (int q = 0; q < p.QBlocks(); ++q) {
      INFO("window: Q block " << q);
      int calls = 0;
      const fs::Trace rerun = Windowed(p, in, q, &first, &calls);
      const fs::Trace fresh = Windowed(p, in, q);
      CHECK(calls == fs::LastKvBlock(p, q) + 1);  // only that Q block's steps ran
      CHECK(SameBits(rerun.data, fresh.data));
      CHECK(SameBits(rerun.o, fresh.o));
      CHECK(SameBits(rerun.lse, fresh.lse));
      CHECK(fs::CompareTraces(rerun, fresh).Identical());
    }
  }
  // Outputs of another problem are refused, not mixed in.
  const fs::Problem p = ProblemOf(64, 16, 16, 16), other = ProblemOf(64, 16, 16, 32);
  const fs::Trace of_other = fs::EmulateTraced(other, fs::MakeInputs(other));
  CHECK_THROWS_WITH(Windowed(p, fs::MakeInputs(p), 1, &of_other), Contains("not of N=64 d=16 Br=16 Bc=16"));
}

TEST_CASE("every N up to the largest advertised fits the trace budget one Q block at a time", "[window]") {
  uint64_t largest = 0;
  for (int d : {16, 32, 64, 96, 128})
    for (int br : {16, 32, 64, 128})
      for (int bc : {16, 32, 64, 128})
        for (bool causal : {false, true}) {
          const fs::Problem p = ProblemOf(fs::kMaxStepN, d, br, bc, causal);
          INFO(fs::Describe(p));
          CHECK(fs::TraceBytes(p) > fs::kTraceBudgetBytes);  // every step never fits at N = 8192
          CHECK(fs::TraceWindowFor(p, 5) == 5);
          CHECK(fs::TraceWindowFor(p, 100000) == p.QBlocks() - 1);
          // The last Q block visits the most K/V blocks: the largest window.
          CHECK(fs::TraceBytes(p, p.QBlocks() - 1) <= fs::kTraceBudgetBytes);
          CHECK_NOTHROW(fs::CheckTraceBudget(p, p.QBlocks() - 1));
          largest = std::max(largest, fs::TraceBytes(p, p.QBlocks() - 1));
        }
  // The largest window (the README's 74 MiB): d = 128, Br = 128, Bc = 16, 512 steps of S and P
  // (2 x 128 x 16), seven row values (7 x 128), O~ and O-bar (2 x 128 x 128): 37760 floats.
  CHECK(largest == 512ull * 37760 * 4);
  // A problem whose every step fits is recorded whole.
  CHECK(fs::TraceWindowFor(ProblemOf(1024, 64, 64, 64), 3) == -1);
  CHECK_THROWS_WITH(fs::Trace::Allocate(ProblemOf(64, 16, 16, 16), 4), Contains("Q blocks 0..3"));
}

TEST_CASE("N = 8192 runs: one Q block's steps recorded, the memory bounded, O and L whole", "[window]") {
  fs::Problem p = ProblemOf(fs::kMaxStepN, 16, 128, 128, true);
  const fs::Inputs in = fs::MakeInputs(p);
  const int q = p.QBlocks() - 1;
  const fs::Trace t = Windowed(p, in, fs::TraceWindowFor(p, q));
  CHECK(t.window == q);
  CHECK(t.data.size() * sizeof(float) <= fs::kTraceBudgetBytes);
  CHECK(t.HeldStepCount() == p.KvBlocks());
  CHECK(fs::WindowNote(t) == "Q block 63's 64 steps of 2080");
  const fs::Output whole = fs::Emulate(p, in);
  CHECK(SameBits(t.o, whole.o));
  CHECK(SameBits(t.lse, whole.lse));
  // The last step of the window is the row's final state: O = O~ / l as stored.
  const int last = t.HeldSteps().back();
  const int r = 5, row = t.steps[last].row0 + r;
  CHECK(t.OAcc(last)[static_cast<size_t>(r) * p.d] / t.L(last)[r] == t.o[static_cast<size_t>(row) * p.d]);
}

TEST_CASE("a windowed trace file keeps its window, and a damaged window is named", "[window][trace_file]") {
  fs_test::TempDir dir;
  fs::Problem p = ProblemOf(77, 32, 16, 32, true);
  p.order = fs::LoopOrder::kFa1;
  const fs::Trace t = Windowed(p, fs::MakeInputs(p), 2);
  const std::string path = dir.File("w.fstrace");
  fs::SaveTrace(path, t);
  const fs::Trace back = fs::LoadTrace(path);
  CHECK(back.window == 2);
  CHECK(SameBits(back.data, t.data));
  CHECK(SameBits(back.o, t.o));
  CHECK(fs::CompareTraces(back, t).Identical());

  const std::string bytes = fs_test::ReadBytes(path);
  const auto with_header = [&](const std::string& from, const std::string& to) {
    std::string changed = bytes;
    const size_t at = changed.find(from);
    REQUIRE(at != std::string::npos);
    changed.replace(at, from.size(), to);
    changed.resize(changed.size() - 8);  // a fresh checksum, so that the header is what is judged
    uint64_t sum = fs::TraceChecksum(changed);
    for (int i = 0; i < 8; ++i) changed.push_back(static_cast<char>(sum >> (8 * i)));
    return changed;
  };
  CHECK_THROWS_WITH(fs::ParseTrace(with_header("\"q_block\": 2", "\"q_block\": 9"), "x"),
                    Contains("\"window.q_block\" is 9") && Contains("has Q blocks 0..4"));
  const int held = fs::LastKvBlock(p, 2) + 1;
  REQUIRE(held == 2);
  CHECK_THROWS_WITH(fs::ParseTrace(with_header("\"held_steps\": 2", "\"held_steps\": 3"), "x"),
                    Contains("\"window.held_steps\" is 3 but Q block 2") && Contains("has 2 steps"));
  // A window of another Q block has another number of steps: the sizes no longer fit.
  CHECK_THROWS_WITH(fs::ParseTrace(with_header("\"q_block\": 2", "\"q_block\": 0"), "x"), Contains("window.held_steps"));
}

TEST_CASE("traces holding different steps are not compared", "[window]") {
  const fs::Problem p = ProblemOf(64, 16, 16, 16);
  const fs::Inputs in = fs::MakeInputs(p);
  CHECK_THROWS_WITH(fs::CompareTraces(Windowed(p, in, 1), Windowed(p, in, 2)),
                    Contains("Q block 1's 4 steps of 16 vs Q block 2's 4 steps of 16"));
  CHECK_THROWS_WITH(fs::CompareTraces(fs::EmulateTraced(p, in), Windowed(p, in, 2)), Contains("every step vs"));
  const fs::Trace a = Windowed(p, in, 1), b = Windowed(p, in, 1);
  const fs::TraceDiff diff = fs::CompareTraces(a, b);
  CHECK(diff.Identical());
  CHECK(diff.values == 4 * a.layout.step_floats + 64 * 16 + 64);  // the held records, O and L
  CHECK(fs::StepUlpMap(a, b, 0, "S").empty());                    // step 0 is Q block 0's
  CHECK(fs::StepUlpMap(a, b, 4, "S").size() == 16u * 16u);
}

TEST_CASE("a cell of a step the window does not hold is named as not recorded, not read", "[window][cell]") {
  const fs::Problem p = ProblemOf(64, 16, 16, 16);
  const fs::Inputs in = fs::MakeInputs(p);
  const fs::Trace t = Windowed(p, in, 2);  // steps 8..11
  const fs::CellRef outside{fs::CellField::kS, 3, 3, 5};
  const fs::CellRef inside{fs::CellField::kS, 9, 40, 5};
  CHECK_THAT(fs::InspectCell(t, nullptr, outside).error,
             Contains("step 4 is not recorded: the trace holds Q block 2's 4 steps of 16"));
  CHECK_THAT(fs::ExplainCell(t, nullptr, outside).error, Contains("step 4 is not recorded"));
  CHECK(fs::InspectCell(t, nullptr, inside).error.empty());
  CHECK(fs::ExplainCell(t, nullptr, inside).error.empty());
  CHECK(fs::InspectCell(t, nullptr, inside).stored == t.S(9)[static_cast<size_t>(40 - 32) * 16 + 5]);
}
