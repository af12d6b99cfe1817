// FlashAttention-1's loop order (Problem::order fa1): the CPU twin of the fa1 kernel against the
// FP64 reference and against FA1's update written out with std::fmaf, the step order and the
// HBM traffic worked out by hand, the trace layout and file, and the order as a problem field.
#include "catch2/catch.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "cell_inspect.h"
#include "emulate.h"
#include "lesson.h"
#include "precision_stats.h"
#include "problem_json.h"
#include "reference.h"
#include "test_oracle.h"
#include "test_util.h"
#include "trace.h"
#include "trace_file.h"

using Catch::Matchers::Contains;
using nlohmann::json;

namespace {

fs::Problem Fa1(int n, int d, int br, int bc, bool causal = false) {
  fs::Problem p = fs_test::ProblemOf(n, d, br, bc, causal);
  p.order = fs::LoopOrder::kFa1;
  return p;
}

bool SameBits(float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0; }

bool SameBits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// The (Q block, K/V block) pairs of p in FA1's order: K/V block outer, Q block inner.
std::vector<std::pair<int, int>> Fa1Pairs(const fs::Problem& p) {
  std::vector<std::pair<int, int>> pairs = fs_test::NeededBlocks(p);
  std::stable_sort(pairs.begin(), pairs.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
  return pairs;
}

}  // namespace

// ---- the CPU twin against FP64 (random shapes: test_emulate.cpp, in both loop orders) --------

TEST_CASE("FA1: odd lengths, every d and block size, causal and not, match FP64", "[fa1][emulate]") {
  for (int n : {1, 17, 77, 129})
    for (int d : {16, 32, 64, 96, 128})
      for (auto [br, bc] : {std::make_pair(16, 16), std::make_pair(32, 16), std::make_pair(16, 64),
                            std::make_pair(128, 32), std::make_pair(64, 128)})
        for (bool causal : {false, true}) {
          fs::Problem p = Fa1(n, d, br, bc, causal);
          p.seed = 100 + n + d;
          INFO(fs::Describe(p));
          const auto in = fs::MakeInputs(p);
          const auto t = fs::EmulateTraced(p, in);
          const auto ref = fs::ReferenceForward(p, in);
          CHECK(fs::MaxRelativeError(t.o, ref.o, p.d) < 1e-5);
          CHECK(fs::MaxAbsoluteError(t.lse, ref.lse) < 1e-5 * 8);
        }
}

TEST_CASE("FA1: the traced and untraced emulation compute the same bits, close to FA2's", "[fa1][emulate]") {
  const fs::Problem p = Fa1(150, 96, 32, 64, true);
  const auto in = fs::MakeInputs(p);
  const auto t = fs::EmulateTraced(p, in);
  const auto o = fs::Emulate(p, in);
  CHECK(SameBits(t.o, o.o));
  CHECK(SameBits(t.lse, o.lse));
  fs::Problem fa2 = p;
  fa2.order = fs::LoopOrder::kFa2;
  const auto o2 = fs::Emulate(fa2, in);
  // Two loop orders, two roundings of the same attention: close, and not the same bits (FA1
  // divides by l at every step).
  CHECK(fs::MaxRelativeError(o.o, std::vector<double>(o2.o.begin(), o2.o.end()), p.d) < 2e-5);
  CHECK_FALSE(SameBits(o.o, o2.o));
}

// ---- every step against FA1's update ------------------------------------------------------

TEST_CASE("FA1: every step reads m, l, O back and updates them as Algorithm 1 does", "[fa1][trace]") {
  // Checked step by step: the values read are the ones the row's previous step wrote (or the
  // initial -inf, 0, 0); l_new and O_new are FA1's formulas written out with std::fmaf, the
  // fusing the kernel uses, and must match bit for bit; m, l and O are attention over the keys
  // seen so far in FP64 (test_oracle.h). Partial tiles, Br > Bc and Br < Bc, causal or not.
  struct Case {
    int n, d, br, bc;
    bool causal;
  };
  for (const Case& c : {Case{100, 32, 32, 16, false}, Case{100, 32, 32, 16, true}, Case{77, 16, 16, 32, true},
                        Case{50, 16, 16, 16, false}}) {
    const fs::Problem p = Fa1(c.n, c.d, c.br, c.bc, c.causal);
    const double scale = 1.0 / std::sqrt(double(c.d));
    const auto in = fs::MakeInputs(p);
    const auto t = fs::EmulateTraced(p, in);
    std::vector<int> last_step(p.n, -1);  // per row, the step that last wrote its m, l, O
    for (int k = 0; k < t.StepCount(); ++k) {
      const auto& s = t.steps[k];
      for (int r = 0; r < s.rows; ++r) {
        const int row = s.row0 + r, prev = last_step[row];
        INFO(fs::Describe(p) << ": step " << k << " (K/V block " << s.kv_block << ", Q block " << s.q_block
                             << ") row " << row);
        const float m_old = t.MOld(k)[r], l_old = t.LOld(k)[r], m_new = t.MNew(k)[r];
        const float r_m = t.RMax(k)[r], rescale = t.Rescale(k)[r], scale_blk = t.ScaleBlk(k)[r];
        // Read back: what the previous step of this row wrote.
        if (prev < 0) {
          CHECK(m_old == -INFINITY);
          CHECK(l_old == 0.0f);
        } else {
          const int pr = row - t.steps[prev].row0;
          CHECK(SameBits(m_old, t.MNew(prev)[pr]));
          CHECK(SameBits(l_old, t.L(prev)[pr]));
        }
        // r_m is the max of the visible scores; P-tilde and l_blk are against it.
        const float* srow = t.S(k) + size_t(r) * p.bc;
        const float* prow = t.P(k) + size_t(r) * p.bc;
        float max_s = -INFINITY;
        double sum_p = 0.0;
        for (int col = 0; col < p.bc; ++col) max_s = std::max(max_s, srow[col]);
        CHECK(SameBits(r_m, max_s));
        CHECK(SameBits(t.MShift(k)[r], r_m));
        for (int col = 0; col < p.bc; ++col) {
          const double want = std::isinf(srow[col]) ? 0.0 : std::exp(double(srow[col]) - r_m);
          CHECK(prow[col] == Approx(want).epsilon(1e-6).margin(1e-7));
          sum_p += prow[col];
        }
        CHECK(t.LBlk(k)[r] == Approx(sum_p).epsilon(1e-6));
        CHECK(SameBits(m_new, std::max(m_old, r_m)));
        CHECK(rescale == Approx(std::exp(double(m_old) - m_new)).epsilon(1e-6).margin(1e-30));
        CHECK(scale_blk == Approx(std::isinf(r_m) ? 0.0 : std::exp(double(r_m) - m_new)).epsilon(1e-6));
        // The update, bit for bit.
        const float l_new = std::fmaf(rescale, l_old, scale_blk * t.LBlk(k)[r]);
        CHECK(SameBits(t.L(k)[r], l_new));
        for (int x = 0; x < p.d; ++x) {
          const float o_old = prev < 0 ? 0.0f : t.OAcc(prev)[size_t(row - t.steps[prev].row0) * p.d + x];
          const float pv = t.OBlk(k)[size_t(r) * p.d + x];
          const float want = std::fmaf(l_old * rescale, o_old, scale_blk * pv) / l_new;
          if (!SameBits(t.OAcc(k)[size_t(r) * p.d + x], want)) {
            FAIL_CHECK("O[" << x << "] is " << t.OAcc(k)[size_t(r) * p.d + x] << ", FA1's update gives " << want);
            break;
          }
        }
        // Against FP64 attention over the keys seen so far.
        const auto before = fs_test::AttendRow(in, row, scale, c.causal, s.col0);
        const auto after = fs_test::AttendRow(in, row, scale, c.causal, s.col0 + s.cols);
        CHECK(m_new == Approx(after.m).epsilon(1e-6).margin(1e-6));
        if (prev >= 0) CHECK(m_old == Approx(before.m).epsilon(1e-6).margin(1e-6));
        CHECK(t.L(k)[r] == Approx(after.l).epsilon(1e-5));
        CHECK(fs_test::RowError(t.OAcc(k) + size_t(r) * p.d, after.o) < 1e-5);
        // P-tilde V of the block in FP64.
        for (int x = 0; x < p.d; x += 5) {
          double pv = 0.0;
          for (int col = 0; col < s.cols; ++col) pv += double(prow[col]) * in.v[size_t(s.col0 + col) * p.d + x];
          CHECK(t.OBlk(k)[size_t(r) * p.d + x] == Approx(pv).epsilon(1e-5).margin(1e-5));
        }
        last_step[row] = k;
      }
    }
    // O is what the row's last step wrote; L = m + log l of it.
    for (int row = 0; row < p.n; ++row) {
      const int k = last_step[row], r = row - t.steps[k].row0;
      INFO("row " << row);
      CHECK(t.steps[k].last_for_q_block);
      CHECK(std::memcmp(&t.o[size_t(row) * p.d], t.OAcc(k) + size_t(r) * p.d, p.d * sizeof(float)) == 0);
      CHECK(t.lse[row] == Approx(double(t.MNew(k)[r]) + std::log(double(t.L(k)[r]))).epsilon(1e-6));
    }
  }
}

TEST_CASE("FA1: a row whose keys in a diagonal block are all masked keeps its m and l", "[fa1][trace]") {
  // Causal, Br = 64, Bc = 16: K/V block 1 (keys 16..31) is visited by Q block 0, whose rows
  // 0..15 see none of its keys: r_m = -inf, P-tilde = 0, scale_blk = 0.
  const fs::Problem p = Fa1(64, 16, 64, 16, true);
  const auto t = fs::EmulateTraced(p, fs::MakeInputs(p));
  const int k = t.FindStep(0, 1);
  REQUIRE(k == 1);
  for (int r = 0; r < 16; ++r) {
    INFO("row " << r);
    CHECK(t.RMax(k)[r] == -INFINITY);
    CHECK(t.LBlk(k)[r] == 0.0f);
    CHECK(t.ScaleBlk(k)[r] == 0.0f);
    CHECK(t.Rescale(k)[r] == 1.0f);
    CHECK(SameBits(t.MNew(k)[r], t.MOld(k)[r]));
    CHECK(SameBits(t.L(k)[r], t.LOld(k)[r]));
    for (int col = 0; col < 16; ++col) CHECK(t.P(k)[r * 16 + col] == 0.0f);
  }
  CHECK(t.RMax(k)[16] > -INFINITY);  // row 16 sees key 16
}

// ---- the step order and the HBM traffic ------------------------------------------------------

TEST_CASE("FA1: steps go K/V block outer, Q block inner, skipping pairs above the diagonal", "[fa1][trace]") {
  for (bool causal : {false, true})
    for (int n : {1, 40, 63, 200})
      for (int br : {16, 64})
        for (int bc : {32, 128}) {
          const fs::Problem p = Fa1(n, 32, br, bc, causal);
          INFO(fs::Describe(p));
          const auto pairs = Fa1Pairs(p);
          const auto steps = fs::PlanSteps(p);
          REQUIRE(steps.size() == pairs.size());
          REQUIRE(fs::StepOffsets(p).back() == int(pairs.size()));
          const fs::Trace t = fs::Trace::Allocate(p);
          for (size_t k = 0; k < steps.size(); ++k) {
            const auto [i, j] = pairs[k];
            INFO("step " << k);
            CHECK(steps[k].q_block == i);
            CHECK(steps[k].kv_block == j);
            CHECK(steps[k].rows == std::min(br, n - i * br));
            CHECK(steps[k].cols == std::min(bc, n - j * bc));
            CHECK(t.FindStep(i, j) == int(k));
            // Q block i is final at the last K/V block any of its pairs has.
            int last_j = -1;
            for (const auto& q : pairs)
              if (q.first == i) last_j = std::max(last_j, q.second);
            CHECK(steps[k].last_for_q_block == (j == last_j));
          }
        }
}

TEST_CASE("FA1: steps, offsets and lookups worked out by hand", "[fa1][trace]") {
  // N = 40, Br = 32, Bc = 16, causal: Q blocks of 32 and 8 rows, K/V blocks of 16, 16, 8 keys.
  // K/V block 0 and 1 are seen by both Q blocks; K/V block 2 (keys 32..39) only by Q block 1.
  const fs::Problem p = Fa1(40, 16, 32, 16, true);
  const fs::Trace t = fs::Trace::Allocate(p);
  REQUIRE(t.StepCount() == 5);
  const int expected[5][2] = {{0, 0}, {1, 0}, {0, 1}, {1, 1}, {1, 2}};  // (Q block, K/V block)
  for (int k = 0; k < 5; ++k) {
    CHECK(t.steps[k].q_block == expected[k][0]);
    CHECK(t.steps[k].kv_block == expected[k][1]);
  }
  CHECK(fs::StepOffsets(p) == std::vector<int>{0, 2, 4, 5});
  CHECK(fs::FirstQBlock(p, 0) == 0);
  CHECK(fs::FirstQBlock(p, 1) == 0);
  CHECK(fs::FirstQBlock(p, 2) == 1);
  CHECK(t.FindStep(1, 0) == 1);
  CHECK(t.FindStep(0, 1) == 2);
  CHECK(t.FindStep(1, 2) == 4);
  CHECK(t.FindStep(0, 2) == -1);  // above the diagonal
  CHECK(t.FindStep(2, 0) == -1);
  CHECK(fs::StepsOfRow(t, 0) == std::vector<int>{0, 2});
  CHECK(fs::StepsOfRow(t, 35) == std::vector<int>{1, 3, 4});
  CHECK(t.steps[2].last_for_q_block);   // Q block 0 ends at K/V block 1
  CHECK_FALSE(t.steps[1].last_for_q_block);
  CHECK(t.steps[4].last_for_q_block);
}

TEST_CASE("FA1's HBM traffic on small problems worked out by hand", "[fa1][trace][traffic]") {
  // N = 64, d = 16, Br = Bc = 32, not causal: 4 steps of 32 rows.
  //   initialization: O, l, m = 64 x (16 + 2) x 4 = 4608 bytes written
  //   K and V, once: 2 x 64 x 16 x 4 = 8192 read
  //   each step: Q_i and O_i (2 x 32 x 16) and l_i, m_i (2 x 32) = 1088 floats = 4352 read;
  //              O_i, l_i, m_i = 32 x 18 = 576 floats = 2304 written
  //   L, once: 64 x 4 = 256 written
  //   read 8192 + 4 x 4352 = 25600; written 4608 + 4 x 2304 + 256 = 14080
  // FA2 on the same problem reads 20480 and writes 4352 (Q once, K and V per Q block, O and L).
  fs::Problem p = Fa1(64, 16, 32, 32, false);
  CHECK(fs::Fa1Traffic(p).read == 25600);
  CHECK(fs::Fa1Traffic(p).written == 14080);
  CHECK(fs::Fa1StateTraffic(p).read == 4 * 32 * 18 * 4);           // 9216
  CHECK(fs::Fa1StateTraffic(p).written == 4608 + 4 * 32 * 18 * 4);  // 13824
  CHECK(fs::Fa2Traffic(p).read == 20480);
  CHECK(fs::Fa2Traffic(p).written == 4352);
  CHECK(fs::FlashTraffic(p).Total() == 25600 + 14080);  // the problem's own order
  auto steps = fs::PlanSteps(p);
  REQUIRE(steps.size() == 4);
  CHECK(steps[0].bytes_read == 4096 + 4352);        // K_0 and V_0, then Q_0, O_0, l_0, m_0
  CHECK(steps[0].bytes_written == 4608 + 2304);     // the initialization, then O_0, l_0, m_0
  CHECK(steps[1].bytes_read == 4096 + 2 * 4352);    // Q_1 ... with K_0, V_0 still on chip
  CHECK(steps[2].bytes_read == 2 * 4096 + 3 * 4352);
  CHECK(steps[2].bytes_written == 4608 + 3 * 2304 + 128);  // Q block 0 is final: L_0
  CHECK(steps.back().bytes_read == 25600);
  CHECK(steps.back().bytes_written == 14080);

  // N = 40, d = 16, Br = 32, Bc = 16, causal: steps of 32, 8, 32, 8, 8 rows (88 in all).
  //   read: K and V 2 x 40 x 16 x 4 = 5120; per row and step (2 x 16 + 2) x 4 = 136: 88 x 136 = 11968
  //   written: 40 x 18 x 4 = 2880; per row and step 18 x 4 = 72: 88 x 72 = 6336; L 160
  p = Fa1(40, 16, 32, 16, true);
  CHECK(fs::Fa1Traffic(p).read == 5120 + 11968);
  CHECK(fs::Fa1Traffic(p).written == 2880 + 6336 + 160);
  CHECK(fs::Fa1StateTraffic(p).read == 88 * 18 * 4);
  CHECK(fs::Fa1StateTraffic(p).written == 2880 + 88 * 18 * 4);
  steps = fs::PlanSteps(p);
  CHECK(steps.back().bytes_read == 17088);
  CHECK(steps.back().bytes_written == 9376);
}

TEST_CASE("FA1: PlanSteps' byte counters end at the closed forms for every shape", "[fa1][trace][traffic]") {
  for (bool causal : {false, true})
    for (int n : {1, 63, 64, 200, 520})
      for (int br : {16, 64})
        for (int bc : {16, 32, 128}) {
          const fs::Problem p = Fa1(n, 64, br, bc, causal);
          INFO(fs::Describe(p));
          const auto steps = fs::PlanSteps(p);
          uint64_t rows = 0;  // rows summed over the steps
          for (const auto& s : steps) rows += s.rows;
          const uint64_t nn = n;
          CHECK(steps.back().bytes_read == 4 * (2 * nn * 64 + rows * (2 * 64 + 2)));
          CHECK(steps.back().bytes_written == 4 * (nn * 66 + rows * 66 + nn));
          CHECK(fs::Fa1Traffic(p).read == steps.back().bytes_read);
          CHECK(fs::Fa1Traffic(p).written == steps.back().bytes_written);
          // With square blocks FA1 moves more: Q, O, l, m at every step cost more than the K and V
          // that FA2 reads once per Q block. (With Bc > Br it can move less: fewer, larger outer
          // steps against more, smaller Q blocks.)
          if (br == bc) CHECK(fs::Fa1Traffic(p).Total() > fs::Fa2Traffic(p).Total());
          for (size_t k = 1; k < steps.size(); ++k) CHECK(steps[k].bytes_written > steps[k - 1].bytes_written);
        }
}

// ---- the layout and trace files ---------------------------------------------------------------

TEST_CASE("FA1's records hold FA2's fields and l_old, l_blk, scale_blk; FA2's layout is unchanged",
          "[fa1][trace][trace_file]") {
  // d = 16, Br = 32, Bc = 16: S and P 2 x 512, seven row fields 7 x 32, O~ and O-bar 2 x 512.
  fs::Problem p = fs_test::ProblemOf(40, 16, 32, 16);
  const fs::TraceLayout fa2 = fs::TraceLayout::For(p);
  CHECK(fa2.step_floats == 2 * 512 + 7 * 32 + 2 * 512);
  CHECK_FALSE(fa2.has[fs::kLOld]);
  CHECK_FALSE(fa2.has[fs::kLBlk]);
  CHECK_FALSE(fa2.has[fs::kScaleBlk]);
  p.order = fs::LoopOrder::kFa1;
  const fs::TraceLayout fa1 = fs::TraceLayout::For(p);
  CHECK(fa1.step_floats == fa2.step_floats + 3 * 32);
  for (int f = 0; f < fs::kLOld; ++f) CHECK(fa1.offset[f] == fa2.offset[f]);
  CHECK(fa1.offset[fs::kLOld] == fa2.step_floats);
  CHECK(fa1.offset[fs::kScaleBlk] == fa2.step_floats + 64);
  CHECK(fs::FieldAt(fa1, fa2.step_floats + 33) == "l_blk[1]");
  const fs::Trace fa2_trace = fs::Trace::Allocate(fs_test::ProblemOf(40, 16, 32, 16));
  CHECK(fa2_trace.LBlk(0) == nullptr);  // not recorded in FA2's loop
  CHECK(fa2_trace.OAcc(0) != nullptr);
}

TEST_CASE("an FA1 trace file says its loop order, lists FA1's fields and loads back", "[fa1][trace_file]") {
  fs_test::TempDir dir;
  const std::string path = dir.File("fa1.fstrace");
  const fs::Problem p = Fa1(45, 32, 32, 16, true);
  const fs::Trace t = fs::EmulateTraced(p, fs::MakeInputs(p));
  fs::SaveTrace(path, t);
  const std::string bytes = fs_test::ReadBytes(path);
  const uint32_t header_bytes = uint8_t(bytes[12]) | uint8_t(bytes[13]) << 8 | uint8_t(bytes[14]) << 16;
  const json header = json::parse(bytes.substr(16, header_bytes));
  CHECK(header["problem"]["order"] == "fa1");
  std::vector<std::string> names;
  for (const auto& f : header["layout"]["fields"]) names.push_back(f["name"]);
  CHECK(names == std::vector<std::string>{"S", "P", "m_old", "m_new", "rescale", "l", "O~", "r_m", "r_s", "m'",
                                          "O-bar", "l_old", "l_blk", "scale_blk"});
  CHECK_THAT(header["layout"]["fields"][1]["meaning"].get<std::string>(), Contains("exp(S - r_m)"));
  const fs::Trace u = fs::LoadTrace(path);
  CHECK(u.problem == p);
  CHECK(u.problem.order == fs::LoopOrder::kFa1);
  CHECK(SameBits(u.data, t.data));
  CHECK(SameBits(u.o, t.o));

  // An FA2 trace's header keeps the eleven fields of version 2 files.
  fs::Problem q = p;
  q.order = fs::LoopOrder::kFa2;
  fs::SaveTrace(path, fs::EmulateTraced(q, fs::MakeInputs(q)));
  const std::string fa2_bytes = fs_test::ReadBytes(path);
  const uint32_t fa2_header = uint8_t(fa2_bytes[12]) | uint8_t(fa2_bytes[13]) << 8 | uint8_t(fa2_bytes[14]) << 16;
  const json h2 = json::parse(fa2_bytes.substr(16, fa2_header));
  CHECK(h2["problem"]["order"] == "fa2");
  CHECK(h2["layout"]["fields"].size() == 11);
  CHECK(h2["layout"]["fields"][1]["meaning"] == "P-bar = exp(S - m_new) as it enters the P V product");
}

// ---- the order as a problem field --------------------------------------------------------------

TEST_CASE("order is a problem field: JSON, defaults, description", "[fa1][problem_json]") {
  fs::Problem p = Fa1(64, 16, 16, 16);
  const json j = fs::ProblemToJson(p);
  CHECK(j["order"] == "fa1");
  CHECK(fs::ProblemFromJson(j, "x") == p);
  CHECK(fs::ProblemFromJson(json::parse(R"({"order": "fa2"})"), "x").order == fs::LoopOrder::kFa2);
  CHECK(fs::ProblemFromJson(json::object(), "x").order == fs::LoopOrder::kFa2);  // files without it: FA2
  CHECK(fs::ProblemToJson(fs::Problem{})["order"] == "fa2");
  CHECK_THAT(fs::Describe(p), Contains("order=fa1"));
  CHECK_THAT(fs::Describe(fs::Problem{}), !Contains("order"));
  CHECK(fs::LoopOrderChoices() == "fa2, fa1");
  fs::Problem q = p;
  q.order = fs::LoopOrder::kFa2;
  CHECK(q != p);
}

TEST_CASE("a bad order, or FA1 with low precision or the stabilized softmax, is refused with what is allowed",
          "[fa1][problem_json]") {
  CHECK_THROWS_WITH(fs::ProblemFromJson(json::parse(R"({"order": "fa3"})"), "x.json: problem"),
                    Contains("x.json: problem: field \"order\" is \"fa3\"; allowed: fa2, fa1"));
  CHECK_THROWS_WITH(fs::ProblemFromJson(json::parse(R"({"order": 1})"), "x"),
                    Contains("field \"order\" is 1; allowed: fa2, fa1"));
  CHECK_THROWS_WITH(
      fs::ProblemFromJson(json::parse(R"({"order": "fa1", "precision": "paper-bf16"})"), "x"),
      Contains("x: order fa1 runs in FP32 only, but precision is paper-bf16 (inputs bf16, scores bf16") &&
          Contains("allowed with order fa1: precision fp32 (order fa2 takes every precision)"));
  CHECK_THROWS_WITH(fs::ProblemFromJson(json::parse(R"({"order": "fa1", "precision": {"acc": "fp16"}})"), "x"),
                    Contains("precision is custom (acc fp16)"));
  CHECK_THROWS_WITH(fs::ProblemFromJson(json::parse(R"({"order": "fa1", "softmax": "stabilized"})"), "x"),
                    Contains("x: order fa1 runs the standard softmax only, but softmax is stabilized; allowed with "
                             "order fa1: softmax standard (order fa2 takes both)"));
  CHECK_NOTHROW(fs::ProblemFromJson(json::parse(R"({"order": "fa2", "softmax": "stabilized"})"), "x"));
  fs::Problem p = Fa1(64, 16, 16, 16);
  p.softmax = fs::Softmax::kStabilized;
  CHECK_THROWS_AS(fs::Validate(p), fs::ProblemError);
  CHECK_THROWS_AS(fs::MakeInputs(p), fs::ProblemError);
}

TEST_CASE("FA1 in the precision lab: the summary names the order, the drift experiment is refused", "[fa1][precision]") {
  const fs::Problem p = Fa1(64, 16, 16, 32, true);
  const fs::Inputs in = fs::MakeInputs(p);
  const fs::Trace t = fs::EmulateTraced(p, in);
  const fs::PrecisionSummary summary = fs::Summarize(t, in);
  CHECK(fs::SummaryJson(t, summary)["order"] == "fa1");
  CHECK(summary.o_max_abs_err < 1e-5);
  CHECK(summary.exact_ones >= static_cast<uint64_t>(t.StepCount()));  // every block row's exp(r_m - r_m) = 1
  // The FP64 shadow of a step follows FA1's meanings: P-tilde against r_m, O divided by l.
  for (int k : {0, 2, t.StepCount() - 1}) {
    const fs::StepShadow sh = fs::ShadowStep(t, in, k);
    const fs::StepInfo& st = t.steps[k];
    INFO("step " << k);
    for (int r = 0; r < st.rows; ++r) {
      CHECK(t.L(k)[r] == Approx(sh.l[r]).epsilon(1e-5));
      for (int c = 0; c < p.bc; ++c) CHECK(t.P(k)[r * p.bc + c] == Approx(sh.p[size_t(r) * p.bc + c]).margin(1e-6));
      CHECK(fs_test::RowError(t.OAcc(k) + size_t(r) * p.d,
                              std::vector<double>(&sh.o_acc[size_t(r) * p.d], &sh.o_acc[size_t(r + 1) * p.d])) < 1e-5);
    }
  }
  // The bit view: FA1 records O-bar (P-tilde V) whatever the precision; O's shadow is not divided twice.
  const fs::CellReport bar = fs::InspectCell(t, &in, fs::CellRef{fs::CellField::kOBar, 1, 20, 3});
  CHECK(bar.error.empty());
  CHECK_THAT(bar.meaning, Contains("P-tilde V"));
  CHECK(bar.stored == t.OBlk(1)[(20 - t.steps[1].row0) * p.d + 3]);
  CHECK(bar.shadow == Approx(bar.stored).epsilon(1e-5));
  const fs::CellReport o = fs::InspectCell(t, &in, fs::CellRef{fs::CellField::kO, 0, 40, 5});
  CHECK(o.error.empty());
  CHECK(o.shadow == Approx(t.o[40 * p.d + 5]).epsilon(1e-5).margin(1e-6));

  const auto run = [](const fs::Problem& q, const fs::Inputs& i) { return fs::EmulateTraced(q, i); };
  CHECK_THROWS_WITH(fs::RunDrift(p, 1, run),
                    Contains("the drift experiment: ") && Contains("order fa1 runs the standard softmax only; allowed: "
                                                                   "order fa2"));
}

TEST_CASE("a lesson and its beats set the order like any problem field", "[fa1][lesson][beat]") {
  const std::string lesson = R"({"title": "t", "problem": {"n": 64, "d": 16, "br": 16, "bc": 16},
    "beats": [{"title": "a", "text": "b"}, {"title": "c", "text": "d", "step": 5, "problem": {"order": "fa1"}},
              {"title": "e", "text": "f", "problem": {"order": "fa1", "softmax": "stabilized"}}]})";
  CHECK_THROWS_WITH(fs::ParseLesson(lesson, "x.json"),
                    Contains("x.json: beats[2]: problem: order fa1 runs the standard softmax only"));
  json j = json::parse(lesson);
  j["beats"].erase(2);
  const fs::Lesson l = fs::ParseLesson(j.dump(), "x.json");
  CHECK(l.beats[0].problem.order == fs::LoopOrder::kFa2);
  CHECK(l.beats[1].problem.order == fs::LoopOrder::kFa1);
  CHECK(l.beats[1].step == 5);
}

TEST_CASE("--order on the command line: fa1 traces FA1's loop, anything else is refused", "[fa1][cli]") {
  fs_test::TempDir dir;
  const std::string log = dir.File("log"), out = dir.File("t.fstrace");
  const std::string bin = FS_FLASHSCOPE_BIN;
  REQUIRE(fs_test::RunShell(bin + " trace --backend cpu --order fa1 --n 50 --d 16 --br 16 --bc 32 --causal --out " +
                                out, log) == 0);
  const fs::Trace t = fs::LoadTrace(out);
  CHECK(t.problem.order == fs::LoopOrder::kFa1);
  CHECK(t.problem == Fa1(50, 16, 16, 32, true));
  CHECK(fs_test::RunShell(bin + " trace --backend cpu --order fa3 --out " + dir.File("u.fstrace"), log) == 2);
  CHECK_THAT(fs_test::ReadBytes(log), Contains("--order is \"fa3\"; allowed: fa2, fa1"));
  CHECK(fs_test::RunShell(bin + " trace --backend cpu --order fa1 --precision fa2-bf16 --out " + dir.File("u.fstrace"),
                          log) != 0);
  CHECK_THAT(fs_test::ReadBytes(log), Contains("order fa1 runs in FP32 only, but precision is fa2-bf16"));
  CHECK(fs_test::FileNames(dir) == std::vector<std::string>{"log", "t.fstrace"});
}

TEST_CASE("the loop-order lesson shows what its beats say", "[fa1][lesson]") {
  const fs::Lesson lesson = fs::LoadLesson(std::string(FS_SOURCE_DIR) + "/scenarios/lessons/loop_order.json");
  REQUIRE(lesson.beats.size() == 4);
  const fs::Problem& p = lesson.beats[0].problem;
  REQUIRE(p.order == fs::LoopOrder::kFa1);
  const fs::Inputs in = fs::MakeInputs(p);
  const fs::Trace t = fs::EmulateTraced(p, in);
  // Beat 1: K/V block 0 with Q block 0 first; the grid fills column by column.
  CHECK(t.steps[lesson.beats[0].step].kv_block == 0);
  CHECK(t.steps[lesson.beats[0].step].q_block == 0);
  for (int k = 0; k < 4; ++k) CHECK(t.steps[k].kv_block == 0);
  // Beat 2: Q block 1 at K/V block 1 reads back the l and m it wrote at K/V block 0.
  const int k = lesson.beats[1].step, prev = t.FindStep(1, 0);
  REQUIRE(t.steps[k].q_block == 1);
  REQUIRE(t.steps[k].kv_block == 1);
  const int r = lesson.beats[1].row - t.steps[k].row0;
  CHECK(SameBits(t.LOld(k)[r], t.L(prev)[r]));
  CHECK(SameBits(t.MOld(k)[r], t.MNew(prev)[r]));
  // The bytes the text quotes, as the Tiles panel prints them (KiB with one decimal):
  // FA1 255488 B = 249.5 KiB; O, l, m 69632 B = 68.0 KiB read, 87040 B = 85.0 KiB written;
  // FA2 164352 B = 160.5 KiB (worked out as in "FA1's HBM traffic on small problems").
  CHECK(fs::Fa1Traffic(p).Total() == 255488);
  CHECK(fs::Fa1StateTraffic(p).read == 69632);
  CHECK(fs::Fa1StateTraffic(p).written == 87040);
  CHECK(fs::Fa2Traffic(p).Total() == 164352);
  CHECK_THAT(lesson.beats[1].text, Contains("249.5 KiB") && Contains("68.0 KiB") && Contains("85.0 KiB"));
  CHECK_THAT(lesson.beats[3].text, Contains("160.5 KiB against FA1's 249.5 KiB"));
  // Beat 3: every row of every tile has an exact 1; the row's last step ends at the exact softmax.
  for (int s = 0; s < t.StepCount(); ++s)
    for (int row = 0; row < t.steps[s].rows; ++row) {
      const float* prow = t.P(s) + size_t(row) * p.bc;
      CHECK(std::count(prow, prow + p.bc, 1.0f) >= 1);
    }
  const int last = lesson.beats[2].step, row = lesson.beats[2].row;
  REQUIRE(t.steps[last].last_for_q_block);
  REQUIRE(row >= t.steps[last].row0);
  const auto running = fs::RunningProbabilities(t, row, last);
  const auto exact = fs::ReferenceSoftmaxRow(p, in, row);
  for (int c = 0; c < p.n; ++c) CHECK(running[c] == Approx(exact[c]).margin(1e-6));
  // Beat 4: FA2's order, the same step and row: Q block 1 at K/V block 1.
  const fs::Problem& q = lesson.beats[3].problem;
  CHECK(q.order == fs::LoopOrder::kFa2);
  fs::Problem same = q;
  same.order = fs::LoopOrder::kFa1;
  CHECK(same == p);  // only the order changes
  const fs::Trace t2 = fs::Trace::Allocate(q);
  CHECK(t2.steps[lesson.beats[3].step].q_block == 1);
  CHECK(t2.steps[lesson.beats[3].step].kv_block == 1);
}
