// The headless capture, run as a person would: the real binary, a real X server (Xvfb when
// no display is set), and the PNG read back.
#include "catch2/catch.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "stb_image.h"
#include "test_image.h"

namespace {

std::string TempPath(const std::string& name) {
  char dir[] = "/tmp/flashscope_shot_XXXXXX";
  REQUIRE(mkdtemp(dir) != nullptr);
  return std::string(dir) + "/" + name;
}

// Runs flashscope with args; under xvfb-run when there is no display. Returns the exit code.
int RunFlashscope(const std::string& args, const std::string& log) {
  const bool display = std::getenv("DISPLAY") && *std::getenv("DISPLAY");
  const std::string prefix = display ? "" : "xvfb-run -a -s '-screen 0 1280x1024x24' ";
  const std::string cmd = prefix + FS_FLASHSCOPE_BIN + " " + args + " > " + log + " 2>&1";
  const int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string ReadFile(const std::string& path) {
  std::string out;
  if (FILE* f = std::fopen(path.c_str(), "rb")) {
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
    std::fclose(f);
  }
  return out;
}

struct ImageStats {
  int width = 0, height = 0;
  double luminance_stddev = 0;
  size_t distinct_colours = 0;
};

ImageStats Stats(const std::string& png) {
  ImageStats st;
  int channels = 0;
  unsigned char* px = stbi_load(png.c_str(), &st.width, &st.height, &channels, 3);
  REQUIRE(px != nullptr);
  double sum = 0, sq = 0;
  std::set<unsigned> colours;
  const size_t n = size_t(st.width) * st.height;
  for (size_t i = 0; i < n; ++i) {
    const unsigned char* p = px + 3 * i;
    const double y = 0.2126 * p[0] + 0.7152 * p[1] + 0.0722 * p[2];
    sum += y;
    sq += y * y;
    if (colours.size() < 100000) colours.insert(unsigned(p[0]) << 16 | unsigned(p[1]) << 8 | p[2]);
  }
  stbi_image_free(px);
  const double mean = sum / n;
  st.luminance_stddev = std::sqrt(std::max(0.0, sq / n - mean * mean));
  st.distinct_colours = colours.size();
  return st;
}

}  // namespace

TEST_CASE("shot writes a PNG of the requested size that is not blank", "[shot]") {
  const std::string png = TempPath("shot.png"), log = png + ".log";
  const int code = RunFlashscope("shot --out " + png + " --size 800x600 --step 2", log);
  INFO(ReadFile(log));
  REQUIRE(code == 0);
  const ImageStats st = Stats(png);
  CHECK(st.width == 800);
  CHECK(st.height == 600);
  CHECK(st.luminance_stddev > 20.0);     // text, tiles and heatmaps, not a flat fill
  CHECK(st.distinct_colours > 200);      // colour maps and anti-aliased text
}

TEST_CASE("shot honours the light theme", "[shot]") {
  const std::string dark = TempPath("dark.png"), light = TempPath("light.png");
  REQUIRE(RunFlashscope("shot --out " + dark + " --size 640x480", dark + ".log") == 0);
  REQUIRE(RunFlashscope("shot --light --out " + light + " --size 640x480", light + ".log") == 0);
  auto mean_luma = [](const std::string& path) {
    int w, h, c;
    unsigned char* px = stbi_load(path.c_str(), &w, &h, &c, 1);
    double sum = 0;
    for (int i = 0; i < w * h; ++i) sum += px[i];
    stbi_image_free(px);
    return sum / (w * h);
  };
  CHECK(mean_luma(light) > mean_luma(dark) + 60.0);
}

TEST_CASE("shot refuses a bad size and a bad problem with a message", "[shot]") {
  const std::string png = TempPath("bad.png"), log = png + ".log";
  CHECK(RunFlashscope("shot --out " + png + " --size 10x10", log) == 2);
  CHECK(ReadFile(log).find("--size is \"10x10\"; allowed") != std::string::npos);
  CHECK(RunFlashscope("shot --out " + png + " --br 48", log) != 0);
  CHECK(ReadFile(log).find("Br (Q block rows) is 48; allowed: 16, 32, 64, 128") != std::string::npos);
}

namespace {

using fs_test::Image;
using fs_test::LoadPng;

// Pixels of exactly the grey `level` (0..255) right of x0 (the panels, past the controls, whose
// dimmed text anti-aliases through many greys).
int CountGrey(const Image& im, unsigned char level, int x0 = 0) {
  int count = 0;
  for (int y = 0; y < im.height; ++y)
    for (int x = x0; x < im.width; ++x) count += im.Is(x, y, level, level, level);
  return count;
}

// Two shots that differ only in `first` and `second`, as images of the same size.
std::pair<Image, Image> TwoShots(const std::string& common, const std::string& first, const std::string& second) {
  const std::string a = TempPath("a.png"), b = TempPath("b.png");
  REQUIRE(RunFlashscope("shot " + first + " --out " + a + common, a + ".log") == 0);
  REQUIRE(RunFlashscope("shot " + second + " --out " + b + common, b + ".log") == 0);
  std::pair<Image, Image> shots(LoadPng(a), LoadPng(b));
  REQUIRE(shots.first.width == shots.second.width);
  REQUIRE(shots.first.height == shots.second.height);
  return shots;
}

}  // namespace

TEST_CASE("shot hatches the masked cells of a causal diagonal tile, and only there", "[shot]") {
  // The scores panel at step 0 of N=64, Br=Bc=32: causal, the tile's upper triangle is -inf,
  // drawn in the masked grey (0.62 -> 158) with hatch lines (0.38 -> 97); not causal, none is.
  const auto [c, p] = TwoShots(" --size 800x600 --n 64 --d 16 --br 32 --bc 32 --step 0 --panels scores", "--causal", "");
  const int x0 = c.width * 3 / 8;  // the panel area
  INFO("masked grey: " << CountGrey(c, 158, x0) << " causal, " << CountGrey(p, 158, x0) << " not; hatch grey: "
                       << CountGrey(c, 97, x0) << " causal, " << CountGrey(p, 97, x0) << " not");
  CHECK(CountGrey(c, 158, x0) > 20 * std::max(1, CountGrey(p, 158, x0)));
  CHECK(CountGrey(c, 97, x0) > 5 * std::max(1, CountGrey(p, 97, x0)));
}

TEST_CASE("shot outlines the followed row where --row puts it", "[shot]") {
  // The followed row is outlined in white in both heatmaps of the scores panel. Between a
  // shot following row 3 and one following row 28 of the same tile, the white pixels that
  // differ lie higher up for row 3.
  const auto [a, b] = TwoShots(" --size 800x600 --n 32 --d 16 --br 32 --bc 32 --step 0 --panels scores", "--row 3",
                               "--row 28");
  double ya = 0, yb = 0;
  int na = 0, nb = 0;
  for (int y = 0; y < a.height; ++y)
    for (int x = 0; x < a.width; ++x) {
      const bool wa = a.Is(x, y, 255, 255, 255), wb = b.Is(x, y, 255, 255, 255);
      if (wa && !wb) ya += y, ++na;
      if (wb && !wa) yb += y, ++nb;
    }
  REQUIRE(na > 100);
  REQUIRE(nb > 100);
  INFO("mean height of the white that differs: " << ya / na << " following row 3, " << yb / nb << " row 28");
  CHECK(ya / na + 100 < yb / nb);
}
