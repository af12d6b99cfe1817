// Numbers on the command line are taken exactly as written or refused with what is allowed:
// no wrap-around (-1 as 2^64 - 1), no silent rounding (1e-46 as 0), no NaN past a range
// check, no hex or exponent where an integer is meant.
#include "catch2/catch.hpp"

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "cli.h"
#include "test_util.h"
#include "trace_file.h"

using Catch::Matchers::Contains;

namespace {

using fs_test::FileNames;
using fs_test::ReadBytes;
using fs_test::RunShell;
using fs_test::TempDir;

struct Refusal {
  std::string args;
  std::string message;
};

// Runs flashscope with each refusal's args; every one must exit 2, say its message and
// write nothing.
void CheckRefused(const std::vector<Refusal>& refusals) {
  TempDir dir;
  const std::string log = dir.File("log");
  for (const Refusal& r : refusals) {
    INFO(r.args);
    CHECK(RunShell(std::string(FS_FLASHSCOPE_BIN) + " " + r.args, log) == 2);
    CHECK_THAT(ReadBytes(log), Contains(r.message));
  }
  CHECK(FileNames(dir) == std::vector<std::string>{"log"});
}

const std::string kTrace = "trace --backend cpu --out /nonexistent/t.fstrace ";
const std::string kSeedAllowed = "allowed: an integer from 0 to 18446744073709551615";

}  // namespace

TEST_CASE("flag numbers are plain decimal integers in range, or finite numbers, and nothing else",
          "[cli][flags]") {
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min(), kMax = std::numeric_limits<int64_t>::max();
  int64_t v = 0;
  CHECK((fs::ParseDecimal("-9223372036854775808", kMin, kMax, &v) && v == kMin));
  CHECK((fs::ParseDecimal("9223372036854775807", kMin, kMax, &v) && v == kMax));
  CHECK((fs::ParseDecimal("010", 0, 100, &v) && v == 10));  // decimal, not octal
  for (const char* bad : {"9223372036854775808", "-9223372036854775809", "", "-", "+5", " 5", "5 ", "0x10", "1e3",
                          "5.0", "18446744073709551615"}) {
    INFO(bad);
    CHECK_FALSE(fs::ParseDecimal(bad, kMin, kMax, &v));
  }
  CHECK_FALSE(fs::ParseDecimal("-1", 0, 100, &v));
  CHECK_FALSE(fs::ParseDecimal("101", 0, 100, &v));
  uint64_t u = 0;
  CHECK((fs::ParseDecimalU64("18446744073709551615", &u) && u == 18446744073709551615ull));
  CHECK_FALSE(fs::ParseDecimalU64("18446744073709551616", &u));
  CHECK_FALSE(fs::ParseDecimalU64("-1", &u));
  double d = 0.0;
  CHECK((fs::ParseFiniteDouble("1e-46", &d) && d == 1e-46));  // the caller's range refuses it
  for (const char* bad : {"nan", "inf", "-inf", "1e400", "", " 1", "1x"}) {
    INFO(bad);
    CHECK_FALSE(fs::ParseFiniteDouble(bad, &d));
  }
}

TEST_CASE("--seed refuses negative, too large and non-integer values", "[cli][flags]") {
  CheckRefused({{kTrace + "--seed -1", "--seed is \"-1\"; " + kSeedAllowed},
                {kTrace + "--seed 18446744073709551616", "--seed is \"18446744073709551616\"; " + kSeedAllowed},
                {kTrace + "--seed 1e30", "--seed is \"1e30\"; " + kSeedAllowed},
                {kTrace + "--seed 0x10", "--seed is \"0x10\"; " + kSeedAllowed}});
}

TEST_CASE("--seed takes the largest 64-bit value as written", "[cli][flags]") {
  TempDir dir;
  const std::string out = dir.File("t.fstrace"), log = dir.File("log");
  REQUIRE(RunShell(std::string(FS_FLASHSCOPE_BIN) + " trace --backend cpu --n 32 --d 16 --seed 18446744073709551615 --out " +
                       out,
                   log) == 0);
  CHECK(fs::LoadTrace(out).problem.seed == 18446744073709551615ull);
}

TEST_CASE("integer problem options refuse values that do not fit, naming the allowed range", "[cli][flags]") {
  CheckRefused({{kTrace + "--n 4294967297", "--n is \"4294967297\"; allowed: 1..8192"},
                {kTrace + "--n 1e3", "--n is \"1e3\"; allowed: 1..8192"},
                {kTrace + "--d 64.0", "--d is \"64.0\"; allowed: 16, 32, 64, 96, 128"},
                {kTrace + "--br 0x40", "--br is \"0x40\"; allowed: 16, 32, 64, 128"},
                {kTrace + "--rank 99999999999", "--rank is \"99999999999\"; allowed: 1..min(d, 64)"}});
}

TEST_CASE("--size refuses a width that wraps around an int", "[cli][flags]") {
  CheckRefused({{"--size 4294967616x240 --measure-frames 1", "--size is \"4294967616x240\"; allowed: WxH"},
                {"--size 640x480x3 --measure-frames 1", "allowed: WxH with W in 320..7680"},
                {"--size -640x480 --measure-frames 1", "allowed: WxH"}});
}

TEST_CASE("float options refuse NaN, infinity and values float32 cannot hold", "[cli][flags]") {
  const std::string scale_allowed = "allowed: a positive finite number from 1.2e-38 to 3.4e+38, or 0 for 1/sqrt(d)";
  CheckRefused({{kTrace + "--softmax-scale nan", "--softmax-scale is \"nan\"; " + scale_allowed},
                {kTrace + "--softmax-scale inf", "--softmax-scale is \"inf\"; " + scale_allowed},
                {kTrace + "--softmax-scale 1e-46", "--softmax-scale is \"1e-46\"; " + scale_allowed},
                {kTrace + "--softmax-scale 1e39", "--softmax-scale is \"1e39\"; " + scale_allowed},
                {"--scale nan --measure-frames 1", "--scale is \"nan\"; allowed: a number from 0.5 to 4"},
                {"--scale 1e400 --measure-frames 1", "--scale is \"1e400\"; allowed: a number from 0.5 to 4"}});
}

TEST_CASE("view and bench integers refuse what is not a plain integer in range", "[cli][flags]") {
  CheckRefused({{"--step 1e9 --measure-frames 1", "--step is \"1e9\"; allowed: an integer from 0 to 2147483647"},
                {"--row 99999999999 --measure-frames 1", "--row is \"99999999999\""},
                {"--measure-frames nan", "--measure-frames is \"nan\"; allowed: an integer from 1 to 100000"},
                {"bench --warmup 1e3", "--warmup is \"1e3\"; allowed: an integer from 0 to 1000"},
                {"bench --shape 99999999999x1x1x16", "--shape \"99999999999x1x1x16\" is not BxHxNxD[c]"}});
}

TEST_CASE("a softmax scale that overflows the scores fails the run and writes nothing", "[cli][flags]") {
  TempDir dir;
  const std::string out = dir.File("t.fstrace"), log = dir.File("log");
  CHECK(RunShell(std::string(FS_FLASHSCOPE_BIN) + " trace --backend cpu --n 32 --d 16 --softmax-scale 1e38 --out " + out +
                     " --save-o " + dir.File("o.npy"),
                 log) == 1);
  CHECK_THAT(ReadBytes(log), Contains("the softmax scale 1e+38 makes the scores of query row 0 overflow float32") &&
                                 Contains("allowed: a scale of at most"));
  CHECK(FileNames(dir) == std::vector<std::string>{"log"});
}
