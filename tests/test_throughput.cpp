// The throughput panel's model and the live ladder's worker, without a window or a GPU: the
// numbers each view draws, computed on hand examples and on the H100 reports in the tree
// (their values are the GPU's own, written by the bench), and the worker's passes, progress,
// ceilings and cancel driven by a fake runner in place of RunBench. Also the bench report
// files and the lesson field that opens one.
//
// Sections: reports and shapes · bars · roofline · memory · sweep · the worker · lessons
#include "catch2/catch.hpp"

#include <atomic>
#include <chrono>
#include <cmath>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bench.h"
#include "ladder_worker.h"
#include "lesson.h"
#include "test_util.h"
#include "throughput_model.h"

using Catch::Matchers::Contains;

namespace {

const std::string kLadderSample = std::string(FS_SOURCE_DIR) + "/tests/data/h100_ladder_sample.json";
const std::string kSweepSample = std::string(FS_SOURCE_DIR) + "/tests/data/h100_fa2_mma_sweep_sample.json";

const fs::LadderShape kShape128{2, 16, 8192, 128, false};
const fs::LadderShape kShape64{2, 16, 8192, 64, false};

fs::BenchResult Result(const std::string& kernel, fs::Format dtype, double tflops, double pct = 0,
                       const std::string& tile = "") {
  fs::BenchResult r;
  r.kernel = kernel;
  r.shape = {1, 1, 1024, 64, false};
  r.dtype = dtype;
  r.precision = dtype == fs::Format::kFp32 ? "fp32" : "fa2-bf16";
  r.softmax = "standard";
  r.tile = tile;
  r.tflops = tflops;
  r.pct_of_gemm = pct;
  return r;
}

const fs::LadderRow* RowOf(const std::vector<fs::LadderRow>& rows, const std::string& kernel) {
  for (const fs::LadderRow& row : rows)
    if (row.kernel->name == kernel) return &row;
  return nullptr;
}

}  // namespace

// ---- reports and shapes ------------------------------------------------------------------------

TEST_CASE("ParseShapeText reads BxHxNxD with c for causal and nothing else", "[throughput][ladder]") {
  fs::LadderShape s;
  REQUIRE(fs::ParseShapeText("2x16x8192x128c", &s));
  CHECK(s == fs::LadderShape{2, 16, 8192, 128, true});
  REQUIRE(fs::ParseShapeText("1x1x64x64", &s));
  CHECK(s == fs::LadderShape{1, 1, 64, 64, false});
  REQUIRE(fs::ParseShapeText("2147483647x1x1x64C", &s));
  CHECK(s.batch == 2147483647);
  for (const char* bad : {"2x16x8192", "2y16x1024x64", "2x16x8192x128cc", "x1x1x1", "2x16x-1x64", "2x16x8192x",
                          "2147483648x1x1x64", "1x1x0x1e3", " 1x1x64x64", ""}) {
    INFO(bad);
    CHECK_FALSE(fs::ParseShapeText(bad, &s));
  }
}

TEST_CASE("A saved report opens with its device, time, host and results", "[throughput][bench]") {
  const fs::BenchReport r = fs::LoadReportFile(kLadderSample);
  CHECK(fs::RecordedText(r) == "recorded on NVIDIA H100 80GB HBM3 at 2026-11-22T08:34:54Z (vm)");
  CHECK(r.results.size() == 21u);
  CHECK(r.device_memory_bytes == 0u);  // recorded before the report carried it
  const std::vector<fs::LadderShape> shapes = fs::ReportShapes(r);
  REQUIRE(shapes.size() == 3u);
  CHECK(shapes[0] == kShape128);
  CHECK(shapes[1] == kShape64);
  CHECK(shapes[2] == fs::LadderShape{2, 16, 8192, 128, true});
}

TEST_CASE("A report's GPU memory goes through JSON and is optional", "[throughput][bench]") {
  fs::BenchReport r = fs::LoadReportFile(kLadderSample);
  r.device_memory_bytes = 85031714816ull;
  CHECK(fs::ReportFromJson(fs::ReportToJson(r), "x.json").device_memory_bytes == 85031714816ull);
  const std::string text = fs_test::ReadBytes(kLadderSample);
  REQUIRE(text.find("device_memory_bytes") == std::string::npos);
  std::string bad = text;
  bad.insert(bad.find('{') + 1, "\"device_memory_bytes\": -5,");
  CHECK_THROWS_WITH(fs::ReportFromJson(bad, "x.json"),
                    Contains("x.json: key \"device_memory_bytes\" is missing or wrong; allowed: a byte count"));
}

TEST_CASE("Report files that are missing, too large or not reports are refused by name", "[throughput][bench]") {
  fs_test::TempDir dir;
  CHECK_THROWS_WITH(fs::LoadReportFile(dir.File("none.json")),
                    Contains("none.json: cannot open the bench report (No such file or directory)"));
  CHECK_THROWS_WITH(fs::LoadReportFile(dir.Path()), Contains("cannot open the bench report: it is a directory"));
  const std::string big = dir.File("big.json");
  fs_test::WriteBytes(big, "");
  std::filesystem::resize_file(big, fs::kMaxBenchReportBytes + 1);
  CHECK_THROWS_WITH(fs::LoadReportFile(big), Contains("big.json: the bench report is larger than 16777216 bytes"));
  fs_test::WriteBytes(dir.File("trace.json"), R"({"format": "flashscope-trace", "version": 2})");
  CHECK_THROWS_WITH(fs::LoadReportFile(dir.File("trace.json")),
                    Contains("trace.json: key \"format\" is missing or wrong; allowed: \"flashscope-bench\""));
  std::string long_name = fs_test::ReadBytes(kLadderSample);
  long_name.replace(long_name.find("NVIDIA H100"), 6, std::string(5000, 'x'));
  CHECK_THROWS_WITH(fs::ReportFromJson(long_name, "x.json"),
                    Contains("key \"device\" is missing or wrong; allowed: a string of at most 4000 characters"));
}

TEST_CASE("GPU memory comes from the report, else from the size the device's name states", "[throughput]") {
  fs::BenchReport r;
  r.device = "NVIDIA H100 80GB HBM3";
  fs::GpuMemory m = fs::GpuMemoryOf(r);
  CHECK(m.bytes == 80000000000ull);
  CHECK(m.source == "80GB in the device name");
  r.device_memory_bytes = 85031714816ull;
  m = fs::GpuMemoryOf(r);
  CHECK(m.bytes == 85031714816ull);
  CHECK(m.source == "recorded with the report");
  r.device_memory_bytes = 0;
  r.device = "NVIDIA A100-SXM4-40GB";
  CHECK(fs::GpuMemoryOf(r).bytes == 40000000000ull);
  for (const char* name : {"NVIDIA GeForce RTX 4090", "NVIDIA H200", "H100 80GBx", "GB200", "x12345GB"}) {
    r.device = name;
    INFO(name);
    CHECK(fs::GpuMemoryOf(r).bytes == 0u);
  }
}

TEST_CASE("ParseTileText reads TileText and the older text without warps", "[throughput][sweep]") {
  fs::MmaTile t;
  REQUIRE(fs::ParseTileText("Br=128 Bc=64 4 warps", &t));
  CHECK(t == fs::MmaTile{128, 64, 4});
  REQUIRE(fs::ParseTileText("Br=64 Bc=32", &t));
  CHECK(t == fs::MmaTile{64, 32, 0});
  for (const fs::MmaTile& tile : fs::kFa2MmaSweepTiles) {
    REQUIRE(fs::ParseTileText(fs::TileText(tile), &t));
    CHECK(t == tile);
  }
  for (const char* bad : {"Br=64", "Br=64 Bc=32 warps", "Br=64 Bc=32 4 warp", "br=64 Bc=32", "Br=64  Bc=32",
                          "Br=-1 Bc=32", "Br=64 Bc=32 0 warps", "Br=64 Bc=32 4 warps ", "Br=0 Bc=32", ""}) {
    INFO(bad);
    CHECK_FALSE(fs::ParseTileText(bad, &t));
  }
}

// ---- bars ----------------------------------------------------------------------------------------

TEST_CASE("Bars: one row per kernel and format, the absent kernels with their reason", "[throughput][bars]") {
  const fs::BenchReport r = fs::LoadReportFile(kLadderSample);
  const std::vector<fs::LadderRow> rows = fs::LadderRows(r, kShape128);
  REQUIRE(rows.size() == 4u);  // standard, fa1, fa2_teach, fa2_mma: the sweep's tiles are one row
  CHECK(rows[0].kernel->name == std::string("standard"));
  REQUIRE(rows[0].present);
  CHECK(rows[0].result.tflops == Approx(155.9).margin(0.05));
  CHECK(rows[0].bar_fraction == Approx(0.196).margin(0.0005));  // 19.6% of the BF16 GEMM
  CHECK_FALSE(rows[1].present);
  CHECK(rows[1].absent_note == "not in this report");
  CHECK_FALSE(rows[2].present);
  REQUIRE(rows[3].present);
  CHECK(rows[3].result.tile == "Br=64 Bc=32");  // the first fa2_mma result: its default tile
  CHECK(rows[3].result.tflops == Approx(223.1).margin(0.05));
  CHECK(rows[3].bar_fraction == Approx(0.281).margin(0.0005));
  CHECK(rows[3].result.max_rel_err == Approx(0.003295).margin(1e-6));
  CHECK(rows[3].result.mean_signed_err == Approx(-1.298e-6).margin(1e-9));
}

TEST_CASE("Bars of the live ladder say why a kernel is absent", "[throughput][bars]") {
  fs::BenchRequest live;
  live.dtypes = {fs::Format::kBf16};
  const std::vector<fs::LadderRow> rows = fs::LadderRows(fs::BenchReport{}, kShape128, &live);
  CHECK(RowOf(rows, "fa1")->absent_note == "fa1 stores Q, K, V and O in fp32, not bf16");
  CHECK(RowOf(rows, "standard")->absent_note == "not run yet");
  live.dtypes = {fs::Format::kFp32};
  live.numerics.softmax = fs::Softmax::kStabilized;
  const std::vector<fs::LadderRow> fp32 = fs::LadderRows(fs::BenchReport{}, kShape128, &live);
  CHECK(RowOf(fp32, "standard")->absent_note == "standard runs the standard softmax only");
  CHECK(RowOf(fp32, "fa2_teach")->absent_note == "not run yet");
}

TEST_CASE("Bars against the GEMM ceiling of their format, or the fastest without ceilings", "[throughput][bars]") {
  fs::BenchReport r;
  r.ceilings.gemm_bf16_tflops = 800;
  r.ceilings.gemm_fp32_tflops = 50;
  r.results = {Result("fa2_teach", fs::Format::kFp32, 10, 20), Result("fa2_mma", fs::Format::kBf16, 200, 25)};
  fs::BenchResult oom = Result("standard", fs::Format::kBf16, 0);
  oom.status = fs::BenchStatus::kOutOfMemory;
  oom.note = "out of memory at N = 65536";
  r.results.push_back(oom);
  std::vector<fs::LadderRow> rows = fs::LadderRows(r, r.results[0].shape);
  CHECK(RowOf(rows, "fa2_teach")->bar_fraction == Approx(0.20));
  CHECK(RowOf(rows, "fa2_mma")->bar_fraction == Approx(0.25));
  REQUIRE(RowOf(rows, "standard")->present);
  CHECK(RowOf(rows, "standard")->result.note == "out of memory at N = 65536");
  CHECK(RowOf(rows, "standard")->bar_fraction == 0.0);
  r.ceilings = fs::BenchCeilings{};
  rows = fs::LadderRows(r, r.results[0].shape);
  CHECK(RowOf(rows, "fa2_teach")->bar_fraction == Approx(10.0 / 200.0));
  CHECK(RowOf(rows, "fa2_mma")->bar_fraction == Approx(1.0));
}

TEST_CASE("The GEMM ceiling of a result is its format's", "[throughput][bars]") {
  fs::BenchCeilings c;
  c.gemm_bf16_tflops = 800;
  c.gemm_fp32_tflops = 50;
  CHECK(fs::PctOfGemm(Result("fa2_teach", fs::Format::kFp32, 10), c) == Approx(20.0));
  CHECK(fs::PctOfGemm(Result("fa2_mma", fs::Format::kBf16, 200), c) == Approx(25.0));
  CHECK(fs::PctOfGemm(Result("fa2_mma", fs::Format::kFp16, 100), c) == Approx(12.5));
  CHECK(fs::PctOfGemm(Result("fa2_mma", fs::Format::kBf16, 200), fs::BenchCeilings{}) == 0.0);
  CHECK(fs::GemmCeilingName(fs::Format::kFp32) == std::string("FP32 GEMM"));
  CHECK(fs::GemmCeilingName(fs::Format::kFp16) == std::string("BF16 GEMM"));
}

// ---- roofline -------------------------------------------------------------------------------------

TEST_CASE("Arithmetic intensity is FLOPs over compulsory bytes", "[throughput][roofline]") {
  // N = 1024, d = 64, one head: 4 N^2 d = 268435456 FLOPs; Q, K, V, O of 1024 x 64 and L of 1024.
  CHECK(fs::ArithmeticIntensity({1, 1, 1024, 64, false}, fs::Format::kFp32) ==
        Approx(268435456.0 / (1024 * 64 * 4 * 4 + 1024 * 4)));
  CHECK(fs::ArithmeticIntensity({1, 1, 1024, 64, false}, fs::Format::kBf16) ==
        Approx(268435456.0 / (1024 * 64 * 4 * 2 + 1024 * 4)));
  CHECK(fs::ArithmeticIntensity({1, 1, 1024, 64, true}, fs::Format::kBf16) ==
        Approx(134217728.0 / (1024 * 64 * 4 * 2 + 1024 * 4)));
  // Heads multiply FLOPs and bytes alike.
  CHECK(fs::ArithmeticIntensity({2, 16, 1024, 64, false}, fs::Format::kBf16) ==
        Approx(268435456.0 / (1024 * 64 * 4 * 2 + 1024 * 4)));
}

TEST_CASE("The roof is the bandwidth slope up to the ridge and the peak beyond it", "[throughput][roofline]") {
  CHECK(fs::RoofTflops(800, 3000, 100) == Approx(300));  // 3000 GB/s x 100 FLOP/B = 300 TFLOP/s
  CHECK(fs::RoofTflops(800, 3000, 1000) == Approx(800));
  CHECK(fs::RidgeIntensity(800, 3000) == Approx(800.0 * 1000 / 3000));
  CHECK(fs::RoofTflops(800, 3000, fs::RidgeIntensity(800, 3000)) == Approx(800));
  CHECK(fs::RidgeIntensity(800, 0) == 0.0);
}

TEST_CASE("The roofline of the H100 report: points, roofs and the decades that hold them", "[throughput][roofline]") {
  const fs::BenchReport r = fs::LoadReportFile(kLadderSample);
  const fs::RooflineModel m = fs::Roofline(fs::LadderRows(r, kShape128), r.ceilings);
  REQUIRE(m.points.size() == 3u);
  CHECK(m.points[0].label == "standard bf16");
  CHECK(m.points[1].label == "standard bf16, S and P through HBM");
  CHECK(m.points[2].label == "fa2_mma bf16");
  // 4 B H N^2 d FLOPs over B H N (4 d 2 + 4) compulsory bytes: 4 * 8192 * 128 / 1028 FLOP per
  // byte, the same for both kernels.
  CHECK_FALSE(m.points[0].with_scores);
  CHECK(m.points[0].intensity == Approx(4.0 * 8192 * 128 / 1028));
  CHECK(m.points[2].intensity == m.points[0].intensity);
  CHECK(m.points[2].tflops == Approx(223.1).margin(0.05));
  // Standard's ring adds S and P, B H N^2 elements of 2 bytes, four times over.
  CHECK(m.points[1].with_scores);
  CHECK(m.points[1].intensity == Approx(4.0 * 8192 * 128 / (1028 + 4.0 * 8192 * 2)));
  CHECK(m.points[1].tflops == m.points[0].tflops);
  CHECK(fs::StandardTrafficBytes({1, 1, 1024, 64, true}, fs::Format::kFp32) ==
        1024.0 * 64 * 4 * 4 + 1024 * 4 + 4.0 * 1024 * 1024 * 4);  // causal: all of S as well
  CHECK(m.bf16_peak == Approx(795.4).margin(0.05));
  CHECK(m.copy_gbps == Approx(2995.5).margin(0.05));
  // From the FP32 ridge (51.4 TFLOP/s at 17 FLOP/B) to the points (4080 FLOP/B, 795 TFLOP/s).
  CHECK(m.x_min == Approx(10));
  CHECK(m.x_max == Approx(10000));
  CHECK(m.y_min == Approx(10));
  CHECK(m.y_max == Approx(1000));
}

// ---- memory ----------------------------------------------------------------------------------------

TEST_CASE("Standard attention's memory grows with N^2, FlashAttention's with N", "[throughput][memory]") {
  // One head, d = 64, bf16: Q, K, V, O take 64 * 4 * 2 bytes a row and L 4: 516 N; S takes 2 N^2.
  const fs::LadderShape one{1, 1, 1, 64, false};
  constexpr uint64_t kGiB = 1ull << 30;
  // 2 N^2 + 516 N <= 2^30 up to N = 23041 (1073664518 bytes); N = 23042 takes 1073757200.
  CHECK(fs::LargestNThatFits(fs::KernelId::kStandard, one, fs::Format::kBf16, kGiB) == 23041);
  CHECK(fs::LargestNThatFits(fs::KernelId::kFa2Mma, one, fs::Format::kBf16, kGiB) == fs::kMaxBenchN);
  CHECK(fs::LargestNThatFits(fs::KernelId::kFa2Mma, one, fs::Format::kBf16, 516 * 1000) == 1000);
  CHECK(fs::LargestNThatFits(fs::KernelId::kStandard, one, fs::Format::kBf16, 100) == 0);
}

TEST_CASE("The footprint of the H100 report's shape matches what its bench recorded", "[throughput][memory]") {
  const fs::BenchReport r = fs::LoadReportFile(kLadderSample);
  const fs::FootprintModel m = fs::Footprint(kShape128, fs::Format::kBf16, fs::GpuMemoryOf(r));
  REQUIRE(m.n.size() == 9u);  // 256, 512, ..., 65536
  CHECK(m.n.front() == 256);
  CHECK(m.n.back() == 65536);
  // N = 256, 32 heads: 8192 rows of Q, K, V, O (128 * 2 bytes each) and L, and S of 8192 x 256.
  CHECK(m.standard[0] == 8192.0 * 128 * 4 * 2 + 8192.0 * 4 + 8192.0 * 256 * 2);
  CHECK(m.flash[0] == 8192.0 * 128 * 4 * 2 + 8192.0 * 4);
  // At N = 8192 the bench recorded the memory of each run: 4564451328 and 269484032 bytes.
  CHECK(m.standard[5] == 4564451328.0);
  CHECK(m.flash[5] == 269484032.0);
  // 80 GB: 64 N^2 + 32 * 1028 N <= 8e10 up to N = 35099.
  CHECK(m.gpu.bytes == 80000000000ull);
  CHECK(m.standard_largest_n == 35099);
  CHECK(m.flash_largest_n == fs::kMaxBenchN);
  CHECK(fs::Footprint(kShape128, fs::Format::kBf16, fs::GpuMemory{}).standard_largest_n == 0);
}

// ---- sweep -------------------------------------------------------------------------------------------

TEST_CASE("The sweep at d = 128: the tiles that do not fit are greyed with the reason", "[throughput][sweep]") {
  const fs::SweepModel m = fs::Fa2MmaSweep(fs::LoadReportFile(kSweepSample), kShape128);
  REQUIRE(m.unavailable.empty());
  CHECK(m.warps_recorded);
  CHECK(m.row_labels == std::vector<std::string>{"Br=64, 4 warps", "Br=128, 8 warps", "Br=64, 2 warps", "Br=128, 4 warps"});
  CHECK(m.cols == std::vector<int>{32, 64, 128});
  REQUIRE(m.cells.size() == 12u);
  const fs::SweepCell& first = m.cells[0];  // Br=64 Bc=32 4 warps
  CHECK(first.tile == fs::MmaTile{64, 32, 4});
  CHECK(first.has_value);
  CHECK(first.tflops == Approx(207.7).margin(0.05));
  for (int cell : {8, 11}) {  // Br=64 Bc=128 2 warps, Br=128 Bc=128 4 warps: 32 rows a warp
    INFO(fs::TileText(m.cells[cell].tile));
    CHECK_FALSE(m.cells[cell].has_value);
    CHECK(m.cells[cell].label == "does not fit");
    CHECK(m.cells[cell].note == "accumulators do not fit in registers at d=128");
  }
  int values = 0;
  for (const fs::SweepCell& c : m.cells) values += c.has_value;
  CHECK(values == 10);
  REQUIRE(m.best == 10);  // Br=128 Bc=64 4 warps, 281.6 TFLOP/s
  CHECK(m.cells[10].tile == fs::MmaTile{128, 64, 4});
  CHECK(m.cells[10].tflops == Approx(281.6).margin(0.05));
}

TEST_CASE("The sweep at d = 64 has every tile; its best is the default tile", "[throughput][sweep]") {
  const fs::SweepModel m = fs::Fa2MmaSweep(fs::LoadReportFile(kSweepSample), kShape64);
  int values = 0;
  for (const fs::SweepCell& c : m.cells) values += c.has_value;
  CHECK(values == 12);
  REQUIRE(m.best == 11);
  CHECK(m.cells[11].tile == fs::MmaTile{128, 128, 4});
  CHECK(m.cells[11].tflops == Approx(296.4).margin(0.05));
}

TEST_CASE("A report whose tiles do not record their warps gets a Br x Bc grid", "[throughput][sweep]") {
  const fs::SweepModel m = fs::Fa2MmaSweep(fs::LoadReportFile(kLadderSample), kShape128);
  REQUIRE(m.unavailable.empty());
  CHECK_FALSE(m.warps_recorded);
  CHECK(m.row_labels == std::vector<std::string>{"Br=64, warps not recorded", "Br=128, warps not recorded"});
  REQUIRE(m.cells.size() == 6u);
  for (const fs::SweepCell& c : m.cells) CHECK(c.has_value);
  REQUIRE(m.best == 5);
  CHECK(m.cells[5].tflops == Approx(289.4).margin(0.05));
  CHECK(fs::SweepTileText(m.cells[5].tile) == "Br=128 Bc=128");
}

TEST_CASE("A sweep cell without a result says why: not run, failed or no sweep at all", "[throughput][sweep]") {
  fs::BenchReport r;
  fs::BenchResult failed = Result("fa2_mma", fs::Format::kBf16, 0, 0, "Br=128 Bc=64 8 warps");
  failed.shape = kShape128;
  failed.status = fs::BenchStatus::kFailed;
  failed.note = "max relative error 0.5 against FP64 exceeds the tolerance 0.02";
  r.results = {failed};
  const fs::SweepModel m = fs::Fa2MmaSweep(r, kShape128);
  REQUIRE(m.unavailable.empty());
  CHECK(m.best == -1);
  CHECK(m.cells[4].label == "failed");  // row Br=128 8 warps, Bc=64
  CHECK(m.cells[4].note == "failed: " + failed.note);
  CHECK(m.cells[0].label == "not run");
  CHECK(m.cells[0].note == "not in this report");
  CHECK(m.cells[8].label == "does not fit");
  CHECK_THAT(fs::Fa2MmaSweep(r, {2, 16, 8192, 96, false}).unavailable,
             Contains("sweep runs at d = 64 and 128, not 96"));
  CHECK_THAT(fs::Fa2MmaSweep(fs::BenchReport{}, kShape128).unavailable, Contains("flashscope bench --sweep"));
  CHECK(fs::SweepTileNote(64, {128, 128, 4}).empty());
}

// ---- the worker ----------------------------------------------------------------------------------------

namespace {

// In place of RunBench: `per_pass` results, one every `step`; it stops when progress says so,
// and can be told to throw. It records the requests it was given.
struct FakeBench {
  int per_pass = 3;
  std::chrono::milliseconds step{2};
  std::atomic<bool> fail{false};
  std::atomic<int> calls{0};
  std::atomic<int> cancelled{0};  // passes that progress stopped
  std::mutex mu;
  std::vector<fs::BenchRequest> requests;

  fs::BenchReport operator()(const fs::BenchRequest& req, const fs::BenchProgress& progress) {
    {
      std::lock_guard<std::mutex> lock(mu);
      requests.push_back(req);
    }
    ++calls;
    if (fail) throw std::runtime_error("no CUDA device is usable: fake");
    fs::BenchReport r;
    r.device = "Fake GPU";
    r.device_memory_bytes = 1ull << 34;
    if (req.ceilings) {
      r.ceilings.gemm_bf16_tflops = 400;
      r.ceilings.gemm_fp32_tflops = 40;
      r.ceilings.copy_gbps = 2000;
    }
    for (int i = 0; i < per_pass; ++i) {
      std::this_thread::sleep_for(step);
      fs::BenchResult x = Result(i == 0 ? "fa2_teach" : "fa2_mma", i == 0 ? fs::Format::kFp32 : fs::Format::kBf16,
                                 10.0 * (i + 1), 0, i == 0 ? "" : "Br=64 Bc=64 4 warps " + std::to_string(i));
      x.shape = req.shapes.front();
      if (req.ceilings) x.pct_of_gemm = fs::PctOfGemm(x, r.ceilings);  // as RunBench does
      r.results.push_back(x);
      if (!progress(x)) {
        ++cancelled;
        return r;
      }
    }
    return r;
  }
};

fs::BenchRequest Request(int n) {
  fs::BenchRequest r;
  r.shapes = {{1, 1, n, 64, false}};
  r.warmup = 1;
  r.repeats = 2;
  return r;
}

// Polls the worker until `done` holds of its state (or 10 s pass); returns the last state.
template <typename Done>
fs::LadderSnapshot WaitFor(const fs::LadderWorker& w, Done done) {
  fs::LadderSnapshot s;
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < end) {
    w.Poll(s.version, &s);
    if (done(s)) return s;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  FAIL("the worker did not get there in 10 s; phase " << fs::LadderPhaseName(s.phase) << ", " << s.passes << " passes");
  return s;
}

}  // namespace

TEST_CASE("The worker repeats passes, measuring the ceilings once and keeping them", "[throughput][worker]") {
  FakeBench fake;
  fs::LadderWorker w([&](const fs::BenchRequest& r, const fs::BenchProgress& p) { return fake(r, p); },
                     std::chrono::milliseconds(5));
  fs::LadderSnapshot s;
  CHECK_FALSE(w.Poll(0, &s));  // nothing has happened yet
  CHECK(w.Phase() == fs::LadderPhase::kStopped);
  w.Run(Request(1024));
  s = WaitFor(w, [](const fs::LadderSnapshot& x) { return x.passes >= 3; });
  {
    std::lock_guard<std::mutex> lock(fake.mu);
    REQUIRE(fake.requests.size() >= 3u);
    CHECK(fake.requests[0].ceilings);
    CHECK_FALSE(fake.requests[1].ceilings);
    CHECK_FALSE(fake.requests[2].ceilings);
    CHECK(fake.requests[2].shapes == Request(1024).shapes);
  }
  CHECK(s.ceilings_kept);
  CHECK(s.report.ceilings.gemm_bf16_tflops == 400);
  CHECK(s.report.device == "Fake GPU");
  REQUIRE(s.report.results.size() == 3u);
  // Later passes measured no ceilings: their percentages come from the kept ones.
  CHECK(s.report.results[0].pct_of_gemm == Approx(100.0 * 10 / 40));
  CHECK(s.report.results[2].pct_of_gemm == Approx(100.0 * 30 / 400));
  CHECK(s.expected == 3);  // from the last pass
  fs::LadderSnapshot again = s;
  w.Stop();
  s = WaitFor(w, [](const fs::LadderSnapshot& x) { return x.phase == fs::LadderPhase::kStopped; });
  const int calls = fake.calls;
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK(fake.calls == calls);  // stopped: no more passes
  CHECK_FALSE(w.Poll(s.version, &again));
}

TEST_CASE("Stop cancels the pass under way at its next result", "[throughput][worker]") {
  FakeBench fake;
  fake.per_pass = 5000;  // a pass that would take ten seconds
  fake.step = std::chrono::milliseconds(2);
  fs::LadderWorker w([&](const fs::BenchRequest& r, const fs::BenchProgress& p) { return fake(r, p); });
  w.Run(Request(1024));
  fs::LadderSnapshot s = WaitFor(w, [](const fs::LadderSnapshot& x) { return x.done >= 5; });
  CHECK(s.phase == fs::LadderPhase::kRunning);
  CHECK(s.passes == 0);
  CHECK(s.expected == fs::ExpectedResults(Request(1024)));  // no pass finished yet: counted from the request
  const auto asked = std::chrono::steady_clock::now();
  w.Stop();
  s = WaitFor(w, [](const fs::LadderSnapshot& x) { return x.phase == fs::LadderPhase::kStopped; });
  CHECK(std::chrono::steady_clock::now() - asked < std::chrono::seconds(3));  // a busy machine is slow
  CHECK(fake.cancelled == 1);
  CHECK(s.passes == 0);
  CHECK(s.done >= 5);
  CHECK(s.done < 5000);
  CHECK(s.report.results.size() == static_cast<size_t>(s.done));  // what was finished stays shown
}

TEST_CASE("Another request cancels the pass under way and drops its results", "[throughput][worker]") {
  FakeBench fake;
  fake.per_pass = 1000;
  fs::LadderWorker w([&](const fs::BenchRequest& r, const fs::BenchProgress& p) { return fake(r, p); },
                     std::chrono::milliseconds(5));
  w.Run(Request(1024));
  WaitFor(w, [](const fs::LadderSnapshot& x) { return x.done >= 3; });
  fake.per_pass = 2;
  w.Run(Request(2048));
  const fs::LadderSnapshot s = WaitFor(w, [](const fs::LadderSnapshot& x) { return x.passes >= 1; });
  CHECK(fake.cancelled == 1);
  CHECK(s.request.shapes.front().n == 2048);
  REQUIRE(s.report.results.size() == 2u);
  for (const fs::BenchResult& x : s.report.results) CHECK(x.shape.n == 2048);
  w.Run(Request(2048));  // the same request again only goes on: nothing is cancelled
  WaitFor(w, [](const fs::LadderSnapshot& x) { return x.passes >= 3; });
  CHECK(fake.cancelled == 1);
}

TEST_CASE("A runner that throws leaves the worker failed with its message, until Run", "[throughput][worker]") {
  FakeBench fake;
  fake.fail = true;
  fs::LadderWorker w([&](const fs::BenchRequest& r, const fs::BenchProgress& p) { return fake(r, p); },
                     std::chrono::milliseconds(5));
  w.Run(Request(1024));
  fs::LadderSnapshot s = WaitFor(w, [](const fs::LadderSnapshot& x) { return x.phase == fs::LadderPhase::kFailed; });
  CHECK(s.error == "no CUDA device is usable: fake");
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  CHECK(fake.calls == 1);  // no retries on its own
  fake.fail = false;
  w.Run(Request(1024));
  s = WaitFor(w, [](const fs::LadderSnapshot& x) { return x.passes >= 1; });
  CHECK(s.error.empty());
}

TEST_CASE("RunPassNow runs one pass on the caller's thread", "[throughput][worker]") {
  FakeBench fake;
  fs::LadderWorker w([&](const fs::BenchRequest& r, const fs::BenchProgress& p) { return fake(r, p); });
  w.RunPassNow(Request(512));
  fs::LadderSnapshot s;
  REQUIRE(w.Poll(0, &s));
  CHECK(s.phase == fs::LadderPhase::kStopped);
  CHECK(s.passes == 1);
  CHECK(s.report.results.size() == 3u);
  CHECK(fake.calls == 1);
}

TEST_CASE("Results expected of a pass count the kernels that run and fa2_mma's sweep", "[throughput][worker]") {
  fs::BenchRequest r;
  r.shapes = {{1, 1, 1024, 64, false}};
  r.dtypes = {fs::Format::kFp32, fs::Format::kBf16};
  // fp32: standard, fa1, fa2_teach; bf16: standard and fa2_mma.
  CHECK(fs::ExpectedResults(r) == 5);
  r.sweep = true;  // fa2_mma at all 12 tiles of the sweep at d = 64
  CHECK(fs::ExpectedResults(r) == 16);
  r.shapes = {{1, 1, 1024, 128, false}};  // 10 of them fit at d = 128
  CHECK(fs::ExpectedResults(r) == 14);
  r.shapes = {{1, 1, 1024, 96, false}};  // no sweep at d = 96
  CHECK(fs::ExpectedResults(r) == 5);
  r.kernels = {"fa1", "fa2_mma"};  // named: each format they cannot run gives a skipped result
  CHECK(fs::ExpectedResults(r) == 4);
}

// ---- lessons ---------------------------------------------------------------------------------------------

namespace {

std::string LessonWithThroughput(const std::string& throughput) {
  return R"({"title": "t", "problem": {}, "beats": [{"title": "a", "text": "b"}, {"title": "c", "text": "d", "throughput": )" +
         throughput + "}]}";
}

// A lesson file in a fresh directory with a copy of the H100 report in data/ beside it.
struct LessonDir {
  fs_test::TempDir dir;
  LessonDir() {
    std::filesystem::create_directory(dir.File("data"));
    std::filesystem::copy_file(kLadderSample, dir.File("data/h100.json"));
  }
  fs::Lesson Load(const std::string& throughput) const {
    fs_test::WriteBytes(dir.File("x.json"), LessonWithThroughput(throughput));
    return fs::LoadLesson(dir.File("x.json"));
  }
};

}  // namespace

TEST_CASE("A beat's throughput report is relative to the lesson and its shape must be in it", "[throughput][lesson]") {
  const LessonDir files;
  const fs::Lesson lesson = files.Load(R"({"report": "data/h100.json", "shape": "2x16x8192x64", "view": "sweep"})");
  const fs::Beat& b = lesson.beats[1];
  CHECK(b.has_throughput);
  CHECK(b.bench_report == files.dir.File("data/h100.json"));
  CHECK(b.has_bench_shape);
  CHECK(b.bench_shape == kShape64);
  CHECK(b.bench_view == 4);
  CHECK_FALSE(b.bench_live);
  CHECK_FALSE(lesson.beats[0].has_throughput);
  const fs::Lesson live = files.Load(R"({"live": true, "shape": "1x8x4096x128c"})");
  CHECK(live.beats[1].bench_live);
  CHECK(live.beats[1].bench_report.empty());
  // Parsing the text reads no file: the report is read when the lesson file is loaded.
  CHECK_NOTHROW(fs::ParseLesson(LessonWithThroughput(R"({"report": "data/none.json"})"), files.dir.File("x.json")));
}

TEST_CASE("A bad throughput field names the beat, the field and what is allowed", "[throughput][lesson]") {
  const LessonDir files;
  const auto refused = [&](const std::string& field, const std::string& message) {
    INFO(field);
    CHECK_THROWS_WITH(files.Load(field), Contains(files.dir.File("x.json") + ": beats[1]: ") && Contains(message));
  };
  refused(R"("data/h100.json")", "field \"throughput\" is \"data/h100.json\"; allowed: an object");
  refused(R"({})", "field \"throughput\" is {}; allowed: an object");
  refused(R"({"file": "x.json"})", "unknown field \"throughput.file\"; allowed: report, shape, view, live");
  refused(R"({"report": "data/none.json"})",
          "field \"throughput.report\": " + files.dir.File("data/none.json") + ": cannot open the bench report");
  refused(R"({"report": "x.json"})", "field \"throughput.report\": " + files.dir.File("x.json") + ": key \"format\"");
  refused(R"({"report": "/dev/zero"})", "field \"throughput.report\": /dev/zero: cannot open the bench report: it is "
                                          "not a regular file");
  refused(R"({"report": "data/h100.json", "shape": "2x16x8192x96"})",
          "field \"throughput.shape\" is \"2x16x8192x96\", which " + files.dir.File("data/h100.json") +
              " has no results of; allowed: 2x16x8192x128, 2x16x8192x64, 2x16x8192x128c");
  refused(R"({"shape": "2x16x8192"})", "field \"throughput.shape\" is \"2x16x8192\"; allowed: \"BxHxNxD\"");
  refused(R"({"shape": "1x1x100000x64"})", "field \"throughput.shape\": shape 1x1x100000x64: N is 100000");
  refused(R"({"view": "pie"})", "field \"throughput.view\" is \"pie\"; allowed: all, bars, roofline, memory, sweep");
  refused(R"({"live": "yes"})", "field \"throughput.live\" is \"yes\"; allowed: true or false");
}
