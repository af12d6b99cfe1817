// shot refuses rather than draws something else: a trace file that cannot be opened, a
// problem that is not allowed, a UI scale that is not a number, a full disk. Each refusal
// exits non-zero, says why, and leaves an existing PNG exactly as it was.
#include "catch2/catch.hpp"

#include <string>
#include <vector>

#include "test_util.h"

using Catch::Matchers::Contains;

namespace {

using fs_test::FileNames;
using fs_test::ReadBytes;
using fs_test::RunFlashscope;
using fs_test::RunHeadless;
using fs_test::TempDir;
using fs_test::WriteBytes;

constexpr const char* kOldPng = "an older picture";

}  // namespace

TEST_CASE("shot refuses a trace file that cannot be opened and keeps the PNG", "[shot][outputs]") {
  TempDir dir;
  const std::string png = dir.File("x.png"), log = dir.File("log");
  WriteBytes(png, kOldPng);
  const int code = RunFlashscope("shot --open /nonexistent.fstrace --size 320x240 --out " + png, log);
  INFO(ReadBytes(log));
  CHECK(code == 1);
  CHECK_THAT(ReadBytes(log), Contains("/nonexistent.fstrace: cannot open") && !Contains("Ran N="));
  CHECK(ReadBytes(png) == kOldPng);
}

TEST_CASE("shot draws N = 8192, past the trace budget, one Q block at a time, at any step", "[shot][outputs][window]") {
  TempDir dir;
  const std::string png = dir.File("x.png"), log = dir.File("log");
  // Q block 200 of 512 at Br = Bc = 16: its run replaces the first Q block's before the picture.
  const int code =
      RunFlashscope("shot --n 8192 --d 16 --br 16 --bc 16 --step 102500 --size 320x240 --out " + png, log);
  INFO(ReadBytes(log));
  CHECK(code == 0);
  CHECK_THAT(ReadBytes(log), Contains("step 102500"));
  CHECK(ReadBytes(png).substr(1, 3) == "PNG");
  CHECK(FileNames(dir) == std::vector<std::string>{"log", "x.png"});
}

TEST_CASE("shot refuses a UI scale that is NaN or infinite instead of aborting", "[shot][cli]") {
  TempDir dir;
  const std::string png = dir.File("x.png"), log = dir.File("log");
  for (const std::string scale : {"nan", "inf", "-inf", "1e400", "0x1p1000"}) {
    INFO(scale);
    CHECK(RunFlashscope("shot --scale " + scale + " --out " + png, log) == 2);
    CHECK_THAT(ReadBytes(log), Contains("--scale is \"" + scale + "\"; allowed: a number from 0.5 to 4"));
  }
  CHECK(FileNames(dir) == std::vector<std::string>{"log"});
}

TEST_CASE("shot refuses a lesson whose title is too long to draw", "[shot][lesson]") {
  TempDir dir;
  const std::string png = dir.File("x.png"), log = dir.File("log"), lesson = dir.File("long.json");
  WriteBytes(lesson, R"({"title": ")" + std::string(17000, 'x') +
                         R"(", "problem": {"n": 64}, "beats": [{"title": "a", "text": "b"}]})");
  CHECK(RunFlashscope("shot --lesson " + lesson + " --size 320x240 --out " + png, log) == 2);
  CHECK_THAT(ReadBytes(log), Contains("field \"title\" is 17000 characters long") && Contains("allowed: at most 200"));
  CHECK(FileNames(dir) == std::vector<std::string>{"log", "long.json"});
}

TEST_CASE("shot on a full disk keeps the existing PNG and leaves no temporary file", "[shot][outputs]") {
  TempDir dir;
  const std::string png = dir.File("x.png"), log = dir.File("log");
  WriteBytes(png, kOldPng);
  // 16 KiB (32 blocks of 512 bytes): less than any PNG of the window.
  const int code = RunHeadless("shot --size 800x600 --out " + png, log, "trap '' XFSZ; ulimit -f 32; ");
  INFO(ReadBytes(log));
  CHECK(code == 1);
  CHECK_THAT(ReadBytes(log), Contains(png + ": cannot save") && Contains("File too large"));
  CHECK(ReadBytes(png) == kOldPng);
  CHECK(FileNames(dir) == std::vector<std::string>{"log", "x.png"});
}

TEST_CASE("shot draws a lesson at its limits: 200-character titles, 4000-character texts", "[shot][lesson]") {
  TempDir dir;
  const std::string png = dir.File("x.png"), log = dir.File("log"), lesson = dir.File("limits.json");
  // One unbreakable word of 4000 characters: the most glyphs a beat can put on screen.
  WriteBytes(lesson, R"({"title": ")" + std::string(200, 'T') + R"(", "problem": {"n": 64}, "beats": [{"title": ")" +
                         std::string(200, 'B') + R"(", "text": ")" + std::string(4000, 'x') + R"("}]})");
  const int code = RunFlashscope("shot --lesson " + lesson + " --size 1920x1080 --scale 0.5 --out " + png, log);
  INFO(ReadBytes(log));
  CHECK(code == 0);
  CHECK(ReadBytes(png).substr(0, 8) == "\x89PNG\r\n\x1a\n");
}
