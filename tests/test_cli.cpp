// The headless commands, run as a user runs them: the real binary, its files read back.
#include "catch2/catch.hpp"

#include <sys/wait.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "emulate.h"
#include "npy.h"
#include "test_util.h"
#include "trace_file.h"

using Catch::Matchers::Contains;

namespace {

int Run(const std::string& args, const std::string& log) {
  const std::string cmd = std::string(FS_FLASHSCOPE_BIN) + " " + args + " > " + log + " 2>&1";
  const int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

TEST_CASE("trace writes a trace file and O and L as .npy, equal to the emulation", "[cli]") {
  fs_test::TempDir dir;
  const std::string log = dir.File("log");
  const int code = Run("trace --backend cpu --n 100 --d 32 --br 32 --bc 16 --causal --pattern tied --seed 3 --out " +
                           dir.File("t.fstrace") + " --save-o " + dir.File("o.npy") + " --save-l " + dir.File("l.npy"),
                       log);
  INFO(fs_test::ReadBytes(log));
  REQUIRE(code == 0);
  CHECK_THAT(fs_test::ReadBytes(log), Contains("wrote") && Contains("recorded with CPU emulation"));

  fs::Problem p;
  p.n = 100;
  p.d = 32;
  p.br = 32;
  p.bc = 16;
  p.causal = true;
  p.pattern = fs::Pattern::kTiedMaxima;
  p.seed = 3;
  const fs::Trace expected = fs::EmulateTraced(p, fs::MakeInputs(p));
  const fs::Trace t = fs::LoadTrace(dir.File("t.fstrace"));
  CHECK(t.problem == p);
  REQUIRE(t.data.size() == expected.data.size());
  CHECK(std::memcmp(t.data.data(), expected.data.data(), t.data.size() * sizeof(float)) == 0);

  const fs::NpyArray o = fs::LoadNpy(dir.File("o.npy"));
  const fs::NpyArray l = fs::LoadNpy(dir.File("l.npy"));
  CHECK(o.shape == std::vector<size_t>{100, 32});
  CHECK(l.shape == std::vector<size_t>{100});
  CHECK(o.data == expected.o);
  CHECK(l.data == expected.lse);
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
