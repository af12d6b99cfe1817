// viz/: colour maps, the pure geometry and tick helpers, and every widget drawn into a
// headless ImGui frame. ImGui's assertions abort the process, which Catch2 reports as a
// failure of the test that was running, so a drawing test that completes fired none.
//
// Sections: colour maps, CellAt, NiceTicks, widgets in a headless frame, what the widgets
// drew (colours, hatching, markers and text read back from the draw list).
#include "catch2/catch.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <fstream>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "colormap.h"
#include "heatmap.h"
#include "imgui.h"
#include "line_chart.h"
#include "test_imgui.h"
#include "tile_grid.h"

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
const viz::ColorMap kAllMaps[] = {viz::ColorMap::kViridis, viz::ColorMap::kCividis,
                                  viz::ColorMap::kDiverging};

float MaxChannelDiff(viz::Rgb a, viz::Rgb b) {
  return std::max({std::fabs(a.r - b.r), std::fabs(a.g - b.g), std::fabs(a.b - b.b)});
}

// An ImGui context with a built font atlas and one full-screen window per frame, the way
// the app's own capture runs without a window system.
class HeadlessImGui {
 public:
  explicit HeadlessImGui(bool vertex_offsets = true)
      : context_(fs_test::CreateHeadlessContext(ImVec2(1280, 800), vertex_offsets)) {}
  ~HeadlessImGui() { ImGui::DestroyContext(context_); }
  HeadlessImGui(const HeadlessImGui&) = delete;
  HeadlessImGui& operator=(const HeadlessImGui&) = delete;

  void BeginFrame(ImVec2 mouse = ImVec2(-FLT_MAX, -FLT_MAX)) {
    ImGuiIO& io = ImGui::GetIO();
    io.MousePos = mouse;
    ImGui::NewFrame();
    ImGui::SetNextWindowPos(ImVec2(0, 0));
    ImGui::SetNextWindowSize(io.DisplaySize);
    ImGui::Begin("viz test", nullptr, ImGuiWindowFlags_NoDecoration);
  }
  ImDrawData* EndFrame() {
    ImGui::End();
    ImGui::Render();
    return ImGui::GetDrawData();
  }
  // Vertices in the current window's draw list so far.
  static int Vertices() { return ImGui::GetWindowDrawList()->VtxBuffer.Size; }

 private:
  ImGuiContext* context_ = nullptr;
};

// (rows, cols) scores with a causal mask (-inf above the diagonal) and NaN poison rows
// at the end, like a trace's S block at the sequence edge.
std::vector<float> CausalScores(int rows, int cols, int poison_rows) {
  std::vector<float> s(size_t(rows) * cols);
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) {
      float v = std::sin(0.37f * r) * std::cos(0.23f * c) * 3.0f;
      if (c > r) v = -kInf;
      if (r >= rows - poison_rows) v = kNaN;
      s[size_t(r) * cols + c] = v;
    }
  }
  return s;
}

}  // namespace

// ---- Colour maps --------------------------------------------------------------------------

TEST_CASE("MapRgb clamps t to [0, 1] and reads NaN as 0", "[viz]") {
  for (viz::ColorMap map : kAllMaps) {
    CHECK(MaxChannelDiff(viz::MapRgb(map, -3.0f), viz::MapRgb(map, 0.0f)) == 0.0f);
    CHECK(MaxChannelDiff(viz::MapRgb(map, 7.0f), viz::MapRgb(map, 1.0f)) == 0.0f);
    CHECK(MaxChannelDiff(viz::MapRgb(map, kNaN), viz::MapRgb(map, 0.0f)) == 0.0f);
  }
}

TEST_CASE("MapRgb interpolates linearly between nearby t and has no jumps", "[viz]") {
  for (viz::ColorMap map : kAllMaps) {
    // 0.02 and 0.04 lie between the same two control points.
    const viz::Rgb a = viz::MapRgb(map, 0.02f), b = viz::MapRgb(map, 0.04f);
    const viz::Rgb mid = viz::MapRgb(map, 0.03f);
    CHECK(MaxChannelDiff(mid, {0.5f * (a.r + b.r), 0.5f * (a.g + b.g), 0.5f * (a.b + b.b)}) < 1e-5f);
    float worst = 0.0f;
    for (int i = 0; i < 1024; ++i) {
      worst = std::max(worst, MaxChannelDiff(viz::MapRgb(map, i / 1024.0f), viz::MapRgb(map, (i + 1) / 1024.0f)));
    }
    INFO(viz::ColorMapName(map) << ": largest step " << worst);
    CHECK(worst < 0.015f);
  }
}

TEST_CASE("Viridis and cividis get brighter monotonically over the whole range", "[viz]") {
  for (viz::ColorMap map : {viz::ColorMap::kViridis, viz::ColorMap::kCividis}) {
    INFO(viz::ColorMapName(map));
    float previous = viz::Luminance(viz::MapRgb(map, 0.0f));
    for (int i = 1; i <= 1000; ++i) {
      const float lum = viz::Luminance(viz::MapRgb(map, i / 1000.0f));
      INFO("t = " << i / 1000.0f);
      REQUIRE(lum >= previous);
      previous = lum;
    }
    CHECK(viz::Luminance(viz::MapRgb(map, 0.0f)) < 0.05f);
    CHECK(viz::Luminance(viz::MapRgb(map, 1.0f)) > 0.7f);
  }
}

TEST_CASE("Viridis runs from purple to yellow and cividis from navy to yellow", "[viz]") {
  const viz::Rgb v0 = viz::MapRgb(viz::ColorMap::kViridis, 0.0f);
  const viz::Rgb v1 = viz::MapRgb(viz::ColorMap::kViridis, 1.0f);
  CHECK(v0.b > v0.g);
  CHECK(v0.r > v0.g);
  CHECK(v1.r > 0.8f);
  CHECK(v1.g > 0.8f);
  CHECK(v1.b < 0.4f);
  const viz::Rgb c0 = viz::MapRgb(viz::ColorMap::kCividis, 0.0f);
  const viz::Rgb c1 = viz::MapRgb(viz::ColorMap::kCividis, 1.0f);
  CHECK(c0.b > c0.r);
  CHECK(c0.b > c0.g);
  CHECK(c1.r > 0.8f);
  CHECK(c1.b < 0.4f);
}

TEST_CASE("The diverging map is blue below, red above, near-white in the middle", "[viz]") {
  const viz::Rgb lo = viz::MapRgb(viz::ColorMap::kDiverging, 0.0f);
  const viz::Rgb mid = viz::MapRgb(viz::ColorMap::kDiverging, 0.5f);
  const viz::Rgb hi = viz::MapRgb(viz::ColorMap::kDiverging, 1.0f);
  CHECK(lo.b > lo.r + 0.3f);
  CHECK(hi.r > hi.b + 0.3f);
  CHECK(std::min({mid.r, mid.g, mid.b}) > 0.9f);
  CHECK(std::max({mid.r, mid.g, mid.b}) - std::min({mid.r, mid.g, mid.b}) < 0.02f);
}

TEST_CASE("The diverging map is symmetric: equal |value| reads equally bright", "[viz]") {
  for (int i = 0; i <= 500; ++i) {
    const float t = i / 1000.0f;
    INFO("t = " << t);
    CHECK(std::fabs(viz::Luminance(viz::MapRgb(viz::ColorMap::kDiverging, t)) -
                    viz::Luminance(viz::MapRgb(viz::ColorMap::kDiverging, 1.0f - t))) < 0.01f);
  }
}

TEST_CASE("The diverging map darkens monotonically away from the middle", "[viz]") {
  float previous = viz::Luminance(viz::MapRgb(viz::ColorMap::kDiverging, 0.5f));
  for (int i = 1; i <= 500; ++i) {
    const float lum = viz::Luminance(viz::MapRgb(viz::ColorMap::kDiverging, 0.5f + i / 1000.0f));
    INFO("t = " << 0.5f + i / 1000.0f);
    REQUIRE(lum <= previous);
    previous = lum;
  }
}

TEST_CASE("Luminance is 0 for black, 1 for white, and weights green over red over blue", "[viz]") {
  CHECK(viz::Luminance({0, 0, 0}) == Approx(0.0f).margin(1e-6));
  CHECK(viz::Luminance({1, 1, 1}) == Approx(1.0f).epsilon(1e-4));
  const float r = viz::Luminance({1, 0, 0}), g = viz::Luminance({0, 1, 0}), b = viz::Luminance({0, 0, 1});
  CHECK(g > r);
  CHECK(r > b);
  // sRGB mid-grey is about 21% luminance, not 50%: the transfer curve is applied.
  CHECK(viz::Luminance({0.5f, 0.5f, 0.5f}) == Approx(0.214f).epsilon(0.01));
}

TEST_CASE("Cell text is black on light colours and white on dark ones", "[viz]") {
  const ImU32 black = IM_COL32(0, 0, 0, 255), white = IM_COL32(255, 255, 255, 255);
  CHECK(viz::ContrastTextColor(viz::MapRgb(viz::ColorMap::kViridis, 1.0f)) == black);
  CHECK(viz::ContrastTextColor(viz::MapRgb(viz::ColorMap::kViridis, 0.0f)) == white);
  CHECK(viz::ContrastTextColor(viz::MapRgb(viz::ColorMap::kDiverging, 0.5f)) == black);
}

TEST_CASE("MapColor packs the map's colour with the given alpha", "[viz]") {
  const viz::Rgb c = viz::MapRgb(viz::ColorMap::kCividis, 0.3f);
  const ImU32 packed = viz::MapColor(viz::ColorMap::kCividis, 0.3f, 0.5f);
  const ImVec4 f = ImGui::ColorConvertU32ToFloat4(packed);
  CHECK(f.x == Approx(c.r).margin(1.0 / 255));
  CHECK(f.y == Approx(c.g).margin(1.0 / 255));
  CHECK(f.z == Approx(c.b).margin(1.0 / 255));
  CHECK(f.w == Approx(0.5f).margin(1.0 / 255));
}

TEST_CASE("DefaultMapFor is diverging only when the range straddles zero", "[viz]") {
  CHECK(viz::DefaultMapFor(-1.0f, 2.0f) == viz::ColorMap::kDiverging);
  CHECK(viz::DefaultMapFor(-1e-6f, 1e-6f) == viz::ColorMap::kDiverging);
  CHECK(viz::DefaultMapFor(0.0f, 1.0f) == viz::ColorMap::kViridis);
  CHECK(viz::DefaultMapFor(-1.0f, 0.0f) == viz::ColorMap::kViridis);
  CHECK(viz::DefaultMapFor(-5.0f, -1.0f) == viz::ColorMap::kViridis);
  CHECK(viz::DefaultMapFor(2.0f, 3.0f) == viz::ColorMap::kViridis);
}

TEST_CASE("Palette colours are distinct and opaque", "[viz]") {
  for (int i = 0; i < viz::kPaletteSize; ++i) {
    CHECK((viz::PaletteColor(i) >> IM_COL32_A_SHIFT) == 255u);
    for (int j = i + 1; j < viz::kPaletteSize; ++j) {
      CHECK(MaxChannelDiff(viz::PaletteRgb(i), viz::PaletteRgb(j)) > 0.15f);
    }
  }
  CHECK(viz::PaletteColor(viz::kPaletteSize) == viz::PaletteColor(0));
}

// ---- CellAt ---------------------------------------------------------------------------------

TEST_CASE("CellAt maps corners, edges and interior points to their cells", "[viz]") {
  // 5 rows x 10 cols of 10 x 10 pixels starting at (10, 20).
  const ImVec2 a(10, 20), b(110, 70);
  auto at = [&](float x, float y) { return viz::CellAt(a, b, 5, 10, ImVec2(x, y)); };
  CHECK(at(10, 20).row == 0);
  CHECK(at(10, 20).col == 0);
  CHECK(at(109.9f, 69.9f).row == 4);
  CHECK(at(109.9f, 69.9f).col == 9);
  CHECK(at(15, 35).row == 1);
  CHECK(at(15, 35).col == 0);
  // A shared edge belongs to the cell after it.
  CHECK(at(20, 20).col == 1);
  CHECK(at(10, 30).row == 1);
}

TEST_CASE("CellAt is -1, -1 outside, on the max edges, and for empty grids", "[viz]") {
  const ImVec2 a(10, 20), b(110, 70);
  auto outside = [](viz::Cell c) { return c.row == -1 && c.col == -1; };
  CHECK(outside(viz::CellAt(a, b, 5, 10, ImVec2(9.9f, 30))));
  CHECK(outside(viz::CellAt(a, b, 5, 10, ImVec2(50, 19.9f))));
  CHECK(outside(viz::CellAt(a, b, 5, 10, ImVec2(110, 30))));
  CHECK(outside(viz::CellAt(a, b, 5, 10, ImVec2(50, 70))));
  CHECK(outside(viz::CellAt(a, b, 5, 10, ImVec2(kNaN, 30))));
  CHECK(outside(viz::CellAt(a, b, 0, 10, ImVec2(50, 30))));
  CHECK(outside(viz::CellAt(a, b, 5, 0, ImVec2(50, 30))));
  CHECK(outside(viz::CellAt(a, a, 5, 10, a)));
}

// ---- NiceTicks ------------------------------------------------------------------------------

namespace {

struct TickCase {
  double lo, hi;
  int target;
};
const TickCase kTickCases[] = {
    {0, 1, 5},        {-3.7, 12.1, 4},   {0.001, 0.0173, 6}, {-1e6, 3e5, 8},  {17, 18, 3},
    {-0.5, -0.2, 5},  {0, 8192, 10},     {1e-9, 5e-9, 4},    {-2, 2, 2},      {3, 1000, 1},
    {0.3, 0.7, 4},    {123.456, 7890, 7}, {-7, 0, 7},        {0, 1e12, 5},
};

}  // namespace

TEST_CASE("NiceTicks starts at or below lo and ends at or above hi", "[viz]") {
  for (const TickCase& c : kTickCases) {
    const std::vector<double> t = viz::NiceTicks(c.lo, c.hi, c.target);
    INFO("range [" << c.lo << ", " << c.hi << "], target " << c.target);
    REQUIRE(t.size() >= 2);
    const double step = t[1] - t[0];
    CHECK(t.front() <= c.lo + 1e-9 * step);
    CHECK(t.back() >= c.hi - 1e-9 * step);
    // and no further than one step beyond
    CHECK(t.front() > c.lo - step * (1 + 1e-9));
    CHECK(t.back() < c.hi + step * (1 + 1e-9));
  }
}

TEST_CASE("neighbouring tick labels always read differently", "[viz]") {
  struct Range {
    double lo, hi;
  };
  for (const Range r : {Range{0.0, 1.0}, Range{1.0, 1.0003}, Range{20.137, 20.1371}, Range{-3e-7, 5e-7},
                        Range{1e6, 1e6 + 5}, Range{0.5, 0.75}}) {
    const std::vector<double> ticks = viz::NiceTicks(r.lo, r.hi, 5);
    const double step = viz::NiceStep(r.lo, r.hi, 5);
    for (size_t i = 1; i < ticks.size(); ++i) {
      char a[64], b[64];
      viz::FormatTick(ticks[i - 1], step, a, sizeof a);
      viz::FormatTick(ticks[i], step, b, sizeof b);
      INFO("range " << r.lo << ".." << r.hi << ": " << a << " then " << b);
      CHECK(std::string(a) != std::string(b));
    }
  }
}

TEST_CASE("NiceTicks steps are even and 1, 2 or 5 times a power of ten", "[viz]") {
  for (const TickCase& c : kTickCases) {
    const std::vector<double> t = viz::NiceTicks(c.lo, c.hi, c.target);
    INFO("range [" << c.lo << ", " << c.hi << "], target " << c.target);
    REQUIRE(t.size() >= 2);
    const double step = t[1] - t[0];
    for (size_t i = 1; i < t.size(); ++i) CHECK(t[i] - t[i - 1] == Approx(step).epsilon(1e-9));
    const double mantissa = step / std::pow(10.0, std::floor(std::log10(step) + 1e-9));
    const bool nice = std::fabs(mantissa - 1) < 1e-6 || std::fabs(mantissa - 2) < 1e-6 ||
                      std::fabs(mantissa - 5) < 1e-6;
    INFO("step " << step << ", mantissa " << mantissa);
    CHECK(nice);
    CHECK(viz::NiceStep(c.lo, c.hi, c.target) == Approx(step).epsilon(1e-9));
  }
}

TEST_CASE("NiceTicks gives about the requested number of ticks", "[viz]") {
  for (const TickCase& c : kTickCases) {
    const std::vector<double> t = viz::NiceTicks(c.lo, c.hi, c.target);
    INFO("range [" << c.lo << ", " << c.hi << "], target " << c.target << ", got " << t.size());
    // The step is the first nice value at or above range / target, so at most 2.5x too big.
    CHECK(static_cast<double>(t.size() - 1) >= c.target / 2.5 - 1e-9);
    CHECK(static_cast<int>(t.size()) <= c.target + 2);
  }
}

TEST_CASE("NiceTicks on familiar ranges", "[viz]") {
  const std::vector<double> unit = viz::NiceTicks(0, 1, 5);
  REQUIRE(unit.size() == 6);
  for (int i = 0; i <= 5; ++i) CHECK(unit[i] == Approx(0.2 * i).margin(1e-12));
  const std::vector<double> mixed = viz::NiceTicks(-3.7, 12.1, 4);
  REQUIRE(mixed.size() == 5);
  CHECK(mixed.front() == Approx(-5.0));
  CHECK(mixed.back() == Approx(15.0));
}

TEST_CASE("NiceTicks widens a single value, swaps a reversed range, refuses non-finite", "[viz]") {
  const std::vector<double> point = viz::NiceTicks(3.0, 3.0, 5);
  REQUIRE(point.size() >= 2);
  CHECK(point.front() < 3.0);
  CHECK(point.back() > 3.0);
  const std::vector<double> zero = viz::NiceTicks(0.0, 0.0, 5);
  REQUIRE(zero.size() >= 2);
  CHECK(zero.front() < 0.0);
  CHECK(zero.back() > 0.0);
  CHECK(viz::NiceTicks(12.1, -3.7, 4) == viz::NiceTicks(-3.7, 12.1, 4));
  CHECK(viz::NiceTicks(kNaN, 1.0, 5).empty());
  CHECK(viz::NiceTicks(0.0, kInf, 5).empty());
}

// ---- Widgets in a headless frame --------------------------------------------------------------

TEST_CASE("Every widget draws real arrays with -inf and NaN into a headless frame", "[viz]") {
  HeadlessImGui imgui;
  const int n = 48;
  const std::vector<float> scores = CausalScores(n, n, 4);
  std::vector<unsigned char> highlight(size_t(n) * n, 0);
  for (int r = 16; r < 32; ++r) for (int c = 0; c < 16; ++c) highlight[size_t(r) * n + c] = 1;
  std::vector<float> m(n), l(n);
  for (int i = 0; i < n; ++i) {
    m[i] = std::log1p(float(i));
    l[i] = 1.0f + std::sqrt(float(i));
  }
  m[7] = -kInf;
  l[9] = kNaN;
  const float running[] = {0.1f, 0.4f, kNaN, 0.3f, 0.2f};
  const float exact[] = {0.12f, 0.38f, 0.05f, 0.25f, -kInf};
  std::vector<viz::TileState> tiles(4 * 4, viz::TileState::kIdle);
  tiles[0] = viz::TileState::kVisited;
  tiles[1] = viz::TileState::kInSram;
  tiles[2] = viz::TileState::kSkipped;

  imgui.BeginFrame();
  int before = HeadlessImGui::Vertices();
  viz::HeatmapSpec hs;
  hs.values = scores.data();
  hs.rows = n;
  hs.cols = n;
  hs.highlight = highlight.data();
  hs.selected_row = 20;
  hs.show_numbers = true;
  viz::Heatmap("scores", hs);
  CHECK(HeadlessImGui::Vertices() > before);

  before = HeadlessImGui::Vertices();
  viz::LineSeries series[2];
  series[0].label = "m";
  series[0].y = m.data();
  series[0].count = n;
  series[0].markers = true;
  series[1].label = "l";
  series[1].y = l.data();
  series[1].count = n;
  series[1].step = true;
  viz::LineChartSpec lc;
  lc.x_label = "kv step";
  lc.y_label = "value";
  lc.cursor_x = 12.0f;
  viz::LineChart("stats", lc, series, 2);
  lc.log_y = true;
  viz::LineChart("stats log", lc, series, 2);
  CHECK(HeadlessImGui::Vertices() > before);

  before = HeadlessImGui::Vertices();
  viz::BarSeries bars[2];
  bars[0].label = "running";
  bars[0].values = running;
  bars[0].count = 5;
  bars[1].label = "exact";
  bars[1].values = exact;
  bars[1].count = 5;
  viz::BarChartSpec bc;
  bc.x_label = "column";
  bc.x_offset = 64;
  viz::BarChart("probabilities", bc, bars, 2);
  CHECK(HeadlessImGui::Vertices() > before);

  before = HeadlessImGui::Vertices();
  viz::TileGridSpec tg;
  tg.label = "S blocks";
  tg.tile_rows = 4;
  tg.tile_cols = 4;
  tg.states = tiles.data();
  tg.size = ImVec2(200, 0);
  viz::TileGrid("tiles", tg);
  viz::TileLegend();
  CHECK(HeadlessImGui::Vertices() > before);

  const ImDrawData* data = imgui.EndFrame();
  REQUIRE(data != nullptr);
  CHECK(data->Valid);
  CHECK(data->TotalVtxCount > 0);
  CHECK(data->TotalIdxCount > 0);
}

TEST_CASE("Heatmap hover reports the local cell and its value; masked cells read -inf", "[viz]") {
  HeadlessImGui imgui;
  const int rows = 8, cols = 12;
  const std::vector<float> scores = CausalScores(rows, cols, 0);
  viz::HeatmapSpec hs;
  hs.values = scores.data();
  hs.rows = rows;
  hs.cols = cols;
  hs.row_offset = 64;  // shown in the tooltip only
  hs.col_offset = 128;

  imgui.BeginFrame();
  const viz::HeatmapResult layout = viz::Heatmap("scores", hs);
  imgui.EndFrame();
  CHECK_FALSE(layout.hovered);
  const float cw = (layout.grid_max.x - layout.grid_min.x) / cols;
  const float ch = (layout.grid_max.y - layout.grid_min.y) / rows;
  auto center = [&](int r, int c) {
    return ImVec2(layout.grid_min.x + (c + 0.5f) * cw, layout.grid_min.y + (r + 0.5f) * ch);
  };

  imgui.BeginFrame(center(5, 3));
  const viz::HeatmapResult finite = viz::Heatmap("scores", hs);
  imgui.EndFrame();
  CHECK(finite.hovered);
  CHECK(finite.row == 5);
  CHECK(finite.col == 3);
  CHECK(finite.value == scores[5 * cols + 3]);

  imgui.BeginFrame(center(1, 9));
  const viz::HeatmapResult masked = viz::Heatmap("scores", hs);
  imgui.EndFrame();
  CHECK(masked.hovered);
  CHECK(masked.value == -kInf);
}

TEST_CASE("Heatmap auto range is symmetric for signed data and the data range otherwise", "[viz]") {
  HeadlessImGui imgui;
  const float signed_values[] = {-1.0f, 0.5f, 3.0f, -kInf, kNaN, 2.0f};
  const float positive[] = {0.25f, 0.5f, 1.5f, kNaN, 1.0f, 0.75f};
  imgui.BeginFrame();
  viz::HeatmapSpec hs;
  hs.rows = 2;
  hs.cols = 3;
  hs.values = signed_values;
  const viz::HeatmapResult s = viz::Heatmap("signed", hs);
  hs.values = positive;
  const viz::HeatmapResult p = viz::Heatmap("positive", hs);
  hs.vmin = -1.0f;
  hs.vmax = 4.0f;
  const viz::HeatmapResult manual = viz::Heatmap("manual", hs);
  imgui.EndFrame();
  CHECK(s.range_min == -3.0f);
  CHECK(s.range_max == 3.0f);
  CHECK(p.range_min == 0.25f);
  CHECK(p.range_max == 1.5f);
  CHECK(manual.range_min == -1.0f);
  CHECK(manual.range_max == 4.0f);
}

TEST_CASE("Heatmap fills the available width with square cells", "[viz]") {
  HeadlessImGui imgui;
  const std::vector<float> scores = CausalScores(10, 40, 0);
  imgui.BeginFrame();
  viz::HeatmapSpec hs;
  hs.values = scores.data();
  hs.rows = 10;
  hs.cols = 40;
  const viz::HeatmapResult r = viz::Heatmap("wide", hs);
  const float avail = ImGui::GetContentRegionAvail().x;
  imgui.EndFrame();
  const float cw = (r.grid_max.x - r.grid_min.x) / 40, ch = (r.grid_max.y - r.grid_min.y) / 10;
  CHECK(cw == Approx(ch).epsilon(1e-4));
  CHECK(r.grid_max.x - r.grid_min.x > 0.75f * avail);
  CHECK(r.grid_max.x - r.grid_min.x <= avail);
}

TEST_CASE("A large matrix is shown as at most 256 x 256 blocks; hover reports a block's first cell", "[viz]") {
  HeadlessImGui imgui;
  const int n = 2048;
  std::vector<float> big(size_t(n) * n);
  for (int r = 0; r < n; ++r) {
    for (int c = 0; c < n; ++c) big[size_t(r) * n + c] = c > r ? -kInf : std::sin(0.01f * r) + 0.001f * c;
  }
  viz::HeatmapSpec hs;
  hs.values = big.data();
  hs.rows = n;
  hs.cols = n;
  hs.size = ImVec2(512, 512);
  imgui.BeginFrame();
  int before = HeadlessImGui::Vertices();
  const viz::HeatmapResult layout = viz::Heatmap("big", hs);
  const int vertices = HeadlessImGui::Vertices() - before;
  imgui.EndFrame();
  // At most 256 x 256 display cells of 4 vertices, plus hatching and the legend.
  CHECK(vertices < 256 * 256 * 4 + 60000);

  REQUIRE(layout.block_rows > 1);
  CHECK(n / layout.block_rows <= 256);
  CHECK(n / layout.block_cols <= 256);

  const ImVec2 probe(layout.grid_min.x + 0.3f * (layout.grid_max.x - layout.grid_min.x),
                     layout.grid_min.y + 0.7f * (layout.grid_max.y - layout.grid_min.y));
  imgui.BeginFrame(probe);
  const viz::HeatmapResult hover = viz::Heatmap("big", hs);
  imgui.EndFrame();
  REQUIRE(hover.hovered);
  CHECK(hover.row % hover.block_rows == 0);
  CHECK(hover.col % hover.block_cols == 0);
  CHECK(std::abs(hover.row - int(0.7f * n)) <= hover.block_rows);
  CHECK(std::abs(hover.col - int(0.3f * n)) <= hover.block_cols);
  CHECK(std::isfinite(hover.value));

  // Blocks above the diagonal are all -inf and stay masked.
  imgui.BeginFrame(ImVec2(layout.grid_min.x + 0.8f * (layout.grid_max.x - layout.grid_min.x),
                          layout.grid_min.y + 0.1f * (layout.grid_max.y - layout.grid_min.y)));
  const viz::HeatmapResult masked = viz::Heatmap("big", hs);
  imgui.EndFrame();
  REQUIRE(masked.hovered);
  CHECK(masked.value == -kInf);
}

TEST_CASE("Without vertex offsets a 128 x 128 heatmap stays under 64k vertices", "[viz]") {
  HeadlessImGui imgui(/*vertex_offsets=*/false);
  const std::vector<float> scores = CausalScores(128, 128, 8);
  imgui.BeginFrame();
  viz::HeatmapSpec hs;
  hs.values = scores.data();
  hs.rows = 128;
  hs.cols = 128;
  hs.size = ImVec2(700, 700);
  viz::Heatmap("scores", hs);
  CHECK(HeadlessImGui::Vertices() < (1 << 16));
  imgui.EndFrame();  // would assert on a 16-bit index overflow
}

TEST_CASE("A line series of only non-finite values draws no line", "[viz]") {
  HeadlessImGui imgui;
  const float gaps[] = {kNaN, kInf, -kInf, kNaN};
  const float none[] = {0.0f};
  viz::LineSeries s;
  s.y = gaps;
  s.count = 4;
  s.markers = true;
  viz::LineChartSpec spec;
  spec.legend = false;
  spec.size = ImVec2(400, 200);
  imgui.BeginFrame();
  int before = HeadlessImGui::Vertices();
  viz::LineChart("gaps", spec, &s, 1);
  const int with_gaps = HeadlessImGui::Vertices() - before;
  s.y = none;
  s.count = 0;
  before = HeadlessImGui::Vertices();
  viz::LineChart("empty", spec, &s, 1);
  const int empty = HeadlessImGui::Vertices() - before;
  imgui.EndFrame();
  CHECK(with_gaps == empty);
}

TEST_CASE("Clicking a legend entry hides its series until it is clicked again", "[viz]") {
  HeadlessImGui imgui;
  const float y[] = {1.0f, 3.0f, 2.0f, 4.0f, 3.5f};
  const float no_y[] = {kNaN, kNaN, kNaN, kNaN, kNaN};
  viz::LineSeries s;
  s.label = "m";
  s.count = 5;
  viz::LineChartSpec spec;
  spec.size = ImVec2(400, 200);
  // Vertices of one chart in one frame, with the mouse at `mouse`, button 0 `down`.
  auto frame = [&](const char* id, const float* values, ImVec2 mouse, bool down) {
    ImGui::GetIO().MouseDown[0] = down;
    imgui.BeginFrame(mouse);
    const int before = HeadlessImGui::Vertices();
    s.y = values;
    viz::LineChart(id, spec, &s, 1);
    const int drawn = HeadlessImGui::Vertices() - before;
    imgui.EndFrame();
    return drawn;
  };
  const ImVec2 away(-FLT_MAX, -FLT_MAX);
  // A hidden series draws like one without any finite value: legend entry only.
  const int nothing = frame("reference", no_y, away, false);
  const int shown = frame("chart", y, away, false);
  REQUIRE(shown != nothing);

  // The only legend entry is on the first text line and ends near the chart's right edge.
  imgui.BeginFrame();
  const float font = ImGui::GetFontSize();
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  imgui.EndFrame();
  const ImVec2 click(origin.x + 400.0f - 2.0f * font, origin.y + 0.5f * font);

  CHECK(frame("chart", y, click, true) == nothing);
  CHECK(frame("chart", y, click, false) == nothing);
  CHECK(frame("chart", y, away, false) == nothing);  // stays hidden
  frame("chart", y, click, true);
  CHECK(frame("chart", y, away, false) == shown);
}

TEST_CASE("TileGrid keeps the matrix aspect and reports the hovered tile", "[viz]") {
  HeadlessImGui imgui;
  std::vector<viz::TileState> states(8, viz::TileState::kIdle);
  states[3] = viz::TileState::kInSram;
  viz::TileGridSpec tg;
  tg.tile_rows = 8;
  tg.tile_cols = 1;
  tg.states = states.data();
  tg.aspect = 2.0f;
  tg.size = ImVec2(150, 0);
  imgui.BeginFrame();
  viz::TileGrid("K", tg);
  const ImVec2 min = ImGui::GetItemRectMin(), size = ImGui::GetItemRectSize();
  imgui.EndFrame();
  CHECK(size.x == 150.0f);
  CHECK(size.y == Approx(300.0f).margin(1.0));

  imgui.BeginFrame(ImVec2(min.x + 75, min.y + 3.5f * 300 / 8));
  const viz::TileGridResult hover = viz::TileGrid("K", tg);
  imgui.EndFrame();
  CHECK(hover.hovered);
  CHECK(hover.tile_row == 3);
  CHECK(hover.tile_col == 0);
}

TEST_CASE("Widgets given no data keep their place and draw a frame", "[viz]") {
  HeadlessImGui imgui;
  imgui.BeginFrame();
  int before = HeadlessImGui::Vertices();
  viz::Heatmap("empty heatmap", viz::HeatmapSpec());
  viz::LineChart("empty lines", viz::LineChartSpec(), nullptr, 0);
  viz::BarSeries no_values;
  viz::BarChart("empty bars", viz::BarChartSpec(), &no_values, 1);
  viz::TileGrid("empty tiles", viz::TileGridSpec());
  CHECK(HeadlessImGui::Vertices() > before);
  CHECK(ImGui::GetCursorPosY() > 4 * ImGui::GetFontSize());
  imgui.EndFrame();
}

// ---- What the widgets drew, read back from the draw list ------------------------------------

namespace {

bool Near(ImVec2 a, ImVec2 b, float tolerance = 0.01f) {
  return std::fabs(a.x - b.x) <= tolerance && std::fabs(a.y - b.y) <= tolerance;
}

bool SameRgb(ImU32 a, ImU32 b) { return (a & 0x00FFFFFFu) == (b & 0x00FFFFFFu); }

ImU32 Grey(float level) { return viz::ToU32({level, level, level}); }

// Colour of the filled rectangle [a, b] drawn since vertex `from` (AddRectFilled writes its
// corners a, (b.x, a.y), b, (a.x, b.y)); 0 when there is none. The last one drawn wins.
ImU32 FilledRectColor(const ImDrawList* dl, int from, ImVec2 a, ImVec2 b) {
  ImU32 found = 0;
  for (int i = from; i + 3 < dl->VtxBuffer.Size; ++i) {
    const ImDrawVert* v = &dl->VtxBuffer[i];
    if (Near(v[0].pos, a) && Near(v[1].pos, {b.x, a.y}) && Near(v[2].pos, b) && Near(v[3].pos, {a.x, b.y}) &&
        v[0].col == v[2].col)
      found = v[0].col;
  }
  return found;
}

// Vertices since `from` of colour `rgb` (any alpha: anti-aliased edges fade it out) strictly
// inside [a, b] shrunk by `inset` pixels. Anti-aliased lines reach about 2 pixels past
// their ends, so an inset of 2.5 keeps a neighbour's lines out.
int VerticesInside(const ImDrawList* dl, int from, ImVec2 a, ImVec2 b, ImU32 rgb, float inset) {
  int count = 0;
  for (int i = from; i < dl->VtxBuffer.Size; ++i) {
    const ImDrawVert& v = dl->VtxBuffer[i];
    if (SameRgb(v.col, rgb) && v.pos.x > a.x + inset && v.pos.x < b.x - inset && v.pos.y > a.y + inset &&
        v.pos.y < b.y - inset)
      ++count;
  }
  return count;
}

// The text drawn since vertex `from`, one string per run of glyphs on one line, found by the
// glyphs' texture coordinates in the font atlas. Spaces draw nothing; a pen that moved on
// further than the glyphs drawn account for is read as one.
std::vector<std::string> DrawnTexts(const ImDrawList* dl, int from) {
  const ImFont* font = ImGui::GetFont();
  const float scale = ImGui::GetFontSize() / font->FontSize;
  std::vector<std::string> texts;
  float pen = 0.0f, baseline = -1.0f;
  int last_vertex = -8;
  for (int i = from; i + 3 < dl->VtxBuffer.Size; ++i) {
    const ImDrawVert* v = &dl->VtxBuffer[i];
    const ImFontGlyph* glyph = nullptr;
    for (const ImFontGlyph& g : font->Glyphs)
      if (g.Visible && g.Codepoint < 128 && v[0].uv.x == g.U0 && v[0].uv.y == g.V0 && v[2].uv.x == g.U1 &&
          v[2].uv.y == g.V1 && v[1].uv.x == g.U1 && v[3].uv.y == g.V1)
        glyph = &g;
    if (!glyph) continue;
    const float start = v[0].pos.x - glyph->X0 * scale, top = v[0].pos.y - glyph->Y0 * scale;
    const bool continues = i == last_vertex + 4 && std::fabs(top - baseline) < 1.0f && start > pen - 1.0f;
    if (!continues) texts.emplace_back();
    else if (start - pen > 0.5f * font->FallbackAdvanceX * scale) texts.back() += ' ';
    texts.back() += static_cast<char>(glyph->Codepoint);
    pen = start + glyph->AdvanceX * scale;
    baseline = top;
    last_vertex = i;
    i += 3;
  }
  return texts;
}

bool Drawn(const std::vector<std::string>& texts, const std::string& s) {
  return std::find(texts.begin(), texts.end(), s) != texts.end();
}

std::string Joined(const std::vector<std::string>& texts) {
  std::string out;
  for (const auto& t : texts) out += (out.empty() ? "\"" : " \"") + t + "\"";
  return out;
}

}  // namespace

TEST_CASE("Heatmap cells take their value's colour; NaN is dark grey, -inf grey and hatched", "[viz]") {
  HeadlessImGui imgui;
  const int rows = 3, cols = 4;
  const float values[rows * cols] = {0.0f, 0.5f, 1.0f, kNaN,  //
                                     -kInf, 0.25f, -kInf, 1.0f,  //
                                     0.75f, -kInf, 0.0f, 0.5f};
  viz::HeatmapSpec hs;
  hs.values = values;
  hs.rows = rows;
  hs.cols = cols;
  hs.vmin = 0.0f;
  hs.vmax = 1.0f;
  hs.auto_map = false;
  hs.map = viz::ColorMap::kViridis;
  hs.size = ImVec2(400, 300);
  imgui.BeginFrame();
  const ImDrawList* dl = ImGui::GetWindowDrawList();
  const int from = dl->VtxBuffer.Size;
  const viz::HeatmapResult r = viz::Heatmap("cells", hs);
  const float cw = (r.grid_max.x - r.grid_min.x) / cols, ch = (r.grid_max.y - r.grid_min.y) / rows;
  const ImU32 hatch = Grey(0.38f);
  for (int row = 0; row < rows; ++row)
    for (int col = 0; col < cols; ++col) {
      const float v = values[row * cols + col];
      const ImVec2 a(r.grid_min.x + col * cw, r.grid_min.y + row * ch), b(a.x + cw, a.y + ch);
      INFO("cell (" << row << ", " << col << ") = " << v);
      if (v == -kInf) {  // hatch lines end on the cell's edges
        CHECK(SameRgb(FilledRectColor(dl, from, a, b), Grey(0.62f)));
        CHECK(VerticesInside(dl, from, a, b, hatch, 0.0f) > 0);
      } else {
        // On a [0, 1] scale a value is its own position on the map.
        CHECK(FilledRectColor(dl, from, a, b) == (std::isnan(v) ? Grey(0.2f) : viz::MapColor(viz::ColorMap::kViridis, v)));
        CHECK(VerticesInside(dl, from, a, b, hatch, 2.5f) == 0);
      }
    }
  imgui.EndFrame();
}

TEST_CASE("Heatmap legend ticks read the scale's top, middle and bottom, and name the non-finite kinds", "[viz]") {
  HeadlessImGui imgui;
  const float plain[] = {-1.0f, 0.5f, 3.0f, 2.0f};
  const float gaps[] = {-1.0f, -kInf, kNaN, 2.0f};
  viz::HeatmapSpec hs;
  hs.rows = 2;
  hs.cols = 2;
  hs.size = ImVec2(300, 200);
  imgui.BeginFrame();
  const ImDrawList* dl = ImGui::GetWindowDrawList();
  int from = dl->VtxBuffer.Size;
  hs.values = plain;  // signed data: a range symmetric around 0, from -3 to 3
  viz::Heatmap("auto", hs);
  auto texts = DrawnTexts(dl, from);
  CHECK(Drawn(texts, "3"));
  CHECK(Drawn(texts, "0"));
  CHECK(Drawn(texts, "-3"));
  CHECK_FALSE(Drawn(texts, "masked"));
  CHECK_FALSE(Drawn(texts, "no data"));

  from = dl->VtxBuffer.Size;
  hs.values = gaps;
  hs.vmin = -2.0f;
  hs.vmax = 6.0f;
  viz::Heatmap("manual", hs);
  texts = DrawnTexts(dl, from);
  CHECK(Drawn(texts, "6"));
  CHECK(Drawn(texts, "2"));
  CHECK(Drawn(texts, "-2"));
  CHECK(Drawn(texts, "masked"));
  CHECK(Drawn(texts, "no data"));
  imgui.EndFrame();
}

TEST_CASE("The selected row is marked by a triangle pointing at its middle", "[viz]") {
  HeadlessImGui imgui;
  const std::vector<float> scores = CausalScores(8, 8, 0);
  viz::HeatmapSpec hs;
  hs.values = scores.data();
  hs.rows = 8;
  hs.cols = 8;
  hs.size = ImVec2(400, 400);
  const ImU32 text = ImGui::GetColorU32(ImGuiCol_Text);
  // Mean height of the opaque text-coloured vertices in the gutter left of the grid: the
  // marker's centre (its anti-aliased outline is symmetric about it). NaN when none.
  auto marker_y = [&](const viz::HeatmapResult& r, int from) {
    double sum = 0.0;
    int count = 0;
    const ImDrawList* dl = ImGui::GetWindowDrawList();
    for (int i = from; i < dl->VtxBuffer.Size; ++i) {
      const ImDrawVert& v = dl->VtxBuffer[i];
      if (v.col == text && v.pos.x < r.grid_min.x && v.pos.y >= r.grid_min.y && v.pos.y <= r.grid_max.y) {
        sum += v.pos.y;
        ++count;
      }
    }
    return count ? sum / count : std::nan("");
  };
  imgui.BeginFrame();
  for (int row : {0, 5, 7}) {
    INFO("selected row " << row);
    hs.selected_row = row;
    const int from = ImGui::GetWindowDrawList()->VtxBuffer.Size;
    const viz::HeatmapResult r = viz::Heatmap(row == 0 ? "a" : row == 5 ? "b" : "c", hs);
    const float ch = (r.grid_max.y - r.grid_min.y) / 8;
    CHECK(marker_y(r, from) == Approx(r.grid_min.y + (row + 0.5f) * ch).margin(0.5));
  }
  hs.selected_row = -1;
  const int from = ImGui::GetWindowDrawList()->VtxBuffer.Size;
  CHECK(std::isnan(marker_y(viz::Heatmap("none", hs), from)));
  imgui.EndFrame();
}

TEST_CASE("Highlighted cells are outlined along the border of the highlighted region only", "[viz]") {
  HeadlessImGui imgui;
  const std::vector<float> scores = CausalScores(4, 4, 0);
  std::vector<unsigned char> mask(16, 0);
  for (int c = 0; c < 4; ++c) mask[2 * 4 + c] = 1;  // row 2
  viz::HeatmapSpec hs;
  hs.values = scores.data();
  hs.rows = 4;
  hs.cols = 4;
  hs.size = ImVec2(300, 300);
  hs.highlight = mask.data();
  const ImU32 white = IM_COL32(255, 255, 255, 255);
  imgui.BeginFrame();
  const ImDrawList* dl = ImGui::GetWindowDrawList();
  const int from = dl->VtxBuffer.Size;
  const viz::HeatmapResult r = viz::Heatmap("row 2", hs);
  const float ch = (r.grid_max.y - r.grid_min.y) / 4;
  int inside = 0, outside = 0;
  for (int i = from; i < dl->VtxBuffer.Size; ++i) {
    const ImDrawVert& v = dl->VtxBuffer[i];
    if (v.col != white || v.pos.x < r.grid_min.x || v.pos.x > r.grid_max.x) continue;
    const bool in_row = v.pos.y >= r.grid_min.y + 2 * ch - 0.01f && v.pos.y <= r.grid_min.y + 3 * ch + 0.01f;
    (in_row ? inside : outside) += 1;
  }
  imgui.EndFrame();
  CHECK(inside > 0);
  CHECK(outside == 0);
}

TEST_CASE("TileGrid fills each tile the way its state is drawn and hatches only skipped tiles", "[viz]") {
  HeadlessImGui imgui;
  const viz::TileState states[] = {viz::TileState::kIdle, viz::TileState::kVisited, viz::TileState::kInSram,
                                   viz::TileState::kSkipped};
  viz::TileGridSpec tg;
  tg.tile_rows = 1;
  tg.tile_cols = 4;
  tg.states = states;
  tg.aspect = 0.25f;  // 400 x 100 pixels: tiles of 100 x 100
  tg.size = ImVec2(400, 100);
  imgui.BeginFrame();
  const ImDrawList* dl = ImGui::GetWindowDrawList();
  const int from = dl->VtxBuffer.Size;
  viz::TileGrid("tiles", tg);
  const ImVec2 origin = ImGui::GetItemRectMin();
  const ImU32 accent = viz::PaletteColor(1);
  auto tile = [&](int c) { return std::make_pair(ImVec2(origin.x + 100 * c, origin.y), ImVec2(origin.x + 100 * (c + 1), origin.y + 100)); };
  const auto [idle_a, idle_b] = tile(0);
  const auto [visited_a, visited_b] = tile(1);
  const auto [sram_a, sram_b] = tile(2);
  const auto [skipped_a, skipped_b] = tile(3);
  CHECK(FilledRectColor(dl, from, idle_a, idle_b) == ImGui::GetColorU32(ImGuiCol_Text, 0.06f));
  const ImU32 visited = FilledRectColor(dl, from, visited_a, visited_b);
  CHECK(SameRgb(visited, accent));
  CHECK((visited >> IM_COL32_A_SHIFT) == Approx(0.32 * 255).margin(1));
  CHECK(FilledRectColor(dl, from, sram_a, sram_b) == accent);
  const ImU32 hatch = ImGui::GetColorU32(ImGuiCol_Text, 0.55f);  // lines in the theme's text colour
  CHECK(VerticesInside(dl, from, skipped_a, skipped_b, hatch, 0.0f) > 0);
  // The tile boundaries share the text colour's RGB at other alphas: the hatch's own alpha
  // tells its lines apart.
  int hatch_vertices = 0;
  for (int i = from; i < dl->VtxBuffer.Size; ++i) {
    const ImDrawVert& v = dl->VtxBuffer[i];
    hatch_vertices += v.col == hatch && v.pos.x >= skipped_a.x && v.pos.x <= skipped_b.x && v.pos.y >= skipped_a.y &&
                      v.pos.y <= skipped_b.y;
  }
  CHECK(hatch_vertices > 8);
  for (int c = 0; c < 3; ++c) {
    INFO("tile " << c);
    CHECK(VerticesInside(dl, from, tile(c).first, tile(c).second, hatch, 2.5f) == 0);
  }
  imgui.EndFrame();
}

TEST_CASE("Line chart labels its axes, its series and whole-number x ticks", "[viz]") {
  HeadlessImGui imgui;
  const float y[] = {10.0f, 30.0f, 20.0f};  // x = 0, 1, 2
  viz::LineSeries s;
  s.label = "running max";
  s.y = y;
  s.count = 3;
  viz::LineChartSpec spec;
  spec.x_label = "kv step";
  spec.y_label = "value";
  spec.size = ImVec2(600, 300);
  spec.integer_x = true;
  imgui.BeginFrame();
  const ImDrawList* dl = ImGui::GetWindowDrawList();
  int from = dl->VtxBuffer.Size;
  viz::LineChart("whole", spec, &s, 1);
  auto texts = DrawnTexts(dl, from);
  INFO("drawn: " << Joined(texts));
  for (const char* label : {"kv step", "value", "running max", "0", "1", "2", "10", "20", "30"}) {
    INFO(label);
    CHECK(Drawn(texts, label));
  }
  const auto fractional = [](const std::string& t) { return t.find('.') != std::string::npos; };
  CHECK(std::none_of(texts.begin(), texts.end(), fractional));  // block indices have no halves
  spec.integer_x = false;
  from = dl->VtxBuffer.Size;
  viz::LineChart("fractional", spec, &s, 1);
  texts = DrawnTexts(dl, from);
  INFO("without integer_x: " << Joined(texts));
  CHECK(std::any_of(texts.begin(), texts.end(), fractional));
  imgui.EndFrame();
}

TEST_CASE("Line chart on a fixed x axis draws only the points given and shades what is to come", "[viz]") {
  HeadlessImGui imgui;
  const float x[] = {0, 1, 2, 3};
  const float y[] = {1.0f, 2.0f, 3.0f, 4.0f};
  viz::LineSeries s;
  s.label = "m";
  s.x = x;
  s.y = y;
  s.count = 1;  // the loop has computed block 0 only
  s.markers = true;
  s.color = IM_COL32(10, 200, 30, 255);
  viz::LineChartSpec spec;
  spec.size = ImVec2(600, 300);
  spec.integer_x = true;
  spec.legend = false;
  spec.x_min = 0;
  spec.x_max = 3;
  spec.future_x = 0.5f;
  imgui.BeginFrame();
  const ImDrawList* dl = ImGui::GetWindowDrawList();
  int from = dl->VtxBuffer.Size;
  viz::LineChart("future", spec, &s, 1);
  auto texts = DrawnTexts(dl, from);
  INFO("drawn: " << Joined(texts));
  for (const char* label : {"0", "1", "2", "3", "not computed yet"}) {
    INFO(label);
    CHECK(Drawn(texts, label));
  }
  // One marker (a filled circle of 12 segments, anti-aliased: about 24 vertices) and no
  // polyline: fewer vertices of the series' colour than two markers have.
  int coloured = 0;
  for (int i = from; i < dl->VtxBuffer.Size; ++i) coloured += SameRgb(dl->VtxBuffer[i].col, s.color);
  CHECK(coloured > 0);
  CHECK(coloured < 2 * 24);
  // Without future_x nothing is shaded or noted; with every point the polyline is drawn.
  spec.future_x = NAN;
  s.count = 4;
  from = dl->VtxBuffer.Size;
  viz::LineChart("whole", spec, &s, 1);
  texts = DrawnTexts(dl, from);
  CHECK_FALSE(Drawn(texts, "not computed yet"));
  coloured = 0;
  for (int i = from; i < dl->VtxBuffer.Size; ++i) coloured += SameRgb(dl->VtxBuffer[i].col, s.color);
  CHECK(coloured > 4 * 24);
  imgui.EndFrame();
}

TEST_CASE("Heatmap marks the selected row outside the grid only, and draws a log scale by decades", "[viz]") {
  HeadlessImGui imgui;
  const int rows = 4, cols = 4;
  std::vector<float> values(rows * cols);
  for (int i = 0; i < rows * cols; ++i) values[i] = std::pow(10.0f, -5.0f + 5.0f * float(i) / (rows * cols - 1));
  viz::HeatmapSpec hs;
  hs.values = values.data();
  hs.rows = rows;
  hs.cols = cols;
  hs.size = ImVec2(400, 300);
  hs.selected_row = 2;
  hs.vmin = 1e-5f;
  hs.vmax = 1.0f;
  hs.log_scale = true;
  hs.auto_map = false;
  hs.map = viz::ColorMap::kViridis;
  imgui.BeginFrame();
  const ImDrawList* dl = ImGui::GetWindowDrawList();
  const int from = dl->VtxBuffer.Size;
  const viz::HeatmapResult r = viz::Heatmap("log", hs);
  // The row's marker: text-coloured triangles, none of whose vertices lie over the cells.
  const ImU32 marker = ImGui::GetColorU32(ImGuiCol_Text);
  int left = 0, right = 0, inside = 0;
  for (int i = from; i < dl->VtxBuffer.Size; ++i) {
    const ImDrawVert& v = dl->VtxBuffer[i];
    if (v.col != marker) continue;
    const bool in_y = v.pos.y > r.grid_min.y && v.pos.y < r.grid_max.y;
    if (!in_y) continue;
    if (v.pos.x < r.grid_min.x) ++left;
    else if (v.pos.x > r.grid_max.x) ++right;
    else ++inside;
  }
  CHECK(left >= 3);
  CHECK(right >= 3);
  CHECK(inside == 0);
  // Log colours: 10^-2.5, the geometric middle of the scale, takes the middle of the map.
  CHECK(r.range_min == Approx(1e-5f));
  CHECK(r.range_max == Approx(1.0f));
  const float cw = (r.grid_max.x - r.grid_min.x) / cols, ch = (r.grid_max.y - r.grid_min.y) / rows;
  // Cell i holds 10^(-5 + i/3): the bottom, 10^-2 three fifths of the way up, the top.
  for (const auto& [i, t] : {std::make_pair(0, 0.0f), std::make_pair(9, 0.6f), std::make_pair(rows * cols - 1, 1.0f)}) {
    INFO("cell " << i);
    const ImVec2 a(r.grid_min.x + (i % cols) * cw, r.grid_min.y + (i / cols) * ch), b(a.x + cw, a.y + ch);
    const ImU32 got = FilledRectColor(dl, from, a, b), want = viz::MapColor(viz::ColorMap::kViridis, t);
    for (int shift : {IM_COL32_R_SHIFT, IM_COL32_G_SHIFT, IM_COL32_B_SHIFT})
      CHECK(std::abs(int((got >> shift) & 0xFF) - int((want >> shift) & 0xFF)) <= 2);
  }
  auto texts = DrawnTexts(dl, from);
  INFO("drawn: " << Joined(texts));
  CHECK(Drawn(texts, "1"));
  CHECK(Drawn(texts, "0.00316"));  // sqrt(1e-5 * 1), the middle tick
  imgui.EndFrame();
}

TEST_CASE("TileGrid marks a row and a column across the matrix, and a bar chart frames one group", "[viz]") {
  HeadlessImGui imgui;
  const viz::TileState states[4] = {viz::TileState::kIdle, viz::TileState::kIdle, viz::TileState::kIdle,
                                    viz::TileState::kIdle};
  viz::TileGridSpec tg;
  tg.tile_rows = 2;
  tg.tile_cols = 2;
  tg.states = states;
  tg.size = ImVec2(200, 200);
  tg.mark_row = 0.25f;  // a quarter of the way down
  tg.mark_col = 0.75f;
  imgui.BeginFrame();
  const ImDrawList* dl = ImGui::GetWindowDrawList();
  int from = dl->VtxBuffer.Size;
  viz::TileGrid("marked", tg);
  const ImVec2 o = ImGui::GetItemRectMin();
  // The cyan lines' vertices: the column's at x = left + 150; the others are the row line's,
  // level, a quarter of the way down, and across the whole width.
  int vertical = 0;
  float row_min_y = 1e9f, row_max_y = -1e9f, row_min_x = 1e9f, row_max_x = -1e9f;
  for (int i = from; i < dl->VtxBuffer.Size; ++i) {
    const ImDrawVert& v = dl->VtxBuffer[i];
    if (v.col != viz::kLinkColor) continue;
    if (std::fabs(v.pos.x - o.x - 150.0f) < 3.0f) {
      ++vertical;
      continue;
    }
    row_min_y = std::min(row_min_y, v.pos.y);
    row_max_y = std::max(row_max_y, v.pos.y);
    row_min_x = std::min(row_min_x, v.pos.x);
    row_max_x = std::max(row_max_x, v.pos.x);
  }
  CHECK(vertical >= 2);
  CHECK(row_max_y - row_min_y < 6.0f);
  CHECK(row_min_y - o.y == Approx(50.0f).margin(4.0f));
  CHECK(row_max_x - row_min_x > 190.0f);
  // Without marks, no cyan at all.
  tg.mark_row = tg.mark_col = -1.0f;
  from = dl->VtxBuffer.Size;
  viz::TileGrid("plain", tg);
  int cyan = 0;
  for (int i = from; i < dl->VtxBuffer.Size; ++i) cyan += dl->VtxBuffer[i].col == viz::kLinkColor;
  CHECK(cyan == 0);
  // A bar chart's marked group gets a frame of the marked colour inside that group's columns.
  const float values[4] = {0.1f, 0.4f, 0.2f, 0.3f};
  viz::BarSeries bars;
  bars.values = values;
  bars.count = 4;
  viz::BarChartSpec spec;
  spec.size = ImVec2(400, 200);
  spec.marked = 2;
  spec.legend = false;
  from = dl->VtxBuffer.Size;
  viz::BarChart("bars", spec, &bars, 1);
  float min_x = 1e9f, max_x = -1e9f;
  for (int i = from; i < dl->VtxBuffer.Size; ++i)
    if (dl->VtxBuffer[i].col == spec.marked_color) {
      min_x = std::min(min_x, dl->VtxBuffer[i].pos.x);
      max_x = std::max(max_x, dl->VtxBuffer[i].pos.x);
    }
  const ImVec2 c0 = ImGui::GetItemRectMin(), c1 = ImGui::GetItemRectMax();
  REQUIRE(max_x > min_x);
  // The frame lies in the third quarter of the plot, which is most of the chart's width.
  CHECK(min_x > c0.x + 0.4f * (c1.x - c0.x));
  CHECK(max_x < c1.x - 0.1f * (c1.x - c0.x));
  imgui.EndFrame();
}

TEST_CASE("Status colours keep their contrast on both themes, and panels take colours from the palette", "[viz]") {
  // WCAG contrast ratio of two colours from their relative luminance.
  const auto lin = [](float c) { return c <= 0.03928f ? c / 12.92f : std::pow((c + 0.055f) / 1.055f, 2.4f); };
  const auto lum = [&](ImVec4 c) { return 0.2126f * lin(c.x) + 0.7152f * lin(c.y) + 0.0722f * lin(c.z); };
  const auto contrast = [&](ImVec4 a, ImVec4 b) {
    const float la = lum(a), lb = lum(b);
    return (std::max(la, lb) + 0.05f) / (std::min(la, lb) + 0.05f);
  };
  for (const bool light : {false, true}) {
    ImGuiStyle style;
    if (light)
      ImGui::StyleColorsLight(&style);
    else
      ImGui::StyleColorsDark(&style);
    viz::SetLightTheme(light);
    for (const viz::Tone t : {viz::Tone::kGood, viz::Tone::kBad, viz::Tone::kWarn, viz::Tone::kNote}) {
      INFO((light ? "light" : "dark") << " theme, tone " << static_cast<int>(t));
      CHECK(contrast(viz::ToneColorV(t), style.Colors[ImGuiCol_WindowBg]) >= 3.0f);
    }
  }
  viz::SetLightTheme(false);
  // No literal colours in the panels (a black halo around a highlight aside).
  for (const char* name : {"compare", "controls", "drift", "errors", "precision", "softmax", "throughput", "tiles",
                           "scores", "output", "bits"}) {
    const std::string path = std::string(FS_SOURCE_DIR) + "/app/panel_" + name + ".cpp";
    std::ifstream in(path);
    REQUIRE(in);
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
      ++number;
      INFO(path << ":" << number << ": " << line);
      const size_t col32 = line.find("IM_COL32(");
      CHECK((col32 == std::string::npos || line.compare(col32, 18, "IM_COL32(0, 0, 0, ") == 0));
      const size_t vec4 = line.find("ImVec4(");
      CHECK((vec4 == std::string::npos || !std::isdigit(static_cast<unsigned char>(line[vec4 + 7]))));
    }
  }
}

TEST_CASE("TileGrid slides the block in SRAM from where it was while a step animates", "[viz]") {
  HeadlessImGui imgui;
  const viz::TileState states[4] = {viz::TileState::kVisited, viz::TileState::kVisited, viz::TileState::kInSram,
                                    viz::TileState::kIdle};
  viz::TileGridSpec tg;
  tg.tile_rows = 4;
  tg.tile_cols = 1;
  tg.states = states;
  tg.size = ImVec2(100, 400);
  tg.aspect = 4.0f;
  tg.accent = IM_COL32(230, 159, 0, 255);
  // The accent's filled rectangles: their top edges.
  const auto accent_tops = [&](const ImDrawList* dl, int from) {
    std::vector<float> tops;
    for (int i = from; i + 3 < dl->VtxBuffer.Size; ++i)
      if (dl->VtxBuffer[i].col == tg.accent) tops.push_back(dl->VtxBuffer[i].pos.y);
    return tops;
  };
  imgui.BeginFrame();
  const ImDrawList* dl = ImGui::GetWindowDrawList();
  int from = dl->VtxBuffer.Size;
  viz::TileGrid("still", tg);
  const float top = ImGui::GetItemRectMin().y;
  std::vector<float> tops = accent_tops(dl, from);
  REQUIRE_FALSE(tops.empty());
  const float still = *std::min_element(tops.begin(), tops.end()) - top;  // block 2's top
  tg.slide_from_row = 0;
  tg.slide_from_col = 0;
  tg.slide_t = 0.5f;  // eased: 1 - 0.5^2 = 75% of the way from block 0 to block 2
  from = dl->VtxBuffer.Size;
  viz::TileGrid("sliding", tg);
  const float top2 = ImGui::GetItemRectMin().y;
  tops = accent_tops(dl, from);
  REQUIRE_FALSE(tops.empty());
  const float moving = *std::min_element(tops.begin(), tops.end()) - top2;
  const float tile_h = still / 2.0f;  // block 2 starts two tiles down
  CHECK(moving == Approx(0.75f * still).margin(1.0f));
  CHECK(moving > tile_h);
  imgui.EndFrame();
}
