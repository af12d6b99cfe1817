// The throughput panel in the app: without a GPU (its message, a saved report opened, a bad one
// refused with the previous one kept), the live ladder driven by the frame loop with a fake
// runner, --bench-json, `shot` of the panel, and the three lessons played beat by beat as shot
// plays them (GoToBeat, PrepareFrame with an unlimited budget, the panel areas drawn), each
// number a beat quotes found in what the panels wrote and checked against hand arithmetic.
//
// Sections: helpers · without a GPU · the live ladder · the command line and shot · lessons
#include "catch2/catch.hpp"

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "app_state.h"
#include "panels.h"
#include "test_files.h"
#include "test_image.h"
#include "test_imgui.h"
#include "test_player.h"
#include "test_util.h"
#include "throughput_model.h"

using Catch::Matchers::Contains;

namespace {

// ---- helpers ----------------------------------------------------------------------------------------

const std::string kSample = std::string(FS_SOURCE_DIR) + "/tests/data/h100_ladder_sample.json";

// In place of RunBench: two results a pass (fa2_teach in fp32, fa2_mma in bf16), honouring
// cancel, counting its calls.
struct FakeRunner {
  std::shared_ptr<std::atomic<int>> calls = std::make_shared<std::atomic<int>>(0);
  std::shared_ptr<std::atomic<bool>> fail = std::make_shared<std::atomic<bool>>(false);
  fs::BenchReport operator()(const fs::BenchRequest& req, const fs::BenchProgress& progress) const {
    ++*calls;
    if (*fail) throw fs::BackendError("CUDA error: an illegal memory access was encountered (fake)");
    fs::BenchReport r;
    r.device = "Fake GPU";
    r.recorded_at = "now";
    r.host = "here";
    if (req.ceilings) r.ceilings = fs::BenchCeilings{400, 40, 2000, 8192, 1 << 30};
    for (auto [kernel, dtype, tflops] : {std::make_tuple("fa2_teach", fs::Format::kFp32, 8.0),
                                         std::make_tuple("fa2_mma", fs::Format::kBf16, 100.0)}) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      fs::BenchResult x;
      x.kernel = kernel;
      x.shape = req.shapes.front();
      x.dtype = dtype;
      x.precision = dtype == fs::Format::kFp32 ? "fp32" : "fa2-bf16";
      x.softmax = "standard";
      x.tflops = tflops;
      x.pct_of_gemm = req.ceilings ? fs::PctOfGemm(x, r.ceilings) : 0.0;
      x.max_rel_err = 1.5e-3;
      x.mean_signed_err = -2.5e-7;
      r.results.push_back(x);
      if (!progress(x)) break;
    }
    return r;
  }
};

// Runs PrepareFrame until `done` holds (the worker's results come in between frames), or 10 s.
template <typename Done>
void FramesUntil(fs::AppState& s, Done done) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!done() && std::chrono::steady_clock::now() < end) {
    fs::PrepareFrame(s, 0.0);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  REQUIRE(done());
}

}  // namespace

// ---- without a GPU ----------------------------------------------------------------------------------

TEST_CASE("Without a GPU the throughput panel says why and how to open a report", "[throughput][app]") {
  fs::AppState s = NoGpu();
  REQUIRE(fs::ApplyProblem(s, fs_test::SmallProblem()));
  fs::ShowOnlyPanels(s.view, {"throughput"});
  fs::PrepareFrame(s, INFINITY);
  CHECK_FALSE(s.ladder.worker);  // no runner, no worker
  CHECK(fs::ShownReport(s) == nullptr);
  const std::string text = ShownText(s);
  CHECK_THAT(text, Contains(std::string("No GPU here: ") + kNoCuda + ". The live ladder needs a CUDA device"));
  CHECK_THAT(text, Contains("flashscope bench --json FILE"));
  CHECK_THAT(text, Contains("Nothing to show yet: open a bench report."));
}

TEST_CASE("A saved report opens in the panel and its numbers reach the views", "[throughput][app]") {
  fs::AppState s = NoGpu();
  REQUIRE(fs::ApplyProblem(s, fs_test::SmallProblem()));
  fs::ShowOnlyPanels(s.view, {"tiles"});
  REQUIRE(fs::OpenBenchReport(s, kSample));
  CHECK(Shown(s, fs::PanelId::kThroughput));  // opening a report shows the panel
  CHECK(Shown(s, fs::PanelId::kTiles));
  CHECK_FALSE(s.status.error);
  CHECK_THAT(s.status.text, Contains("recorded on NVIDIA H100 80GB HBM3 at 2026-11-22T08:34:54Z (vm)"));
  REQUIRE(fs::ShownReport(s) == s.ladder.file.get());
  CHECK(s.ladder.shown_shape == fs::LadderShape{2, 16, 8192, 128, false});
  fs::ShowOnlyPanels(s.view, {"throughput"});
  const std::string text = ShownText(s);
  CHECK_THAT(text, Contains(kSample + ": recorded on NVIDIA H100 80GB HBM3 at 2026-11-22T08:34:54Z (vm)"));
  CHECK_THAT(text, Contains("ceilings: BF16 GEMM 795, FP32 GEMM 51.4 TFLOP/s, copy 2996 GB/s"));
  CHECK_THAT(text, Contains("155.9 TFLOP/s, 19.6% of BF16 GEMM"));
  CHECK_THAT(text, Contains("223.1 TFLOP/s, 28.1% of BF16 GEMM"));
  CHECK_THAT(text, Contains("7.00e-03"));
  CHECK_THAT(text, Contains("-1.30e-06"));
  CHECK_THAT(text, Contains("not in this report"));
  CHECK_THAT(text, Contains("standard fits up to N = 35099"));
  CHECK_THAT(text, Contains("Outlined: the fastest tile, Br=128 Bc=128 at 289.4 TFLOP/s."));
  // Another of the report's shapes.
  s.ladder.shown_shape = {2, 16, 8192, 64, false};
  CHECK_THAT(ShownText(s), Contains("80.0 TFLOP/s, 10.1% of BF16 GEMM"));
}

TEST_CASE("A bad report shows ReportFromJson's message; the report shown and the rest stay", "[throughput][app]") {
  fs_test::TempDir dir;
  fs::AppState s = NoGpu();
  REQUIRE(fs::ApplyProblem(s, fs_test::SmallProblem()));
  REQUIRE(fs::OpenBenchReport(s, kSample));
  const auto report = s.ladder.file;
  const auto trace = s.trace;
  std::string text = fs_test::ReadBytes(kSample);
  text.replace(text.find("\"results\""), 9, "\"resultz\"");
  fs_test::WriteBytes(dir.File("bad.json"), text);
  CHECK_FALSE(fs::OpenBenchReport(s, dir.File("bad.json")));
  const std::string message = dir.File("bad.json") + ": key \"results\" is missing or wrong; allowed: present";
  CHECK_THAT(s.ladder.file_error, Contains(message));
  CHECK(s.status.error);
  CHECK_THAT(s.status.text, Contains(message));
  CHECK(s.ladder.file == report);      // the report shown before
  CHECK(s.ladder.file_path == kSample);
  CHECK(s.trace == trace);             // and nothing else changed
  fs::ShowOnlyPanels(s.view, {"throughput"});
  const std::string panel = ShownText(s);
  CHECK_THAT(panel, Contains("Bench report not opened: " + message));
  CHECK_THAT(panel, Contains("155.9 TFLOP/s"));
  CHECK_FALSE(fs::OpenBenchReport(s, dir.File("missing.json")));
  CHECK_THAT(s.ladder.file_error, Contains("missing.json: cannot open the bench report (No such file or directory)"));
  CHECK(s.ladder.file == report);
}

// ---- the live ladder ----------------------------------------------------------------------------------

TEST_CASE("The live ladder runs on its worker while the panel is shown, and stops when it is not", "[throughput][app]") {
  fs::AppState s = NoGpu();
  const FakeRunner fake;
  s.ladder.runner = fake;
  s.ladder.period = std::chrono::milliseconds(5);
  REQUIRE(fs::ApplyProblem(s, fs_test::SmallProblem()));  // N = 32, d = 16
  fs::ShowOnlyPanels(s.view, {"tiles"});
  fs::PrepareFrame(s, 0.0);
  CHECK_FALSE(s.ladder.worker);  // the panel is not shown: nothing runs
  fs::ShowOnlyPanels(s.view, {"throughput"});
  FramesUntil(s, [&] { return s.ladder.live.passes >= 2; });
  // The problem's N, d and causal; B = 16384 / 32 = 512, H = min(2048 / 16, 65535 / 512) = 127.
  const fs::LadderShape expected{512, 127, 32, 16, false};
  REQUIRE(s.ladder.live.request.shapes.size() == 1u);
  CHECK(s.ladder.live.request.shapes.front() == expected);
  CHECK(s.ladder.live.request.warmup == 1);
  CHECK(s.ladder.live.request.repeats == 5);
  REQUIRE(fs::ShownReport(s) == &s.ladder.live.report);
  CHECK(s.ladder.shown_shape == expected);
  const std::string text = ShownText(s);
  CHECK_THAT(text, Contains("live on Fake GPU, warm-up"));
  CHECK_THAT(text, Contains("100.0 TFLOP/s, 25.0% of BF16 GEMM"));  // against the kept 400 TFLOP/s
  CHECK_THAT(text, Contains("8.0 TFLOP/s, 20.0% of FP32 GEMM"));
  CHECK_THAT(text, Contains("1.50e-03"));
  CHECK_THAT(text, Contains("-2.50e-07"));
  CHECK_THAT(text, Contains("not run yet"));  // standard and fa1 run fp32: the fake never returns them
  fs::ShowOnlyPanels(s.view, {"tiles"});
  FramesUntil(s, [&] { return s.ladder.live.phase == fs::LadderPhase::kStopped; });
  const int calls = *fake.calls;
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  CHECK(*fake.calls == calls);
  // Stop in the panel stops it too; Run starts it again.
  fs::ShowOnlyPanels(s.view, {"throughput"});
  s.ladder.live_wanted = false;
  fs::PrepareFrame(s, 0.0);
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  CHECK(*fake.calls == calls);
  s.ladder.live_wanted = true;
  FramesUntil(s, [&] { return *fake.calls > calls; });
}

TEST_CASE("A live ladder that fails stays stopped with its message until Run is pressed", "[throughput][app]") {
  fs::AppState s = NoGpu();
  const FakeRunner fake;
  *fake.fail = true;
  s.ladder.runner = fake;
  s.ladder.period = std::chrono::milliseconds(5);
  REQUIRE(fs::ApplyProblem(s, fs_test::SmallProblem()));
  fs::ShowOnlyPanels(s.view, {"throughput"});
  FramesUntil(s, [&] { return s.ladder.live.phase == fs::LadderPhase::kFailed; });
  for (int frame = 0; frame < 20; ++frame) {
    fs::PrepareFrame(s, 0.0);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  CHECK(*fake.calls == 1);  // not started again frame after frame
  CHECK_FALSE(s.ladder.live_wanted);  // the toggle says Run
  CHECK_THAT(ShownText(s), Contains("The bench stopped: CUDA error: an illegal memory access was encountered (fake)"));
  *fake.fail = false;
  s.ladder.live_wanted = s.ladder.live_retry = true;  // what Run does
  FramesUntil(s, [&] { return s.ladder.live.passes >= 1; });
  CHECK(s.ladder.live.error.empty());
}

TEST_CASE("The panel's shape edits change the live ladder's request; bad ones are said", "[throughput][app]") {
  fs::AppState s = NoGpu();
  s.ladder.runner = FakeRunner{};
  s.ladder.period = std::chrono::milliseconds(5);
  REQUIRE(fs::ApplyProblem(s, fs_test::SmallProblem()));
  fs::ShowOnlyPanels(s.view, {"throughput"});
  fs::PrepareFrame(s, 0.0);
  s.ladder.settings.shape = {1, 8, 2048, 64, true};
  s.ladder.settings_set = true;
  FramesUntil(s, [&] { return s.ladder.live.passes >= 1 && s.ladder.live.request.shapes.front().n == 2048; });
  CHECK(s.ladder.live.report.results.front().shape == fs::LadderShape{1, 8, 2048, 64, true});
  s.ladder.settings.shape.n = 100000;
  CHECK_THAT(fs::LadderSettingsProblems(s.ladder.settings, s.problem), Contains("N is 100000; allowed: 1..65536"));
  s.ladder.settings.fp32 = s.ladder.settings.bf16 = false;
  CHECK_THAT(fs::LadderSettingsProblems(s.ladder.settings, s.problem), Contains("no storage format"));
}

TEST_CASE("The capture waits for one live pass, run on its own thread", "[throughput][app]") {
  fs::AppState s = NoGpu();
  const FakeRunner fake;
  s.ladder.runner = fake;
  REQUIRE(fs::ApplyProblem(s, fs_test::SmallProblem()));
  fs::ShowOnlyPanels(s.view, {"throughput"});
  fs::PrepareFrame(s, INFINITY);  // as shot does
  CHECK(*fake.calls == 1);
  CHECK(s.ladder.live.passes == 1);
  CHECK(s.ladder.live.phase == fs::LadderPhase::kStopped);
  CHECK(s.ladder.live.report.results.size() == 2u);
  fs::PrepareFrame(s, INFINITY);  // the next frames draw that pass
  CHECK(*fake.calls == 1);
}

// ---- the command line and shot ------------------------------------------------------------------------

TEST_CASE("--bench-json opens a report at start; a bad one is a refusal", "[throughput][cli]") {
  fs::Options opt;
  opt.backend = "cpu";
  opt.bench_json = kSample;
  fs::AppState s;
  REQUIRE(fs::InitState(s, opt));
  CHECK(Shown(s, fs::PanelId::kThroughput));
  REQUIRE(s.ladder.file);
  CHECK(s.ladder.file->device == "NVIDIA H100 80GB HBM3");
  fs::Options with_panels = opt;
  with_panels.panels = {"tiles"};
  fs::AppState t;
  REQUIRE(fs::InitState(t, with_panels));
  CHECK_FALSE(Shown(t, fs::PanelId::kThroughput));  // --panels says what is shown
  CHECK(t.ladder.file);
  fs::Options bad = opt;
  bad.bench_json = kLessons + "intro.json";
  fs::AppState u;
  CHECK_FALSE(fs::InitState(u, bad));
  CHECK_THAT(u.status.text, Contains("intro.json: key \"format\" is missing or wrong; allowed: present"));
  CHECK(u.trace);  // the lesson still runs
}

TEST_CASE("shot draws the throughput panel of a saved report, and refuses a bad one", "[throughput][shot]") {
  fs_test::TempDir dir;
  const std::string png = dir.File("throughput.png"), log = dir.File("log");
  const std::string args = "shot --size 1280x800 --panels throughput --out ";
  REQUIRE(fs_test::RunFlashscope(args + png + " --bench-json " + kSample, log) == 0);
  const fs_test::Image with = fs_test::LoadPng(png);
  CHECK(with.width == 1280);
  CHECK(with.height == 800);
  REQUIRE(fs_test::RunFlashscope(args + dir.File("empty.png"), log) == 0);
  const fs_test::Image without = fs_test::LoadPng(dir.File("empty.png"));
  // The BF16 bars and roofline points are drawn in (230, 159, 0); without a report there are none.
  int orange_with = 0, orange_without = 0;
  for (int y = 0; y < with.height; ++y)
    for (int x = 0; x < with.width; ++x) {
      orange_with += with.Is(x, y, 230, 159, 0);
      orange_without += without.Is(x, y, 230, 159, 0);
    }
  INFO("orange pixels: " << orange_with << " with the report, " << orange_without << " without");
  CHECK(orange_with > 1000);
  CHECK(orange_without == 0);
  const std::string bad_png = dir.File("bad.png");
  CHECK(fs_test::RunFlashscope(args + bad_png + " --bench-json " + kLessons + "intro.json", log) == 1);
  CHECK_THAT(fs_test::ReadBytes(log), Contains("intro.json: key \"format\" is missing or wrong; allowed: present"));
  CHECK_FALSE(std::filesystem::exists(bad_png));
}

// ---- lessons --------------------------------------------------------------------------------------------

namespace {

// Every beat runs, shows its panels and, with a throughput field, its view and report.
void EveryBeat(Player& play) {
  for (int b = 0; b < play.Beats(); ++b) {
    play.Beat(b);
    INFO("beat " << b);
    for (const std::string& name : play.Current().panels) {
      fs::PanelId id = fs::PanelId::kTiles;
      REQUIRE(fs::ParsePanelName(name, &id));
      CHECK(Shown(play.s, id));
    }
    if (!play.Current().has_throughput) continue;
    CHECK(fs::ShownReport(play.s) != nullptr);
    if (play.Current().bench_view >= 0) CHECK(play.s.ladder.view == play.Current().bench_view);
    if (play.Current().has_bench_shape && play.s.ladder.show_file)
      CHECK(play.s.ladder.shown_shape == play.Current().bench_shape);
  }
}

}  // namespace

TEST_CASE("The throughput lessons: every beat runs and shows its panels, report and view", "[lesson][throughput]") {
  for (const char* file : {"memory_bound.json", "fa1_vs_fa2.json"}) {
    INFO(file);
    Player play(file);
    EveryBeat(play);
  }
}

TEST_CASE("memory_bound: the traffic and memory it quotes are on screen and add up", "[lesson][throughput]") {
  Player play("memory_bound.json");
  // N = 1024, d = 64, Br = Bc = 128, FP32: a block of 128 x 64 is 32 KiB; Q, K, V, O are 256 KiB.
  std::string text = play.Beat(0);
  CHECK(play.s.trace->steps[0].bytes_read == 3u * 32768);
  play.Quotes(text, {"96.0 KiB"});
  text = play.Beat(1);
  const fs::StepInfo& last = play.s.trace->steps.back();
  CHECK(play.s.step == play.s.trace->StepCount() - 1);
  CHECK(last.bytes_read == 262144u + 8 * 2 * 262144u);  // Q once, K and V once per Q block (8)
  CHECK(last.bytes_written == 262144u + 4096u);         // O and L once
  // Standard: Q, K, V read, O written, and S and P (4 MiB each) written and read: 17 MiB.
  CHECK(fs::StandardTraffic(play.s.problem).Total() == 4u * 262144 + 4u * 4194304);
  play.Quotes(text, {"4.2 MiB", "260.0 KiB", "17.0 MiB", "3.8x this loop's"});
  text = play.Beat(2);
  CHECK(play.s.ladder.shown_shape == fs::LadderShape{1, 16, 16384, 128, false});
  play.Quotes(text, {"130.7 TFLOP/s", "16.6%", "358.1 TFLOP/s", "45.6%", "7.42e-03", "4.14e-03", "51.6 TFLOP/s", "61.6%"});
  text = play.Beat(3);
  // 4 * 16 * 16384^2 * 128 FLOPs over 16 * 16384 * 1028 compulsory bytes in BF16, and with
  // 4 * 16 * 16384^2 * 2 bytes of S and P too; the copy bandwidth 2994.0 GB/s at that intensity.
  const double flops = 4.0 * 16 * 16384 * 16384 * 128, bytes = 16.0 * 16384 * 1028, scores = 4.0 * 16 * 16384 * 16384 * 2;
  CHECK(std::lround(flops / bytes) == 8160);
  CHECK(std::lround(flops / (bytes + scores)) == 64);
  CHECK(std::lround(2993.99 * flops / (bytes + scores) / 1000) == 190);
  CHECK(std::lround(786.093 * 1000 / 2993.99) == 263);
  // In FP32: 16 * 16384 * (4 * 128 * 4 + 4) compulsory bytes and S and P of 4 bytes; the FP32
  // ridge at 51.6 TFLOP/s is 17 FLOP per byte, left of the ring.
  const double bytes32 = 16.0 * 16384 * 2052, scores32 = 4.0 * 16 * 16384 * 16384 * 4;
  CHECK(std::lround(flops / (bytes32 + scores32)) == 32);
  CHECK(std::lround(51.59995 * 1000 / 2993.99) == 17);
  play.Quotes(text, {"8160 FLOP per byte", "BF16 ridge at 263", "64 FLOP per byte", "allows 190 TFLOP/s", "130.7",
                     "32 FLOP per byte"});
  text = play.Beat(4);
  // 16 heads at N = 16384: S of 16 * 16384^2 BF16 values (8 GiB) and Q, K, V, O, L (257 MiB).
  CHECK(fs::KernelDeviceBytes(fs::KernelId::kStandard, {1, 16, 16384, 128, false}, fs::Format::kBf16) ==
        16ull * 16384 * 16384 * 2 + 16ull * 16384 * 1028);
  // 80 GB: 16 (2 N^2 + 1028 N) <= 8e10 up to N = 49743.
  const auto standard_bytes = [](double n) { return 16 * (2 * n * n + 1028 * n); };
  CHECK(standard_bytes(49743) <= 8e10);
  CHECK(standard_bytes(49744) > 8e10);
  play.Quotes(text, {"8.3 GiB", "257.0 MiB", "80GB", "74.5 GiB", "N = 49743", "N = 65536"});
  text = play.Beat(5);
  CHECK(play.s.ladder.shown_shape.causal);
  play.Quotes(text, {"86.3 TFLOP/s", "11.0%", "332.0 TFLOP/s", "42.2%", "18.2 TFLOP/s", "9.7"});
}

TEST_CASE("fa1_vs_fa2: the bytes of FA2's loop order and the ladder's rows it quotes", "[lesson][throughput]") {
  Player play("fa1_vs_fa2.json");
  // N = 256, d = 64, Br = Bc = 64, FP32: a block is 64 x 64 x 4 = 16 KiB; L of a block 256 bytes.
  std::string text = play.Beat(0);
  CHECK(play.s.trace->steps[0].bytes_read == 3u * 16384);
  CHECK(play.s.trace->steps[0].bytes_written == 0u);
  play.Quotes(text, {"48.0 KiB"});
  text = play.Beat(1);
  CHECK(play.s.trace->steps[3].q_block == 0);
  CHECK(play.s.trace->steps[3].kv_block == 3);
  CHECK(play.s.trace->steps[3].bytes_read == 9u * 16384);  // Q block 0, K and V blocks 0..3
  CHECK(play.s.trace->steps[3].bytes_written == 16384u + 256u);
  play.Quotes(text, {"144.0 KiB", "16.2 KiB"});
  text = play.Beat(2);
  CHECK(play.s.trace->steps[15].bytes_read == 4u * 16384 + 4 * 8 * 16384u);  // Q once, K and V 4 times
  CHECK(play.s.trace->steps[15].bytes_written == 4u * (16384 + 256));
  play.Quotes(text, {"576.0 KiB", "65.0 KiB", "1.2 MiB", "2.0x this loop's"});
  text = play.Beat(3);
  CHECK(play.s.problem.br == 128);
  CHECK(play.s.trace->steps.back().bytes_read == 4u * 16384 + 2 * 8 * 16384u);  // K and V twice
  play.Quotes(text, {"320.0 KiB", "65.0 KiB", "3.3x this loop's"});
  text = play.Beat(4);
  CHECK(play.s.ladder.shown_shape == fs::LadderShape{1, 16, 16384, 128, false});
  play.Quotes(text, {"0.4 TFLOP/s, 0.8%", "7.2 TFLOP/s, 14.0%", "358.1 TFLOP/s"});
  CHECK_THAT(text, !Contains("not in this report"));  // every rung of the ladder has its row
  // "about 17 times": the report's TFLOP/s, not the rounded ones on screen.
  const fs::BenchReport& ladder = *fs::ShownReport(play.s);
  double fa1 = 0, fa2_teach = 0;
  for (const fs::BenchResult& x : ladder.results) {
    if (x.shape != play.s.ladder.shown_shape) continue;
    if (x.kernel == "fa1") fa1 = x.tflops;
    if (x.kernel == "fa2_teach") fa2_teach = x.tflops;
  }
  REQUIRE(fa1 > 0);
  CHECK(std::lround(fa2_teach / fa1) == 17);
  CHECK_THAT(play.Current().text, Contains("about 17 times"));
  // fa1 launches B*H blocks; fa2_teach (N / Br) * B*H with Br = 64; K/V blocks of Bc = 64.
  CHECK(16384 / 64 * 16 == 4096);
  CHECK_THAT(play.Current().text, Contains("16 blocks") && Contains("256 K/V blocks") && Contains("4096 in all"));
  // fa1's row says what the beat says of it.
  CHECK_THAT(text, Contains(fs::FindKernel("fa1")->teaches));
  CHECK_THAT(fs::FindKernel("fa1")->teaches, Contains("K/V blocks outer: O, m, l re-read and re-written each step"));
  CHECK_THAT(play.Current().text, Contains("K/V-outer order: O, m and l are re-read and re-written at every step"));
  text = play.Beat(5);
  CHECK(play.s.ladder.shown_shape == fs::LadderShape{2, 16, 8192, 128, false});
  play.Quotes(text, {"Br=128 Bc=64 4 warps at 349.2 TFLOP/s", "accumulators do not fit in registers"});
  // The cells the beat compares, drawn (not logged) with their TFLOP/s rounded: Br=128 and
  // Br=64 at Bc=64 with 4 warps.
  const fs::SweepModel sweep = fs::Fa2MmaSweep(*fs::ShownReport(play.s), play.s.ladder.shown_shape);
  for (const fs::SweepCell& c : sweep.cells) {
    if (c.tile == fs::MmaTile{128, 64, 4}) CHECK(std::lround(c.tflops) == 349);
    if (c.tile == fs::MmaTile{64, 64, 4}) CHECK(std::lround(c.tflops) == 315);
  }
}

TEST_CASE("your_ladder: every beat shows the live ladder with a GPU, the saved report without", "[lesson][throughput]") {
  const FakeRunner fake;
  for (const bool gpu : {false, true}) {
    INFO((gpu ? "with a GPU" : "without a GPU"));
    Player play("your_ladder.json", gpu ? fs::BenchRunner(fake) : nullptr);
    EveryBeat(play);
    for (int b = 0; b < play.Beats(); ++b) {
      const std::string text = play.Beat(b);
      INFO("beat " << b);
      CHECK(play.s.ladder.show_file == !gpu);
      CHECK_THAT(text, Contains(gpu ? "live on Fake GPU" : "No GPU here: "));
      // The ladder, then fa2_mma's sweep, recorded at 46c6883.
      if (!gpu)
        CHECK_THAT(text, Contains(b + 1 < play.Beats() ? "data/h100_ladder_46c6883.json: recorded on NVIDIA H100 80GB HBM3 at 2026-11-22T09:45:42Z (vm)"
                                                       : "data/h100_fa2_mma_sweep_46c6883.json: recorded on NVIDIA H100 80GB HBM3 at 2026-11-22T09:48:35Z (vm)"));
    }
  }
  CHECK(*fake.calls == 1);  // one pass, run for the first beat's capture; later beats draw it
}
