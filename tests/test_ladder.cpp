// The kernel ladder's table, formulas and rules, and the bench report's JSON: everything
// about the ladder that holds without a GPU.
#include <string>

#include "bench.h"
#include "catch2/catch.hpp"
#include "ladder.h"
#include "problem.h"
#include "test_util.h"

using Catch::Matchers::Contains;

namespace {

fs::NumericPolicy PolicyOf(const char* preset, fs::Softmax softmax = fs::Softmax::kStandard) {
  fs::NumericPolicy np;
  REQUIRE(fs::ParsePrecisionPreset(preset, &np.precision));
  np.softmax = softmax;
  return np;
}

fs::BenchReport SampleReport() {
  fs::BenchReport r;
  r.device = "NVIDIA H100 80GB HBM3";
  r.recorded_at = "2026-11-22T08:00:00Z";
  r.host = "gpu-1";
  r.warmup = 3;
  r.repeats = 20;
  r.ceilings = {700.5, 51.25, 3012.0, 8192, 1ull << 30};
  fs::BenchResult ok;
  ok.kernel = "fa2_mma";
  ok.shape = {2, 16, 8192, 128, true};
  ok.dtype = fs::Format::kBf16;
  ok.precision = "fa2-bf16";
  ok.softmax = "standard";
  ok.tile = "Br=64 Bc=64";
  ok.median_ms = 1.5;
  ok.min_ms = 1.25;
  ok.tflops = 366.5;
  ok.pct_of_gemm = 52.3;
  ok.gbps = 89.5;
  ok.device_bytes = 123456789;
  ok.registers = 167;
  ok.max_rel_err = 3.5e-3;
  ok.mean_signed_err = -1.25e-6;
  ok.rel_l2_err = 2e-3;
  ok.tolerance = 2e-2;
  fs::BenchResult oom = ok;
  oom.kernel = "standard";
  oom.status = fs::BenchStatus::kOutOfMemory;
  oom.note = "out of memory at N = 65536: ...";
  oom.max_rel_err = INFINITY;
  r.results = {ok, oom};
  return r;
}

}  // namespace

TEST_CASE("the ladder table names every kernel once, in ladder order", "[ladder]") {
  CHECK(fs::KernelChoices() == "standard, fa1, fa2_teach, fa2_mma");
  for (const fs::KernelInfo& k : fs::kKernels) {
    CHECK(fs::FindKernel(k.name) == &k);
    CHECK(&fs::KernelOf(k.id) == &k);
  }
  CHECK(fs::FindKernel("fa3") == nullptr);
  CHECK(fs::FindKernel("") == nullptr);
}

TEST_CASE("FLOPs, compulsory bytes and device memory follow the formulas on hand examples", "[ladder]") {
  // 4 B H N^2 d: 4 * 2 * 16 * 8192^2 * 128 = 1.099511627776e12; causal counts half.
  fs::LadderShape s{2, 16, 8192, 128, false};
  CHECK(fs::AttentionFlops(s) == 1099511627776.0);
  s.causal = true;
  CHECK(fs::AttentionFlops(s) == 549755813888.0);
  // Q, K, V, O of 32 heads x 8192 x 128 in BF16 (2 bytes) and L in FP32:
  // 32*8192*128*4*2 + 32*8192*4 = 268435456 + 1048576.
  CHECK(fs::CompulsoryBytes(s, fs::Format::kBf16) == 269484032.0);
  CHECK(fs::CompulsoryBytes(s, fs::Format::kFp32) == 2.0 * 268435456.0 + 1048576.0);
  // Standard attention adds S: 32 heads x 8192^2 elements.
  const uint64_t io = 269484032ull;
  CHECK(fs::KernelDeviceBytes(fs::KernelId::kFa2Mma, s, fs::Format::kBf16) == io);
  CHECK(fs::KernelDeviceBytes(fs::KernelId::kStandard, s, fs::Format::kBf16) == io + 32ull * 8192 * 8192 * 2);
  CHECK(fs::KernelDeviceBytes(fs::KernelId::kFa1, s, fs::Format::kFp32) ==
        2ull * 268435456 + 1048576 + 2ull * 32 * 8192 * 4);
  CHECK(fs::ShapeText(s) == "2x16x8192x128c");
}

TEST_CASE("each kernel runs the formats and policies it implements and names the others", "[ladder]") {
  const fs::KernelInfo& standard = *fs::FindKernel("standard");
  const fs::KernelInfo& fa1 = *fs::FindKernel("fa1");
  const fs::KernelInfo& teach = *fs::FindKernel("fa2_teach");
  const fs::KernelInfo& mma = *fs::FindKernel("fa2_mma");
  CHECK(fs::KernelRunsError(standard, fs::Format::kBf16, PolicyOf("fa2-bf16")).empty());
  CHECK(fs::KernelRunsError(standard, fs::Format::kFp32, PolicyOf("fp32")).empty());
  CHECK_THAT(fs::KernelRunsError(standard, fs::Format::kBf16, PolicyOf("paper-bf16")),
             Contains("runs the fa2-bf16 preset in bf16, not paper-bf16"));
  CHECK_THAT(fs::KernelRunsError(standard, fs::Format::kFp32, PolicyOf("fp32", fs::Softmax::kStabilized)),
             Contains("standard softmax only"));
  CHECK(fs::KernelRunsError(fa1, fs::Format::kFp32, PolicyOf("fp32")).empty());
  CHECK_THAT(fs::KernelRunsError(fa1, fs::Format::kBf16, PolicyOf("fa2-bf16")), Contains("fa1 stores Q, K, V and O in fp32, not bf16"));
  CHECK(fs::KernelRunsError(teach, fs::Format::kFp32, PolicyOf("paper-bf16", fs::Softmax::kStabilized)).empty());
  CHECK(fs::KernelRunsError(mma, fs::Format::kBf16, PolicyOf("paper-bf16", fs::Softmax::kStabilized)).empty());
  CHECK(fs::KernelRunsError(mma, fs::Format::kFp16, PolicyOf("fa2-fp16")).empty());
  CHECK_THAT(fs::KernelRunsError(mma, fs::Format::kFp16, PolicyOf("fa2-bf16")),
             Contains("fa2-bf16 or paper-bf16 in bf16 and fa2-fp16 in fp16, not fa2-bf16 in fp16"));
  CHECK_THAT(fs::KernelRunsError(mma, fs::Format::kFp32, PolicyOf("fp32")), Contains("bf16, fp16, not fp32"));
}

TEST_CASE("validation tolerances grow with the rounding a policy does by design", "[ladder]") {
  const double fp32 = fs::ValidationTolerance(PolicyOf("fp32"));
  const double fp16 = fs::ValidationTolerance(PolicyOf("fa2-fp16"));
  const double bf16 = fs::ValidationTolerance(PolicyOf("fa2-bf16"));
  const double paper = fs::ValidationTolerance(PolicyOf("paper-bf16"));
  CHECK(fp32 < fp16);
  CHECK(fp16 < bf16);
  CHECK(bf16 < paper);
  CHECK(paper <= 0.1);  // a kernel that is wrong (errors of order 1) never passes
}

TEST_CASE("a bench report survives its JSON, errors that were not finite included", "[ladder][bench]") {
  const fs::BenchReport r = SampleReport();
  const fs::BenchReport back = fs::ReportFromJson(fs::ReportToJson(r), "x.json");
  CHECK(back.device == r.device);
  CHECK(back.recorded_at == r.recorded_at);
  CHECK(back.ceilings.gemm_bf16_tflops == 700.5);
  CHECK(back.ceilings.copy_bytes == (1ull << 30));
  REQUIRE(back.results.size() == 2);
  const fs::BenchResult& a = back.results[0];
  CHECK(a.kernel == "fa2_mma");
  CHECK(fs::ShapeText(a.shape) == "2x16x8192x128c");
  CHECK(a.dtype == fs::Format::kBf16);
  CHECK(a.tile == "Br=64 Bc=64");
  CHECK(a.tflops == 366.5);
  CHECK(a.registers == 167);
  CHECK(a.mean_signed_err == -1.25e-6);
  CHECK(back.results[1].status == fs::BenchStatus::kOutOfMemory);
  CHECK(back.results[1].max_rel_err == INFINITY);
  CHECK(back.results[1].note == r.results[1].note);
}

TEST_CASE("a damaged bench report is refused naming the key and what is allowed", "[ladder][bench]") {
  const std::string good = fs::ReportToJson(SampleReport());
  const auto with = [&](const std::string& from, const std::string& to) {
    std::string text = good;
    const size_t at = text.find(from);
    REQUIRE(at != std::string::npos);
    return text.replace(at, from.size(), to);
  };
  CHECK_THROWS_WITH(fs::ReportFromJson("[1, 2]", "a.json"), Contains("a.json"));
  CHECK_THROWS_WITH(fs::ReportFromJson("{", "a.json"), Contains("not valid JSON"));
  CHECK_THROWS_WITH(fs::ReportFromJson(with("\"version\": 2", "\"version\": 1"), "a.json"),
                    Contains("run the bench again"));
  CHECK_THROWS_WITH(fs::ReportFromJson(with("\"kernel\": \"fa2_mma\"", "\"kernel\": \"fa9\""), "a.json"),
                    Contains("results[0].kernel") && Contains("standard, fa1, fa2_teach, fa2_mma"));
  CHECK_THROWS_WITH(fs::ReportFromJson(with("\"d\": 128", "\"d\": 48"), "a.json"), Contains("results[0].d"));
  CHECK_THROWS_WITH(fs::ReportFromJson(with("\"dtype\": \"bf16\"", "\"dtype\": \"fp8\""), "a.json"),
                    Contains("fp32, fp16, bf16"));
  CHECK_THROWS_WITH(fs::ReportFromJson(with("\"status\": \"ok\"", "\"status\": \"fast\""), "a.json"),
                    Contains("results[0].status"));
  CHECK_THROWS_WITH(fs::ReportFromJson(with("\"tflops\": 366.5", "\"tflops\": -1"), "a.json"),
                    Contains("numbers >= 0"));
  CHECK_THROWS_WITH(fs::ReportFromJson(with("\"ceilings\"", "\"ceiling\""), "a.json"), Contains("\"ceilings\""));
}

TEST_CASE("bench requests with values outside the allowed ones are refused without a GPU", "[ladder][bench]") {
  fs::BenchRequest req;
  req.shapes = {{1, 1, 1024, 64, false}};
  CHECK(fs::BenchRequestProblems(req).empty());
  req.kernels = {"fa2_mma", "flash3"};
  req.shapes.push_back({1, 1, fs::kMaxBenchN + 1, 48, false});
  req.repeats = 0;
  const auto problems = fs::BenchRequestProblems(req);
  REQUIRE(problems.size() == 4);
  CHECK_THAT(problems[0], Contains("repeats 0; allowed: 1 or more"));
  CHECK_THAT(problems[1], Contains("kernel \"flash3\"; allowed: standard, fa1, fa2_teach, fa2_mma"));
  CHECK_THAT(problems[2], Contains("N is 65537; allowed: 1..65536"));
  CHECK_THAT(problems[3], Contains("d is 48"));
}

TEST_CASE("flashscope bench refuses bad kernels, formats and shapes by name", "[ladder][bench][cli]") {
  const fs_test::TempDir dir;
  const std::string log = dir.Path() + "/log.txt";
  const auto refused = [&](const std::string& args, const std::string& message) {
    INFO("flashscope bench " << args);
    CHECK(fs_test::RunShell(std::string(FS_FLASHSCOPE_BIN) + " bench " + args, log) == 2);
    CHECK_THAT(fs_test::ReadBytes(log), Contains(message));
  };
  refused("--kernels fa2_mma,fa9 --shape 1x1x64x64", "kernel \"fa9\"; allowed: standard, fa1, fa2_teach, fa2_mma");
  refused("--dtype fp8 --shape 1x1x64x64", "--dtype \"fp8\"; allowed: fp32, fp16, bf16");
  refused("--shape 1x1x64x48", "d is 48");
  refused("--shape 1x1x0x64", "N is 0");
  refused("--precision paper-bf16 --beta 40 --shape 1x1x64x64", "beta");
}
