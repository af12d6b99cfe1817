// Captures for slides and animations, run as a lecturer runs them: the real binary drawing
// through EGL (no display), the PNGs read back with their alpha. Sizes stay small (640x400):
// the software renderer draws on two cores.
#include "catch2/catch.hpp"

#include <sys/stat.h>

#include <cstdlib>
#include <regex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app_state.h"
#include "capture.h"
#include "capture_render.h"
#include "gl_choice.h"
#include "gui.h"
#include "cli.h"
#include "panel_list.h"
#include "panels.h"
#include "stb_image.h"
#include "test_imgui.h"
#include "test_util.h"

using Catch::Matchers::Contains;

namespace {

using fs_test::FileNames;
using fs_test::ReadBytes;
using fs_test::RunShell;
using fs_test::TempDir;
using fs_test::WriteBytes;

constexpr const char* kSmall = " --size 640x400";
constexpr const char* kTinyProblem = " --n 64 --d 16 --br 16 --bc 16";  // 16 steps

// flashscope with no display in its environment: it draws through EGL. `env` goes first
// (e.g. "PATH=/x").
int Headless(const std::string& args, const std::string& log, const std::string& env = "") {
  return RunShell("env -u DISPLAY -u WAYLAND_DISPLAY " + env + " " + FS_FLASHSCOPE_BIN + " " + args, log);
}

// An RGBA image read back from a PNG.
struct Rgba {
  int width = 0, height = 0;
  std::vector<unsigned char> px;
  const unsigned char* At(int x, int y) const { return &px[(size_t(y) * width + x) * 4]; }
};

Rgba Load(const std::string& path) {
  Rgba im;
  int channels = 0;
  unsigned char* data = stbi_load(path.c_str(), &im.width, &im.height, &channels, 4);
  REQUIRE(data != nullptr);
  im.px.assign(data, data + size_t(im.width) * im.height * 4);
  stbi_image_free(data);
  return im;
}

size_t CountAlpha(const Rgba& im, unsigned char alpha) {
  size_t n = 0;
  for (size_t i = 3; i < im.px.size(); i += 4) n += im.px[i] == alpha;
  return n;
}

// Pixels that differ between two images of one size, and the box holding them.
struct Difference {
  size_t count = 0;
  int x0 = 1 << 30, y0 = 1 << 30, x1 = -1, y1 = -1;
};

Difference Compare(const Rgba& a, const Rgba& b) {
  REQUIRE(a.width == b.width);
  REQUIRE(a.height == b.height);
  Difference d;
  for (int y = 0; y < a.height; ++y)
    for (int x = 0; x < a.width; ++x)
      if (std::memcmp(a.At(x, y), b.At(x, y), 4) != 0) {
        ++d.count;
        d.x0 = std::min(d.x0, x), d.y0 = std::min(d.y0, y), d.x1 = std::max(d.x1, x), d.y1 = std::max(d.y1, y);
      }
  return d;
}

// Draws a shot into `dir` as `name` and returns its log; the shot must succeed.
std::string Shot(const TempDir& dir, const std::string& name, const std::string& args) {
  const std::string log = dir.File(name + ".log");
  const int code = Headless("shot --out " + dir.File(name) + " " + args, log);
  INFO(ReadBytes(log));
  REQUIRE(code == 0);
  return ReadBytes(log);
}

std::string Lesson(const std::string& name) { return std::string(FS_LESSON_DIR) + "/" + name; }

bool Exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

}  // namespace

TEST_CASE("Unpremultiply turns the blended colour over a clear alpha of 0 into straight alpha", "[capture]") {
  // White text at half coverage blended over (0,0,0,0) leaves (128,128,128,128); a pixel that
  // nothing covered stays (0,0,0,0); an opaque pixel keeps its colour.
  std::vector<unsigned char> px = {128, 128, 128, 128, 0, 0, 0, 0, 10, 200, 30, 255, 20, 10, 0, 40};
  fs::Unpremultiply(&px);
  CHECK(px == std::vector<unsigned char>{255, 255, 255, 128, 0, 0, 0, 0, 10, 200, 30, 255, 128, 64, 0, 40});
}

TEST_CASE("sequences take A..B ranges of steps or beats, inclusive", "[capture][cli]") {
  fs::IndexRange r;
  REQUIRE(fs::ParseIndexRange("3..7", &r));
  CHECK((r.first == 3 && r.last == 7 && !r.all));
  REQUIRE(fs::ParseIndexRange("4", &r));
  CHECK((r.first == 4 && r.last == 4));
  for (const char* bad : {"7..3", "-1..2", "1..", "..2", "1:3", "a..b", "1..2..3", ""}) {
    INFO(bad);
    CHECK_FALSE(fs::ParseIndexRange(bad, &r));
  }
}

TEST_CASE("the caption names the problem, the step and the backend", "[capture]") {
  fs::Options opt;
  opt.backend = "cpu";
  opt.flags.edits.push_back([](fs::Problem& p) {
    p.n = 64, p.d = 16, p.br = 16, p.bc = 32, p.causal = true;
  });
  opt.step = 3;  // the 4th of 6: Q blocks of 16 rows see 1, 1, 2 and 2 K/V blocks of 32
  fs::AppState s;
  REQUIRE(fs::InitState(s, opt));
  const std::string dot = " \xc2\xb7 ";  // U+00B7
  CHECK(fs::CaptionText(s) ==
        "FlashScope" + dot + "N=64 d=16 Br=16 Bc=32 causal" + dot + "step 4 of 6" + dot + "CPU emulation");
  fs::CaptureOptions o;
  o.panel = "tiles";
  o.pixel_scale = 2;
  CHECK_THAT(fs::CaptureFileName(s, o), Contains("_step3_tiles_2x.png"));
}

TEST_CASE("an out-of-range step, row or beat stays a message in the window's status line", "[capture][app]") {
  for (auto [flag, value] : {std::pair<int fs::Options::*, int>{&fs::Options::step, 999}, {&fs::Options::row, 128},
                             {&fs::Options::beat, 4}}) {
    fs::Options opt;
    opt.backend = "cpu";
    opt.*flag = value;
    fs::AppState s;
    CHECK_FALSE(fs::InitState(s, opt));
    CHECK(s.status.error);
    CHECK_THAT(s.status.text, Contains("is out of range") && Contains("allowed: 0.."));
    CHECK(s.trace != nullptr);  // the lesson stays on screen
  }
}

TEST_CASE("Shift+F12 captures the panel under the mouse, and says so when there is none", "[capture][app]") {
  fs::Options opt;
  opt.backend = "cpu";
  fs::AppState s;
  REQUIRE(fs::InitState(s, opt));
  fs::ShowOnlyPanels(s.view, {"tiles", "scores", "softmax"});
  fs_test::HeadlessFrame frame(ImVec2(1280, 800));
  for (int i = 0; i < 2; ++i) frame.Text([&] { fs::DrawPanelAreas(s, ImVec2(400, 20), ImVec2(1280, 780)); });
  // The default layout: tiles upper left, scores upper right, softmax at the bottom.
  const std::pair<ImVec2, const char*> cases[] = {
      {ImVec2(500, 100), "tiles"}, {ImVec2(1200, 100), "scores"}, {ImVec2(800, 700), "softmax"}};
  const auto keys_then_frame = [&](bool shift) {
    frame.Text([&] {
      fs::RequestCapture(s, shift);  // as HandleKeys does, before the frame is drawn
      fs::DrawPanelAreas(s, ImVec2(400, 20), ImVec2(1280, 780));
    });
  };
  for (const auto& [mouse, name] : cases) {
    ImGui::GetIO().MousePos = mouse;
    s.capture_requested = false;
    keys_then_frame(true);
    CHECK(s.capture_requested);
    CHECK(s.capture.panel == name);
  }
  ImGui::GetIO().MousePos = ImVec2(100, 100);  // over the controls
  s.capture_requested = false;
  keys_then_frame(true);
  CHECK_FALSE(s.capture_requested);
  CHECK_THAT(s.status.text, Contains("over no panel"));
  keys_then_frame(false);
  CHECK(s.capture_requested);
  CHECK(s.capture.panel.empty());
}

TEST_CASE("--capture-scale multiplies the pixels of the window and of one panel", "[capture][shot]") {
  TempDir dir;
  Shot(dir, "w1.png", kSmall);
  Shot(dir, "w2.png", std::string(kSmall) + " --capture-scale 2");
  Shot(dir, "p1.png", std::string(kSmall) + " --panel tiles");
  Shot(dir, "p2.png", std::string(kSmall) + " --panel tiles --capture-scale 2");
  const Rgba w1 = Load(dir.File("w1.png")), w2 = Load(dir.File("w2.png"));
  const Rgba p1 = Load(dir.File("p1.png")), p2 = Load(dir.File("p2.png"));
  CHECK((w1.width == 640 && w1.height == 400));
  CHECK((w2.width == 1280 && w2.height == 800));
  CHECK((p1.width < w1.width && p1.height < w1.height));
  CHECK((p1.width > 100 && p1.height > 100));
  CHECK((p2.width == 2 * p1.width && p2.height == 2 * p1.height));
  // Drawn at that scale, not enlarged: an enlarged image is made of uniform 2x2 blocks; text
  // and lines drawn at 2x are not.
  size_t mixed = 0, blocks = 0;
  for (int y = 0; y + 1 < w2.height; y += 2)
    for (int x = 0; x + 1 < w2.width; x += 2, ++blocks)
      mixed += std::memcmp(w2.At(x, y), w2.At(x + 1, y + 1), 4) != 0 ||
               std::memcmp(w2.At(x, y), w2.At(x + 1, y), 4) != 0;
  INFO(mixed << " of " << blocks << " 2x2 blocks are not uniform");
  CHECK(mixed > blocks / 50);
}

TEST_CASE("a panel capture is that panel's region of the whole window, pixel for pixel", "[capture][shot]") {
  TempDir dir;
  for (const char* panel : {"scores", "softmax"}) {  // the panels that intro's beat 3 shows
    INFO(panel);
    const std::string common = std::string(kSmall) + " --lesson " + Lesson("intro.json") + " --beat 2";
    Shot(dir, "whole.png", common);
    const std::string log = Shot(dir, "panel.png", common + " --no-caption --panel " + panel);
    std::smatch m;
    REQUIRE(std::regex_search(log, m, std::regex(std::string("panel ") + panel + " at (\\d+),(\\d+) of the 640x400")));
    const int x = std::stoi(m[1]), y = std::stoi(m[2]);
    const Rgba whole = Load(dir.File("whole.png")), part = Load(dir.File("panel.png"));
    REQUIRE(x + part.width <= whole.width);
    REQUIRE(y + part.height <= whole.height);
    size_t differ = 0;
    for (int row = 0; row < part.height; ++row)
      differ += std::memcmp(part.At(0, row), whole.At(x, y + row), size_t(part.width) * 4) != 0;
    CHECK(differ == 0);
  }
}

TEST_CASE("--transparent leaves alpha 0 where only backgrounds are; an opaque capture has none", "[capture][shot]") {
  TempDir dir;
  const std::string common = std::string(kSmall) + " --light --panel scores";
  Shot(dir, "opaque.png", common);
  Shot(dir, "clear.png", common + " --transparent");
  const Rgba opaque = Load(dir.File("opaque.png")), clear = Load(dir.File("clear.png"));
  const size_t n = size_t(clear.width) * clear.height;
  CHECK(CountAlpha(opaque, 255) == n);
  INFO(CountAlpha(clear, 0) << " of " << n << " pixels transparent, " << CountAlpha(clear, 255) << " opaque");
  CHECK(CountAlpha(clear, 0) > n / 4);    // the panel's background
  CHECK(CountAlpha(clear, 255) > n / 20);  // heatmaps, text and tabs stay
}

TEST_CASE("--caption writes its text in the capture's corner, and only there", "[capture][shot]") {
  TempDir dir;
  const std::string common = std::string(kSmall) + kTinyProblem + " --step 3 --panel scores";
  Shot(dir, "with.png", common + " --caption");
  Shot(dir, "without.png", common + " --no-caption");
  const Rgba with = Load(dir.File("with.png")), without = Load(dir.File("without.png"));
  const Difference d = Compare(with, without);
  INFO(d.count << " pixels differ in [" << d.x0 << ", " << d.x1 << "] x [" << d.y0 << ", " << d.y1 << "] of "
               << with.width << "x" << with.height);
  CHECK(d.count > 500);                    // a box with text, not a stray pixel
  CHECK(d.y0 > with.height / 2);           // in the lower part,
  CHECK(d.x1 >= with.width - 20);          // against the right edge
  // The panel default is a caption; the whole window's is none.
  Shot(dir, "default.png", common);
  CHECK(Compare(Load(dir.File("default.png")), with).count == 0);
}

TEST_CASE("same inputs, same pixels: one beat drawn twice gives the same PNG", "[capture][shot]") {
  TempDir dir;
  const std::string args = std::string(kSmall) + " --lesson " + Lesson("intro.json") + " --beat 2 --caption";
  Shot(dir, "a.png", args);
  Shot(dir, "b.png", args);
  const std::string a = ReadBytes(dir.File("a.png"));
  CHECK(a.size() > 1000);
  CHECK(a == ReadBytes(dir.File("b.png")));
}

TEST_CASE("--steps A..B writes one numbered PNG per step, each the step's own shot", "[capture][shot]") {
  TempDir dir;
  const std::string log = Shot(dir, "s.png", std::string(kSmall) + kTinyProblem + " --steps 2..5");
  CHECK(FileNames(dir) == std::vector<std::string>{"s.png.log", "s_000.png", "s_001.png", "s_002.png", "s_003.png"});
  CHECK_THAT(log, Contains("s_003.png: step 5"));
  for (int k = 0; k < 3; ++k) {
    INFO("frames " << k << " and " << k + 1);
    CHECK(Compare(Load(dir.File("s_00" + std::to_string(k) + ".png")),
                  Load(dir.File("s_00" + std::to_string(k + 1) + ".png")))
              .count > 100);
  }
  Shot(dir, "one.png", std::string(kSmall) + kTinyProblem + " --step 3");
  CHECK(Compare(Load(dir.File("one.png")), Load(dir.File("s_001.png"))).count == 0);
}

TEST_CASE("--beats all writes one PNG per beat of the lesson", "[capture][shot]") {
  TempDir dir;
  const auto lesson = nlohmann::json::parse(ReadBytes(Lesson("ties.json")));
  const size_t beats = lesson["beats"].size();
  REQUIRE(beats >= 2);
  Shot(dir, "b.png", std::string(kSmall) + " --lesson " + Lesson("ties.json") + " --beats all");
  for (size_t b = 0; b < beats; ++b) CHECK(Exists(dir.File("b_00" + std::to_string(b) + ".png")));
  CHECK_FALSE(Exists(dir.File("b_00" + std::to_string(beats) + ".png")));
  Shot(dir, "one.png", std::string(kSmall) + " --lesson " + Lesson("ties.json") + " --beat 1");
  CHECK(Compare(Load(dir.File("one.png")), Load(dir.File("b_001.png"))).count == 0);
}

TEST_CASE("--video without ffmpeg on PATH prints the command that makes it", "[capture][shot]") {
  TempDir dir, empty;
  const std::string log = dir.File("log");
  const int code = Headless("shot --out " + dir.File("s.png") + kSmall + kTinyProblem +
                                " --steps 0..2 --fps 4 --video " + dir.File("a.mp4"),
                            log, "PATH=" + empty.Path());
  INFO(ReadBytes(log));
  CHECK(code == 0);
  CHECK_THAT(ReadBytes(log), Contains("ffmpeg is not on PATH") &&
                                 Contains("ffmpeg -y -loglevel error -framerate 4 -start_number 0 -i '" +
                                          dir.File("s_%03d.png") + "'") &&
                                 Contains("-pix_fmt yuv420p -f mp4 " + dir.File("a.mp4")));
  CHECK_FALSE(Exists(dir.File("a.mp4")));
  CHECK(Exists(dir.File("s_002.png")));
}

TEST_CASE("--video runs the ffmpeg found on PATH and keeps its output only when it succeeds", "[capture][shot]") {
  TempDir dir, bin;
  // A stand-in that records its arguments and writes its last one, or fails.
  WriteBytes(bin.File("ffmpeg"), "#!/bin/sh\necho \"$@\" > " + dir.File("args") +
                                     "\nfor a; do last=$a; done\n[ -e " + dir.File("fail") +
                                     " ] && exit 3\necho video > \"$last\"\n");
  REQUIRE(chmod(bin.File("ffmpeg").c_str(), 0755) == 0);
  const std::string args = "shot --out " + dir.File("s.png") + kSmall + kTinyProblem + " --steps 0..1 --video " +
                           dir.File("a.gif");
  const std::string env = "PATH=" + bin.Path() + ":/usr/bin:/bin";
  CHECK(Headless(args, dir.File("log"), env) == 0);
  INFO(ReadBytes(dir.File("log")));
  CHECK(ReadBytes(dir.File("a.gif")) == "video\n");
  CHECK_THAT(ReadBytes(dir.File("args")), Contains("-i " + dir.File("s_%03d.png")) && Contains("paletteuse -f gif"));
  WriteBytes(dir.File("fail"), "");
  WriteBytes(dir.File("a.gif"), "older");
  CHECK(Headless(args, dir.File("log"), env) == 1);
  CHECK_THAT(ReadBytes(dir.File("log")),
             Contains("failed (exit status 3)") && Contains("the PNG sequence was written"));
  CHECK(ReadBytes(dir.File("a.gif")) == "older");
}

TEST_CASE("--video makes an MP4 with the real ffmpeg where one is installed", "[capture][shot]") {
  if (RunShell("command -v ffmpeg", "/dev/null") != 0) {
    WARN("skipped: ffmpeg is not installed here (the command printed in its place is tested above)");
    return;
  }
  TempDir dir;
  Shot(dir, "s.png", std::string(kSmall) + kTinyProblem + " --steps 0..3 --video " + dir.File("a.mp4"));
  const std::string mp4 = ReadBytes(dir.File("a.mp4"));
  REQUIRE(mp4.size() > 1000);
  CHECK(mp4.substr(4, 4) == "ftyp");
}

TEST_CASE("shot refuses what it cannot draw as asked, with what is allowed, and writes nothing", "[capture][shot]") {
  TempDir dir;
  const std::string out = " --out " + dir.File("x.png") + kSmall;
  const std::pair<std::string, std::vector<std::string>> cases[] = {
      {kTinyProblem + std::string(" --step 999"), {"--step 999 is out of range", "has 16 steps; allowed: 0..15"}},
      {kTinyProblem + std::string(" --row 64"), {"--row 64 is out of range", "64 query rows; allowed: 0..63"}},
      {" --beat 4", {"--beat 4 is out of range", "has 4 beats; allowed: 0..3"}},
      {kTinyProblem + std::string(" --steps 10..16"), {"--steps 10..16 is out of range", "<= 15"}},
      {" --beats 2..9", {"--beats 2..9 is out of range", "<= 3"}},
      {" --panel nope", {"--panel is \"nope\"; allowed: a panel: tiles, softmax, scores"}},
      {" --capture-scale 3", {"--capture-scale is \"3\"; allowed: 1, 2 or 4"}},
      {" --n 8193 --br 128 --bc 128 --d 16", {"N (sequence length) is 8193; allowed: 1..8192"}},
      {" --steps 0..1 --video x.webm", {"allowed: a file name ending in .mp4 or .gif"}},
      {" --video x.mp4", {"give --steps A..B or --beats all|A..B"}},
  };
  for (const auto& [args, messages] : cases) {
    INFO(args);
    CHECK(Headless("shot" + out + args, dir.File("log")) != 0);
    for (const auto& message : messages) CHECK_THAT(ReadBytes(dir.File("log")), Contains(message));
    CHECK(FileNames(dir) == std::vector<std::string>{"log"});
  }
  CHECK(Headless("shot --out " + dir.File("no/x.png") + " --steps 0..2" + kSmall, dir.File("log")) == 1);
  CHECK_THAT(ReadBytes(dir.File("log")), Contains(dir.File("no/x_000.png") + ": cannot save"));
  CHECK(Headless("shot --out x.png --capture-scale 4 --size 2000x1080", dir.File("log")) == 2);
  CHECK_THAT(ReadBytes(dir.File("log")), Contains("makes a 8000x4320 image; allowed: at most 7680x4320"));
  CHECK(FileNames(dir) == std::vector<std::string>{"log"});
}

TEST_CASE("export renders every beat of every lesson with an index of the images and texts", "[capture][export]") {
  TempDir lessons, out;
  std::vector<nlohmann::json> docs;
  for (const char* name : {"intro.json", "ties.json"}) {
    const std::string text = ReadBytes(Lesson(name));
    WriteBytes(lessons.File(name), text);
    docs.push_back(nlohmann::json::parse(text));
  }
  const std::string log = out.File("log");
  const int code = Headless("export --lessons " + lessons.Path() + " --out " + out.File("x") + kSmall + " --light",
                            log);
  INFO(ReadBytes(log));
  REQUIRE(code == 0);
  const std::string index = ReadBytes(out.File("x/index.md"));
  std::regex image(R"(!\[[^\]]*\]\(([^)]+)\))");
  std::vector<std::string> named;
  for (auto it = std::sregex_iterator(index.begin(), index.end(), image); it != std::sregex_iterator(); ++it)
    named.push_back((*it)[1]);
  size_t beats = 0;
  for (const auto& doc : docs) {
    CHECK_THAT(index, Contains("## " + doc["title"].get<std::string>()));
    for (const auto& beat : doc["beats"]) {
      ++beats;
      CHECK_THAT(index, Contains(beat["title"].get<std::string>()) && Contains(beat["text"].get<std::string>()));
    }
  }
  CHECK(named.size() == beats);
  for (const auto& name : named) {
    INFO(name);
    const Rgba im = Load(out.File("x/" + name));
    CHECK((im.width == 640 && im.height == 400));
  }
  CHECK(FileNames(out).size() == 2);  // x and the log
}

TEST_CASE("export refuses a missing directory, a broken lesson and an unwritable output, writing nothing",
          "[capture][export]") {
  TempDir lessons, out;
  const std::string log = out.File("log");
  CHECK(Headless("export --lessons " + lessons.File("none") + " --out " + out.File("x"), log) == 2);
  CHECK_THAT(ReadBytes(log), Contains("none\": No such file or directory; allowed: a directory of lesson files"));
  CHECK(Headless("export --lessons " + lessons.Path() + " --out " + out.File("x"), log) == 2);
  CHECK_THAT(ReadBytes(log), Contains("holds no lesson files (*.json)"));
  WriteBytes(lessons.File("a.json"), ReadBytes(Lesson("intro.json")));
  WriteBytes(lessons.File("b.json"),
             R"({"title": "b", "problem": {"n": 64, "br": 48}, "beats": [{"title": "x", "text": "y"}]})");
  CHECK(Headless("export --lessons " + lessons.Path() + " --out " + out.File("x") + kSmall, log) == 2);
  CHECK_THAT(ReadBytes(log), Contains("b.json") && Contains("allowed") && Contains("nothing was written"));
  CHECK(FileNames(out) == std::vector<std::string>{"log"});
  std::remove(lessons.File("b.json").c_str());
  CHECK(Headless("export --lessons " + lessons.Path() + " --out " + out.File("log") + kSmall, log) == 2);
  CHECK_THAT(ReadBytes(log), Contains("is not a directory"));
  CHECK(Headless("export --lessons " + lessons.Path() + " --out " + out.File("no/x") + kSmall, log) == 1);
  CHECK_THAT(ReadBytes(log), Contains("cannot make the directory"));
  CHECK(FileNames(out) == std::vector<std::string>{"log"});
}

TEST_CASE("File > Capture in the window saves the chosen panel at the chosen scale beside the others",
          "[capture][egl]") {
  fs::Gui gui;
  if (const std::string err = fs::OpenGui(&gui, fs::GlChoice{fs::GlPath::kEgl, "the test asks for EGL"}, 64, 64,
                                          false, "test");
      !err.empty()) {
    WARN("skipped: " << err);
    return;
  }
  TempDir dir;
  fs::Options opt;
  opt.backend = "cpu";
  fs::AppState s;
  REQUIRE(fs::InitState(s, opt));
  s.capture_dir = dir.Path();
  s.capture.pixel_scale = 2;
  s.capture.panel = "tiles";  // as the menu's entry for the Tiles panel sets it
  fs::SaveWindowCapture(&gui, s, ImVec2(640, 400));
  const std::string saved = s.status.text;
  s.capture.pixel_scale = 1;
  fs::SaveWindowCapture(&gui, s, ImVec2(640, 400));  // the panel was for one capture: now the window
  fs::CloseGui(&gui);
  INFO(saved << " / " << s.status.text);
  CHECK_FALSE(s.status.error);
  const std::vector<std::string> names = FileNames(dir);
  REQUIRE(names.size() == 2);
  const std::string panel = names[0].find("_tiles_2x") != std::string::npos ? names[0] : names[1];
  const std::string whole = panel == names[0] ? names[1] : names[0];
  CHECK_THAT(saved, Contains("Saved " + dir.File(panel)));
  const Rgba p = Load(dir.File(panel)), w = Load(dir.File(whole));
  CHECK((w.width == 640 && w.height == 400));
  CHECK((p.width < 2 * 640 && p.height < 2 * 400 && p.width > 200 && p.height > 200));
  CHECK(p.width % 2 == 0);
}

TEST_CASE("File > Capture offers the window, each shown panel, the scales, the background and the caption",
          "[capture][app]") {
  fs::Options opt;
  opt.backend = "cpu";
  fs::AppState s;
  REQUIRE(fs::InitState(s, opt));
  fs::ShowOnlyPanels(s.view, {"tiles", "softmax"});
  fs_test::HeadlessFrame frame;
  const std::string text = frame.Text([&] { fs::DrawCaptureMenu(s); });
  CHECK_THAT(text, Contains("Whole window") && Contains("Tiles: HBM and SRAM") && Contains("Online softmax") &&
                       !Contains("Scores and probabilities") && Contains("Scale 1x") && Contains("Scale 2x") &&
                       Contains("Scale 4x") && Contains("Transparent background") && Contains("Caption always"));
}
