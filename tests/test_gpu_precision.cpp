// GPU tests of the precision lab: fa2_teach under every precision preset and both softmax
// variants against its CPU twin (bit for bit) and against FP64, and precision.h's rounding
// against CUDA's own conversions for all 2^32 floats.
#include "catch2/catch.hpp"
#include "test_gpu_util.h"

#include <cstring>
#include <string>

#include "backend.h"
#include "emulate.h"
#include "gpu_checks.h"
#include "reference.h"
#include "test_util.h"
#include "trace_diff.h"

namespace {

constexpr uint64_t kSeed = 0x5eed2026;  // fixed; every problem below derives from it

bool SameBits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// The first differing float of the step records, named by step and field.
std::string FirstDifference(const fs::Trace& a, const fs::Trace& b) {
  for (size_t i = 0; i < std::min(a.data.size(), b.data.size()); ++i)
    if (std::memcmp(&a.data[i], &b.data[i], sizeof(float)) != 0)
      return "step " + std::to_string(i / a.layout.step_floats) + " " +
             fs::FieldAt(a.layout, i % a.layout.step_floats) + ": GPU " + std::to_string(a.data[i]) + " vs CPU " +
             std::to_string(b.data[i]);
  return "none";
}

using fs_test::RequireCuda;

}  // namespace

TEST_CASE("Rounding to BF16 and FP16 equals CUDA's conversions for all 2^32 floats", "[.gpu]") {
  RequireCuda();
  for (fs::Format f : {fs::Format::kBf16, fs::Format::kFp16}) {
    const fs::RoundingCheck r = fs::CheckRoundingOnGpu(f);
    INFO(fs::FormatName(f) << ": first differing input 0x" << std::hex << r.first_bits);
    CHECK(r.checked == (uint64_t{1} << 32));
    CHECK(r.mismatches == 0);
  }
}

TEST_CASE("GPU trace equals the CPU twin bit for bit for every preset and softmax variant", "[.gpu]") {
  RequireCuda();
  auto gpu = fs::MakeCudaBackend();
  fs::NormalRng rng(kSeed);
  INFO("seed " << kSeed);
  constexpr fs::Pattern kPatterns[] = {fs::Pattern::kRandom, fs::Pattern::kTiedMaxima, fs::Pattern::kSink,
                                       fs::Pattern::kDrift};
  constexpr int kBlockPairs[][2] = {{16, 16}, {32, 64}, {64, 32}, {128, 128}};
  int cases = 0;
  for (const fs::PrecisionPreset& preset : fs::kPrecisionPresets)
    for (fs::Softmax softmax : {fs::Softmax::kStandard, fs::Softmax::kStabilized})
      for (int d : {16, 32, 64, 96, 128})
        for (const auto& blocks : kBlockPairs)
          for (bool causal : {false, true}) {
            fs::Problem p;
            p.n = 1 + static_cast<int>(rng.NextU64() % 300);
            p.d = d;
            p.br = blocks[0];
            p.bc = blocks[1];
            p.causal = causal;
            p.pattern = kPatterns[rng.NextU64() % 4];
            p.seed = rng.NextU64();
            p.precision = preset.precision;
            p.softmax = softmax;
            p.beta = softmax == fs::Softmax::kStabilized && cases % 2 ? 7.0f : 2.0f;
            INFO(fs::Describe(p) << " (" << preset.name << ", " << fs::SoftmaxName(softmax) << ")");
            const fs::Inputs in = fs::MakeInputs(p);
            const fs::Trace cpu = fs::EmulateTraced(p, in);
            const fs::Trace gpu_trace = gpu->RunTraced(p, in);
            INFO("first difference: " << FirstDifference(gpu_trace, cpu));
            REQUIRE(SameBits(gpu_trace.data, cpu.data));
            REQUIRE(SameBits(gpu_trace.o, cpu.o));
            REQUIRE(SameBits(gpu_trace.lse, cpu.lse));
            // The untimed kernel (tracing compiled out) gives the same O and L.
            const fs::Output run = gpu->Run(p, in);
            REQUIRE(SameBits(run.o, cpu.o));
            REQUIRE(SameBits(run.lse, cpu.lse));
            // And the answer is attention, to the output format's precision: except where the
            // stabilized shift is known to push P-bar out of range (FP16's P-bar underflows, and
            // beta = 7 underflows the other keys; see test_precision.cpp), which the twin shows
            // bit for bit above.
            const bool out_of_range = softmax == fs::Softmax::kStabilized &&
                                      (p.precision.pbar == fs::Format::kFp16 || p.beta > 2.0f);
            if (!out_of_range) {
              const fs::ReferenceOutput ref = fs::ReferenceForward(p, fs::RoundedInputs(p, in));
              CHECK(fs::MaxRelativeError(run.o, ref.o, p.d) < fs_test::OutputTolerance(p));
            }
            ++cases;
          }
  CHECK(cases == 4 * 2 * 5 * 4 * 2);
}
