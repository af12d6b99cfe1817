// The ladder's kernels on the GPU: each against FP64 on fresh random inputs with poisoned
// outputs, every d, causal and not, odd N; the bench end to end (validation, ceilings, out of
// memory, JSON); fa2_mma's paper-bf16 drift and its fix by the stabilized softmax.
#include <cmath>
#include <random>

#include "bench.h"
#include "catch2/catch.hpp"
#include "inputs.h"
#include "ladder.h"
#include "reference.h"
#include "test_gpu_util.h"
#include "test_util.h"

using Catch::Matchers::Contains;
using fs_test::RequireCuda;

namespace {

// The stored inputs: each of Q, K, V rounded to the storage format.
fs::Inputs Stored(const fs::Inputs& in, fs::Format dtype) {
  fs::Inputs out = in;
  for (auto* m : {&out.q, &out.k, &out.v})
    for (float& x : *m) x = fs::Round(x, dtype);
  return out;
}

struct Case {
  const char* kernel;
  fs::Format dtype;
  const char* precision;
  fs::Softmax softmax;
};

// Every element of O and L is written and finite, and O and L match FP64 computed from the
// inputs the kernel read.
void CheckAgainstFp64(const Case& c, const fs::Problem& p, uint64_t seed, fs::MmaTile tile = {}) {
  const fs::KernelInfo* k = fs::FindKernel(c.kernel);
  REQUIRE(k != nullptr);
  const fs::Inputs in = fs::MakeInputs(p);
  const fs::Output out = fs::RunKernelOnce(*k, p, in, c.dtype, tile);
  const fs::ReferenceOutput ref = fs::ReferenceForward(p, Stored(in, c.dtype));
  INFO(c.kernel << " " << fs::FormatName(c.dtype) << " " << c.precision << " " << fs::SoftmaxName(c.softmax)
                << " N=" << p.n << " d=" << p.d << (p.causal ? " causal" : "") << " seed " << seed << " "
                << (tile == fs::MmaTile{} ? "" : fs::TileText(tile)));
  REQUIRE(out.o.size() == ref.o.size());
  REQUIRE(out.lse.size() == ref.lse.size());
  for (size_t i = 0; i < out.o.size(); ++i)
    if (!std::isfinite(out.o[i])) FAIL("O[" << i << "] is " << out.o[i]);
  for (size_t i = 0; i < out.lse.size(); ++i)
    if (!std::isfinite(out.lse[i])) FAIL("L[" << i << "] is " << out.lse[i]);
  fs::Problem tol = p;
  tol.precision = fs::KernelPrecision(*k, c.dtype, p.precision);
  // Rounded scores (standard attention stores S in BF16/FP16) double the output's error.
  const bool s_rounded = tol.precision.scores != fs::Format::kFp32;
  CHECK(fs::MaxRelativeError(out.o, ref.o, p.d) < fs_test::OutputTolerance(tol) * (s_rounded ? 2.0 : 1.0));
  // L = m + log l: BF16 statistics round it to 8 bits, rounded scores shift it by up to a
  // few of their ulps; otherwise FP32 to a few ulp.
  const double l_tol = std::string(c.precision) == "paper-bf16"        ? 0.05
                       : s_rounded && tol.precision.scores == fs::Format::kBf16 ? 0.03
                       : s_rounded                                            ? 0.004
                                                                              : 1e-3;
  CHECK(fs::MaxAbsoluteError(out.lse, ref.lse) < l_tol);
}

}  // namespace

TEST_CASE("every ladder kernel matches FP64 at every d, causal and not, odd N", "[.gpu][kernels]") {
  RequireCuda();
  const Case cases[] = {
      {"standard", fs::Format::kFp32, "fp32", fs::Softmax::kStandard},
      {"standard", fs::Format::kBf16, "fa2-bf16", fs::Softmax::kStandard},
      {"standard", fs::Format::kFp16, "fa2-fp16", fs::Softmax::kStandard},
      {"fa2_teach", fs::Format::kFp32, "fp32", fs::Softmax::kStandard},
      {"fa2_mma", fs::Format::kBf16, "fa2-bf16", fs::Softmax::kStandard},
      {"fa2_mma", fs::Format::kBf16, "fa2-bf16", fs::Softmax::kStabilized},
      {"fa2_mma", fs::Format::kFp16, "fa2-fp16", fs::Softmax::kStandard},
      {"fa2_mma", fs::Format::kFp16, "fa2-fp16", fs::Softmax::kStabilized},
      {"fa2_mma", fs::Format::kBf16, "paper-bf16", fs::Softmax::kStandard},
      {"fa2_mma", fs::Format::kBf16, "paper-bf16", fs::Softmax::kStabilized},
  };
  std::mt19937_64 rng(Catch::rngSeed());
  for (const Case& c : cases)
    for (int d : fs::kAllowedD)
      for (int n : {1, 77, 300})
        for (bool causal : {false, true}) {
          fs::Problem p;
          p.n = n;
          p.d = d;
          p.causal = causal;
          p.seed = rng();
          fs::ParsePrecisionPreset(c.precision, &p.precision);
          p.softmax = c.softmax;
          CheckAgainstFp64(c, p, p.seed);
        }
}

TEST_CASE("fa2_mma matches FP64 at every tile of its sweep and at long N", "[.gpu][kernels]") {
  RequireCuda();
  const Case c{"fa2_mma", fs::Format::kBf16, "fa2-bf16", fs::Softmax::kStandard};
  std::mt19937_64 rng(Catch::rngSeed() + 1);
  for (int d : fs::kFa2MmaSweepD)
    for (fs::MmaTile tile : fs::kFa2MmaSweepTiles)
      for (bool causal : {false, true}) {
        if (!fs::Fa2MmaSweepTileFits(d, tile)) continue;
        fs::Problem p;
        p.n = 1000 + static_cast<int>(rng() % 200);  // several blocks, a partial last one
        p.d = d;
        p.causal = causal;
        p.seed = rng();
        fs::ParsePrecisionPreset(c.precision, &p.precision);
        CheckAgainstFp64(c, p, p.seed, tile);
      }
}

TEST_CASE("a kernel asked for a format or policy it does not run is refused by name", "[.gpu][kernels]") {
  RequireCuda();
  fs::Problem p;
  const fs::Inputs in = fs::MakeInputs(p);
  CHECK_THROWS_WITH(fs::RunKernelOnce(*fs::FindKernel("fa2_mma"), p, in, fs::Format::kFp32),
                    Contains("fa2_mma stores Q, K, V and O in bf16, fp16, not fp32"));
  fs::Problem paper = p;
  fs::ParsePrecisionPreset("paper-bf16", &paper.precision);
  CHECK_THROWS_WITH(fs::RunKernelOnce(*fs::FindKernel("standard"), paper, in, fs::Format::kBf16),
                    Contains("standard runs the fa2-bf16 preset in bf16, not paper-bf16"));
}

TEST_CASE("fa2_mma shows paper-bf16's negative drift of O and the stabilized softmax removing it", "[.gpu][kernels]") {
  RequireCuda();
  // The drift pattern (inputs.h): O[:, 0] of the BF16 run is biased low against FP64 under
  // the standard softmax; the stabilized shift removes most of it. Summed over four seeds.
  double err[2] = {0.0, 0.0};
  for (int s = 0; s < 2; ++s)
    for (uint64_t seed = 1; seed <= 4; ++seed) {
      fs::Problem p;
      p.n = 256;
      p.d = 64;
      p.pattern = fs::Pattern::kDrift;
      p.seed = seed;
      fs::ParsePrecisionPreset("paper-bf16", &p.precision);
      p.softmax = s ? fs::Softmax::kStabilized : fs::Softmax::kStandard;
      const fs::Inputs in = fs::MakeInputs(p);
      const fs::Output out = fs::RunKernelOnce(*fs::FindKernel("fa2_mma"), p, in, fs::Format::kBf16);
      const fs::ReferenceOutput ref = fs::ReferenceForward(p, Stored(in, fs::Format::kBf16));
      for (int r = 0; r < p.n; ++r) {
        const size_t i = static_cast<size_t>(r) * p.d + fs::kDriftFeature;
        err[s] += out.o[i] - ref.o[i];
      }
    }
  INFO("sum of O[:, 0] - FP64: standard " << err[0] << ", stabilized " << err[1]);
  CHECK(err[0] < 0.0);
  CHECK(std::fabs(err[1]) * 5.0 < std::fabs(err[0]));
}

TEST_CASE("bench validates, times and reports every kernel with the GPU's ceilings", "[.gpu][kernels]") {
  RequireCuda();
  fs::BenchRequest req;
  req.shapes = {{2, 3, 1000, 64, false}, {1, 2, 777, 128, true}};
  req.dtypes = {fs::Format::kFp32, fs::Format::kBf16};
  req.warmup = 1;
  req.repeats = 3;
  int seen = 0;
  const fs::BenchReport report = fs::RunBench(req, [&](const fs::BenchResult&) { return ++seen > 0; });
  CHECK(!report.device.empty());
  CHECK(report.ceilings.gemm_bf16_tflops > report.ceilings.gemm_fp32_tflops);
  CHECK(report.ceilings.gemm_fp32_tflops > 1.0);
  CHECK(report.ceilings.copy_gbps > 100.0);
  // fp32: standard, fa2_teach (fa1 when built); bf16: standard, fa2_mma.
  REQUIRE(report.results.size() >= 8);
  CHECK(seen == static_cast<int>(report.results.size()));
  for (const fs::BenchResult& r : report.results) {
    INFO(r.kernel << " " << fs::ShapeText(r.shape) << " " << fs::FormatName(r.dtype) << ": "
                  << fs::BenchStatusName(r.status) << " " << r.note << " max rel " << r.max_rel_err);
    CHECK(r.status == fs::BenchStatus::kOk);
    CHECK(r.min_ms > 0.0);
    CHECK(r.min_ms <= r.median_ms);
    CHECK(r.tflops == Approx(fs::AttentionFlops(r.shape) / (r.median_ms * 1e-3) / 1e12));
    CHECK(r.pct_of_gemm > 0.0);
    CHECK(r.max_rel_err <= r.tolerance);
    CHECK(r.device_bytes == fs::KernelDeviceBytes(fs::FindKernel(r.kernel)->id, r.shape, r.dtype));
  }
  const fs::BenchReport back = fs::ReportFromJson(fs::ReportToJson(report), "round trip");
  REQUIRE(back.results.size() == report.results.size());
  CHECK(back.results[3].tflops == report.results[3].tflops);
  CHECK(back.ceilings.copy_gbps == report.ceilings.copy_gbps);
}

TEST_CASE("standard attention that does not fit is reported out of memory and the others run", "[.gpu][kernels]") {
  RequireCuda();
  fs::BenchRequest req;
  req.shapes = {{64, 1, 65536, 64, false}};  // S: 64 heads x 65536^2 x 2 bytes = 512 GiB
  req.dtypes = {fs::Format::kBf16};
  req.kernels = {"standard", "fa2_mma"};
  req.warmup = 0;
  req.repeats = 1;
  req.ceilings = false;
  const fs::BenchReport report = fs::RunBench(req);
  REQUIRE(report.results.size() == 2);
  CHECK(report.results[0].kernel == "standard");
  CHECK(report.results[0].status == fs::BenchStatus::kOutOfMemory);
  CHECK_THAT(report.results[0].note, Contains("out of memory at N = 65536"));
  CHECK(report.results[1].kernel == "fa2_mma");
  CHECK(report.results[1].status == fs::BenchStatus::kOk);
}
