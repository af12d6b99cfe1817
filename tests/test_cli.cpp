// The headless commands, run as a user runs them: the real binary, its files read back.
#include "catch2/catch.hpp"

#include <sys/wait.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "backend.h"
#include "inputs.h"
#include "npy.h"
#include "test_oracle.h"
#include "test_util.h"
#include "trace_file.h"

using Catch::Matchers::Contains;
using nlohmann::json;

namespace {

int Run(const std::string& args, const std::string& log) {
  const std::string cmd = std::string(FS_FLASHSCOPE_BIN) + " " + args + " > " + log + " 2>&1";
  const int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// O and L of a recorded trace against attention written out in FP64 (test_oracle.h).
void CheckOutputsAgainstFp64(const fs::Trace& t, double scale) {
  const fs::Problem& p = t.problem;
  const fs::Inputs in = fs::MakeInputs(p);
  for (int row = 0; row < p.n; ++row) {
    INFO(fs::Describe(p) << ", row " << row);
    const auto a = fs_test::AttendRow(in, row, scale, p.causal, p.n);
    CHECK(fs_test::RowError(&t.o[size_t(row) * p.d], a.o) < 1e-5);
    CHECK(t.lse[row] == Approx(a.m + std::log(a.l)).epsilon(1e-6).margin(1e-5));
  }
}

}  // namespace

TEST_CASE("trace records the problem its flags describe, and writes its O and L as .npy", "[cli]") {
  fs_test::TempDir dir;
  const std::string log = dir.File("log");
  const int code = Run("trace --backend cpu --n 100 --d 32 --br 32 --bc 16 --causal --pattern tied --seed 3 --out " +
                           dir.File("t.fstrace") + " --save-o " + dir.File("o.npy") + " --save-l " + dir.File("l.npy"),
                       log);
  INFO(fs_test::ReadBytes(log));
  REQUIRE(code == 0);
  CHECK_THAT(fs_test::ReadBytes(log), Contains("wrote") && Contains("recorded with CPU emulation"));

  fs::Problem p = fs_test::ProblemOf(100, 32, 32, 16, true);
  p.pattern = fs::Pattern::kTiedMaxima;
  p.seed = 3;
  const fs::Trace t = fs::LoadTrace(dir.File("t.fstrace"));
  CHECK(t.problem == p);
  CHECK(t.backend == "CPU emulation");
  // Causal, Br = 32, Bc = 16: Q blocks ending at rows 31, 63, 95 and 99 visit K/V blocks
  // 0..1, 0..3, 0..5 and 0..6.
  CHECK(t.StepCount() == 2 + 4 + 6 + 7);
  CheckOutputsAgainstFp64(t, 1.0 / std::sqrt(32.0));

  const fs::NpyArray o = fs::LoadNpy(dir.File("o.npy"));
  const fs::NpyArray l = fs::LoadNpy(dir.File("l.npy"));
  CHECK(o.shape == std::vector<size_t>{100, 32});
  CHECK(l.shape == std::vector<size_t>{100});
  CHECK(o.data == t.o);
  CHECK(l.data == t.lse);
}

TEST_CASE("trace applies --softmax-scale, --pattern and --rank", "[cli][scale]") {
  fs_test::TempDir dir;
  const std::string log = dir.File("log");
  const int code = Run("trace --backend cpu --n 48 --d 16 --br 16 --bc 32 --softmax-scale 0.3 --pattern lowrank "
                       "--rank 3 --seed 9 --out " + dir.File("t.fstrace"),
                       log);
  INFO(fs_test::ReadBytes(log));
  REQUIRE(code == 0);
  CHECK_THAT(fs_test::ReadBytes(log), Contains("scale=0.3"));
  fs::Problem p = fs_test::ProblemOf(48, 16, 16, 32);
  p.scale = 0.3f;
  p.pattern = fs::Pattern::kLowRank;
  p.rank = 3;
  p.seed = 9;
  const fs::Trace t = fs::LoadTrace(dir.File("t.fstrace"));
  CHECK(t.problem == p);
  CheckOutputsAgainstFp64(t, 0.3);
}

TEST_CASE("trace --lesson takes the lesson's problem, and flags change only what they name", "[cli]") {
  fs_test::TempDir dir;
  const std::string log = dir.File("log");
  const std::string lesson = std::string(FS_SOURCE_DIR) + "/scenarios/lessons/causal.json";
  REQUIRE(Run("trace --backend cpu --lesson " + lesson + " --n 64 --out " + dir.File("t.fstrace"), log) == 0);
  const json problem = json::parse(fs_test::ReadBytes(lesson)).at("problem");
  const fs::Problem p = fs::LoadTrace(dir.File("t.fstrace")).problem;
  CHECK(p.n == 64);  // the flag
  CHECK(p.d == problem.at("d").get<int>());
  CHECK(p.br == problem.at("br").get<int>());
  CHECK(p.bc == problem.at("bc").get<int>());
  CHECK(p.causal == problem.at("causal").get<bool>());
  CHECK(p.seed == problem.at("seed").get<uint64_t>());
  REQUIRE(problem.at("n").get<int>() != 64);  // so that the flag is seen to win
}

TEST_CASE("--size outside 320x240 .. 7680x4320 is refused before anything runs", "[cli]") {
  fs_test::TempDir dir;
  const std::string log = dir.File("log");
  for (const char* size : {"319x240", "320x239", "7681x1000", "1000x4321", "10x10", "800", "800x600x2"}) {
    INFO(size);
    CHECK(Run(std::string("--size ") + size + " trace --backend cpu --n 16 --out " + dir.File("t.fstrace"), log) == 2);
    CHECK_THAT(fs_test::ReadBytes(log), Contains("--size is \"" + std::string(size) + "\"; allowed: WxH"));
  }
  CHECK(Run("--size 320x240 trace --backend cpu --n 16 --out " + dir.File("t.fstrace"), log) == 0);
  CHECK(Run("--size 7680x4320 trace --backend cpu --n 16 --out " + dir.File("t.fstrace"), log) == 0);
}

TEST_CASE("trace refuses a bad problem, backend or output path with a message", "[cli]") {
  fs_test::TempDir dir;
  const std::string log = dir.File("log");
  CHECK(Run("trace --backend cpu --n 0 --out " + dir.File("x"), log) == 1);
  CHECK_THAT(fs_test::ReadBytes(log), Contains("N (sequence length) is 0; allowed: 1..8192"));
  CHECK(Run("trace --backend gpu --out " + dir.File("x"), log) == 2);
  CHECK_THAT(fs_test::ReadBytes(log), Contains("--backend"));
  CHECK(Run("trace --backend cpu --pattern gaussian --out " + dir.File("x"), log) == 2);
  CHECK_THAT(fs_test::ReadBytes(log), Contains("\"gaussian\" is not a pattern; allowed: random, sink, tied"));
  CHECK(Run("trace --backend cpu --out /nonexistent/dir/t.fstrace", log) == 1);
  CHECK_THAT(fs_test::ReadBytes(log), Contains("/nonexistent/dir/t.fstrace"));
  CHECK(Run("trace --backend cpu --q " + dir.File("missing.npy") + " --k a.npy --v b.npy --out " + dir.File("x"), log) == 1);
  CHECK_THAT(fs_test::ReadBytes(log), Contains("missing.npy"));
}

TEST_CASE("bench refuses a malformed shape and names the form it wants", "[cli]") {
  fs_test::TempDir dir;
  const std::string log = dir.File("log");
  CHECK(Run("bench --shape 2x16x8192", log) == 2);
  CHECK_THAT(fs_test::ReadBytes(log), Contains("BxHxNxD[c]"));
}

TEST_CASE("help explains every command", "[cli]") {
  fs_test::TempDir dir;
  const std::string log = dir.File("log");
  REQUIRE(Run("--help", log) == 0);
  CHECK_THAT(fs_test::ReadBytes(log), Contains("shot") && Contains("trace") && Contains("bench") && Contains("--pattern"));
  REQUIRE(Run("trace --help", log) == 0);
  CHECK_THAT(fs_test::ReadBytes(log), Contains("--save-o") && Contains("--backend"));
}

TEST_CASE("options outside their allowed values are refused with exit 2", "[cli]") {
  fs_test::TempDir dir;
  const std::string log = dir.File("log");
  const std::string trace = " trace --backend cpu --n 16 --out " + dir.File("t.fstrace");
  for (const std::string& bad : {"--scale 4.5" + trace, "--scale 0.4" + trace, "--panels tiles,heat" + trace,
                                 "--measure-frames 0" + trace, "--backend gpu" + trace,
                                 std::string("bench --warmup -1"), std::string("bench --repeats 0"),
                                 std::string("bench --shape 2y16x1024x64")}) {
    INFO(bad << ": " << fs_test::ReadBytes(log));
    CHECK(Run(bad, log) == 2);
  }
  CHECK(Run("--scale 4 --panels tiles,compare" + trace, log) == 0);
}

TEST_CASE("trace --backend auto uses CUDA only where a device is usable, and says where it ran", "[cli]") {
  fs_test::TempDir dir;
  const std::string log = dir.File("log");
  REQUIRE(Run("trace --backend auto --n 16 --d 16 --br 16 --bc 16 --out " + dir.File("t.fstrace"), log) == 0);
  const fs::Trace t = fs::LoadTrace(dir.File("t.fstrace"));
  const bool cuda = fs::CudaUnavailableReason().empty();
  CHECK(t.backend == (cuda ? "CUDA" : "CPU emulation"));
  if (!cuda) CHECK(t.device == fs::CpuName());
  CHECK(t.host == fs::HostName());
  CHECK(t.recorded_at.size() == std::string("2026-11-22T10:00:00Z").size());
  CHECK_THAT(fs_test::ReadBytes(log), Contains(fs::TraceProvenance(t)));
}
