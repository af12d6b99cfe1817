// GPU/CPU parity without a GPU: traces recorded by the CUDA kernel on the GPU machine
// (bench/record_traces.sh) are committed under tests/data/, and the CPU emulation must
// reproduce them. Also the comparison itself (CompareTraces, StepUlpMap, UlpDistance).
//
// Tolerance: 0 ulp. Both backends use the same exp/log (kernels/fmath.h), the same FMAs
// (host -ffp-contract=off, device -fmad=false) and the same reduction order (lane partials,
// then the xor butterfly), so every recorded value, the poison included, must match exactly.
#include "catch2/catch.hpp"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "emulate.h"
#include "test_util.h"
#include "trace_diff.h"
#include "trace_file.h"

namespace {

// The traces tests/data/ must hold, each recorded with `flashscope trace --backend cuda`.
constexpr const char* kRecordedTraces[] = {
    "gpu_random_n256_d64.fstrace",       // N a multiple of Br and Bc, default scale
    "gpu_tied_causal_n192_d32.fstrace",  // causal, tied maxima, Br != Bc
    // paper-bf16 on the drift pattern: every stage rounded to BF16, the block product
    // recorded, exact ones (standard) and the stabilized shift (r_m, r_s, m')
    "gpu_drift_paper_bf16_standard_n128_d32.fstrace",
    "gpu_drift_paper_bf16_stabilized_n128_d32.fstrace",
};

// The edge cases bench/record_traces.sh records. Until they are recorded on the GPU machine
// and copied into tests/data/ (with the .npy inputs of the npy trace), this stays false;
// then set it to true and the replay test requires and replays them all.
constexpr bool kEdgeTracesRecorded = true;
constexpr const char* kEdgeTraces[] = {
    "gpu_random_partial_n77_d32.fstrace",        // partial Q and K/V tiles, padding rows
    "gpu_random_causal_diag_n50_d16.fstrace",    // causal, Br < Bc, partial diagonal tile
    "gpu_tied_causal_diag_n45_d32.fstrace",      // causal, Br > Bc, a pair cut by the diagonal
    "gpu_random_scale_n64_d32.fstrace",          // an explicit --softmax-scale, causal
    "gpu_sink_n96_d64.fstrace",                  // sink pattern
    "gpu_lowrank_r3_n80_d32.fstrace",            // low-rank pattern
    "gpu_random_n33_d128.fstrace",               // d = 128, 16 x 16 tiles, one padding-heavy block
    "gpu_npy_n40_d16.fstrace",                   // inputs from .npy files (float16 and float32)
};

// FA1's loop order (--order fa1), recorded with the fa1 kernel by the same script on an H100.
constexpr bool kFa1TracesRecorded = true;
constexpr const char* kFa1Traces[] = {
    "gpu_fa1_random_partial_n77_d32.fstrace",      // partial Q and K/V tiles, padding rows
    "gpu_fa1_random_causal_diag_n50_d16.fstrace",  // causal, Br < Bc
    "gpu_fa1_tied_causal_n45_d32.fstrace",         // causal, Br > Bc: block rows with every key masked
    "gpu_fa1_random_n128_d64.fstrace",             // square blocks, d = 64
};

// Windowed traces (Trace::window), recorded with `flashscope trace --q-block` by the same
// script: one Q block's steps, O and L whole.
constexpr const char* kWindowTraces[] = {
    "gpu_window_q2_partial_n77_d32.fstrace",       // FA2, partial tiles, a middle Q block
    "gpu_fa1_window_q3_causal_n130_d16.fstrace",   // FA1 causal, Br > Bc, a middle Q block
    "gpu_window_q511_causal_n8192_d16.fstrace",    // the longest N, past the budget, its last Q block
};

std::string DataDir() {
  const char* override_dir = std::getenv("FS_REPLAY_DATA");  // to check traces before committing
  return override_dir && *override_dir ? override_dir : std::string(FS_SOURCE_DIR) + "/tests/data";
}

std::vector<std::string> ExpectedTraces() {
  std::vector<std::string> names(std::begin(kRecordedTraces), std::end(kRecordedTraces));
  if (kEdgeTracesRecorded) names.insert(names.end(), std::begin(kEdgeTraces), std::end(kEdgeTraces));
  if (kFa1TracesRecorded) names.insert(names.end(), std::begin(kFa1Traces), std::end(kFa1Traces));
  names.insert(names.end(), std::begin(kWindowTraces), std::end(kWindowTraces));
  return names;
}

// The problem with its .npy paths taken relative to the data folder, where they are kept.
fs::Problem WithLocalInputs(fs::Problem p) {
  for (std::string* path : {&p.q_path, &p.k_path, &p.v_path})
    if (!path->empty()) *path = DataDir() + "/" + std::filesystem::path(*path).filename().string();
  return p;
}

bool SameBits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

fs::Trace SmallTrace() {
  const fs::Problem p = fs_test::ProblemOf(64, 16, 32, 32);
  return fs::EmulateTraced(p, fs::MakeInputs(p));
}

// `count` representable floats above x.
float UlpsAbove(float x, int count) {
  for (int i = 0; i < count; ++i) x = std::nextafter(x, INFINITY);
  return x;
}

}  // namespace

TEST_CASE("tests/data holds exactly the listed GPU traces", "[replay]") {
  std::set<std::string> present;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(DataDir(), error))
    if (entry.path().extension() == ".fstrace") present.insert(entry.path().filename().string());
  INFO("in " << DataDir());
  const auto expected = ExpectedTraces();
  REQUIRE(!expected.empty());
  for (const auto& name : expected) {
    INFO(name << " is listed in tests/test_replay.cpp but missing");
    CHECK(present.count(name) == 1);
  }
  const std::set<std::string> listed(expected.begin(), expected.end());
  for (const auto& name : present) {
    INFO(name << " is in the data folder but not listed in tests/test_replay.cpp, so it would not be replayed");
    CHECK(listed.count(name) == 1);
  }
}

TEST_CASE("every recorded trace comes from the CUDA kernel and the CPU emulation reproduces it bit for bit",
          "[replay]") {
  for (const auto& name : ExpectedTraces()) {
    const std::string path = DataDir() + "/" + name;
    INFO(path);
    const fs::Trace gpu = fs::LoadTrace(path);
    INFO(fs::Describe(gpu.problem) << "; " << fs::TraceProvenance(gpu));
    CHECK(gpu.backend == "CUDA");
    CHECK(!gpu.device.empty());
    fs::RunOptions run;
    run.window = gpu.window;  // the steps the file holds
    fs::Trace cpu = fs::EmulateTraced(gpu.problem, fs::MakeInputs(WithLocalInputs(gpu.problem)), run);
    cpu.problem = gpu.problem;  // the same problem; only where its .npy inputs are differs
    const fs::TraceDiff diff = fs::CompareTraces(gpu, cpu);
    INFO(diff.differing << " of " << diff.values << " values differ, max " << diff.max_ulp << " ulp, first in "
                        << diff.first_field << " at step " << diff.first_step);
    // Every step record held, then O (N x d) and L (N).
    const fs::Problem& p = gpu.problem;
    CHECK(diff.values == uint64_t(gpu.HeldStepCount()) * gpu.layout.step_floats + uint64_t(p.n) * p.d + p.n);
    CHECK(diff.Identical());
    CHECK(SameBits(gpu.o, cpu.o));
    CHECK(SameBits(gpu.lse, cpu.lse));
  }
}

TEST_CASE("the recorded traces cover the edge cases they are kept for", "[replay]") {
  bool random = false, tied = false, sink = false, lowrank = false, npy = false, scale = false;
  bool partial = false, causal_partial_diagonal = false, paper_standard = false, paper_stabilized = false;
  bool fa1 = false, fa1_causal_wide_q = false, fa1_causal_wide_kv = false;
  bool fa2_window = false, fa1_window = false, longest_n_window = false;
  for (const auto& name : ExpectedTraces()) {
    const fs::Trace t = fs::LoadTrace(DataDir() + "/" + name);
    const fs::Problem& p = t.problem;
    fa2_window = fa2_window || (t.Windowed() && p.order == fs::LoopOrder::kFa2 && t.window > 0);
    fa1_window = fa1_window || (t.Windowed() && p.order == fs::LoopOrder::kFa1 && p.causal && t.window > 0);
    longest_n_window = longest_n_window || (t.Windowed() && p.n == fs::kMaxStepN && fs::TraceBytes(p) > fs::kTraceBudgetBytes);
    const bool paper = fs::PrecisionName(p.precision) == "paper-bf16";
    paper_standard = paper_standard || (paper && p.softmax == fs::Softmax::kStandard);
    paper_stabilized = paper_stabilized || (paper && p.softmax == fs::Softmax::kStabilized);
    CHECK(fs::TraceBytes(p, t.window) <= (2u << 20));  // small enough to keep in the repository
    random = random || p.pattern == fs::Pattern::kRandom;
    tied = tied || p.pattern == fs::Pattern::kTiedMaxima;
    sink = sink || p.pattern == fs::Pattern::kSink;
    lowrank = lowrank || p.pattern == fs::Pattern::kLowRank;
    npy = npy || p.pattern == fs::Pattern::kNpy;
    scale = scale || p.scale != 0.0f;
    partial = partial || (p.n % p.br != 0 && p.n % p.bc != 0);
    causal_partial_diagonal = causal_partial_diagonal || (p.causal && p.n % p.br != 0 && p.n % p.bc != 0);
    const bool fa1_order = p.order == fs::LoopOrder::kFa1;
    fa1 = fa1 || fa1_order;
    fa1_causal_wide_q = fa1_causal_wide_q || (fa1_order && p.causal && p.br > p.bc);
    fa1_causal_wide_kv = fa1_causal_wide_kv || (fa1_order && p.causal && p.br < p.bc);
  }
  CHECK(random);
  CHECK(tied);
  CHECK(paper_standard);
  CHECK(paper_stabilized);
  if (kEdgeTracesRecorded) {
    CHECK(sink);
    CHECK(lowrank);
    CHECK(npy);
    CHECK(scale);
    CHECK(partial);
    CHECK(causal_partial_diagonal);
  }
  CHECK(fa2_window);
  CHECK(fa1_window);
  CHECK(longest_n_window);
  if (kFa1TracesRecorded) {
    CHECK(fa1);
    CHECK(fa1_causal_wide_q);
    CHECK(fa1_causal_wide_kv);
  }
}

TEST_CASE("ulp distance counts representable floats between two values", "[replay]") {
  CHECK(fs::UlpDistance(1.0f, 1.0f) == 0);
  CHECK(fs::UlpDistance(1.0f, std::nextafter(1.0f, 2.0f)) == 1);
  CHECK(fs::UlpDistance(-0.0f, 0.0f) == 0);
  CHECK(fs::UlpDistance(std::nextafter(0.0f, 1.0f), std::nextafter(0.0f, -1.0f)) == 2);
  CHECK(fs::UlpDistance(NAN, NAN) == 0);
  CHECK(fs::UlpDistance(NAN, 1.0f) == UINT32_MAX);
}

TEST_CASE("comparing traces finds a single changed value and where it is", "[replay]") {
  const fs::Trace a = SmallTrace();
  fs::Trace b = a;
  CHECK(fs::CompareTraces(a, b).Identical());
  float& l = b.Step(2)[b.layout.offset[fs::kL] + 5];
  l = std::nextafter(l, INFINITY);
  const auto diff = fs::CompareTraces(a, b);
  CHECK(diff.differing == 1);
  CHECK(diff.max_ulp == 1);
  CHECK(diff.first_step == 2);
  CHECK(diff.first_field == "l");
  fs::Problem other = a.problem;
  other.seed = 2;
  CHECK_THROWS_AS(fs::CompareTraces(a, fs::EmulateTraced(other, fs::MakeInputs(other))), std::invalid_argument);
  other = a.problem;
  other.scale = 0.3f;  // same sizes, another problem
  CHECK_THROWS_AS(fs::CompareTraces(a, fs::EmulateTraced(other, fs::MakeInputs(other))), std::invalid_argument);
}

TEST_CASE("comparing traces covers the final O and L", "[replay]") {
  const fs::Trace a = SmallTrace();
  // 4 steps of (2 x 32 x 32 + 7 x 32 + 2 x 32 x 16) floats, then O (64 x 16) and L (64).
  CHECK(fs::CompareTraces(a, a).values == 4u * (2 * 32 * 32 + 7 * 32 + 2 * 32 * 16) + 64 * 16 + 64);
  fs::Trace b = a;
  b.o[100] = UlpsAbove(b.o[100], 2);
  auto diff = fs::CompareTraces(a, b);
  CHECK(diff.differing == 1);
  CHECK(diff.max_ulp == 2);
  CHECK(diff.first_step == -1);
  CHECK(diff.first_field == "O");
  b = a;
  b.lse[63] = UlpsAbove(b.lse[63], 1);
  diff = fs::CompareTraces(a, b);
  CHECK(diff.differing == 1);
  CHECK(diff.first_step == -1);
  CHECK(diff.first_field == "L");
}

TEST_CASE("the first difference named is the first in loop order", "[replay]") {
  const fs::Trace a = SmallTrace();
  fs::Trace b = a;
  b.o[0] = UlpsAbove(b.o[0], 1);
  float* late = b.Step(3) + b.layout.offset[fs::kRescale];
  *late = UlpsAbove(*late, 1);
  float* early = b.Step(1) + b.layout.offset[fs::kP] + 40;
  *early = UlpsAbove(*early, 4);
  const auto diff = fs::CompareTraces(a, b);
  CHECK(diff.differing == 3);
  CHECK(diff.max_ulp == 4);
  CHECK(diff.first_step == 1);
  CHECK(diff.first_field == "P");
}

TEST_CASE("the per-step ulp map reads both traces at the same field and element", "[replay]") {
  const fs::Trace a = SmallTrace();  // Br = Bc = 32, d = 16
  const fs::TraceLayout& L = a.layout;
  struct Field {
    const char* name;
    size_t offset, count;
  };
  // O-bar is left out: an FP32 run adds P-bar V straight into O~ and leaves it as the poison.
  const Field fields[] = {{"S", L.offset[fs::kS], 32 * 32},          {"P", L.offset[fs::kP], 32 * 32},
                          {"m_old", L.offset[fs::kMOld], 32},        {"m_new", L.offset[fs::kMNew], 32},
                          {"rescale", L.offset[fs::kRescale], 32},   {"l", L.offset[fs::kL], 32},
                          {"O~", L.offset[fs::kOAcc], 32 * 16},      {"r_m", L.offset[fs::kRMax], 32},
                          {"r_s", L.offset[fs::kRCount], 32},        {"m'", L.offset[fs::kMShift], 32}};
  for (const Field& changed : fields) {
    fs::Trace b = a;
    const size_t element = changed.count / 2 + 3;
    float* value = b.Step(1) + changed.offset + element;
    *value = UlpsAbove(*value, 3);
    for (const Field& f : fields) {
      INFO(changed.name << "[" << element << "] changed at step 1; map of " << f.name);
      std::vector<float> expected(f.count, 0.0f);
      if (&f == &changed) expected[element] = 3.0f;
      CHECK(fs::StepUlpMap(a, b, 1, f.name) == expected);
      CHECK(fs::StepUlpMap(a, b, 2, f.name) == std::vector<float>(f.count, 0.0f));  // other steps untouched
    }
  }
  CHECK_THROWS_AS(fs::StepUlpMap(a, a, 0, "Q"), std::invalid_argument);
}
